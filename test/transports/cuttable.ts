/**
 * Links that a test can cut and restore, made of real parts:
 *
 * - a serial line through a relay: two pseudo-terminal pairs, and this
 *   process copying bytes between their inner ends, as a transparent radio
 *   modem would; cut, it drops what it reads (out of range);
 * - a TCP proxy in front of a broker: cut, it closes every connection
 *   through it and refuses new ones (the uplink is down); restored, the
 *   clients' reconnections go through again.
 */
import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { SerialPort } from 'serialport';
import { openPtyPair } from './pty.js';

export interface Cuttable {
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A serial line between `left` and `right` (device paths to open), through a relay that can be cut. */
export async function openRelayedSerialLine(): Promise<Cuttable & { readonly left: string; readonly right: string }> {
  const [leftPair, rightPair] = await Promise.all([openPtyPair(), openPtyPair()]);
  const open = (path: string) =>
    new Promise<SerialPort>((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
      port.open((error) => (error ? reject(error) : resolve(port)));
    });
  const [leftInner, rightInner] = await Promise.all([open(leftPair.b), open(rightPair.b)]);
  let connected = true;
  leftInner.on('data', (chunk: Buffer) => connected && rightInner.write(chunk));
  rightInner.on('data', (chunk: Buffer) => connected && leftInner.write(chunk));
  for (const port of [leftInner, rightInner]) port.on('error', () => {});
  return {
    left: leftPair.a,
    right: rightPair.a,
    cut: () => (connected = false),
    restore: () => (connected = true),
    close: async () => {
      await Promise.all([leftInner, rightInner].map((port) => new Promise((resolve) => (port.isOpen ? port.close(resolve) : resolve(undefined)))));
      await Promise.all([leftPair.close(), rightPair.close()]);
    },
  };
}

/** A proxy to the broker at `url`; its own url is what clients behind the cut connect to. */
export async function openBrokerProxy(url: string): Promise<Cuttable & { readonly url: string }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let connected = true;
  const server = createServer((client) => {
    if (!connected) return client.destroy();
    const upstream = connect(Number(target.port || 1883), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    // The broker's credentials, if its url has any, pass through.
    url: `mqtt://${target.username ? `${target.username}:${target.password}@` : ''}127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      connected = false;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => (connected = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
