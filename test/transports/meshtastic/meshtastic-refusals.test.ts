// What the radio refuses: past the duty cycle, or with its 16-slot queue full. The send rejects with RadioBusyError
// (not sent: try later), further sends are refused at once until the back-off ends (for the duty cycle: doubling with
// each refusal in a row, up to a cap), then frames go again.
import t from 'tap';
import { RadioBusyError } from '../../../transports/meshtastic/meshtastic-transport.js';
import { ptySkipReason } from '../pty.js';
import { dispose, pair, until } from './radios.js';

const skip = ptySkipReason();
const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const settled = (sending: Promise<void>) => sending.then(() => 'sent' as const, (error: unknown) => error as Error);

t.test('past the duty cycle: RadioBusyError with a retry time; refused at once meanwhile; sent after it', { skip }, async (t) => {
  // A test hour of 2 s: a 200-byte ShortFast frame is about 9% of it.
  const { a, b, ether } = await pair({ region: 'EU_868', timing: { hourMs: 2000, processingMs: 300, bootMs: 50 } }, { dutyCycleBackoffMs: 2100 });
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const atB: number[] = [];
  b.transport.on('frame', (frame) => atB.push(frame[0]!));
  let refused: Error | undefined;
  let fill = 0;
  while (!refused && fill < 10) {
    const onAir = a.model.transmitter.sent;
    const result = await settled(a.transport.send(bytes(200, ++fill), b.address));
    if (result === 'sent') await until(() => a.model.transmitter.sent > onAir);
    else refused = result;
  }
  t.ok(refused instanceof RadioBusyError, `frame ${fill} refused: ${refused?.message}`);
  t.match(refused?.message, /DUTY_CYCLE_LIMIT/);
  const retryAtMs = (refused as RadioBusyError).retryAtMs;
  t.ok(retryAtMs > Date.now(), 'with a time to try again');
  t.equal(a.transport.stats.dutyCycleRefusals, 1);
  const transmissions = ether.transmissions.length;
  const during = await settled(a.transport.send(bytes(200, 99), b.address));
  t.ok(during instanceof RadioBusyError, 'during the back-off: refused at once, without asking the radio');
  t.equal(a.transport.stats.refusals, 1, 'the radio was not asked');
  await new Promise((resolve) => setTimeout(resolve, retryAtMs - Date.now() + 50));
  t.equal(await settled(a.transport.send(bytes(200, fill), b.address)), 'sent', 'after the back-off the refused frame goes');
  t.ok(await until(() => atB.length === fill), `B got ${atB.length} frames`);
  t.same(atB, Array.from({ length: fill }, (_, i) => i + 1), 'every frame once: the refused one was never on the air, and went later');
  t.ok(ether.transmissions.length > transmissions);
});

t.test('refused again and again past the duty cycle: each wait doubles up to its cap; a frame taken starts it again', { skip }, async (t) => {
  // A test hour of 4 s: 10% is 400 ms of ShortFast airtime, two or three 200-byte frames; the radio refuses until they
  // roll out of its hour. Back-off 200 ms doubling to 400 ms here (15 s to 60 s by default).
  const { a, b } = await pair({ region: 'EU_868', timing: { hourMs: 4000, processingMs: 300, bootMs: 50 } }, { dutyCycleBackoffMs: 200, dutyCycleBackoffMaxMs: 400 });
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  /** Sends until `refusals` refusals in a row (each tried once its back-off ended) or one frame sent after a refusal. */
  const run = async (refusals: number, stopWhenSent: boolean) => {
    const waits: number[] = [];
    for (let fill = 1; waits.length < refusals && fill < 60; fill++) {
      const onAir = a.model.transmitter.sent;
      const result = await settled(a.transport.send(bytes(200, fill), b.address));
      if (result === 'sent') {
        if (stopWhenSent && waits.length > 0) return waits;
        await until(() => a.model.transmitter.sent > onAir);
        continue;
      }
      if (!(result instanceof RadioBusyError)) throw result;
      const waitMs = result.retryAtMs - Date.now();
      waits.push(Math.round(waitMs / 100) * 100); // to the 100 ms: the refusal was a few ms ago
      await sleep(waitMs + 10);
    }
    return waits;
  };
  t.same(await run(4, false), [200, 400, 400, 400], '200 ms, doubled to 400, then 400 each');
  t.equal(a.transport.stats.dutyCycleRefusals, 4, 'the radio was asked again after each wait, and refused');
  await run(100, true); // tried every 400 ms until its hour lets a frame go
  t.same(await run(1, false), [200], 'the radio took a frame: the next refusal waits the first time again');
});

t.test('the radio\'s queue full: RadioBusyError, then sends go again once the radio says a slot freed', { skip }, async (t) => {
  // LongFast in the US (no duty cycle): a 200-byte frame is about a second on the air, so the queue fills.
  const { a, b } = await pair({ preset: 'LongFast', region: 'US' }, { queueFullBackoffMs: 60_000 });
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const results: ('sent' | Error)[] = [];
  for (let i = 0; i < 18 && !results.some((result) => result !== 'sent'); i++) results.push(await settled(a.transport.send(bytes(200, i), b.address)));
  const refused = results.at(-1);
  t.ok(refused instanceof RadioBusyError && /queue is full/.test(refused.message), `frame ${results.length} refused: ${(refused as Error).message}`);
  t.ok(results.length >= 17, 'after the 16 the radio holds');
  t.ok((await settled(a.transport.send(bytes(10, 1), b.address))) instanceof RadioBusyError, 'refused at once while it is full');
  t.ok(await until(() => a.model.transmitter.queue.free > 0, 5000), 'a frame went on the air: a slot freed');
  const again = await (async () => {
    for (let tries = 0; tries < 100; tries++) {
      if ((await settled(a.transport.send(bytes(10, 2), b.address))) === 'sent') return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  })();
  t.ok(again, 'sent again after the freed slot was announced (long before the 60 s back-off)');
});

t.test('at most 16 frames wait for the radio\'s answer: more are refused at once with RadioBusyError', { skip }, async (t) => {
  const { a, b } = await pair({ region: 'US' });
  t.teardown(() => dispose([a, b]));
  await Promise.all([a.transport.open(), b.transport.open()]);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => settled(a.transport.send(bytes(20, i), b.address))));
  t.equal(results.filter((result) => result instanceof RadioBusyError).length, 4, 'the 4 beyond 16');
  t.equal(results.filter((result) => result === 'sent').length, 16, 'the 16 taken');
});
