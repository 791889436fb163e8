// The gateway really killed (SIGKILL) while its watchtower answers a
// breach, and started again on the same directory: a child process
// (tower-crash-child.ts) runs an embedded bcoin regtest chain on disk and
// the watchtower over its lmdb stores. Each time it finishes the job: the
// justice transaction is confirmed and buried in the chain the restarted
// gateway reports, there is exactly one response for the breach, and the
// breach is punished exactly once, by the justice that Alice's appointment
// gives, paying her.
//
// The breach is real: Alice and Bob open a channel funded on chain and pay
// each other, and Bob broadcasts a revoked commitment from an old backup
// (breach-scenario.ts). That chain is built in this process and handed to
// the gateway block by block over its JSON-RPC (`submitblock`), as peers
// would; so is the block in which "the network" mines Bob's breach.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Block } from 'bitcoinjs-lib';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import { JsonRpcClient } from '../../../gateway/chain/json-rpc-client.js';
import { justiceForBreach } from '../../../gateway/tower/responder.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { LOCATOR_LENGTH } from '../../../node/gateway-protocol/appointment.js';
import { type ChildResult, lastJsonLine } from '../../node/crash-runner.js';
import { breachScenario, openChain, tempDir } from './breach-scenario.js';
import { CRASH_JUSTICE_BURIED_DEPTH, CRASH_RPC_KEY, type GatewayCommand, type GatewayLine, type PrintedResponse } from './tower-crash-child.js';
import { childEnv } from '../../child-env.js';

// About 40 s on a quiet 2-CPU machine; twice that and more while the rest of the suite runs beside it.
t.setTimeout(240_000);

/** Gateways killed at a random moment, each on its own copy of the directory; TOWER_CRASH_KILLS=n for a longer soak. */
const RANDOM_KILLS = Number.parseInt(process.env.TOWER_CRASH_KILLS ?? '4', 10);

const childScript = fileURLToPath(new URL('./tower-crash-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A gateway process: its lines as they come, commands answered in order, and a SIGKILL at the moment of our choosing. */
interface GatewayProcess {
  readonly lines: GatewayLine[];
  /** Resolves with the first line from `from` on that `predicate` accepts; rejects if the process ends first. */
  waitFor(predicate: (line: GatewayLine) => boolean, what: string, from?: number): Promise<GatewayLine>;
  /** Writes a command and resolves with its answer (rejects on an `error` line or the process's end). */
  request<Name extends keyof GatewayLine>(command: GatewayCommand, answer: Name): Promise<NonNullable<GatewayLine[Name]>>;
  /** The chain's JSON-RPC, once ready. */
  rpc(): Promise<JsonRpcClient>;
  /** SIGKILL, then its end. */
  kill(): Promise<ChildResult>;
  /** Closes stdin (a clean stop), then its end. */
  stop(): Promise<ChildResult>;
  readonly ended: Promise<ChildResult>;
}

/** `runChild` (crash-runner.ts) waits for a child's end; here the test talks to the gateway and kills it when it chooses. */
function startGateway(t: Test, directory: string, ...options: string[]): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, directory, ...options], { cwd: root, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: GatewayLine[] = [];
  const watchers = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let partial = '';
  let exited = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as GatewayLine);
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a command written to a gateway just killed
  const ended = new Promise<ChildResult>((resolve) =>
    child.on('close', (status, signal) => {
      exited = true;
      for (const watcher of [...watchers]) watcher();
      resolve({ status, signal, stdout, stderr });
    }),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return ended;
  });

  const waitFor = (predicate: (line: GatewayLine) => boolean, what: string, from = 0) =>
    new Promise<GatewayLine>((resolve, reject) => {
      const check = () => {
        const found = lines.slice(from).find(predicate);
        if (found || exited) watchers.delete(check);
        if (found) resolve(found);
        else if (exited) reject(new Error(`the gateway ended (exit ${child.exitCode}, signal ${child.signalCode}) before ${what}\n${lines.map((line) => JSON.stringify(line)).join('\n')}\n${stderr}`));
      };
      watchers.add(check);
      check();
    });
  let rpc: Promise<JsonRpcClient> | undefined;
  return {
    lines,
    waitFor,
    async request(command, answer) {
      const from = lines.length;
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const line = await waitFor((line) => line[answer] !== undefined || line.error !== undefined, `the answer to ${JSON.stringify(command).slice(0, 80)}`, from);
      if (line.error !== undefined) throw new Error(`the gateway failed ${line.command?.slice(0, 80)}: ${line.error}`);
      return line[answer]!;
    },
    rpc() {
      rpc ??= waitFor((line) => line.ready !== undefined, 'ready').then(
        (line) => new JsonRpcClient({ url: line.ready!.rpcUrl, credentials: { user: 'test', password: CRASH_RPC_KEY } }),
      );
      return rpc;
    },
    kill() {
      child.kill('SIGKILL');
      return ended;
    },
    stop() {
      child.stdin.end();
      return ended;
    },
    ended,
  };
}

/** A block as a peer sends it: header, transaction count, transactions with their witnesses. */
function rawBlock(block: ChainBlock): string {
  const raw = Block.fromBuffer(Buffer.from(block.header));
  raw.transactions = [...block.transactions];
  return raw.toHex();
}

/** Hands `blocks` (raw hex) to the gateway over its JSON-RPC; `submitblock` answers null when a block is taken. */
async function submitBlocks(gateway: GatewayProcess, blocks: readonly string[]): Promise<unknown[]> {
  const rpc = await gateway.rpc();
  const answers: unknown[] = [];
  for (let i = 0; i < blocks.length; i += 100) {
    const outcomes = await rpc.batch(blocks.slice(i, i + 100).map((block) => ({ method: 'submitblock', params: [block] })));
    answers.push(...outcomes.map((outcome) => ('result' in outcome ? outcome.result : outcome.error.message)));
  }
  return answers;
}

/** What every scenario starts from. */
interface Template {
  /** A stopped gateway's directory: the chain up to the channel's last payment, Alice's appointments in its tower. */
  readonly directory: string;
  readonly tipHeight: number;
  readonly breach: Transaction;
  /** A block on the template's tip, mined elsewhere, holding Bob's breach. */
  readonly breachBlock: string;
  /** What Alice's appointment gives for this breach: the one transaction that may spend it. */
  readonly justice: Transaction;
  readonly aliceSweepScript: Uint8Array;
}

let template: Promise<Template> | undefined;

/** Built once, in the root test (its directory lives until the file's end); each scenario copies it. */
function templateOnce(): Promise<Template> {
  template ??= (async () => {
    const started = performance.now();
    const chain = await openChain(t);
    const { alice, breach, appointments, aliceSweepScript } = await breachScenario(chain);
    const tip = await chain.tip();
    const blocks: string[] = [];
    for (let height = 1; height <= tip.height; height++) blocks.push(rawBlock((await chain.blockAt(height))!));
    const accepted = await chain.broadcast(breach);
    if (!accepted.accepted) throw new Error(`the breach was refused: ${accepted.reason}`);
    await chain.mine(1);
    const breachBlock = rawBlock((await chain.blockAt(tip.height + 1))!);

    const breachHash = breach.getHash();
    const appointment = appointments.find((candidate) => Buffer.from(candidate.locator).equals(breachHash.subarray(0, LOCATOR_LENGTH)));
    if (!appointment) throw new Error("none of Alice's appointments is for the breach");
    const verdict = justiceForBreach(breach, breachHash, appointment.blob, [appointment.channel!]);
    if ('reason' in verdict) throw new Error(`Alice's appointment gives no justice: ${verdict.reason}`);

    const built = performance.now();
    const directory = tempDir(t);
    const gateway = startGateway(t, directory);
    const answers = await submitBlocks(gateway, blocks);
    const rejected = answers.filter((answer) => answer !== null);
    if (rejected.length > 0) throw new Error(`the gateway refused blocks: ${JSON.stringify(rejected.slice(0, 3))}`);
    const gatewayTip = await gateway.request({ tip: true }, 'tip');
    if (gatewayTip.hash !== tip.hash) throw new Error(`the gateway's tip is ${JSON.stringify(gatewayTip)}, not ${JSON.stringify(tip)}`);
    await gateway.request(
      {
        submit: {
          nodeId: alice.id,
          appointments: appointments.map(({ locator, tag, blob, channel }) => ({ locator: hex(locator), tag: hex(tag), blob: hex(blob), channel: hex(channel!) })),
        },
      },
      'submitted',
    );
    const stopped = await gateway.stop();
    if (stopped.status !== 0) throw new Error(`the template gateway did not stop cleanly: ${stopped.stderr}`);
    t.comment(`template: the breach scenario in ${Math.round(built - started)} ms; a gateway started, given its ${blocks.length} blocks and the appointments, and stopped in ${Math.round(performance.now() - built)} ms`);
    return { directory, tipHeight: tip.height, breach, breachBlock, justice: verdict.justice, aliceSweepScript };
  })();
  return template;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A fresh copy of the template's directory for one scenario. */
function copyOf(t: Test, from: Template): string {
  const directory = tempDir(t);
  cpSync(from.directory, directory, { recursive: true });
  return directory;
}

/** `list` holds one item, and it matches `pattern` (`t.match` alone lets an array be longer than its pattern). */
function matchOnly(t: Test, list: readonly unknown[], pattern: object, message: string): void {
  t.equal(list.length, 1, `${message} (one)`);
  t.match(list[0], pattern, message);
}

/** Every response line the gateway printed, in every run. */
function responseLines(runs: GatewayProcess[]): PrintedResponse[] {
  return runs.flatMap((run) => run.lines.flatMap((line) => (line.response ? [line.response] : [])));
}

/** The job is done, once: checked against the chain the (last) gateway reports and what every run printed. */
async function checkFinished(t: Test, from: Template, runs: GatewayProcess[]): Promise<void> {
  const gateway = runs.at(-1)!;
  const justiceTxid = from.justice.getId();
  const responses = await gateway.request({ responses: true }, 'responses');
  matchOnly(t, responses, { breachTxid: from.breach.getId(), state: 'buried', justiceTxid, alerted: true }, 'one response, for the breach, buried');
  t.ok(responses[0]!.confirmations >= CRASH_JUSTICE_BURIED_DEPTH, `with the justice ${responses[0]!.confirmations} deep`);
  t.match(await gateway.request({ status: justiceTxid }, 'status'), { state: 'confirmed' }, 'the justice is in the best chain');
  t.same((await gateway.request({ spenders: from.breach.getId() }, 'spenders')).spentBy, [justiceTxid], "the breach is spent once, by the justice of Alice's appointment");
  const justiceTxids = new Set(responseLines(runs).map((response) => response.justiceTxid));
  t.same([...justiceTxids], [justiceTxid], 'no run ever made another justice');
  t.equal(new Set(responseLines(runs).map((response) => `${response.breachTxid}/${response.nodeId}`)).size, 1, 'nor answered anything else');
  const justice = from.justice;
  t.ok(justice.outs.every((output) => hex(output.script) === hex(from.aliceSweepScript)), 'the justice pays Alice');
  const taken = justice.ins.reduce((sum, input) => sum + from.breach.outs[input.index]!.value, 0n);
  const paid = justice.outs.reduce((sum, output) => sum + output.value, 0n);
  t.ok(taken > 0n && paid > (taken * 99n) / 100n, `what it takes from the breach (${taken} sat), less a fee of ${taken - paid} sat`);
  const warnings = runs.flatMap((run) => run.lines.flatMap((line) => (line.warning ? [line.warning] : [])));
  t.notMatch(warnings.join('\n'), /failed to handle|listener threw|bcoin:/, 'no run met an internal error', { warnings });
}

t.test('killed after broadcasting the justice, then after its first confirmation: each restart carries on, and the justice is buried', async (t) => {
  const from = await templateOnce();
  const directory = copyOf(t, from);
  const justiceTxid = from.justice.getId();
  const runs: GatewayProcess[] = [];
  const start = () => {
    const gateway = startGateway(t, directory);
    runs.push(gateway);
    return gateway;
  };

  // (a) The network mines Bob's breach; the tower answers and broadcasts; killed before the justice confirms.
  let gateway = start();
  t.same(await submitBlocks(gateway, [from.breachBlock]), [null], 'a block with the breach arrives from the network');
  await gateway.waitFor((line) => (line.response?.broadcasts ?? 0) >= 1, 'the justice broadcast');
  t.match((await gateway.kill()).signal, 'SIGKILL', 'killed once the justice is broadcast, before it confirms');
  t.match(responseLines(runs).at(-1), { state: 'active', confirmations: 0, lastBroadcast: { accepted: true } }, 'the backend took it');

  gateway = start();
  let opened = (await gateway.waitFor((line) => line.opened !== undefined, 'opened')).opened!;
  t.equal(opened.tip.height, from.tipHeight + 1, "bcoin reopens after the SIGKILL, with the breach's block");
  matchOnly(t, opened.responses, { state: 'active', justiceTxid, broadcasts: 1, confirmations: 0 }, 'on disk: the response, broadcast once');
  let ready = (await gateway.waitFor((line) => line.ready !== undefined, 'ready')).ready!;
  matchOnly(t, ready.responses, { state: 'active', broadcasts: 2, lastBroadcast: { accepted: true } }, "bcoin's mempool died with the process: the restarted tower broadcasts the justice again");
  t.match(await gateway.request({ status: justiceTxid }, 'status'), { state: 'mempool' }, 'the justice is back in the mempool');

  // (b) One confirmation, then killed before the justice is buried.
  await gateway.request({ mine: 1 }, 'mined');
  t.match(responseLines(runs).at(-1), { state: 'active', confirmations: 1 }, 'the justice confirms');
  t.match((await gateway.kill()).signal, 'SIGKILL', 'killed one confirmation in, before the justice is buried');

  gateway = start();
  opened = (await gateway.waitFor((line) => line.opened !== undefined, 'opened')).opened!;
  matchOnly(t, opened.responses, { state: 'active', broadcasts: 2, confirmations: 1 }, 'on disk: one confirmation');
  ready = (await gateway.waitFor((line) => line.ready !== undefined, 'ready')).ready!;
  matchOnly(t, ready.responses, { state: 'active', broadcasts: 2, confirmations: 1 }, 'the restarted tower finds it in its block and does not broadcast again');
  const { tip } = await gateway.request({ mine: CRASH_JUSTICE_BURIED_DEPTH - 1 }, 'mined');
  t.equal(tip.height, from.tipHeight + 1 + CRASH_JUSTICE_BURIED_DEPTH, 'the chain grew by the blocks mined, none lost to the kills');
  await checkFinished(t, from, runs);
  const stopped = await gateway.stop();
  t.equal(stopped.status, 0, 'the last gateway stops cleanly', { stderr: stopped.stderr });
  t.match(lastJsonLine(stopped.stdout), { done: true });
});

t.test('killed the moment the response is written, before the justice is broadcast: the restart broadcasts it when the breach is mined', async (t) => {
  const from = await templateOnce();
  const directory = copyOf(t, from);
  const runs = [startGateway(t, directory, '--die-when-recorded')];
  // Bob's breach reaches the gateway's mempool: the tower answers there, and dies having written its response.
  const broadcastLine = runs[0]!.request({ broadcast: from.breach.toHex() }, 'broadcast').catch(() => undefined);
  const died = await runs[0]!.ended;
  await broadcastLine;
  t.equal(died.signal, 'SIGKILL', 'the gateway died inside the window');
  matchOnly(t, responseLines(runs), { state: 'active', broadcasts: 0 }, 'with the response written and no broadcast');

  const gateway = startGateway(t, directory);
  runs.push(gateway);
  const ready = (await gateway.waitFor((line) => line.ready !== undefined, 'ready')).ready!;
  matchOnly(t, ready.responses, { state: 'active', broadcasts: 0 }, 'the restart finds the response; the breach went with the mempool, so nothing to spend yet');
  t.match(await gateway.request({ status: from.breach.getId() }, 'status'), { state: 'unknown' }, 'the gateway no longer knows the breach');
  t.same(await submitBlocks(gateway, [from.breachBlock]), [null], 'the network mines the breach');
  await gateway.waitFor((line) => (line.response?.broadcasts ?? 0) >= 1, 'the justice broadcast');
  await gateway.request({ mine: CRASH_JUSTICE_BURIED_DEPTH }, 'mined');
  await checkFinished(t, from, runs);
  t.equal((await gateway.request({ responses: true }, 'responses'))[0]!.broadcasts, 1, 'broadcast once in all');
  t.equal((await gateway.stop()).status, 0, 'the last gateway stops cleanly');
});

/** Polls the gateway until its one response is buried, mining a block at a time (at most `blocks`). */
async function mineUntilBuried(gateway: GatewayProcess, blocks: number): Promise<void> {
  for (let mined = 0; mined <= blocks; mined++) {
    const responses = await gateway.request({ responses: true }, 'responses');
    if (responses.length === 1 && responses[0]!.state === 'buried') return;
    await gateway.request({ mine: 1 }, 'mined');
  }
}

/**
 * Where a random kill lands: once the gateway has printed `afterLines` lines
 * of the sequence (the breach's block arrives, three blocks are mined: about
 * ten lines over some 200 ms), `delayMs` later; wherever the gateway is then.
 */
interface KillPoint {
  readonly afterLines: number;
  readonly delayMs: number;
}

/** A gateway killed at `point` of the sequence, restarted on its directory and driven to the end. */
async function killedAt(t: Test, from: Template, point: KillPoint): Promise<{ killed: ChildResult; killedAfter: string; runs: GatewayProcess[] }> {
  const directory = copyOf(t, from);
  const first = startGateway(t, directory);
  await first.rpc();
  const readyIndex = first.lines.findIndex((line) => line.ready !== undefined);
  const sequence = (async () => {
    await submitBlocks(first, [from.breachBlock]);
    for (let i = 0; i < CRASH_JUSTICE_BURIED_DEPTH; i++) await first.request({ mine: 1 }, 'mined');
  })().catch(() => undefined); // cut short by the kill
  if (point.afterLines > 0) {
    // The sequence may end with fewer lines: then the kill comes after it (and this wait ends with the process).
    const printed = first.waitFor(() => true, `line ${point.afterLines}`, readyIndex + point.afterLines).catch(() => undefined);
    await Promise.race([printed, sequence]);
  }
  await new Promise((resolve) => setTimeout(resolve, point.delayMs));
  const killed = await first.kill();
  await sequence;
  const printed = first.lines.slice(readyIndex + 1);
  const killedAfter = printed.map((line) => (line.response ? `response(${line.response.state},b${line.response.broadcasts},c${line.response.confirmations})` : Object.keys(line)[0])).join(' ');

  const second = startGateway(t, directory);
  const opened = (await second.waitFor((line) => line.opened !== undefined, 'opened')).opened!;
  if (opened.tip.height < from.tipHeight) throw new Error(`bcoin lost blocks: the tip is ${opened.tip.height}, below ${from.tipHeight}`);
  // Needed if the kill came before the gateway had the block; otherwise it has it already.
  const [answer] = await submitBlocks(second, [from.breachBlock]);
  if (answer !== null && answer !== 'rejected: duplicate') throw new Error(`the breach's block was refused after the restart: ${String(answer)}`);
  await mineUntilBuried(second, CRASH_JUSTICE_BURIED_DEPTH + 2);
  return { killed, killedAfter: killedAfter || 'nothing', runs: [first, second] };
}

t.test(`killed at a random moment while it answers the breach, ${RANDOM_KILLS} times over: each restart finishes the job`, async (t) => {
  const from = await templateOnce();
  const points: KillPoint[] = Array.from({ length: RANDOM_KILLS }, () => ({ afterLines: Math.floor(Math.random() * 10), delayMs: Math.floor(Math.random() * 20) }));
  // Two at a time: each child spends most of its life loading modules, and CI machines have few cores.
  const results: Awaited<ReturnType<typeof killedAt>>[] = [];
  const queue = points.map((point, i) => ({ point, i }));
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) results[next.i] = await killedAt(t, from, next.point);
    }),
  );
  for (const [i, { killed, killedAfter, runs }] of results.entries()) {
    const point = points[i]!;
    await t.test(`killed ${point.delayMs} ms after line ${point.afterLines}, having printed: ${killedAfter}`, async (t) => {
      t.equal(killed.signal, 'SIGKILL', 'died by the kill, not by itself');
      await checkFinished(t, from, runs);
      t.equal((await runs[1]!.stop()).status, 0, 'the restarted gateway stops cleanly');
    });
  }
});
