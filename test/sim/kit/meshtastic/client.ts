/**
 * A plain client of the Meshtastic client API for the model's tests: the
 * codec over a real serial port, what the radio sends kept in order, waits
 * that name what they wait for.
 */
import { SerialPort } from 'serialport';
import type { FromRadio, MeshPacket, ToRadioInit } from '../../../../transports/meshtastic/client-messages.js';
import { PortNum } from '../../../../transports/meshtastic/client-messages.js';
import { decodeFromRadio } from '../../../../transports/meshtastic/from-radio.js';
import { decodeRouting } from '../../../../transports/meshtastic/routing.js';
import { encodeFrame, FrameDecoder, wakeBytes } from '../../../../transports/meshtastic/stream-framing.js';
import { encodeToRadio } from '../../../../transports/meshtastic/to-radio.js';

export class TestClient {
  readonly received: FromRadio[] = [];
  readonly console: string[] = [];
  private readonly decoder = new FrameDecoder();
  private wake: (() => void) | undefined;

  private constructor(private readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind === 'console') this.console.push(item.line);
        if (item.kind === 'packet') this.received.push(decodeFromRadio(item.packet));
      }
      this.wake?.();
    });
  }

  static open(path: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(new TestClient(port))));
    });
  }

  send(message: ToRadioInit): void {
    this.port.write(Buffer.from(encodeFrame(encodeToRadio(message))));
  }

  sendRaw(bytes: Uint8Array): void {
    this.port.write(Buffer.from(bytes));
  }

  /** Waits for the first message (not yet taken) that `match` accepts, and takes it. */
  async next<T extends FromRadio>(what: string, match: (message: FromRadio) => message is T, timeoutMs?: number): Promise<T>;
  async next(what: string, match: (message: FromRadio) => boolean, timeoutMs?: number): Promise<FromRadio>;
  async next(what: string, match: (message: FromRadio) => boolean, timeoutMs = 5000): Promise<FromRadio> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.received.findIndex(match);
      if (at !== -1) return this.received.splice(at, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; received: ${this.received.map((m) => m.kind).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Waits for a console line containing `text`. */
  async consoleLine(text: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.console.find((candidate) => candidate.includes(text));
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no console line with "${text}"; lines: ${this.console.join(' / ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The want_config handshake: the radio's node number and the node infos it listed. */
  async handshake(nonce = 1234): Promise<{ myNodeNum: number; nodes: number[] }> {
    this.sendRaw(wakeBytes());
    this.send({ kind: 'wantConfigId', nonce });
    const info = await this.next('my_info', (m) => m.kind === 'myInfo');
    await this.next('config_complete_id', (m) => m.kind === 'configCompleteId' && m.nonce === nonce);
    const nodes = this.received.filter((m) => m.kind === 'nodeInfo').map((m) => (m.kind === 'nodeInfo' ? m.num : 0));
    this.received.splice(0, this.received.length, ...this.received.filter((m) => m.kind !== 'nodeInfo'));
    return { myNodeNum: info.kind === 'myInfo' ? info.myNodeNum : 0, nodes };
  }

  /** The next QueueStatus about packet `id` (0: one not about a packet). */
  async queueStatus(id: number, timeoutMs?: number) {
    const message = await this.next(`QueueStatus for ${id}`, (m) => m.kind === 'queueStatus' && m.queueStatus.meshPacketId === id, timeoutMs);
    return message.kind === 'queueStatus' ? message.queueStatus : undefined!;
  }

  /** The next routing packet (port 5) about packet `id`, with its error reason. */
  async routing(id: number, timeoutMs?: number, from?: number): Promise<{ packet: MeshPacket; errorReason: number }> {
    const message = await this.next(
      `routing packet for ${id}`,
      (m) => m.kind === 'packet' && m.packet.decoded?.portnum === PortNum.routing && m.packet.decoded.requestId === id && (from === undefined || m.packet.from === from),
      timeoutMs,
    );
    const packet = message.kind === 'packet' ? message.packet : undefined!;
    const routing = decodeRouting(packet.decoded!.payload);
    return { packet, errorReason: routing.kind === 'error' ? routing.errorReason : -1 };
  }

  /** The next packet on `portnum`. */
  async packet(portnum: number, timeoutMs?: number): Promise<MeshPacket> {
    const message = await this.next(`packet on port ${portnum}`, (m) => m.kind === 'packet' && m.packet.decoded?.portnum === portnum, timeoutMs);
    return message.kind === 'packet' ? message.packet : undefined!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }
}
