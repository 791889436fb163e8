// The control socket end to end: a real ControlServer on a real Unix socket, called through
// callControl, and through raw sockets for what the client never sends.
import { once } from 'node:events';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { DaemonNotRunningError, callControl } from '../../../node/control/control-client.js';
import { ControlError } from '../../../node/control/control-protocol.js';
import { type ControlHandler, ControlServer, ControlSocketError } from '../../../node/control/control-server.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { warningsInto } from '../../../sim/kit/logger.js';

/** A short directory: a Unix socket path must fit in 107 bytes, which tap's fixture paths may not. */
function socketDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-control-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startServer(t: Test, handlers: Record<string, ControlHandler>, maxLineBytes?: number) {
  const socketPath = join(socketDir(t), 'control.sock');
  const warnings: string[] = [];
  const server = new ControlServer(handlers, { socketPath, logger: warningsInto(warnings), ...(maxLineBytes === undefined ? {} : { maxLineBytes }) });
  await server.start();
  t.teardown(() => server.stop());
  return { server, socketPath, warnings };
}

/** A raw connection that reads whole lines, for requests callControl never sends. */
async function rawConnection(t: Test, socketPath: string) {
  const socket = connect(socketPath);
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    buffered += text;
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const closed = once(socket, 'close');
  const nextLine = (): Promise<Record<string, unknown>> =>
    new Promise<string>((resolve) => {
      const line = lines.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    }).then((line) => JSON.parse(line) as Record<string, unknown>);
  return { socket, nextLine, closed };
}

/** A promise with its resolve outside, to hold a handler until the test lets it go. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => (open = resolve));
  return { open, opened };
}

t.test('results come back as the handler returned them, params passed through', async (t) => {
  const { socketPath } = await startServer(t, {
    status: () => ({ height: 812_345, channels: 2, alias: 'hill\u00e9' }),
    echo: (params) => params,
    nothing: () => undefined,
  });
  t.same(await callControl(socketPath, 'status'), { height: 812_345, channels: 2, alias: 'hill\u00e9' });
  t.same(await callControl(socketPath, 'echo', { a: [1, { b: null }] }), { a: [1, { b: null }] });
  t.same(await callControl(socketPath, 'echo'), {}, 'no params: an empty object');
  t.equal(await callControl(socketPath, 'nothing'), null, 'undefined: null');
});

t.test('an unknown method, an own property only', async (t) => {
  const { socketPath } = await startServer(t, { status: () => 1, pay: () => 2 });
  for (const method of ['stauts', 'toString', '__proto__', 'constructor']) {
    await t.rejects(callControl(socketPath, method), { name: 'ControlError', code: 'unknown_method', message: /unknown method .*\(known: pay, status\)/ }, method);
  }
});

t.test('handler errors become codes: invalid_params with the field, failed with the message only', async (t) => {
  const { socketPath, warnings } = await startServer(t, {
    invalid: () => {
      throw new InvalidInputError('amountMsat', 'expected an integer, got "ten"');
    },
    plain: () => {
      throw new Error('the wallet is locked');
    },
    rejects: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('no route to 02ab');
    },
    chosen: () => {
      throw new ControlError('insufficient_funds', 'need 5000 sat, have 1200', 'amountSat');
    },
    oddThrow: () => {
      throw 'a string';
    },
    undefinedThrow: () => Promise.reject(undefined),
    bigint: () => ({ sats: 10n }),
  });
  await t.rejects(callControl(socketPath, 'invalid', { amountMsat: 'ten' }), {
    name: 'ControlError',
    code: 'invalid_params',
    field: 'amountMsat',
    message: 'amountMsat: expected an integer, got "ten"',
  });
  const plain = await callControl(socketPath, 'plain').catch((error: ControlError) => error);
  t.match(plain, { code: 'failed', message: 'the wallet is locked', field: undefined });
  t.notMatch(String((plain as Error).message), /\n\s+at /, 'no stack');
  await t.rejects(callControl(socketPath, 'rejects'), { code: 'failed', message: 'no route to 02ab' });
  await t.rejects(callControl(socketPath, 'chosen'), { code: 'insufficient_funds', message: 'need 5000 sat, have 1200', field: 'amountSat' });
  await t.rejects(callControl(socketPath, 'oddThrow'), { code: 'failed', message: 'a string' });
  await t.rejects(callControl(socketPath, 'undefinedThrow'), { code: 'failed', message: 'undefined thrown' });
  await t.rejects(callControl(socketPath, 'bigint'), { code: 'failed', message: /cannot be sent as JSON/ });
  t.match(warnings, [/wallet is locked/, /no route/, /a string/, /undefined thrown/], 'unexpected failures are warnings for the log');
});

t.test('a slow handler holds up nothing: on other connections, nor on its own', async (t) => {
  const slow = gate<string>();
  const { socketPath } = await startServer(t, { slow: () => slow.opened, fast: () => 'fast' });
  const slowCall = callControl(socketPath, 'slow');
  t.equal(await callControl(socketPath, 'fast'), 'fast', 'answered while the slow call waits');

  const raw = await rawConnection(t, socketPath);
  raw.socket.write('{"id": 1, "method": "slow"}\n{"id": 2, "method": "fast"}\n');
  t.same(await raw.nextLine(), { id: 2, result: 'fast' }, 'the later request first');
  slow.open('slow');
  t.same(await raw.nextLine(), { id: 1, result: 'slow' });
  t.equal(await slowCall, 'slow');
});

t.test('the socket file is owner-only, and the umask is left as it was', async (t) => {
  const umask = process.umask(0o022);
  t.teardown(() => process.umask(umask));
  const { socketPath } = await startServer(t, {});
  t.equal(statSync(socketPath).mode & 0o777, 0o600);
  t.equal(process.umask(0o022), 0o022, 'umask restored');
});

t.test('a folder that others can write is refused for the socket, unless it is sticky like /tmp', async (t) => {
  const dir = socketDir(t);
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const socketPath = join(open, 'control.sock');
  await t.rejects(new ControlServer({}, { socketPath }).start(), {
    name: 'ControlSocketError',
    message: `${open} (mode 0777) can be written by group or others, who could replace the control socket ${socketPath}: put it in a directory of your own (the data directory, by default), or run chmod 700 ${open}`,
  });
  t.same(readdirSync(open), [], 'no socket was made');
  chmodSync(open, 0o1777);
  const server = new ControlServer({ status: () => 'up' }, { socketPath });
  await server.start();
  t.teardown(() => server.stop());
  t.equal(await callControl(socketPath, 'status'), 'up', 'sticky: others cannot remove or rename our socket');
});

t.test('a stale socket file is replaced; a live one, or a file that is no socket, refused', async (t) => {
  const dir = socketDir(t);
  const stalePath = join(dir, 'stale.sock');
  // A socket file nobody listens on: a hard link to a live one, which then closes.
  const old = createServer();
  old.listen(join(dir, 'old.sock'));
  await once(old, 'listening');
  linkSync(join(dir, 'old.sock'), stalePath);
  await new Promise((resolve) => old.close(resolve));
  await t.rejects(callControl(stalePath, 'status'), { name: 'DaemonNotRunningError', code: 'ECONNREFUSED' });

  const server = new ControlServer({ status: () => 'up' }, { socketPath: stalePath });
  await server.start();
  t.teardown(() => server.stop());
  t.equal(await callControl(stalePath, 'status'), 'up', 'the stale file replaced');

  const second = new ControlServer({}, { socketPath: stalePath });
  await t.rejects(second.start(), { name: 'ControlSocketError', message: `another process listens on ${stalePath}` });
  t.equal(await callControl(stalePath, 'status'), 'up', 'the first still serves');
  await second.stop();
  t.ok(existsSync(stalePath), 'the refused one removed nothing');

  const filePath = join(dir, 'config.yaml');
  writeFileSync(filePath, 'precious');
  await t.rejects(new ControlServer({}, { socketPath: filePath }).start(), new ControlSocketError(`${filePath} exists and is not a socket`));
  t.equal(readFileSync(filePath, 'utf8'), 'precious', 'a file that is no socket is left alone');

  await t.rejects(new ControlServer({}, { socketPath: join(dir, 's'.repeat(120)) }).start(), { name: 'ControlSocketError', message: /Unix sockets allow at most 107/ });
  await t.rejects(server.start(), { name: 'ControlSocketError', message: /already started/ });
});

t.test('a line over the limit: bad_request, then the connection closes', async (t) => {
  const { socketPath } = await startServer(t, { status: () => 'up' }, 1024);
  const complete = await rawConnection(t, socketPath);
  complete.socket.write(`{"id": 1, "method": "status", "params": {"x": "${'a'.repeat(2000)}"}}\n`);
  t.match(await complete.nextLine(), { id: null, error: { code: 'bad_request', message: /over the limit of 1024/ } });
  await complete.closed;

  const endless = await rawConnection(t, socketPath);
  endless.socket.write('{"id": 2, "method": "status"}\n');
  t.same(await endless.nextLine(), { id: 2, result: 'up' });
  endless.socket.write('x'.repeat(5000));
  t.match(await endless.nextLine(), { id: null, error: { code: 'bad_request' } }, 'a line without its end yet, already too long');
  await endless.closed;
  t.equal(await callControl(socketPath, 'status'), 'up', 'others unaffected');
});

t.test('garbage is bad_request and the connection stays', async (t) => {
  const { socketPath } = await startServer(t, { status: () => 'up' });
  const raw = await rawConnection(t, socketPath);
  raw.socket.write('this is not json\n');
  t.match(await raw.nextLine(), { id: null, error: { code: 'bad_request', message: /not valid JSON/ } });
  raw.socket.write('{"id": 3, "method": "status", "params": 5}\n');
  t.match(await raw.nextLine(), { id: 3, error: { code: 'bad_request', message: /"params" must be an object/ } });
  raw.socket.write(Buffer.from([0xff, 0xfe, 0x0a]));
  t.match(await raw.nextLine(), { id: null, error: { code: 'bad_request' } }, 'invalid UTF-8');
  raw.socket.write('{"id": 4, "method": "status"}\n');
  t.same(await raw.nextLine(), { id: 4, result: 'up' }, 'the same connection still works');
  raw.socket.write('{"id": 5, "me');
  raw.socket.write('thod": "status"}\n');
  t.same(await raw.nextLine(), { id: 5, result: 'up' }, 'a line split across writes');
});

t.test('a client gone before its answer crashes nothing', async (t) => {
  const slow = gate();
  const { socketPath } = await startServer(t, {
    slow: async () => {
      await slow.opened;
      return 'late';
    },
    big: () => 'z'.repeat(60_000),
    status: () => 'up',
  });
  const raw = await rawConnection(t, socketPath);
  raw.socket.write('{"id": 1, "method": "slow"}\n');
  for (let i = 0; i < 20; i++) raw.socket.write(`{"id": ${i + 10}, "method": "big"}\n`);
  await new Promise((resolve) => setTimeout(resolve, 5));
  raw.socket.destroy();
  await raw.closed;
  slow.open();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(await callControl(socketPath, 'status'), 'up', 'still serving');
});

t.test('stop ends connections, removes the file, and can be called again', async (t) => {
  const { server, socketPath } = await startServer(t, { status: () => 'up', hang: () => new Promise(() => {}) });
  const raw = await rawConnection(t, socketPath);
  const hanging = callControl(socketPath, 'hang').catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await Promise.all([server.stop(), server.stop()]);
  await raw.closed;
  t.match(await hanging, { name: 'ControlError', code: 'disconnected' }, 'the unanswered call learns it');
  t.notOk(existsSync(socketPath), 'the socket file is gone');
  await t.rejects(callControl(socketPath, 'status'), new DaemonNotRunningError(socketPath, 'ENOENT'));
  await server.stop();
  t.pass('stopped again');
});

t.test('nothing listening: DaemonNotRunningError that says so', async (t) => {
  const socketPath = join(socketDir(t), 'none.sock');
  const error = await callControl(socketPath, 'status').catch((error: unknown) => error);
  t.type(error, DaemonNotRunningError);
  t.equal((error as Error).message, `no daemon listens at ${socketPath}: is it running? (ENOENT)`);
});

t.test('the client: timeout, a broken or oversized answer, a daemon that hangs up', async (t) => {
  const hang = gate();
  const { socketPath } = await startServer(t, { hang: () => hang.opened });
  const started = Date.now();
  await t.rejects(callControl(socketPath, 'hang', {}, { timeoutMs: 100 }), { name: 'ControlError', code: 'timeout', message: /no answer to hang .* within 100 ms/ });
  t.ok(Date.now() - started >= 90, 'waited the timeout');
  hang.open();
  await t.rejects(callControl(socketPath, 'hang', {}, { timeoutMs: -1 }), { name: 'InvalidInputError', field: 'timeoutMs' });

  const dir = socketDir(t);
  const fake = (answer: (socket: Socket) => void): Promise<string> => {
    const path = join(dir, `fake-${Math.random().toString(16).slice(2)}.sock`);
    const server = createServer((socket) => socket.once('data', () => answer(socket)));
    t.teardown(() => server.close());
    return new Promise((resolve) => server.listen(path, () => resolve(path)));
  };
  await t.rejects(callControl(await fake((s) => s.write('garbage\n')), 'status'), { code: 'bad_response' });
  await t.rejects(callControl(await fake((s) => s.write('{"id": 99, "result": 1}\n')), 'status'), { code: 'bad_response', message: /id 99/ });
  await t.rejects(callControl(await fake((s) => s.write('y'.repeat(3000))), 'status', {}, { maxLineBytes: 1000 }), { code: 'bad_response', message: /over the limit/ });
  await t.rejects(callControl(await fake((s) => s.end()), 'status'), { code: 'disconnected' });
  t.same(await callControl(await fake((s) => s.write('{"id": 1, "result": [1]}\n')), 'status'), [1], 'any server that answers the protocol');
});
