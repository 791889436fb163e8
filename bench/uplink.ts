/**
 * What a node's uplink to its gateway costs on the air, now that the gateway
 * pushes each node a chain feed: the real node and gateway code (`MeshNode`,
 * `Gateway` with its chain feed, tower and node service) on the simulator's
 * media and virtual time (`Scheduler`, `SimChain` with bcoin's regtest chain
 * mining a block every 10 minutes with the scenarios' jitter of 0.5,
 * `SimMedium`, `SimNode`), every node setting at its default (the 14-day
 * horizon, so a CSV delay of 2160 blocks; the feed's 6-block idle lag and
 * hour of silence before a hello).
 *
 * The mesh: nodes A and B, neighbours with a channel (1,000,000 sat, A
 * funds it and pushes half to B), each one LoRa hop from the gateway (SF7,
 * 125 kHz, 4/5, US915: no duty cycle holds a frame back, no loss). B has its
 * own hop to the gateway, so that A's link to the gateway carries A's
 * traffic only. Bytes are what the radios transmit: every link frame (the
 * link layer's sealing, fragments, acks and handshakes, the router's
 * envelopes) with the RNode's header byte per LoRa packet.
 *
 * - `uplink.bytesOnAirPerIdleDay`: the bytes on A's link to the gateway,
 *   both ways, per day, with the channel open and no payment: the feed's
 *   pushes and acknowledgements, hellos after silences, and whatever else A
 *   and the gateway exchange. Averaged over the 18 days of the window,
 *   which begins a day after the start (the channel's opening, its funding and
 *   watches, are the first hour). Target: at most 15,000 bytes.
 * - `uplink.bytesOnAirPerUnilateralClose`: the bytes one unilateral close
 *   adds, on all three links together: A force-closes the channel a day in;
 *   its commitment goes to the gateway for broadcast, the feed tells both
 *   nodes of it and of their claims (B's to_remote a block after, A's
 *   to_local once the 2160-block delay has passed), with their merkle
 *   proofs, both broadcast their claims, and every push is acknowledged.
 *   Measured as the difference between that run and the same run without
 *   the close (the same blocks at the same times), over the same window;
 *   the window outlasts the CSV delay by about three days. The split by
 *   link goes to stderr.
 *
 * Both runs take about a minute together, on one core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../node/core/hex.js';
import { Gateway, gatewayKeyFromSecret } from '../gateway/gateway.js';
import { FeedStore } from '../gateway/relay/feed-store.js';
import { Mailbox } from '../gateway/relay/mailbox.js';
import { AppointmentStore } from '../gateway/tower/appointment-store.js';
import { ResponseStore } from '../gateway/tower/response-store.js';
import type { ManagerEvent } from '../node/channel/manager.js';
import { SeedSigner } from '../node/keys/signer.js';
import type { LinkConfig } from '../node/mesh-node.js';
import { MemoryLinkOutbox } from '../transports/link/outbox.js';
import { rnodePacketSizes } from '../transports/lora/rnode-commands.js';
import { MemorySeenMessages } from '../transports/router/seen-messages.js';
import type { LoRaLinkModel } from '../sim/link-model.js';
import { SimMedium } from '../sim/medium.js';
import { SeededRandom } from '../sim/random.js';
import { SIM_EPOCH_MS } from '../sim/run.js';
import { Scheduler } from '../sim/scheduler.js';
import { SimChain } from '../sim/sim-chain.js';
import { SimNode } from '../sim/sim-node.js';
import { SimWallet } from '../sim/sim-wallet.js';
import { warningsInto } from '../sim/kit/logger.js';
import { RouteTable } from '../transports/router/route-table.js';
import type { Figure } from './bolt3.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SEED = 1;
const LORA: LoRaLinkModel = { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5, dutyCycle: 'US915' };
const CAPACITY_SAT = 1_000_000;
const PUSH_SAT = 500_000;
/** The close, and the start of the window counted: the channel has long been open. */
const WINDOW_START_MS = DAY_MS;
/** The CSV delay (2160 blocks, 15 days on average), the claims' confirmations, and some three days to spare. */
const WINDOW_DAYS = 18;
const GATEWAY = 'gateway';

/** Bytes on the air by link direction ('a>gateway', ...), counted in the window. */
type Bytes = Map<string, number>;

interface MeshRun {
  readonly bytes: Bytes;
  readonly events: Record<'a' | 'b', ManagerEvent[]>;
  /** Whether each node still wanted every block at the end (a claim unconfirmed). */
  readonly busyAtEnd: Record<'a' | 'b', boolean>;
  readonly warnings: string[];
}

/** bcoin draws its coinbase nonces from Math.random: seeded, as in a simulator run, so that both runs mine the same blocks. */
function seedMathRandom(random: SeededRandom): () => void {
  const original = Math.random;
  Math.random = random.next;
  return () => {
    Math.random = original;
  };
}

/** The radio between the three, counting each direction's bytes on the air (RNode packets) from `windowStart` on. */
function countingMedium(scheduler: Scheduler, random: SeededRandom, windowStart: number, bytes: Bytes): SimMedium {
  return new SimMedium(
    {
      clock: scheduler,
      random,
      log: (kind, detail) => {
        if (kind !== 'frame' || scheduler.now() < windowStart) return;
        // 'sender>receiver link bytes fate': every fate but 'dropped' (never left the radio) was on the air.
        const [direction, , size, fate] = detail.split(' ') as [string, string, string, string];
        if (fate === 'dropped') return;
        const onAir = rnodePacketSizes(Number(size)).reduce((sum, packet) => sum + packet, 0);
        bytes.set(direction, (bytes.get(direction) ?? 0) + onAir);
      },
    },
    { logFrames: true },
  );
}

interface GatewaySetup {
  readonly directory: string;
  /** Where the gateway's stores go, to be closed after the run. */
  readonly stores: { close(): Promise<void> }[];
  readonly scheduler: Scheduler;
  readonly chain: SimChain;
  readonly key: ReturnType<typeof gatewayKeyFromSecret>;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly links: LinkConfig[];
  readonly warnings: string[];
}

/** The gateway with its stores in `directory`, not started (so that the caller holds it to stop, whether or not it starts). */
function createGateway(setup: GatewaySetup): Gateway {
  const { directory, scheduler } = setup;
  const appointments = new AppointmentStore(join(directory, 'appointments'));
  const responses = new ResponseStore(join(directory, 'responses'));
  const mailbox = new Mailbox(join(directory, 'mailbox'), scheduler);
  const feedStore = new FeedStore(join(directory, 'chain-feed'));
  setup.stores.push(appointments, responses, mailbox, feedStore);
  const gateway = new Gateway(
    { key: setup.key, chain: setup.chain.tracked, appointments, responses, mailbox, feedStore, outbox: new MemoryLinkOutbox(), seen: new MemorySeenMessages(), clock: scheduler, randomBytes: setup.randomBytes, logger: warningsInto(setup.warnings, 'gateway: ') },
    { links: setup.links },
  );
  return gateway;
}

/** The mesh for `WINDOW_START_MS + WINDOW_DAYS` of virtual time; A force-closes at the window's start if `close`. */
async function runMesh(close: boolean): Promise<MeshRun> {
  const random = new SeededRandom(SEED);
  const restoreMathRandom = seedMathRandom(random.fork('Math.random'));
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-bench-uplink-'));
  const scheduler: Scheduler = new Scheduler({ startMs: SIM_EPOCH_MS, settle: () => chain.settle() });
  const chain = new SimChain(scheduler);
  const windowStart = SIM_EPOCH_MS + WINDOW_START_MS;
  const endMs = windowStart + WINDOW_DAYS * DAY_MS;
  const bytes: Bytes = new Map();
  const medium = countingMedium(scheduler, random.fork('medium'), windowStart, bytes);
  const stores: { close(): Promise<void> }[] = [];
  const nodes: SimNode[] = [];
  let gateway: Gateway | undefined;
  try {
    await chain.open();
    const names = ['a', 'b'] as const;
    const signers = { a: new SeedSigner(random.fork('key a').bytes(32)), b: new SeedSigner(random.fork('key b').bytes(32)) };
    const wallets = { a: new SimWallet('a', random.fork('wallet a').bytes(32)), b: new SimWallet('b', random.fork('wallet b').bytes(32)) };
    await chain.fundWallets([
      { wallet: wallets.a, amounts: [1_000_000, CAPACITY_SAT + 50_000] },
      { wallet: wallets.b, amounts: [1_000_000] },
    ]);
    const checkpoint = await chain.checkpoint();
    const gatewayKey = gatewayKeyFromSecret(random.fork('gateway key').bytes(32));
    const ids = { a: bytesToHex(signers.a.nodeId), b: bytesToHex(signers.b.nodeId), gateway: bytesToHex(gatewayKey.nodeId) };

    for (const [from, to] of [['a', 'b'], [GATEWAY, 'a'], [GATEWAY, 'b']] as const) medium.connect(from, to, LORA);
    const linkTo = (node: string, peer: 'a' | 'b' | typeof GATEWAY): LinkConfig => ({ transport: medium.transport(node, peer), neighbours: [{ nodeId: ids[peer], address: peer }] });

    const warnings: string[] = [];
    gateway = createGateway({ directory, stores, scheduler, chain, key: gatewayKey, randomBytes: random.fork('gateway start').bytes, links: [linkTo(GATEWAY, 'a'), linkTo(GATEWAY, 'b')], warnings });
    await gateway.start();

    const events: MeshRun['events'] = { a: [], b: [] };
    for (const name of names) {
      const other = name === 'a' ? 'b' : 'a';
      const node = new SimNode({
        name,
        signer: signers[name],
        wallet: wallets[name],
        clock: scheduler,
        random: random.fork(`node ${name}`),
        channels: { network: 3, minimumDepth: 3 },
        links: [linkTo(name, other), linkTo(name, GATEWAY)],
        routes: RouteTable.parse({ '*': ids.gateway }),
        // Every setting of the uplink and its feed at the node's default.
        gateway: { nodeId: ids.gateway, network: 'regtest', checkpoint },
        logger: warningsInto(warnings, `${name}: `),
        onStart: (mesh) => {
          mesh.manager.on('event', (event) => events[name].push(event));
        },
      });
      nodes.push(node);
      await node.start();
    }
    const [a, b] = nodes as [SimNode, SimNode];

    chain.scheduleBlocks(scheduler, { intervalMs: 600_000, jitter: 0.5 }, random.fork('blocks'), endMs, async () => undefined);
    scheduler.at(SIM_EPOCH_MS, 'open', () => void a.mesh!.manager.openChannel(ids.b, CAPACITY_SAT, PUSH_SAT * 1000));
    if (close) {
      scheduler.at(windowStart, 'force close', () => {
        const opened = events.a.find((event) => event.type === 'channel_opened');
        if (!opened || opened.type !== 'channel_opened') throw new Error('uplink bench: the channel had not opened a day in');
        a.mesh!.manager.forceClose(ids.b, opened.handle);
      });
    }
    await scheduler.runUntil(endMs);
    if (scheduler.counters.errors > 0) throw new Error(`uplink bench: ${scheduler.counters.errors} events threw: ${scheduler.recentRecords().filter((record) => record.kind === 'error').map((record) => record.detail).join('; ')}`);
    return { bytes, events, busyAtEnd: { a: a.mesh!.manager.needsEveryBlock(), b: b.mesh!.manager.needsEveryBlock() }, warnings };
  } finally {
    for (const name of medium.nodes()) medium.nodeDown(name);
    for (const node of nodes) await node.stop().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await chain.close().catch(() => undefined);
    for (const store of stores) await store.close().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
    restoreMathRandom();
  }
}

const LINKS = [
  ['a>gateway', 'gateway>a'],
  ['b>gateway', 'gateway>b'],
  ['a>b', 'b>a'],
] as const;

function linkBytes(bytes: Bytes, directions: readonly string[]): number {
  return directions.reduce((sum, direction) => sum + (bytes.get(direction) ?? 0), 0);
}

/** Each run once per bench, shared by the figures. */
const runs = new Map<boolean, Promise<MeshRun>>();
function meshRun(close: boolean): Promise<MeshRun> {
  let run = runs.get(close);
  if (!run) runs.set(close, (run = runMesh(close)));
  return run;
}

async function bytesOnAirPerIdleDay(): Promise<number> {
  const idle = await meshRun(false);
  const opened = idle.events.a.some((event) => event.type === 'channel_opened') && idle.events.b.some((event) => event.type === 'channel_opened');
  if (!opened) throw new Error('uplink bench: the channel never opened');
  const uplink = linkBytes(idle.bytes, LINKS[0]);
  process.stderr.write(`uplink idle: A's link to the gateway ${uplink} bytes in ${WINDOW_DAYS} days (A sends ${idle.bytes.get('a>gateway') ?? 0}, the gateway ${idle.bytes.get('gateway>a') ?? 0}); A-B ${linkBytes(idle.bytes, LINKS[2])}\n`);
  return uplink / WINDOW_DAYS;
}

async function bytesOnAirPerUnilateralClose(): Promise<number> {
  // One after the other: each run seeds Math.random for bcoin.
  const idle = await meshRun(false);
  const closed = await meshRun(true);
  const spendable = (name: 'a' | 'b') => closed.events[name].flatMap((event) => (event.type === 'funds_spendable' ? [event.description] : []));
  if (!closed.events.a.some((event) => event.type === 'channel_force_closed')) throw new Error('uplink bench: A did not force-close');
  if (spendable('a').length === 0 || spendable('b').length === 0 || closed.busyAtEnd.a || closed.busyAtEnd.b) {
    throw new Error(`uplink bench: the close had not resolved by the end of the window (A swept ${JSON.stringify(spendable('a'))}, B ${JSON.stringify(spendable('b'))}; still following every block: A ${closed.busyAtEnd.a}, B ${closed.busyAtEnd.b})`);
  }
  const split = LINKS.map(([there, back]) => `${there.replace('>', '-')} ${linkBytes(closed.bytes, [there, back]) - linkBytes(idle.bytes, [there, back])}`);
  process.stderr.write(`uplink close: extra bytes by link: ${split.join(', ')}; A swept ${spendable('a').join(', ')}; B swept ${spendable('b').join(', ')}\n`);
  const all = LINKS.flat();
  return linkBytes(closed.bytes, all) - linkBytes(idle.bytes, all);
}

export const uplinkFigures: Figure[] = [
  { key: 'uplink.bytesOnAirPerIdleDay', unit: 'bytes per day', measure: bytesOnAirPerIdleDay },
  { key: 'uplink.bytesOnAirPerUnilateralClose', unit: 'bytes', measure: bytesOnAirPerUnilateralClose },
];
