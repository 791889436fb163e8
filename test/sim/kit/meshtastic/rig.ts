/** Models on ptys with a client each, on one ether, torn down with the test. */
import type { Test } from 'tap';
import { MeshtasticEther } from '../../../../sim/kit/meshtastic/ether.js';
import { MeshtasticRadioModel, type MeshtasticModelOptions } from '../../../../sim/kit/meshtastic/radio-model.js';
import { openPtyPair } from '../../../transports/pty.js';
import { TestClient } from './client.js';

export interface Station {
  readonly model: MeshtasticRadioModel;
  readonly client: TestClient;
}

/** Fast timings for tests: the firmware's constants where they do not cost seconds. */
export const FAST: MeshtasticModelOptions = { preset: 'ShortFast', timing: { processingMs: 300, bootMs: 50 } };

export async function station(t: Test, ether: MeshtasticEther, options: MeshtasticModelOptions): Promise<Station> {
  const pair = await openPtyPair();
  const model = await MeshtasticRadioModel.open(pair.b, ether, { ...FAST, ...options });
  const client = await TestClient.open(pair.a);
  t.teardown(async () => {
    await client.close();
    await model.close();
    await pair.close();
  });
  return { model, client };
}

/** Three models in a line, A - B - C: B hears both, A and C do not hear each other. */
export async function line(t: Test, options: MeshtasticModelOptions = {}) {
  const ether = new MeshtasticEther();
  const a = await station(t, ether, { ...options, nodeNum: 0xa1a1a1a1 });
  const b = await station(t, ether, { ...options, nodeNum: 0xb2b2b2b2 });
  const c = await station(t, ether, { ...options, nodeNum: 0xc3c3c3c3 });
  ether.link(a.model.nodeNum, b.model.nodeNum, { snr: -20 });
  ether.link(b.model.nodeNum, c.model.nodeNum, { snr: -20 });
  return { ether, a, b, c };
}
