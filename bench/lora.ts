/**
 * Payments over one LoRa hop, all overhead included: two ChannelManagers
 * whose messages go through the link layer (sessions already up, acks and
 * all) over the simulator's LoRa link (`sim/medium.ts`, `sim/link-model.ts`)
 * on virtual time: one radio per side sending one frame at a time, each
 * arriving its time on air after it started, the MTU of the data rate. A
 * 50 ms in-memory hop instead delivered a message's fragments together and
 * let an ack wait for all of them, which a radio does not. Each frame costs
 * the RNode's one-byte header and its time on air (Semtech's formula,
 * 125 kHz, coding rate 4/5, the firmware's preamble). The link's duty cycle
 * is off here (US915): the figures price the airtime against EU868's 1%
 * themselves, as the frames of ten rounds would fit its first hour anyway.
 *
 * Bytes and airtime per payment are those of one payment made alone: its
 * last frame is Alice's bare acknowledgement of Bob's last revocation
 * (`hop-payments.ts` runs the hop).
 *
 * Payments per hour at a 1% duty cycle (EU868: 36 s of airtime per hour per
 * sub-band) are a sustained rate: Alice pays again as soon as she learns
 * the last payment went through (its preimage), as a node with payments to
 * make would, so each payment's first frame also carries the ack the last
 * one left owing; measured over ten rounds (the last round's bare ack
 * included) and limited by the side that transmits more. Batched: each
 * round is ten payments requested at once (`payRequests`), sharing messages
 * and commitment signatures.
 */
import { timeOnAirMs, maxPayloadForDataRate } from '../transports/lora/airtime.js';
import { RNODE_HEADER_BYTES, rnodePreambleSymbols } from '../transports/lora/rnode-commands.js';
import { loraRetransmitBaseMs } from '../transports/lora/lora-timing.js';
import { SimMedium } from '../sim/medium.js';
import { SeededRandom } from '../sim/random.js';
import type { VirtualClock } from '../sim/kit/virtual-clock.js';
import type { Transport } from '../transports/transport.js';
import type { Figure } from './bolt3.js';
import { SUSTAINED_ROUNDS, framesOf, hopRun, type HopRadio } from './hop-payments.js';

const BANDWIDTH_HZ = 125_000;
const DUTY_CYCLE_MS_PER_HOUR = 0.01 * 3_600_000;

function airtimeMs(spreadingFactor: number, frames: number[]): number {
  const modulation = { spreadingFactor, bandwidthHz: BANDWIDTH_HZ, codingRate: 5, preambleSymbols: rnodePreambleSymbols(spreadingFactor, BANDWIDTH_HZ) };
  return frames.reduce((sum, bytes) => sum + timeOnAirMs(modulation, bytes), 0);
}

/** Two RNodes in range on the simulator's LoRa link at a spreading factor. */
function rnodePair(spreadingFactor: number, clock: VirtualClock): readonly [Transport, Transport] {
  const medium = new SimMedium({ clock, random: new SeededRandom(1) });
  medium.connect('alice', 'bob', { kind: 'lora', spreadingFactor, bandwidthHz: BANDWIDTH_HZ, dutyCycle: 'US915' });
  return [medium.transport('alice', 'bob'), medium.transport('bob', 'alice')];
}

/** The RNode at a spreading factor: the data rate's MTU, its one-byte header, its time on air. */
const rnode = (spreadingFactor: number): HopRadio => ({
  mtu: maxPayloadForDataRate(spreadingFactor, BANDWIDTH_HZ),
  headerBytes: RNODE_HEADER_BYTES,
  transports: { name: `rnode sf${spreadingFactor}`, create: (clock) => rnodePair(spreadingFactor, clock) },
  // The first retransmission a node's LoRa link gets at this data rate (`defaultTiming`): 5 s at SF7, 15.8 s at SF12.
  timing: { retransmitBaseMs: loraRetransmitBaseMs({ spreadingFactor, bandwidthHz: BANDWIDTH_HZ }) },
});

async function paymentsPerHour(spreadingFactor: number, batch: number): Promise<number> {
  const { sent, rounds } = await hopRun(rnode(spreadingFactor), batch, SUSTAINED_ROUNDS);
  const busiestSideMs = Math.max(...sent.map((frames) => airtimeMs(spreadingFactor, frames)));
  return (DUTY_CYCLE_MS_PER_HOUR / busiestSideMs) * batch * rounds;
}

export const loraFigures: Figure[] = [
  { key: 'link.onAirBytesPerHopPayment', unit: 'bytes', measure: async () => framesOf(await hopRun(rnode(7), 1, 1)).reduce((sum, bytes) => sum + bytes, 0) },
  { key: 'lora.framesPerHopPayment.sf7', unit: 'frames', measure: async () => framesOf(await hopRun(rnode(7), 1, 1)).length },
  { key: 'lora.airtimeMsPerHopPayment.sf7', unit: 'ms', measure: async () => airtimeMs(7, framesOf(await hopRun(rnode(7), 1, 1))) },
  { key: 'lora.airtimeMsPerHopPayment.sf12', unit: 'ms', measure: async () => airtimeMs(12, framesOf(await hopRun(rnode(12), 1, 1))) },
  { key: 'lora.paymentsPerHour.sf7', unit: 'payments/h', measure: () => paymentsPerHour(7, 1) },
  { key: 'lora.paymentsPerHour.sf12', unit: 'payments/h', measure: () => paymentsPerHour(12, 1) },
  { key: 'lora.paymentsPerHourBatched10.sf7', unit: 'payments/h', measure: () => paymentsPerHour(7, 10) },
];
