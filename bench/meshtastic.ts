/**
 * Payments over one Meshtastic hop (issue 18): the run of `hop-payments.ts`
 * (as `lora.ts` measures the RNode's) over two radios in range on virtual
 * time (`meshtastic-radios.ts`: the radio model's firmware logic, its
 * contention delays and time on air), with the link timing the transport
 * sets for the preset (`meshtasticRetransmitBaseMs`, hop limit 1). Every
 * packet either radio puts on the air is counted: lnmesh's frames in the
 * packet around them (16-byte header, Data protobuf, 12 bytes of encryption
 * to the neighbour's key) and, with `want_ack`, the firmware's routing acks
 * and its own retransmissions; each priced at LongFast (SF11, 250 kHz, 4/5,
 * 16-symbol preamble) as the simulator's `meshtastic` link model prices it.
 *
 * Keys: without a suffix, `want_ack` off (the transport's default);
 * `.wantAck`, on. `.loss10`: every packet lost with a chance of 10% each
 * way, ten payments one after the other, per payment (every payment
 * settles, exactly once, either way: the run fails otherwise). Payments per hour are
 * sustained, as `lora.paymentsPerHour` counts them, under EU_868's 10% of
 * the hour: ten rounds, the busier side's airtime against its budget.
 */
import { timeOnAirMs } from '../transports/lora/airtime.js';
import { meshtasticRetransmitBaseMs } from '../transports/config/meshtastic-timing.js';
import { MESHTASTIC_MTU } from '../transports/meshtastic/meshtastic-options.js';
import { MESHTASTIC_REGIONS, meshtasticModulation } from '../sim/meshtastic-air.js';
import type { MeshtasticEther, Transmission } from '../sim/kit/meshtastic/ether.js';
import type { VirtualClock } from '../sim/kit/virtual-clock.js';
import type { Figure } from './bolt3.js';
import { SUSTAINED_ROUNDS, hopRun, type HopRun } from './hop-payments.js';
import { radioPair } from './meshtastic-radios.js';

const PRESET = 'LongFast';
const DUTY_CYCLE_MS_PER_HOUR = (MESHTASTIC_REGIONS.EU_868.dutyCyclePercent / 100) * 3_600_000;
/** Long enough after the last payment for the firmware's last retries (up to 3 transmissions, ~10 s apart at LongFast). */
const QUIET_MS = 30_000;

interface RadioRun {
  readonly run: HopRun;
  /** What went on the air while the payments ran. */
  readonly packets: Transmission[];
}

const runs = new Map<string, Promise<RadioRun>>();

/** The link's first retransmission as the transport sets it for LongFast in range: 5 s. */
const TRANSPORT_RETRANSMIT_MS = meshtasticRetransmitBaseMs({ path: 'radio', preset: PRESET, hopLimit: 1 });

/**
 * `rounds` payments over the two radios, with `want_ack` as asked, `loss` on the air and the link's first
 * retransmission after `retransmitMs`; shared by the figures that read it.
 */
function radioRun(wantAck: boolean, loss: number, rounds: number, retransmitMs: number): Promise<RadioRun> {
  const key = `${wantAck}/${loss}/${rounds}/${retransmitMs}`;
  if (!runs.has(key)) {
    let ether: MeshtasticEther | undefined;
    const transports = { name: `meshtastic ${PRESET} ${key}`, create: (clock: VirtualClock) => {
      const pair = radioPair({ clock, preset: PRESET, wantAck, loss, seed: 1 });
      ether = pair.ether;
      return pair.transports;
    } };
    const timing = { retransmitBaseMs: retransmitMs };
    const done = hopRun({ mtu: MESHTASTIC_MTU, headerBytes: 0, transports, timing, quietMs: QUIET_MS }, 1, rounds).then((run) => ({
      run, packets: ether!.transmissions.filter((packet) => packet.startMs >= run.fromMs && packet.startMs < run.toMs),
    }));
    runs.set(key, done);
  }
  return runs.get(key)!;
}

const airtimeMs = (packets: Transmission[]) => packets.reduce((sum, { packet }) => sum + timeOnAirMs(meshtasticModulation(PRESET), packet.length), 0);
const perPayment = (value: number, { run }: RadioRun) => value / run.rounds;

async function paymentsPerHour(wantAck: boolean, retransmitMs: number): Promise<number> {
  const { run, packets } = await radioRun(wantAck, 0, SUSTAINED_ROUNDS, retransmitMs);
  const senders = [...new Set(packets.map((packet) => packet.sender))];
  const busiestSideMs = Math.max(...senders.map((sender) => airtimeMs(packets.filter((packet) => packet.sender === sender))));
  return (DUTY_CYCLE_MS_PER_HOUR / busiestSideMs) * run.rounds;
}

/** The figures of one `want_ack` setting: `suffix` '' (off) or '.wantAck' (on). */
function figuresOf(wantAck: boolean, suffix: string): Figure[] {
  const one = () => radioRun(wantAck, 0, 1, TRANSPORT_RETRANSMIT_MS);
  const lossy = () => radioRun(wantAck, 0.1, SUSTAINED_ROUNDS, TRANSPORT_RETRANSMIT_MS);
  return [
    { key: `meshtastic.framesPerHopPayment${suffix}`, unit: 'frames', measure: async () => { const { run } = await one(); return run.sent[0].length + run.sent[1].length; } },
    { key: `meshtastic.packetsPerHopPayment${suffix}`, unit: 'packets', measure: async () => (await one()).packets.length },
    { key: `meshtastic.onAirBytesPerHopPayment${suffix}`, unit: 'bytes', measure: async () => (await one()).packets.reduce((sum, { packet }) => sum + packet.length, 0) },
    { key: `meshtastic.airtimeMsPerHopPayment.longFast${suffix}`, unit: 'ms', measure: async () => airtimeMs((await one()).packets) },
    { key: `meshtastic.paymentsPerHour.longFast${suffix}`, unit: 'payments/h', measure: () => paymentsPerHour(wantAck, TRANSPORT_RETRANSMIT_MS) },
    { key: `meshtastic.airtimeMsPerHopPayment.longFast.loss10${suffix}`, unit: 'ms', measure: async () => { const done = await lossy(); return perPayment(airtimeMs(done.packets), done); } },
  ];
}

export const meshtasticFigures: Figure[] = [...figuresOf(false, ''), ...figuresOf(true, '.wantAck')];
