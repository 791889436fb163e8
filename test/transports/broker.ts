/**
 * An MQTT broker for a test: mosquitto when MQTT_URL names one (CI starts it
 * and sets MQTT_URL), else an embedded aedes on a free loopback port, closed
 * at the test's teardown. Under CI a missing MQTT_URL is a failure: the
 * tests against a real broker must run there.
 */
import type { Test } from 'tap';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Aedes } from 'aedes';

export async function mqttBrokerUrl(t: Test): Promise<string> {
  const url = process.env.MQTT_URL;
  if (url) return url;
  if (process.env.CI === 'true') throw new Error('CI=true requires MQTT_URL (a mosquitto started by .ci/run)');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise((resolve) => server.close(resolve));
  });
  return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
