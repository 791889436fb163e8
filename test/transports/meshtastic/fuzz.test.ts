// Fuzzing the Meshtastic stream decoder and the FromRadio decoder together (issue 18): random bytes, valid frames
// mutated and truncated, protobuf-shaped noise. Each bad input must be skipped bytes or a MeshtasticDecodeError,
// nothing else; what decodes must encode again and decode the same; memory stays bounded. Seeded, so a failure
// replays: MESHTASTIC_FUZZ_SEED=<seed> npx tap test/transports/meshtastic/fuzz.test.ts (MESHTASTIC_FUZZ_RUNS for more).
import { randomInt } from 'node:crypto';
import t from 'tap';
import { SeededRandom } from '../../../sim/random.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { decodeFromRadio, encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { decodeRouting } from '../../../transports/meshtastic/routing.js';
import { FrameDecoder, HEADER_LENGTH, MAX_PACKET_LENGTH } from '../../../transports/meshtastic/stream-framing.js';
import { fuzzInput } from './fuzz-inputs.js';

const seed = process.env.MESHTASTIC_FUZZ_SEED ?? String(randomInt(0, 2 ** 32));
const runs = Number(process.env.MESHTASTIC_FUZZ_RUNS ?? 100_000);
const KEPT_LINES = 8;
const replay = `MESHTASTIC_FUZZ_SEED=${seed} npx tap test/transports/meshtastic/fuzz.test.ts`;
t.comment(`fuzz seed ${seed} (replay: ${replay})`);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const canonical = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (item instanceof Uint8Array ? hex(item) : item));

/** Decodes one protobuf as a receiver would; returns what failed, or undefined (accepted or refused cleanly). */
function judge(protobuf: Uint8Array, counts: { accepted: number; refused: number }): string | undefined {
  let value;
  try {
    value = decodeFromRadio(protobuf);
    if (value.kind === 'packet' && value.packet.decoded?.portnum === 5) decodeRouting(value.packet.decoded.payload);
  } catch (error) {
    if (error instanceof MeshtasticDecodeError) {
      counts.refused++;
      return undefined;
    }
    return `crash: ${String(error)}`;
  }
  counts.accepted++;
  try {
    const again = decodeFromRadio(encodeFromRadio(value));
    return canonical(again) === canonical(value) ? undefined : `round trip: ${canonical(value)} came back ${canonical(again)}`;
  } catch (error) {
    return `round trip threw ${String(error)}`;
  }
}

t.test(`${runs} inputs through the stream decoder and the FromRadio decoder: typed errors or skipped bytes only`, async (t) => {
  const random = new SeededRandom(seed);
  const counts = { accepted: 0, refused: 0, packets: 0, consoleLines: 0, badLengths: 0 };
  let decoder = new FrameDecoder({ maxConsoleLineBytes: 120, keptConsoleLines: KEPT_LINES });
  const failures: string[] = [];
  const started = performance.now();
  for (let index = 0; index < runs && failures.length < 5; index++) {
    if (index % 50 === 0) decoder = new FrameDecoder({ maxConsoleLineBytes: 120, keptConsoleLines: KEPT_LINES });
    const { stream, protobuf } = fuzzInput(random);
    const fail = (why: string, input: Uint8Array) => failures.push(`#${index} ${why} (input ${hex(input)}; ${replay})`);
    const direct = judge(protobuf, counts);
    if (direct) fail(direct, protobuf);
    try {
      for (let offset = 0; offset < stream.length; ) {
        const size = random.int(1, 64);
        for (const item of decoder.push(stream.subarray(offset, offset + size))) {
          if (item.kind === 'console') counts.consoleLines++;
          else if (item.kind === 'bad-length') counts.badLengths++;
          else {
            counts.packets++;
            if (item.packet.length > MAX_PACKET_LENGTH) fail(`a packet of ${item.packet.length} bytes`, stream);
            const framed = judge(item.packet, counts);
            if (framed) fail(framed, item.packet);
          }
        }
        offset += size;
      }
    } catch (error) {
      fail(`the stream decoder threw ${String(error)}`, stream);
    }
    if (decoder.pendingBytes > HEADER_LENGTH + MAX_PACKET_LENGTH || decoder.console.recentLines().length > KEPT_LINES) fail('memory grew past its bounds', stream);
  }
  const seconds = (performance.now() - started) / 1000;
  t.same(failures, [], `seed ${seed}: no input failed`);
  t.comment(`${runs} inputs in ${seconds.toFixed(1)} s: ${canonical(counts)}`);
  t.ok(counts.accepted > runs / 10 && counts.refused > runs / 10, 'the inputs reach both outcomes: they test the decoder, not only its first check');
  t.ok(counts.packets > runs / 4 && counts.consoleLines > 0 && counts.badLengths > 0, 'the stream inputs yield packets, console lines and bad lengths');
});
