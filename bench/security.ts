/**
 * What strangers can make a node transmit: `security.strangerAirtimeShare`.
 *
 * Bob, at SF9 under EU868 (36 s of airtime an hour), has a session with his
 * neighbour Alice and nothing of his own to send. For one hour Eve, who
 * hears everything on the air and holds no key Bob knows, sends him ten
 * frames a second, cycling through every kind of frame she can make:
 * act ones from fresh keys, replays of Alice's captured act one and act
 * three, act threes and sealed frames forged on the live session id,
 * replays of Alice's sealed frames, and random bytes. The figure is Bob's
 * airtime in that hour over the hour's budget; all of it is Eve's doing.
 * Target: at most 5%.
 *
 * Before issue 15 every act one drew an act two and every act three on a
 * live session an ack: the flood took the whole budget (and queued hours
 * more).
 *
 * `security.honestPaymentSuccessUnderFlood`: the shipped `flood` scenario
 * (strangers' act ones beside n4, and n4 sending envelopes and tower
 * appointments from fresh keys through the line) against the same mesh
 * without its floods: the honest payments settled under the floods over
 * those settled without. Target: at least 0.9.
 */
import { timeOnAirMs } from '../transports/lora/airtime.js';
import { RNODE_HEADER_BYTES, rnodePreambleSymbols } from '../transports/lora/rnode-commands.js';
import { FRAME_ACT_ONE, FRAME_ACT_THREE, encodeFrame } from '../transports/link/frame.js';
import { inbox } from '../sim/kit/link-node.js';
import { linkedPair } from '../sim/kit/link-pair.js';
import { randomBytes, seededRandom } from '../sim/kit/random.js';
import { strangerActOne } from '../sim/kit/stranger.js';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../sim/run.js';
import { loadScenario } from '../sim/scenario.js';
import type { Figure } from './bolt3.js';

const SPREADING_FACTOR = 9;
const MODULATION = { spreadingFactor: SPREADING_FACTOR, bandwidthHz: 125_000, codingRate: 5, preambleSymbols: rnodePreambleSymbols(SPREADING_FACTOR, 125_000) };
const BUDGET_MS_PER_HOUR = 0.01 * 3_600_000;
const FLOOD_PER_SECOND = 10;
const HOUR_MS = 3_600_000;

/** Bob's airtime (ms) in an hour of Eve's flood, with the frames he sent. */
export async function strangerFloodHour(): Promise<{ airtimeMs: number; framesSent: number; framesReceived: number }> {
  // The link's own timing defaults, an MTU of SF9's 115-byte payload.
  const timing = { retransmitBaseMs: 5_000, retransmitMaxMs: 600_000, ackDelayMs: 200 };
  const { clock, medium, bob, aliceLink, bobLink, bobTransport, nodes } = await linkedPair({ mtu: 115, delayMs: 50 }, timing);
  const heardByBob: Uint8Array[] = [];
  bobTransport.on('frame', (frame) => heardByBob.push(frame));
  const atBob = inbox(bobLink, nodes);
  for (let i = 0; i < 3; i++) aliceLink.send(bob.id, randomBytes(200));
  if (!(await clock.runUntil(() => atBob.length === 3, 600_000))) throw new Error('alice and bob did not come up');
  await clock.advance(60_000);

  const actOne = heardByBob.find((frame) => frame[0] === FRAME_ACT_ONE)!;
  const actThree = heardByBob.find((frame) => frame[0] === FRAME_ACT_THREE)!;
  const sealed = heardByBob.filter((frame) => frame[0]! >= 0x10);
  const liveSessionId = actThree[1]!;
  const random = seededRandom(15);
  const kinds: (() => Uint8Array)[] = [
    () => strangerActOne(bob.id, Math.floor(random() * 128)),
    () => actOne,
    () => encodeFrame({ kind: 'act-three', responderSessionId: liveSessionId, act: Uint8Array.of(0, ...randomBytes(65)) }),
    () => actThree,
    () => sealed[Math.floor(random() * sealed.length)]!,
    () => Uint8Array.of(0x13, liveSessionId, ...randomBytes(2 + Math.floor(random() * 100))),
    () => randomBytes(1 + Math.floor(random() * 114)),
  ];

  const eve = medium.createTransport('eve');
  await eve.open();
  let airtimeMs = 0;
  let framesSent = 0;
  const send = bobTransport.send.bind(bobTransport);
  bobTransport.send = (frame, to) => {
    airtimeMs += timeOnAirMs(MODULATION, frame.length + RNODE_HEADER_BYTES);
    framesSent++;
    return send(frame, to);
  };
  const received = bobLink.counters.framesReceived;
  for (let i = 0; i < (HOUR_MS / 1000) * FLOOD_PER_SECOND; i++) {
    await eve.send(kinds[i % kinds.length]!(), 'bob');
    await clock.advance(1000 / FLOOD_PER_SECOND);
  }
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
  return { airtimeMs, framesSent, framesReceived: bobLink.counters.framesReceived - received };
}

/** Honest payments settled under the flood scenario's floods, over those settled without them. */
async function honestPaymentSuccessUnderFlood(): Promise<number> {
  const scenario = loadScenario(fileURLToPath(new URL('../sim/scenarios/flood.yaml', import.meta.url)));
  const flooded = await runScenario(scenario);
  const calm = await runScenario({ ...scenario, events: [] });
  return flooded.figures.paymentsSettled! / calm.figures.paymentsSettled!;
}

export const securityFigures: Figure[] = [
  {
    key: 'security.strangerAirtimeShare',
    unit: 'of the hourly budget',
    measure: async () => (await strangerFloodHour()).airtimeMs / BUDGET_MS_PER_HOUR,
  },
  { key: 'security.honestPaymentSuccessUnderFlood', unit: 'of the flood-free run', measure: honestPaymentSuccessUnderFlood },
];
