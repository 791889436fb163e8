/**
 * The gateway's bridge between the mesh and the Lightning Network (issue 17),
 * on `BridgeRig` (sim/kit/bridge-rig.ts): real code and real engines, a
 * Gateway with its mesh channels and its LDK node, an outside LDK node over
 * TCP, bcoin's regtest chain, and a mesh node one hop from the gateway, every
 * link and uplink setting at its default. Channels are open before anything
 * is counted or timed.
 *
 * - `bridge.bytesOnAirPerPayOut`, `bridge.bytesOnAirPerPayIn`: the bytes the
 *   radios transmit, both ways, for one payment of a BOLT 11 invoice out of
 *   (40,000 sat) and into (25,000 sat) the node, the node one LoRa hop from
 *   the gateway (SF7, 125 kHz, 4/5, US915: no duty cycle holds a frame back,
 *   no loss; the simulator's LoRa medium, `sim/medium.ts`, on real time):
 *   the quote or invoice asked and answered, the HTLC and its commitment
 *   dance, the fulfil, the appointments for the gateway's tower and their
 *   receipts, with the link layer's sealing, fragments and acks and the
 *   RNode's header byte per LoRa packet. Counted from the start of a
 *   payment until it has ended on both sides and the air has been quiet
 *   for 3 s; the median of 3 payments each way (each one to stderr, with
 *   what the air carried in 5 s of idleness before them: nothing, or the
 *   figures would be off).
 * - `bridge.payOutLatencyMs`, `bridge.payInLatencyMs`: the same payments
 *   over an in-memory medium (1 ms a frame), so that what is timed is the
 *   gateway's side in this process (the node's and the gateway's code, LDK,
 *   lmdb, the loopback TCP to the outside node), not the radio: from the
 *   invoice handed to the node (out) or the node asking for its invoice
 *   (in), to the payment ended on both sides (`bench/bridge-payments.ts`).
 *   The median of 7 each way.
 *
 * Each run sets up its rig once (about 10 s: the chain, two LDK nodes, two
 * channels); the figures of a run share it.
 */
import { systemClock } from '../node/core/clock.js';
import { rnodePacketSizes } from '../transports/lora/rnode-commands.js';
import { createMemoryMedium } from '../transports/memory.js';
import type { LoRaLinkModel } from '../sim/link-model.js';
import { SimMedium } from '../sim/medium.js';
import { SeededRandom } from '../sim/random.js';
import { type BridgeRig, startBridgeRig } from '../sim/kit/bridge-rig.js';
import { eventually } from '../sim/kit/poll.js';
import type { Figure } from './bolt3.js';
import { type Timed, payIn, payOut } from './bridge-payments.js';

const LORA: LoRaLinkModel = { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5, dutyCycle: 'US915' };
const OUT_MSAT = 40_000_000;
const IN_MSAT = 25_000_000;
const AIR_PAYMENTS = 3;
const TIMED_PAYMENTS = 7;
/** The air is quiet when nothing was sent for this long (acks go within 200 ms). */
const QUIET_MS = 3_000;
const IDLE_MS = 5_000;

/** What went on the air, by direction ('node>gateway', 'gateway>node'), while `recording`. */
class AirCount {
  recording = false;
  lastFrameAt = Date.now();
  readonly bytes = new Map<string, number>();
  frames = 0;
  /** The bytes counted when the payment had ended on both sides (the rest: the last acks, the appointments and their receipts). */
  atEnd = 0;

  /** A `SimMedium` log: 'sender>receiver link bytes fate'; every fate but 'dropped' (never left the radio) was on the air. */
  readonly log = (kind: string, detail: string): void => {
    if (kind !== 'frame') return;
    const [direction, , size, fate] = detail.split(' ') as [string, string, string, string];
    if (fate === 'dropped') return;
    this.lastFrameAt = Date.now();
    if (!this.recording) return;
    const onAir = rnodePacketSizes(Number(size)).reduce((sum, packet) => sum + packet, 0);
    this.bytes.set(direction, (this.bytes.get(direction) ?? 0) + onAir);
    this.frames++;
  };

  total(): number {
    return [...this.bytes.values()].reduce((sum, bytes) => sum + bytes, 0);
  }

  split(): string {
    return `${this.frames} frames, ${this.atEnd} until it ended; node>gateway ${this.bytes.get('node>gateway') ?? 0}, gateway>node ${this.bytes.get('gateway>node') ?? 0}`;
  }
}

/** Until nothing waits to be sent or acknowledged, the node's appointments are receipted, and the air has been quiet for QUIET_MS. */
async function quiet(rig: BridgeRig, air: AirCount): Promise<void> {
  await eventually('bench: the air to go quiet', () => {
    const pending = rig.node.links[0]!.pendingCount(rig.gatewayId) + rig.gateway.links[0]!.pendingCount(rig.nodeId) + rig.node.manager.pendingAppointments().length;
    return pending === 0 && Date.now() - air.lastFrameAt >= QUIET_MS ? true : undefined;
  }, 120_000, 50);
}

/** The bytes on the air of `pay`, from its start until the air is quiet again after it. */
async function bytesOf(rig: BridgeRig, air: AirCount, pay: () => Promise<unknown>): Promise<number> {
  await quiet(rig, air);
  air.bytes.clear();
  air.frames = 0;
  air.recording = true;
  await pay();
  air.atEnd = air.total();
  await quiet(rig, air);
  air.recording = false;
  return air.total();
}

interface AirRun {
  readonly out: number[];
  readonly in: number[];
}

async function measureAir(): Promise<AirRun> {
  const air = new AirCount();
  const medium = new SimMedium({ clock: systemClock, random: new SeededRandom(1), log: air.log }, { logFrames: true });
  medium.connect('gateway', 'node', LORA);
  const rig = await startBridgeRig({ transport: (end) => medium.transport(end, end === 'gateway' ? 'node' : 'gateway') });
  try {
    const idle = await bytesOf(rig, air, () => new Promise((resolve) => setTimeout(resolve, IDLE_MS)));
    process.stderr.write(`bridge air: ${idle} bytes in ${IDLE_MS / 1000} s idle before the payments\n`);
    const run: AirRun = { out: [], in: [] };
    for (let i = 0; i < AIR_PAYMENTS; i++) {
      const start = Date.now();
      run.out.push(await bytesOf(rig, air, () => payOut(rig, OUT_MSAT)));
      process.stderr.write(`bridge air: pay-out ${i + 1}: ${run.out.at(-1)} bytes (${air.split()}) in ${(Date.now() - start) / 1000} s\n`);
    }
    for (let i = 0; i < AIR_PAYMENTS; i++) {
      const start = Date.now();
      run.in.push(await bytesOf(rig, air, () => payIn(rig, IN_MSAT)));
      process.stderr.write(`bridge air: pay-in ${i + 1}: ${run.in.at(-1)} bytes (${air.split()}) in ${(Date.now() - start) / 1000} s\n`);
    }
    if (idle > 0) throw new Error(`bench: ${idle} bytes went on the air with no payment: the figures would count them`);
    checkWarnings(rig);
    return run;
  } finally {
    for (const node of medium.nodes()) medium.nodeDown(node);
    await rig.stop();
  }
}

interface TimedRun {
  readonly out: Timed[];
  readonly in: Timed[];
}

async function measureLatency(): Promise<TimedRun> {
  const medium = createMemoryMedium({ delayMs: 1, clock: systemClock });
  const rig = await startBridgeRig({ transport: (end) => medium.createTransport(end) });
  try {
    const run: TimedRun = { out: [], in: [] };
    for (let i = 0; i < TIMED_PAYMENTS; i++) run.out.push(await payOut(rig, OUT_MSAT));
    for (let i = 0; i < TIMED_PAYMENTS; i++) run.in.push(await payIn(rig, IN_MSAT));
    const show = (timed: Timed[]) => timed.map((one) => `${one.endedMs.toFixed(0)} (${one.askedMs.toFixed(0)})`).join(', ');
    process.stderr.write(`bridge latency, ms to ended (of which the quote or invoice): out ${show(run.out)}; in ${show(run.in)}\n`);
    checkWarnings(rig);
    return run;
  } finally {
    await rig.stop();
  }
}

/** An internal error or a malformed message in a part's log would make the figures suspect. */
function checkWarnings(rig: BridgeRig): void {
  const bad = rig.warnings.filter((warning) => /internal error|threw|malformed/i.test(warning));
  if (bad.length > 0) throw new Error(`bench: the bridge logged ${bad.length} errors: ${bad.slice(0, 3).join('; ')}`);
  if (rig.warnings.length > 0) process.stderr.write(`bridge: ${rig.warnings.length} warnings, the first: ${rig.warnings.slice(0, 3).join('; ')}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

let air: Promise<AirRun> | undefined;
let latency: Promise<TimedRun> | undefined;

export const bridgeFigures: Figure[] = [
  { key: 'bridge.bytesOnAirPerPayOut', unit: 'bytes, one BOLT 11 payment out of a node one LoRa hop from the gateway', measure: async () => median((await (air ??= measureAir())).out) },
  { key: 'bridge.bytesOnAirPerPayIn', unit: 'bytes, one BOLT 11 payment into a node one LoRa hop from the gateway', measure: async () => median((await (air ??= measureAir())).in) },
  { key: 'bridge.payOutLatencyMs', unit: 'ms, invoice to ended on both sides, in process', measure: async () => median((await (latency ??= measureLatency())).out.map((one) => one.endedMs)) },
  { key: 'bridge.payInLatencyMs', unit: 'ms, invoice asked to ended on both sides, in process', measure: async () => median((await (latency ??= measureLatency())).in.map((one) => one.endedMs)) },
];
