/**
 * README.md's "Running a gateway and nodes", run as a newcomer runs it: the
 * section's `npx lnmesh ...` lines, read from the README in order, each run
 * verbatim (`npx lnmesh` is the program run-cli.ts starts; `NAME.yaml` is a
 * file in the user's directory, here a temporary one), its placeholders
 * filled from what earlier lines printed. The configs are what `init` wrote,
 * with only their `links:` filled in, as the README asks: all three on MQTT,
 * neighbours of each other. Nothing else is changed: default poll interval,
 * link timings and depths. Each line's comment is a promise, and the test
 * checks it; a comment the test does not know fails it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t, { type Test } from 'tap';
import type { ClaimSummary, OnchainSummary } from '../../../node/monitor/channel-monitor.js';
import { peek } from '../../../sim/kit/control-socket.js';
import { mqttBrokerUrl } from '../../transports/broker.js';
import { eventually, must, shortTempDir, startDaemon } from './mesh-cluster.js';
import { type ReadmeStep, readmeSection, readmeSteps } from './readme-steps.js';
import type { Daemon, Run } from './run-cli.js';

type Row = Record<string, unknown>;
t.setTimeout(600_000);

/** What the walk-through has printed so far, by the placeholder it fills. */
type Filled = Record<string, string>;

interface Walk {
  readonly t: Test;
  readonly dir: string;
  readonly mqttUrl: string;
  readonly filled: Filled;
  readonly daemons: Daemon[];
  /** The words of every line run so far, in order. */
  readonly done: (readonly string[])[];
  /** The nodes' wallets just before the close. */
  readonly beforeClose: Record<string, number>;
}

const configOf = (walk: Walk, name: string) => join(walk.dir, `${name}.yaml`);
/** The config a line names (`--config a.yaml`): `a`. */
const nameOf = (words: readonly string[]) => basename(words[words.indexOf('--config') + 1]!, '.yaml');
const channelOf = async (walk: Walk, name: string) => (await peek<Row[]>(configOf(walk, name), 'channels'))[0];
const walletOf = async (walk: Walk, name: string) => (await peek(configOf(walk, name), 'wallet')).satoshis as number;
/** The last word of the last line run that starts with these words (`faucet`: its amount). */
const lastWordOf = (walk: Walk, ...verb: string[]) => Number([...walk.done].reverse().find((words) => verb.every((word, i) => words[i] === word))!.at(-1));

/** Fills a line's placeholders and turns its config names into the user's directory's files. */
function wordsOf(walk: Walk, step: ReadmeStep): string[] {
  return step.words.map((word) => {
    if (word.startsWith('<') || word === 'lnm1...') {
      const value = walk.filled[word];
      if (value === undefined) throw new Error(`${step.line}: nothing printed before it fills ${word}`);
      return value;
    }
    return word.endsWith('.yaml') ? join(walk.dir, word) : word;
  });
}

/** What the README asks the user to do by hand before starting the daemons: fill in each config's `links:` (MQTT here). */
function fillLinks(walk: Walk): void {
  const names = ['gw', 'a', 'b'];
  const idOf = (name: string) => (name === 'gw' ? walk.filled['<gateway id>'] : walk.filled[`<${name}'s node id>`])!;
  const topicPrefix = `readme-${process.pid}`;
  const linkOf = (name: string) =>
    [
      'links:',
      `  - transport: { kind: mqtt, url: "${walk.mqttUrl}", nodeName: ${name}, topicPrefix: ${topicPrefix} }`,
      '    neighbours:',
      ...names.filter((other) => other !== name).map((other) => `      - { nodeId: ${idOf(other)}, address: ${other}, name: ${other} }`),
    ].join('\n');
  for (const name of names) {
    const config = readFileSync(configOf(walk, name), 'utf8');
    // The gateway's template has an MQTT link with no neighbours yet; a node's has none (`links: []`).
    const filled = name === 'gw' ? config.replace(/^links:\n(?:[ #].*\n)*/m, `${linkOf(name)}\n\n`) : config.replace(/^links: \[\]$/m, linkOf(name));
    if (filled === config) throw new Error(`${name}.yaml: no links: section as init writes it`);
    writeFileSync(configOf(walk, name), filled);
  }
}

/** Takes what a line prints for the lines after it; a line that should print something and does not fails. */
function capture(walk: Walk, words: readonly string[], run: Run): void {
  const take = (placeholder: string, pattern: RegExp) => {
    const value = pattern.exec(run.stdout)?.[1];
    if (value === undefined) throw new Error(`lnmesh ${words.join(' ')} printed no ${placeholder}:\n${run.stdout}`);
    walk.filled[placeholder] ??= value;
  };
  const name = nameOf(words);
  if (words[0] === 'init') take(name === 'gw' ? '<gateway id>' : `<${name}'s node id>`, /node id (0[23][0-9a-f]{64})/);
  if (words[0] === 'wallet' && name === 'a') take('<address>', /^address\s+(\S+)$/m);
  if (words[0] === 'faucet') take('<txid>', /^([0-9a-f]{64})$/m);
  if (words[0] === 'open') take('<handle>', /channel (\d+)/);
  if (words[0] === 'invoice') take('lnm1...', /(lnm1\S+)/);
}

/** A comment like `ON CHAIN: theirs close at ...; swept ... sat` as a pattern over the command's output (`...` is a value). */
function shownPattern(comment: string): RegExp {
  const shown = comment.replace(/^ON CHAIN:\s*/, '');
  return new RegExp(shown.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\S+'));
}

/** Runs a line again until its output shows what its comment says, which needs the daemons' own time (a block heard, a claim sent). */
async function untilShown(walk: Walk, words: readonly string[], pattern: RegExp, what: string): Promise<string> {
  return eventually(what, async () => {
    const run = await must(...words);
    return pattern.test(run.stdout) ? run.stdout : undefined;
  });
}

/** The promises of the walk-through's comments, each checked; `true` once a comment is known. */
async function checkPromise(walk: Walk, step: ReadmeStep, words: readonly string[], run: Run): Promise<boolean> {
  const { t } = walk;
  const comment = step.comment;
  if (comment === '' || /^prints |^regtest coins: prints|^the node's address/.test(comment)) return true; // captured, or nothing promised
  if (/^counted once the gateway proves it/.test(comment)) {
    t.match(await peek(configOf(walk, 'a'), 'wallet'), { depositsWaiting: [walk.filled['<txid>']] }, `${step.line}: the deposit waits for its proof`);
    return true;
  }
  if (/^the deposit confirms: the wallet shows it in seconds/.test(comment)) {
    const amount = lastWordOf(walk, 'faucet');
    const started = Date.now();
    await eventually('the deposit to count', async () => ((await walletOf(walk, 'a')) === amount ? true : undefined), 30_000);
    t.pass(`${step.line}: ${comment}: a's wallet shows ${amount} sat ${((Date.now() - started) / 1000).toFixed(1)} s later`);
    return true;
  }
  if (/^awaiting_funding once b signed/.test(comment)) {
    // `open` returns once asked; the funding goes out after two round trips with b, and the blocks mined next must find it.
    const shown = await untilShown(walk, words, new RegExp(`\\b${walk.filled['<handle>']}\\s+awaiting_funding\\b`), 'channels to show the channel awaiting its funding');
    t.match(shown, /awaiting_funding/, `${step.line}: ${comment}`);
    return true;
  }
  if (/^the funding's three confirmations/.test(comment)) {
    t.ok(words.at(-1) === '3', `${step.line}: three blocks`);
    return true;
  }
  if (/^open, once both nodes have seen them/.test(comment)) {
    await eventually('both nodes to see the channel open', async () => ((await channelOf(walk, 'a'))?.status === 'open' && (await channelOf(walk, 'b'))?.status === 'open' ? true : undefined));
    t.match(await untilShown(walk, words, /\bopen\b/, 'channels to show it open'), new RegExp(`\\b${walk.filled['<handle>']}\\s+open\\s+${lastWordOf(walk, 'open')}\\b`), `${step.line}: the channel is open`);
    return true;
  }
  return checkClosePromise(walk, step, words, run);
}

/** The state of `name`'s first claim once its channel closed, when `ready` says so. */
async function claimOf(walk: Walk, name: string, ready: (claim: ClaimSummary, onchain: OnchainSummary) => boolean, what: string): Promise<ClaimSummary> {
  return eventually(what, async () => {
    const onchain = (await channelOf(walk, name))?.onchain as OnchainSummary | undefined;
    const claim = onchain?.claims[0];
    return claim && ready(claim, onchain) ? claim : undefined;
  });
}

/** The promises of the close part: a's output first, b's after its delay, both in their wallets. */
async function checkClosePromise(walk: Walk, step: ReadmeStep, words: readonly string[], run: Run): Promise<boolean> {
  const { t } = walk;
  const comment = step.comment;
  if (/^b's commitment confirms: a claims its output in seconds/.test(comment)) {
    const claim = await claimOf(walk, 'a', (claim, onchain) => onchain.kind === 'theirs' && claim.state !== 'waiting', "a to see b's commitment and claim its output");
    t.match(claim, { description: 'to_remote', state: 'broadcast' }, `${step.line}: a sent its claim`);
    return true;
  }
  if (/^(a's|b's) claim.* confirms/.test(comment)) {
    const name = comment[0]!;
    await claimOf(walk, name, (claim) => claim.state === 'confirmed', `${name}'s claim to confirm`);
    t.pass(`${step.line}: ${name}'s claim confirmed`);
    return true;
  }
  if (/^three times: b's own output waits the 2,160-block delay/.test(comment)) {
    const claim = await claimOf(walk, 'b', (claim) => claim.state !== 'waiting', "b's claim to go out once its delay passed");
    const onchain = (await channelOf(walk, 'b'))!.onchain as OnchainSummary;
    t.ok(claim.unlocksAt! - onchain.confirmedAt! >= 2_160, `${step.line}: b's claim waited for the 2,160-block delay (unlocked at ${claim.unlocksAt}, the close at ${onchain.confirmedAt})`);
    return true;
  }
  if (/^ON CHAIN: /.test(comment)) {
    const name = nameOf(words);
    const shown = await untilShown(walk, words, shownPattern(comment), `channels --config ${name}.yaml to show ${comment}`);
    t.match(shown, shownPattern(comment), `${step.line}: shows ${comment}`);
    if (/swept/.test(comment)) {
      const claim = ((await channelOf(walk, name))!.onchain as OnchainSummary).claims[0]!;
      t.equal(await walletOf(walk, name), walk.beforeClose[name]! + claim.satoshis, `${name}'s wallet holds what its claim paid: ${claim.satoshis} sat`);
      if (name === 'b') t.equal(claim.inputSatoshis, lastWordOf(walk, 'invoice'), "b's claim took exactly what it was paid from the commitment");
    }
    return true;
  }
  if (/^b's share of the channel, less its claim's fee/.test(comment)) {
    const claim = ((await channelOf(walk, 'b'))!.onchain as OnchainSummary).claims[0]!;
    t.match(run.stdout, new RegExp(`^satoshis\\s+${claim.satoshis}$`, 'm'), `${step.line}: shows the ${claim.satoshis} sat b swept (${claim.inputSatoshis! - claim.satoshis} of fee)`);
    return true;
  }
  return false;
}

/** `pay --wait`: the payment completes, and b lists it received. */
async function checkPaid(walk: Walk, step: ReadmeStep, run: Run): Promise<void> {
  walk.t.match(run.stdout, /^paid: preimage [0-9a-f]{64}/, `${step.line}: completes with the proof of payment`);
  const received = await peek<Row[]>(configOf(walk, 'b'), 'payments');
  walk.t.match(received, [{ direction: 'received', status: 'succeeded', amountMsat: lastWordOf(walk, 'invoice') * 1000 }], 'b lists the payment received');
}

/** One line of the walk-through: a daemon started, or a command run (as often as its comment says) and its promise checked. */
async function walkStep(walk: Walk, step: ReadmeStep): Promise<void> {
  const words = wordsOf(walk, step);
  if (words[0] === 'gateway' || words[0] === 'node') {
    if (walk.daemons.length === 0) fillLinks(walk);
    walk.daemons.push(await startDaemon(words[0], words[2]!));
    walk.t.pass(`${step.line}: runs and answers on its control socket`);
    return;
  }
  if (words[0] === 'close') for (const name of ['a', 'b']) walk.beforeClose[name] = await walletOf(walk, name);
  let run: Run | undefined;
  for (let time = /^three times/.test(step.comment) ? 3 : 1; time > 0; time--) run = await must(...words);
  walk.done.push(step.words.map((word, i) => (word.startsWith('<') ? words[i]! : word)));
  capture(walk, words, run!);
  if (words[0] === 'pay') await checkPaid(walk, step, run!);
  if (!(await checkPromise(walk, step, words, run!))) walk.t.fail(`${step.line}: the test does not know how to check "${step.comment}"`);
}

t.test('the README walk-through, verbatim, with default settings', async (t) => {
  const steps = readmeSteps(readmeSection('Running a gateway and nodes'));
  t.ok(steps.length >= 20, `the section has its ${steps.length} lines`);
  const dir = shortTempDir();
  t.teardown(dir.remove);
  const walk: Walk = { t, dir: dir.path, mqttUrl: await mqttBrokerUrl(t), filled: {}, daemons: [], done: [], beforeClose: {} };
  t.teardown(() => Promise.all(walk.daemons.map((daemon) => daemon.stop())));
  for (const step of steps) await walkStep(walk, step);
  t.equal(walk.daemons.length, 3, 'the gateway and both nodes ran');
  t.notMatch(walk.daemons.map((daemon) => daemon.output()).join(''), /"level":50|"level":60/, 'no errors logged');
  for (const daemon of walk.daemons) t.equal(await daemon.stop(), 0, 'each daemon exits 0');
});
