/**
 * A gateway process for the watchtower's crash tests: an embedded bcoin
 * regtest chain on disk and a watchtower over its lmdb stores, all in one
 * data directory that outlives the process. tower-crash.test.ts kills it
 * with SIGKILL at the moments that matter and starts it again on the same
 * directory.
 *
 *   tower-crash-child.ts DIRECTORY [--die-when-recorded]
 *
 * Prints {"opened":{tip,responses}} once the chain and the stores are open
 * (what the last run left on disk), then {"ready":{tip,rpcUrl,responses}}
 * once the tower has started (caught up, every open response checked), or
 * {"fatal":...} and exits 1 if it cannot. The chain answers Bitcoin Core's
 * JSON-RPC calls at `rpcUrl` (password `CRASH_RPC_KEY`): the test hands it
 * blocks "from the network" with `submitblock`, as peers would. Then reads
 * one JSON command a line on stdin, handled in order, each answered by one
 * line ({"error":...,"command":...} when it fails):
 *
 *   {"submit":{"nodeId":hex,"appointments":[{locator,tag,blob,channel}]}} -> {"submitted":n}
 *   {"broadcast":rawhex}   -> {"broadcast":{accepted,txid,reason?}}
 *   {"mine":n}             -> {"mined":{tip}}  (after the tower handled the blocks)
 *   {"status":txid}        -> {"status":{txid,state,...}}
 *   {"spenders":txid}      -> {"spenders":{txid,spentBy:[txid...]}}  (in the best chain)
 *   {"responses":true}     -> {"responses":[...]}
 *   {"tip":true}           -> {"tip":{height,hash}}
 *
 * and prints what happens meanwhile: {"response":{...}} for each response
 * the tower writes, {"alert":{nodeId,breachTxid}}, {"warning":message}.
 * With --die-when-recorded it kills itself the moment the tower has written
 * a response and not yet broadcast its justice. It stops cleanly when stdin
 * closes, printing {"done":true}. Lines are written synchronously, so that
 * a line printed just before a SIGKILL is not lost.
 */
import { realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import type { BroadcastResult, ChainTip, TransactionStatus } from '../../../gateway/chain/chain-source.js';
import type { ResponseRecord } from '../../../gateway/tower/response-store.js';
import { Transaction } from '../../../node/bolt3/transaction.js';
import type { Logger } from '../../../node/core/logger.js';
import { towerIn } from './breach-scenario.js';

/** The chain's JSON-RPC password (loopback only, scratch data). */
export const CRASH_RPC_KEY = 'tower-crash';
/** Small, so that a test buries a justice in a few blocks. */
export const CRASH_JUSTICE_BURIED_DEPTH = 3;

/** A response as the child prints it: the record without the justice's bytes. */
export type PrintedResponse = Omit<ResponseRecord, 'justice'>;

/** The commands and their argument (hex for bytes). */
export interface GatewayCommands {
  submit: { readonly nodeId: string; readonly appointments: readonly { readonly locator: string; readonly tag: string; readonly blob: string; readonly channel: string }[] };
  /** A raw transaction. */
  broadcast: string;
  mine: number;
  /** A txid. */
  status: string;
  /** A txid. */
  spenders: string;
  responses: true;
  tip: true;
}

/** What the test writes, one a line: one command, e.g. {"mine":1}. */
export type GatewayCommand = { [Name in keyof GatewayCommands]: { readonly [Key in Name]: GatewayCommands[Name] } }[keyof GatewayCommands];

/** What the child prints, one a line: each line has one of these. */
export interface GatewayLine {
  readonly opened?: { readonly tip: ChainTip; readonly responses: PrintedResponse[] };
  readonly ready?: { readonly tip: ChainTip; readonly rpcUrl: string; readonly responses: PrintedResponse[] };
  readonly response?: PrintedResponse;
  readonly alert?: { readonly nodeId: string; readonly breachTxid: string };
  readonly warning?: string;
  readonly submitted?: number;
  readonly broadcast?: BroadcastResult;
  readonly mined?: { readonly tip: ChainTip };
  readonly status?: TransactionStatus & { readonly txid: string };
  readonly spenders?: { readonly txid: string; readonly spentBy: string[] };
  readonly responses?: PrintedResponse[];
  readonly tip?: ChainTip;
  /** A command failed (its line is in `command`). */
  readonly error?: string;
  readonly command?: string;
  readonly done?: true;
  /** The process could not start or run: it exits 1 after this. */
  readonly fatal?: string;
}

function print(line: GatewayLine): void {
  writeSync(1, `${JSON.stringify(line)}\n`);
}

function printable({ justice: _justice, ...rest }: ResponseRecord): PrintedResponse {
  return rest;
}

const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'));

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'die-when-recorded': { type: 'boolean' } } });
  const [directory] = positionals;
  if (!directory || positionals.length !== 1) {
    // Run by test/gateway/tower/tower-crash.test.ts with a scratch directory; not a test itself.
    console.error('usage: tower-crash-child.ts DIRECTORY [--die-when-recorded]');
    process.exit(2);
  }
  const printWarnings: Logger = { log: (level, warning) => level === 'warn' && print({ warning }) };
  const chain = new EmbeddedChain({ dataDirectory: join(directory, 'chain'), rpc: { apiKey: CRASH_RPC_KEY }, logger: printWarnings });
  await chain.open();
  const fixture = towerIn(directory, chain, { init: { justiceBuriedDepth: CRASH_JUSTICE_BURIED_DEPTH }, logger: printWarnings });
  const { tower } = fixture;
  print({ opened: { tip: await chain.tip(), responses: tower.responses().map(printable) } });
  tower.on('response', (record) => {
    print({ response: printable(record) });
    if (values['die-when-recorded'] && record.state === 'active' && record.broadcasts === 0) process.kill(process.pid, 'SIGKILL');
  });
  tower.on('alert', (alert) => print({ alert: { nodeId: Buffer.from(alert.nodeId).toString('hex'), breachTxid: Buffer.from(alert.breachTxid).reverse().toString('hex') } }));
  await tower.start();
  print({ ready: { tip: await chain.tip(), rpcUrl: chain.rpcUrl, responses: tower.responses().map(printable) } });

  type Handlers = { [Name in keyof GatewayCommands]: (argument: GatewayCommands[Name]) => Promise<GatewayLine> };
  const commands: Handlers = {
    submit: async ({ nodeId, appointments }) => {
      tower.submit(nodeId, appointments.map(({ locator, tag, blob, channel }) => ({ locator: hex(locator), tag: hex(tag), blob: hex(blob), channel: hex(channel) })));
      return { submitted: appointments.length };
    },
    broadcast: async (raw) => ({ broadcast: await chain.broadcast(Transaction.fromHex(raw)) }),
    mine: async (count) => {
      await chain.mine(count);
      await tower.idle();
      return { mined: { tip: await chain.tip() } };
    },
    status: async (txid) => ({ status: { txid, ...(await chain.status(txid)) } }),
    spenders: async (txid) => {
      const spentBy: string[] = [];
      const tip = await chain.tip();
      const where = await chain.status(txid);
      for (let height = where.state === 'confirmed' ? where.height : tip.height + 1; height <= tip.height; height++) {
        for (const tx of (await chain.blockAt(height))!.transactions) {
          if (tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === txid)) spentBy.push(tx.getId());
        }
      }
      return { spenders: { txid, spentBy } };
    },
    responses: async () => ({ responses: tower.responses().map(printable) }),
    tip: async () => ({ tip: await chain.tip() }),
  };

  let work = Promise.resolve();
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (!line.trim()) return;
    work = work.then(async () => {
      try {
        const command = JSON.parse(line) as Record<string, unknown>;
        const [name] = Object.keys(command);
        const handler = name !== undefined && Object.hasOwn(commands, name) ? (commands[name as keyof Handlers] as (argument: unknown) => Promise<GatewayLine>) : undefined;
        print(handler ? await handler(command[name!]) : { error: 'unknown command', command: line });
      } catch (error) {
        print({ error: (error as Error).stack ?? String(error), command: line });
      }
    });
  });
  input.once('close', () => {
    void work.then(async () => {
      await fixture.close();
      await chain.close();
      print({ done: true });
      process.exit(0);
    });
  });
}

const entryScript = process.argv[1] === undefined ? undefined : realpathSync(process.argv[1]);
if (entryScript === realpathSync(fileURLToPath(import.meta.url))) {
  main().catch((error: unknown) => {
    print({ fatal: (error as Error).stack ?? String(error) });
    process.exit(1);
  });
}
