// The daemons' logs: JSON lines or a readable line, the level as configured,
// and secrets never written whatever object a log call is given.
import t from 'tap';
import { PassThrough } from 'node:stream';
import { componentLogger, createLogger, prettyLine } from '../../../node/daemon/logger.js';

/** A destination that keeps what is written, and says whether it is a terminal. */
function collector(isTTY = false): PassThrough & { isTTY: boolean; text(): string; lines(): string[] } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; text(): string; lines(): string[] };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = isTTY;
  stream.text = () => text;
  stream.lines = () => text.split('\n').filter((line) => line !== '');
  return stream;
}

/** Lets the PassThrough deliver what was written. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

t.test('JSON lines: one object per line, with the time, level, base fields and message', async (t) => {
  const out = collector();
  const logger = createLogger({ level: 'info', format: 'json' }, { destination: out, base: { daemon: 'node' } });
  logger.info({ peer: '02ab', channels: 3 }, 'node started');
  logger.warn('gateway unreachable');
  await settle();
  const lines = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(lines.length, 2);
  t.match(lines[0], { level: 30, daemon: 'node', peer: '02ab', channels: 3, msg: 'node started' });
  t.match(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'an ISO time');
  t.match(lines[1], { level: 40, daemon: 'node', msg: 'gateway unreachable' });
  t.notOk('pid' in lines[0]! || 'hostname' in lines[0]!, 'no pid or hostname unless given as base fields');
});

t.test('lines below the configured level are dropped', async (t) => {
  const out = collector();
  const logger = createLogger({ level: 'warn', format: 'json' }, { destination: out });
  logger.trace('trace');
  logger.debug('debug');
  logger.info('info');
  logger.warn('warn');
  logger.error('error');
  logger.fatal('fatal');
  await settle();
  t.same(out.lines().map((line) => (JSON.parse(line) as { msg: string }).msg), ['warn', 'error', 'fatal']);
  const everything = collector();
  const verbose = createLogger({ level: 'trace', format: 'json' }, { destination: everything });
  verbose.trace('trace');
  verbose.debug('debug');
  await settle();
  t.equal(everything.lines().length, 2, 'trace lets everything through');
});

t.test('pretty: a short line for people, on request or on a terminal', async (t) => {
  const pretty = collector();
  createLogger({ level: 'info', format: 'pretty' }, { destination: pretty }).info({ peer: '02ab', amount: 1000 }, 'payment received');
  const terminal = collector(true);
  createLogger({ level: 'info', format: 'auto' }, { destination: terminal }).warn({ reason: 'no route' }, 'payment failed');
  const pipe = collector(false);
  createLogger({ level: 'info', format: 'auto' }, { destination: pipe }).info('to a pipe');
  const forcedJson = collector(true);
  createLogger({ level: 'info', format: 'json' }, { destination: forcedJson }).info('json on a terminal');
  await settle();
  t.match(pretty.text(), /^\d\d:\d\d:\d\d INFO  payment received {2}peer=02ab amount=1000\n$/, 'HH:MM:SS LEVEL msg  key=value');
  t.match(terminal.text(), /^\d\d:\d\d:\d\d WARN  payment failed {2}reason="no route"\n$/, 'auto on a terminal is pretty; a value with a space is quoted');
  t.match(JSON.parse(pipe.text()), { msg: 'to a pipe' }, 'auto elsewhere is JSON');
  t.match(JSON.parse(forcedJson.text()), { msg: 'json on a terminal' }, 'json is JSON even on a terminal');
});

t.test('prettyLine: each level, fields after the message, anything else passed through', async (t) => {
  const time = '2025-03-01T12:03:04.567Z';
  t.equal(prettyLine(JSON.stringify({ level: 30, time, msg: 'started' })), '12:03:04 INFO  started\n', 'no fields: no trailing spaces');
  t.equal(prettyLine(JSON.stringify({ level: 50, time, msg: 'broken', code: 7, nested: { a: 1 } })), '12:03:04 ERROR broken  code=7 nested={"a":1}\n');
  for (const [level, name] of [[10, 'TRACE'], [20, 'DEBUG'], [40, 'WARN '], [60, 'FATAL']] as const) {
    t.equal(prettyLine(JSON.stringify({ level, time, msg: 'm' })), `12:03:04 ${name} m\n`, name.trim());
  }
  t.equal(prettyLine(JSON.stringify({ level: 35, time, msg: 'm' })), '12:03:04 35 m\n', 'an unknown level by number');
  t.equal(prettyLine('not json\n'), 'not json\n', 'a line that is not JSON is left as it is');
});

t.test('secrets are censored wherever a log call puts them', async (t) => {
  const seed = 'aa'.repeat(32);
  const password = 'hunter2-rpc';
  const secretKey = 'bb'.repeat(32);
  const preimage = 'cc'.repeat(32);
  const words = 'abandon ability able about above absent absorb abstract';
  for (const format of ['json', 'pretty'] as const) {
    const out = collector();
    const logger = createLogger({ level: 'info', format }, { destination: out });
    logger.info({ seed, password, nested: { secretKey, preimage }, words, apiKey: 'key-123', secret: 'shh', keep: 'visible' }, 'careless call');
    await settle();
    const text = out.text();
    for (const [name, value] of Object.entries({ seed, password, secretKey, preimage, words, apiKey: 'key-123', secret: 'shh' })) {
      t.notOk(text.includes(value), `${format}: no ${name}`);
    }
    t.ok(text.includes('[secret]'), `${format}: censored as [secret]`);
    t.equal(text.split('[secret]').length - 1, 7, `${format}: all seven censored`);
    t.ok(text.includes('visible'), `${format}: other fields are kept`);
  }
  const out = collector();
  createLogger({ level: 'info', format: 'json' }, { destination: out }).info({ channel: { peer: '02ab', seed } }, 'one level down');
  await settle();
  t.match(JSON.parse(out.text()), { channel: { peer: '02ab', seed: '[secret]' } }, 'one level down too');
});

t.test("a component's Logger writes to pino, tagged with the component, at its level", async (t) => {
  const out = collector();
  const logger = componentLogger(createLogger({ level: 'info', format: 'json' }, { destination: out }), 'channels');
  logger.log('info', 'claim broadcast', { claim: 'to_local', txid: 'ab'.repeat(32) });
  logger.log('debug', 'below the level');
  logger.log('warn', 'the funding output is spent', { kind: 'revoked', preimage: 'ff' });
  await settle();
  const lines = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(lines.length, 2, 'debug dropped at level info');
  t.match(lines[0], { level: 30, component: 'channels', claim: 'to_local', msg: 'claim broadcast' });
  t.match(lines[1], { level: 40, component: 'channels', kind: 'revoked', preimage: '[secret]' }, 'secrets censored here too');
});
