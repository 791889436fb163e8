/** Meshtastic radio models on real ptys, each with a MeshtasticTransport on the client end, torn down by the caller. */
import { MeshtasticEther } from '../../../sim/kit/meshtastic/ether.js';
import { MeshtasticRadioModel, type MeshtasticModelOptions } from '../../../sim/kit/meshtastic/radio-model.js';
import { MeshtasticTransport, type MeshtasticTransportInit } from '../../../transports/meshtastic/meshtastic-transport.js';
import { openPtyPair, type PtyPair } from '../pty.js';

/** Fast model timings: the firmware's where they do not cost seconds. */
export const FAST_MODEL: MeshtasticModelOptions = { preset: 'ShortFast', timing: { processingMs: 300, bootMs: 50 } };

export interface Radio {
  readonly model: MeshtasticRadioModel;
  readonly transport: MeshtasticTransport;
  readonly pty: PtyPair;
  readonly address: string;
}

export async function radio(ether: MeshtasticEther, nodeNum: number, model: MeshtasticModelOptions = {}, transport: Partial<MeshtasticTransportInit> = {}): Promise<Radio> {
  const pty = await openPtyPair();
  const modelOnPty = await MeshtasticRadioModel.open(pty.b, ether, { ...FAST_MODEL, ...model, nodeNum });
  const meshtastic = new MeshtasticTransport({ path: pty.a, configTimeoutMs: 2000, reconnectMs: 100, ...transport });
  return { model: modelOnPty, transport: meshtastic, pty, address: `!${nodeNum.toString(16).padStart(8, '0')}` };
}

export async function dispose(radios: readonly Radio[]): Promise<void> {
  for (const { transport } of radios) await transport.close();
  for (const { model, pty } of radios) {
    await model.close();
    await pty.close();
  }
}

/** Two radios that hear each other directly. */
export async function pair(model: MeshtasticModelOptions = {}, transport: Partial<MeshtasticTransportInit> = {}) {
  const ether = new MeshtasticEther();
  const a = await radio(ether, 0xa1a1a1a1, model, transport);
  const b = await radio(ether, 0xb2b2b2b2, model, transport);
  ether.link(a.model.nodeNum, b.model.nodeNum);
  return { ether, a, b };
}

/** Polls `done` every 5 ms for up to `ms`. */
export async function until(done: () => boolean, ms = 5000): Promise<boolean> {
  for (let waited = 0; !done() && waited < ms; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
  return done();
}
