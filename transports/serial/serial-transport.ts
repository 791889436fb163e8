/**
 * A point-to-point serial line (a USB cable, a UART between two boards, a
 * pair of radios in transparent mode) as a `Transport`. Frames are COBS with
 * a CRC-32 (see serial-framing.ts); the other end is whoever is on the cable,
 * so frames carry no address and `from` is always undefined.
 */
import { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { TransportError, type Transport, type TransportEvents } from '../transport.js';
import { loadSerialPort } from './load-serialport.js';
import { SerialFrameDecoder, encodeSerialFrame, type SerialFrameStats } from './serial-framing.js';
import { writeToPort } from './write-to-port.js';

export interface SerialTransportOptions {
  /** The device, e.g. /dev/ttyUSB0. Opened by path: listing ports needs udev, which is not everywhere. */
  path: string;
  /** Line speed; both ends must agree. Default 115200. */
  baudRate?: number;
  /** Largest payload per frame, in bytes. Default 255, as a LoRa frame, so the same link layer settings fit both. */
  mtu?: number;
  /** Where what the transport survives (a port error, a corrupt frame) is told. */
  logger?: Logger;
}

export class SerialTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  readonly path: string;
  readonly baudRate: number;
  private readonly decoder: SerialFrameDecoder;
  private readonly logger: Logger;
  private port: SerialPort | undefined;

  constructor(options: SerialTransportOptions) {
    super();
    this.path = options.path;
    this.baudRate = options.baudRate ?? 115200;
    this.mtu = options.mtu ?? 255;
    this.logger = options.logger ?? silentLogger;
    if (!Number.isSafeInteger(this.mtu) || this.mtu < 1) throw new TransportError(`serial mtu must be a positive integer, got ${this.mtu}`);
    this.decoder = new SerialFrameDecoder(this.mtu);
  }

  /** Frames received, and frames dropped for corruption or size, since this transport was made. */
  get stats(): Readonly<SerialFrameStats> {
    return { ...this.decoder.stats };
  }

  async open(): Promise<void> {
    if (this.port) return;
    const SerialPort = await loadSerialPort('a serial link');
    if (this.port) return;
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new TransportError(`cannot open serial port ${this.path}: ${error.message}`)) : resolve())),
    );
    this.port = port;
    this.decoder.reset();
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    port.on('error', (error: Error) => {
      this.logger.log('warn', `serial port ${this.path}: ${error.message}`);
      this.lost(port);
    });
    // 'close' also comes when the device goes away (a USB adapter unplugged).
    port.on('close', () => this.lost(port));
    this.emit('link', true);
  }

  async send(frame: Uint8Array, _to?: string): Promise<void> {
    const port = this.port;
    if (!port) throw new TransportError(`serial port ${this.path} is not open`);
    if (frame.length > this.mtu) throw new TransportError(`frame of ${frame.length} bytes is over the serial mtu of ${this.mtu}`);
    try {
      await writeToPort(port, encodeSerialFrame(frame));
    } catch (error) {
      this.lost(port); // a write is where a vanished pty, or a dead adapter, shows first
      throw new TransportError(`serial port ${this.path}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.emit('link', false);
  }

  private receive(chunk: Uint8Array): void {
    for (const result of this.decoder.push(chunk)) {
      if (result.kind === 'frame') this.emit('frame', result.payload, undefined);
      else this.logger.log('warn', `serial port ${this.path}: dropped a ${result.reason} frame (${result.detail})`);
    }
  }

  /** The port failed or vanished under us: report the link down once, and let `open` start afresh. */
  private lost(port: SerialPort): void {
    if (this.port !== port) return;
    this.port = undefined;
    if (port.isOpen) port.close(() => {});
    this.emit('link', false);
  }
}
