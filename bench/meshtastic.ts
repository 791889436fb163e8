/**
 * Payments over one Meshtastic hop (issue 18), measured as `lora.ts` measures
 * the RNode's so that the figures compare: the same run (`hop-payments.ts`)
 * at the MTU of a Meshtastic radio on stock firmware (219 bytes: the packet
 * encrypted to the neighbour's key, as the firmware does for a packet to one
 * node), each frame priced by the simulator's `meshtastic` link model: its
 * 16-byte header, the Data protobuf around the frame and the PKC overhead,
 * on the air at LongFast (SF11, 250 kHz, 4/5, 16-symbol preamble).
 *
 * Payments per hour are sustained, as `lora.paymentsPerHour` counts them,
 * under EU_868's 10% of the hour instead of the RNode's 1%: ten rounds, the
 * busier side's airtime against its budget. Two lnmesh neighbours in range
 * of each other (hops 1): a relay between them spends as much again.
 */
import { frameDurationMs, linkMtu, type MeshtasticLinkModel } from '../sim/link-model.js';
import { MESHTASTIC_REGIONS, packetBytesOnAir } from '../sim/meshtastic-air.js';
import type { Figure } from './bolt3.js';
import { SUSTAINED_ROUNDS, framesOf, hopRun, type HopRadio, type HopRun } from './hop-payments.js';

const LONG_FAST: MeshtasticLinkModel = { kind: 'meshtastic', preset: 'LongFast', region: 'EU_868', hops: 1, encryption: 'pkc' };
const DUTY_CYCLE_MS_PER_HOUR = (MESHTASTIC_REGIONS.EU_868.dutyCyclePercent / 100) * 3_600_000;
/** Frames are recorded as lnmesh sends them to the radio: the packet around each is priced below. */
const RADIO: HopRadio = { mtu: linkMtu(LONG_FAST), headerBytes: 0 };

const airtimeMs = (frames: number[]) => frames.reduce((sum, bytes) => sum + frameDurationMs(LONG_FAST, bytes), 0);
const onePayment = (): Promise<HopRun> => hopRun(RADIO, 1, 1);

async function paymentsPerHour(): Promise<number> {
  const { sent, rounds } = await hopRun(RADIO, 1, SUSTAINED_ROUNDS);
  const busiestSideMs = Math.max(...sent.map(airtimeMs));
  return (DUTY_CYCLE_MS_PER_HOUR / busiestSideMs) * rounds;
}

export const meshtasticFigures: Figure[] = [
  { key: 'meshtastic.onAirBytesPerHopPayment', unit: 'bytes', measure: async () => framesOf(await onePayment()).reduce((sum, bytes) => sum + packetBytesOnAir(bytes, LONG_FAST.encryption), 0) },
  { key: 'meshtastic.framesPerHopPayment', unit: 'frames', measure: async () => framesOf(await onePayment()).length },
  { key: 'meshtastic.airtimeMsPerHopPayment.longFast', unit: 'ms', measure: async () => airtimeMs(framesOf(await onePayment())) },
  { key: 'meshtastic.paymentsPerHour.longFast', unit: 'payments/h', measure: paymentsPerHour },
];
