/**
 * The LoRa transport: a radio on USB serial running the RNode firmware
 * (markqvist/RNode_Firmware: LilyGO, Heltec, RAK boards flashed with it).
 *
 * `open` finds the RNode, writes each radio setting and checks the value the
 * firmware answers with, so a board that clamps TX power or a chip that
 * rounds bandwidth is refused with a `RadioError` naming the setting rather
 * than transmitting on something else. `send` paces frames by their time on
 * air: it hands the radio one frame at a time, when the previous one has
 * left the antenna and the regional duty cycle allows, in FIFO order.
 *
 * LoRa is broadcast: `to` is ignored and received frames come `from`
 * undefined; the link layer above addresses and authenticates.
 */
import { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';
import { systemClock, type Clock } from '../../node/core/clock.js';
import { checkInteger, InvalidInputError } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { TransportError, type Transport, type TransportEvents } from '../transport.js';
import { maxPayloadForDataRate, timeOnAirMs, type LoRaModulation } from './airtime.js';
import { DutyCycleLimiter, eu868Policy, US915, type DutyCyclePolicy } from './duty-cycle.js';
import { KissDecoder } from './kiss.js';
import { loadSerialPort } from '../serial/load-serialport.js';
import { writeToPort } from '../serial/write-to-port.js';
import {
  dataFrame,
  decodeByte,
  decodeUint32,
  describeRnodeError,
  DETECT_RESPONSE,
  detectRequest,
  leaveRequest,
  queryBandwidth,
  queryFrequency,
  RADIO_STATE_ON,
  RNODE_MTU,
  RnodeCommand,
  rnodePacketSizes,
  rnodePreambleSymbols,
  setBandwidth,
  setCodingRate,
  setFrequency,
  setRadioState,
  setSpreadingFactor,
  setTxPower,
} from './rnode-commands.js';

/** The radio did not answer, or did not take a setting. `setting` names the option to look at. */
export class RadioError extends Error {
  override name = 'RadioError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

export interface LoRaTransportOptions {
  /** Serial device of the RNode, e.g. /dev/ttyACM0 (ports are opened by path, never listed). */
  readonly path: string;
  /** Default 115200, the firmware's rate. */
  readonly baudRate?: number;
  readonly frequencyHz: number;
  readonly bandwidthHz: number;
  /** 6 to 12. */
  readonly spreadingFactor: number;
  /** The coding rate's denominator: 5 for 4/5 ... 8 for 4/8. */
  readonly codingRate: number;
  readonly txPowerDbm: number;
  /** Preamble the firmware uses, for airtime; default what RNode firmware picks (see `rnodePreambleSymbols`). */
  readonly preambleSymbols?: number;
  /**
   * Duty cycle: 'EU868' (default: the sub-band's limit, 1% in most of it),
   * 'US915' (none), or a custom policy.
   */
  readonly dutyCycle?: 'EU868' | 'US915' | DutyCyclePolicy;
  readonly clock?: Clock;
  /** Where what the transport survives (corrupt frames, a lost port, the radio's errors) is told. */
  readonly logger?: Logger;
  /** How long to wait for each answer of the RNode while opening; default 2000 ms. */
  readonly answerTimeoutMs?: number;
  /**
   * Frames waiting for the radio, at most; a send beyond it fails at once
   * with a TransportError (the link sends it again later if it still
   * matters). Default 16, as the transmit queue of Meshtastic's firmware:
   * the link hands over one frame at a time, so a deeper queue only means
   * frames made long before they go, under a duty cycle possibly an hour.
   */
  readonly maxQueuedFrames?: number;
}

export interface LoRaTransportStats {
  framesSent: number;
  framesReceived: number;
  /** Incoming frames thrown away: corrupt or oversize KISS frames, empty data frames. */
  framesDropped: number;
  /** CMD_ERROR reports from the firmware (transmit failures, full queue). */
  radioErrors: number;
  /** Time on air of every frame sent, in milliseconds. */
  airtimeMs: number;
}

/** Frequency answers may differ by the synthesiser's step (61 Hz on the SX1276); RNS tolerates 100 Hz too. */
const FREQUENCY_TOLERANCE_HZ = 100;
/** No RNode frame is longer than a data frame; a little room for status frames of newer firmware. */
const MAX_INCOMING_PAYLOAD_BYTES = 1024;

interface Waiter {
  readonly command: number;
  readonly setting: string;
  resolve(payload: Uint8Array): void;
  reject(error: Error): void;
}

export class LoRaTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  /** RSSI (dBm) and SNR (dB) the firmware reported with the last received frame. */
  lastRssiDbm: number | undefined;
  lastSnrDb: number | undefined;

  private readonly options: LoRaTransportOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly modulation: LoRaModulation;
  private readonly limiter: DutyCycleLimiter;
  private readonly counters: LoRaTransportStats = { framesSent: 0, framesReceived: 0, framesDropped: 0, radioErrors: 0, airtimeMs: 0 };
  private state: 'closed' | 'opening' | 'open' = 'closed';
  private port: SerialPort | undefined;
  private decoder = new KissDecoder(MAX_INCOMING_PAYLOAD_BYTES);
  private waiters: Waiter[] = [];
  private queue: Promise<void> = Promise.resolve();
  private queuedFrames = 0;
  private readonly maxQueuedFrames: number;
  private busyUntilMs = 0;
  private pendingWait: { cancel(): void; reject(error: Error): void } | undefined;

  constructor(options: LoRaTransportOptions) {
    super();
    if (typeof options.path !== 'string' || options.path === '') throw new InvalidInputError('path', 'expected a serial device path');
    checkInteger('frequencyHz', options.frequencyHz, 137_000_000, 1_020_000_000);
    checkInteger('bandwidthHz', options.bandwidthHz, 7_800, 500_000);
    checkInteger('spreadingFactor', options.spreadingFactor, 6, 12);
    checkInteger('codingRate', options.codingRate, 5, 8);
    checkInteger('txPowerDbm', options.txPowerDbm, 0, 30);
    if (options.baudRate !== undefined) checkInteger('baudRate', options.baudRate, 1200, 4_000_000);
    this.maxQueuedFrames = checkInteger('maxQueuedFrames', options.maxQueuedFrames ?? 16, 1, 4096);
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.modulation = {
      spreadingFactor: options.spreadingFactor,
      bandwidthHz: options.bandwidthHz,
      codingRate: options.codingRate,
      preambleSymbols: options.preambleSymbols ?? rnodePreambleSymbols(options.spreadingFactor, options.bandwidthHz),
    };
    this.mtu = Math.min(RNODE_MTU, maxPayloadForDataRate(options.spreadingFactor, options.bandwidthHz));
    this.limiter = new DutyCycleLimiter(this.clock, dutyCyclePolicy(options));
  }

  /** Counters since construction. */
  get stats(): Readonly<LoRaTransportStats> {
    return { ...this.counters, framesDropped: this.counters.framesDropped + this.decoder.dropped.oversize + this.decoder.dropped.badEscape };
  }

  /** Airtime used in the current duty-cycle window, and the window's budget, in milliseconds. */
  get dutyCycle(): { usedMs: number; budgetMs: number } {
    return { usedMs: this.limiter.usedMs(), budgetMs: this.limiter.budgetMs };
  }

  /** Time on air of a frame of `bytes`: the packets the firmware sends for it, header bytes included. */
  frameAirtimeMs(bytes: number): number {
    return rnodePacketSizes(bytes).reduce((sum, packet) => sum + timeOnAirMs(this.modulation, packet), 0);
  }

  async open(): Promise<void> {
    if (this.state !== 'closed') throw new TransportError(`the LoRa transport on ${this.options.path} is already open`);
    this.state = 'opening';
    this.decoder = new KissDecoder(MAX_INCOMING_PAYLOAD_BYTES);
    try {
      this.port = await openPort(this.options.path, this.options.baudRate ?? 115200);
      const port = this.port;
      port.on('data', (chunk: Buffer) => this.onBytes(chunk));
      port.on('close', () => this.onPortClosed(port));
      port.on('error', (error: Error) => this.logger.log('warn', `serial port ${this.options.path}: ${error.message}`));
      await this.configure();
      this.state = 'open';
      this.emit('link', true);
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async send(frame: Uint8Array, _to?: string): Promise<void> {
    if (this.state !== 'open') throw new TransportError(`the LoRa transport on ${this.options.path} is not open`);
    if (!(frame instanceof Uint8Array)) throw new TransportError('a frame must be a byte array');
    if (frame.length === 0) throw new TransportError('an empty frame cannot be sent: the RNode firmware drops it');
    if (frame.length > this.mtu) {
      throw new TransportError(`a frame of ${frame.length} bytes exceeds the LoRa MTU of ${this.mtu} bytes at SF${this.options.spreadingFactor}/${this.options.bandwidthHz / 1000} kHz`);
    }
    const airtimeMs = this.frameAirtimeMs(frame.length);
    if (airtimeMs > this.limiter.budgetMs) {
      throw new TransportError(`a frame of ${airtimeMs.toFixed(1)} ms on air exceeds the whole duty-cycle budget of ${this.limiter.budgetMs.toFixed(1)} ms`);
    }
    if (this.queuedFrames >= this.maxQueuedFrames) {
      throw new TransportError(`the LoRa transport on ${this.options.path} has ${this.queuedFrames} frames waiting for the radio, its limit (maxQueuedFrames)`);
    }
    const copy = frame.slice();
    this.queuedFrames++;
    const sent = this.queue.then(() => this.transmit(copy, airtimeMs)).finally(() => this.queuedFrames--);
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    const port = this.port;
    this.state = 'closed';
    this.abandonWaits(new TransportError(`the LoRa transport on ${this.options.path} was closed`));
    if (port?.isOpen) {
      // As RNS does on detach: radio off, then tell the firmware the host has left. Best effort.
      await writeToPort(port, concat(setRadioState(false), leaveRequest())).catch(() => undefined);
    }
    await this.shutdown();
    if (wasOpen) this.emit('link', false);
  }

  /** Detect, set every parameter, switch the radio on, then read back what the chip really uses. */
  private async configure(): Promise<void> {
    const { frequencyHz, bandwidthHz, txPowerDbm, spreadingFactor, codingRate } = this.options;
    const detected = await this.ask(detectRequest(), RnodeCommand.detect, 'detect');
    if (decodeByte(detected) !== DETECT_RESPONSE) {
      throw new RadioError('detect', `the device on ${this.options.path} answered the detect request with ${hex(detected)}: not an RNode`);
    }
    this.checkFrequency(await this.ask(setFrequency(frequencyHz), RnodeCommand.frequency, 'frequencyHz'));
    this.checkEcho('bandwidthHz', bandwidthHz, decodeUint32(await this.ask(setBandwidth(bandwidthHz), RnodeCommand.bandwidth, 'bandwidthHz')));
    this.checkEcho('txPowerDbm', txPowerDbm, decodeByte(await this.ask(setTxPower(txPowerDbm), RnodeCommand.txPower, 'txPowerDbm')));
    this.checkEcho('spreadingFactor', spreadingFactor, decodeByte(await this.ask(setSpreadingFactor(spreadingFactor), RnodeCommand.spreadingFactor, 'spreadingFactor')));
    this.checkEcho('codingRate', codingRate, decodeByte(await this.ask(setCodingRate(codingRate), RnodeCommand.codingRate, 'codingRate')));
    const state = decodeByte(await this.ask(setRadioState(true), RnodeCommand.radioState, 'radioState'));
    if (state !== RADIO_STATE_ON) {
      throw new RadioError('radioState', `the radio on ${this.options.path} did not start (the firmware locks it until frequency, bandwidth, TX power and SF are all set)`);
    }
    // With the radio on, the firmware reports the chip's own values: the real frequency step and bandwidth.
    this.checkFrequency(await this.ask(queryFrequency(), RnodeCommand.frequency, 'frequencyHz'));
    this.checkEcho('bandwidthHz', bandwidthHz, decodeUint32(await this.ask(queryBandwidth(), RnodeCommand.bandwidth, 'bandwidthHz')));
  }

  private checkFrequency(answer: Uint8Array): void {
    const reported = decodeUint32(answer);
    if (reported === undefined || Math.abs(reported - this.options.frequencyHz) > FREQUENCY_TOLERANCE_HZ) {
      throw new RadioError('frequencyHz', `asked for ${this.options.frequencyHz} Hz, the radio reports ${reported ?? hex(answer)}`);
    }
  }

  private checkEcho(setting: string, wanted: number, reported: number | undefined): void {
    if (reported !== wanted) {
      throw new RadioError(setting, `asked for ${wanted}, the radio reports ${reported ?? 'a malformed answer'}; this board or chip does not support it`);
    }
  }

  /** Writes a command and waits for the next frame carrying `command`. */
  private ask(bytes: Uint8Array, command: number, setting: string): Promise<Uint8Array> {
    const port = this.port;
    if (!port) return Promise.reject(new TransportError('the serial port is not open'));
    const timeoutMs = this.options.answerTimeoutMs ?? 2000;
    return new Promise<Uint8Array>((resolve, reject) => {
      const cancelTimer = this.clock.setTimer(timeoutMs, () => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new RadioError(setting, `no answer from an RNode on ${this.options.path} within ${timeoutMs} ms (is it an RNode, flashed and powered?)`));
      });
      const entry: Waiter = {
        command,
        setting,
        resolve: (payload) => {
          cancelTimer();
          resolve(payload);
        },
        reject: (error) => {
          cancelTimer();
          reject(error);
        },
      };
      this.waiters.push(entry);
      writeToPort(port, bytes).catch((error: Error) => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        entry.reject(new TransportError(`writing to ${this.options.path} failed: ${error.message}`));
      });
    });
  }

  private async transmit(frame: Uint8Array, airtimeMs: number): Promise<void> {
    if (this.state !== 'open') throw new TransportError(`the LoRa transport on ${this.options.path} closed before the frame was sent`);
    const start = Math.max(this.clock.now(), this.busyUntilMs, this.limiter.whenCanSend(airtimeMs));
    await this.waitUntil(start);
    const port = this.port;
    if (this.state !== 'open' || !port) throw new TransportError(`the LoRa transport on ${this.options.path} closed before the frame was sent`);
    const sentAt = this.clock.now();
    // Recorded before the write resolves, so a frame queued meanwhile sees this one's airtime.
    this.limiter.record(sentAt, airtimeMs);
    this.busyUntilMs = sentAt + airtimeMs;
    try {
      await writeToPort(port, dataFrame(frame));
    } catch (error) {
      // A pulled cable shows here first: serialport then closes the port and `onPortClosed` takes the link down.
      throw new TransportError(`writing to ${this.options.path} failed: ${(error as Error).message}`);
    }
    this.counters.framesSent++;
    this.counters.airtimeMs += airtimeMs;
  }

  private waitUntil(timeMs: number): Promise<void> {
    const delay = timeMs - this.clock.now();
    if (delay <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cancel = this.clock.setTimer(delay, () => {
        this.pendingWait = undefined;
        resolve();
      });
      this.pendingWait = { cancel, reject };
    });
  }

  private onBytes(chunk: Uint8Array): void {
    const before = this.decoder.dropped.oversize + this.decoder.dropped.badEscape;
    const frames = this.decoder.push(chunk);
    const dropped = this.decoder.dropped.oversize + this.decoder.dropped.badEscape - before;
    if (dropped > 0) this.logger.log('warn', `dropped ${dropped} corrupt frame${dropped === 1 ? '' : 's'} from the RNode on ${this.options.path}`);
    for (const { command, payload } of frames) {
      if (command === RnodeCommand.data) this.onData(payload);
      else if (command === RnodeCommand.error) this.onRadioError(payload);
      else if (command === RnodeCommand.statRssi && payload.length === 1) this.lastRssiDbm = (payload[0] ?? 0) - 157;
      else if (command === RnodeCommand.statSnr && payload.length === 1) this.lastSnrDb = (((payload[0] ?? 0) << 24) >> 24) / 4;
      else {
        const index = this.waiters.findIndex((waiter) => waiter.command === command);
        const waiter = this.waiters[index];
        if (waiter) {
          this.waiters.splice(index, 1);
          waiter.resolve(payload);
        }
        // Anything else (a second radio-state report, channel statistics of newer firmware) needs no action.
      }
    }
  }

  private onData(payload: Uint8Array): void {
    if (this.state !== 'open') return;
    if (payload.length === 0) {
      this.counters.framesDropped++;
      this.logger.log('warn', `dropped an empty data frame from the RNode on ${this.options.path}`);
      return;
    }
    this.counters.framesReceived++;
    this.emit('frame', payload, undefined);
  }

  private onRadioError(payload: Uint8Array): void {
    this.counters.radioErrors++;
    const description = describeRnodeError(payload);
    const waiters = this.waiters;
    if (this.state === 'opening' && waiters.length > 0) {
      this.waiters = [];
      for (const waiter of waiters) waiter.reject(new RadioError(waiter.setting, `the RNode on ${this.options.path} reported: ${description}`));
      return;
    }
    this.logger.log('warn', `the RNode on ${this.options.path} reported: ${description}`);
  }

  /** The port went away under us (unplugged, or closed by someone else). */
  private onPortClosed(port: SerialPort): void {
    if (port !== this.port || this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.port = undefined;
    this.abandonWaits(new TransportError(`the serial port ${this.options.path} was lost`));
    this.logger.log('warn', `the serial port ${this.options.path} was lost`);
    if (wasOpen) this.emit('link', false);
  }

  private abandonWaits(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    const pending = this.pendingWait;
    this.pendingWait = undefined;
    if (pending) {
      pending.cancel();
      pending.reject(error);
    }
  }

  private async shutdown(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    this.state = 'closed';
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

function dutyCyclePolicy(options: LoRaTransportOptions): DutyCyclePolicy {
  const choice = options.dutyCycle ?? 'EU868';
  if (choice === 'US915') return US915;
  if (choice !== 'EU868') return choice;
  try {
    return eu868Policy(options.frequencyHz);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError('dutyCycle', `${error.reason}; outside Europe set dutyCycle to 'US915' or a custom policy`);
  }
}

async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const SerialPort = await loadSerialPort('a LoRa link');
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((error) => (error ? reject(new TransportError(`cannot open the serial port ${path}: ${error.message}`)) : resolve(port)));
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function hex(bytes: Uint8Array): string {
  return bytes.length === 0 ? 'nothing' : Buffer.from(bytes).toString('hex');
}
