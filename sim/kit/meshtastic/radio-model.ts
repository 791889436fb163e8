/**
 * A MODEL of a radio running Meshtastic firmware: not the firmware, and no
 * radio. It stands where a Heltec or RAK board would be, at the far end of a
 * real pseudo-terminal (test/transports/pty.ts), serving the client API as
 * the firmware serves it over USB serial, and meets other models on a
 * shared in-process ether (ether.ts) that says who hears whom and how lossy.
 *
 * What it reproduces of the firmware (file names under src/):
 * - the serial stream (mesh/StreamAPI.cpp): 0x94 0xC3, a big-endian length
 *   of at most 512, a protobuf; the radio's reader byte by byte; debug text
 *   between frames (boot lines, warnings); `rebooted` emitted at boot
 *   (SerialConsole.cpp), and nothing else written until the client talks;
 * - the client API (mesh/PhoneAPI.cpp, MeshService.cpp; see phone-api.ts):
 *   want_config_id -> my_info, node infos, config_complete_id with the
 *   nonce; heartbeat -> QueueStatus; dropped after 15 minutes of silence;
 *   a malformed ToRadio ignored with an error line; repeated packet ids
 *   ignored; text rate-limited (RATE_LIMIT_EXCEEDED); a QueueStatus after
 *   every packet (res 0, or the error: 32 for a full queue, 9 past the duty
 *   cycle, 7 too large) and again when a full queue frees a slot; up to 32
 *   packets held for a client that has not done the handshake; the packet's
 *   hop_limit as the client set it (0 is not relayed: only with want_ack
 *   does 0 mean the default 3, Router::sendLocal);
 * - sending (mesh/Router.cpp, RadioLibInterface.cpp; see mesh-router.ts):
 *   the duty cycle (airtime.cpp: our airtime in one-minute buckets over a
 *   rolling hour; past the region's share, EU_868 10%, US none, our packets
 *   are refused with a DUTY_CYCLE_LIMIT nak and relays dropped); TOO_LARGE
 *   when the encoded Data (with the `bitfield` the firmware adds) and the
 *   16-byte header exceed 255 bytes, 12 more for a packet encrypted to the
 *   destination's key: so PRIVATE_APP carries at most 231 bytes, 219 as a
 *   PKI direct message on channel 0 (a 234-byte payload is not even a valid
 *   ToRadio); the 16-slot priority queue (MeshPacketQueue.cpp); a random
 *   contention delay, then the time on air of the preset (modem.ts);
 * - the mesh (FloodingRouter, NextHopRouter, ReliableRouter): duplicates
 *   dropped by (from, id); a flood relay with hop_limit - 1 and hop_start
 *   kept, after the SNR-weighted delay; a relay cancelled when another node
 *   relayed first; want_ack: the destination acks (Routing error NONE,
 *   request_id), hearing our packet relayed is an implicit ack (delivered to
 *   the client from our own node number), up to 3 transmissions then a
 *   MAX_RETRANSMIT nak (retransmissions.ts says how it is simplified);
 * - reboot: the client session, both queues, pending retransmissions, the
 *   duty-cycle record and the packet on the air are lost; then boot text
 *   and `rebooted`. The node database (in flash) is kept;
 * - a hang (`hang()`): a firmware stuck in a loop, behind a USB-UART bridge
 *   that keeps the port open: nothing read, written or heard, no heartbeat
 *   answered, until a reboot (the watchdog, or the reset button).
 *
 * Not modelled: collisions, capture and CSMA (the ether delivers every
 * packet whole, less the link's loss rate; a radio hears while it sends);
 * next-hop routing (always flooding, as the firmware does before it has
 * learnt a next hop); channels and their keys (every model shares channel
 * 0's key; the channel index travels as is); config and admin messages;
 * position, telemetry and node-info broadcasts of the radio's own (a
 * scenario injects traffic with `originate`); the store-and-forward, MQTT
 * and range-test modules; the heartbeat with nonce 1 (a NodeInfo broadcast
 * in the firmware); USB re-enumeration on reboot (the model is a
 * UART bridge board: the port stays open, the radio behind it restarts).
 */
import { SerialPort } from 'serialport';
import { systemClock, type Clock } from '../../../node/core/clock.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { RoutingError, type MeshPacket } from '../../../transports/meshtastic/client-messages.js';
import { dataWithDefaults } from '../../../transports/meshtastic/mesh-packet.js';
import { BROADCAST_NODE_NUMBER, checkRadioNodeNumber } from '../../../transports/meshtastic/node-number.js';
import { encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { encodeFrame } from '../../../transports/meshtastic/stream-framing.js';
import type { AirPacket, EtherRadio, Hearing, MeshtasticEther } from './ether.js';
import { MeshRouter, type Outgoing } from './mesh-router.js';
import { MODEM_PRESETS, PROCESSING_TIME_MS, REGIONS, retransmissionDelayMs, type ModemPresetName, type RegionName } from './modem.js';
import { encodedDataLength, HEADER_LENGTH } from './on-air.js';
import { PhoneApi, SERIAL_CONNECTION_TIMEOUT_MS } from './phone-api.js';
import { Retransmissions } from './retransmissions.js';
import { Transmitter } from './transmitter.js';
import { TxAirtime } from './tx-airtime.js';

/** The firmware's timings; a test may shrink them (the hour of the duty cycle, the processing time in the retry wait, ...). */
export interface ModelTiming {
  /** The duty cycle's window (an hour; its 60 buckets shrink with it). */
  readonly hourMs: number;
  /** PROCESSING_TIME_MSEC in the retransmission wait. */
  readonly processingMs: number;
  /** SERIAL_CONNECTION_TIMEOUT. */
  readonly clientTimeoutMs: number;
  /** How long a reboot keeps the radio silent before its boot text and `rebooted`. */
  readonly bootMs: number;
}

export const FIRMWARE_TIMING: ModelTiming = { hourMs: 3_600_000, processingMs: PROCESSING_TIME_MS, clientTimeoutMs: SERIAL_CONNECTION_TIMEOUT_MS, bootMs: 2000 };

export interface MeshtasticModelOptions {
  /** Default: random, as a radio takes the low bytes of its MAC. */
  readonly nodeNum?: number;
  /** Default LongFast. */
  readonly preset?: ModemPresetName;
  /** Default EU_868 (10%). */
  readonly region?: RegionName;
  /** Default the system clock: the pty is real, so is time (as in the RNode model). */
  readonly clock?: Clock;
  /** For the contention delays and packet ids (default Math.random). */
  readonly random?: () => number;
  /** config.lora.hop_limit, default 3. */
  readonly hopLimit?: number;
  /** Direct messages on channel 0 encrypted to known nodes' keys (firmware 2.5 and later); default true. */
  readonly pki?: boolean;
  readonly timing?: Partial<ModelTiming>;
}

export class MeshtasticRadioModel implements EtherRadio {
  readonly nodeNum: number;
  readonly presetName: ModemPresetName;
  readonly phone: PhoneApi;
  readonly transmitter: Transmitter;
  readonly airtime: TxAirtime;
  /** Silent while it boots; gone once closed. */
  booting = false;
  /** Stuck (`hang()`) until the next reboot. */
  hung = false;
  reboots = 0;
  private closed = false;
  private queueWasFull = false;
  private readonly router: MeshRouter;
  private readonly retransmissions: Retransmissions<Outgoing>;
  private readonly clock: Clock;
  private readonly timing: ModelTiming;
  private readonly startMs: number;

  private constructor(
    private readonly port: SerialPort,
    private readonly ether: MeshtasticEther,
    options: MeshtasticModelOptions,
  ) {
    const random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.startMs = this.clock.now();
    this.timing = { ...FIRMWARE_TIMING, ...options.timing };
    this.nodeNum = checkRadioNodeNumber('nodeNum', options.nodeNum ?? 0x10000000 + Math.floor(random() * 0xe0000000));
    this.presetName = options.preset ?? 'LongFast';
    const preset = MODEM_PRESETS[this.presetName];
    if (!preset) throw new InvalidInputError('preset', `unknown modem preset ${String(options.preset)}`);
    const region = REGIONS[options.region ?? 'EU_868'];
    if (!region) throw new InvalidInputError('region', `unknown region ${String(options.region)}`);
    this.airtime = new TxAirtime(this.clock, this.timing.hourMs);
    this.transmitter = new Transmitter({ clock: this.clock, random, preset, ether, airtime: this.airtime, radio: this, onDequeued: () => this.onDequeued() });
    this.retransmissions = new Retransmissions<Outgoing>({
      clock: this.clock,
      delayMs: (packet) => retransmissionDelayMs(preset, encodedDataLength(packet.data, false) + HEADER_LENGTH, this.timing.processingMs),
      resend: (packet) => this.router.send(packet),
      giveUp: (packet) => this.router.nakLocal(RoutingError.MAX_RETRANSMIT, packet),
    });
    this.router = new MeshRouter({
      nodeNum: this.nodeNum, clock: this.clock, random, dutyCyclePercent: region.dutyCyclePercent, airtime: this.airtime,
      transmitter: this.transmitter, retransmissions: this.retransmissions, hopLimit: options.hopLimit ?? 3, pki: options.pki ?? true,
      knows: (nodeNum) => this.ether.nodeNums().includes(nodeNum),
      toPhone: (packet) => this.phone.deliver(packet),
      log: (level, text) => this.log(level, text),
    });
    this.phone = this.makePhoneApi();
    port.on('data', (chunk: Buffer) => {
      if (!this.booting && !this.closed && !this.hung) this.phone.onBytes(chunk);
    });
    port.on('error', () => undefined); // a write racing the port's close; a board would not notice either
    ether.join(this);
  }

  private makePhoneApi(): PhoneApi {
    return new PhoneApi({
      clock: this.clock, clientTimeoutMs: this.timing.clientTimeoutMs, nodeNum: this.nodeNum,
      write: (bytes) => this.write(bytes),
      log: (level, text) => this.log(level, text),
      otherNodes: () => this.ether.nodeNums().filter((num) => num !== this.nodeNum),
      sendToMesh: (packet) => this.sendFromClient(packet),
      nakToPhone: (errorReason, packet) => this.router.nakLocal(errorReason, packet),
      queue: () => ({ free: this.transmitter.queue.free, maxlen: this.transmitter.queue.maxLen }),
    });
  }

  /** Opens the device end of a pty pair, prints its boot text and `rebooted`, and starts serving. */
  static open(path: string, ether: MeshtasticEther, options: MeshtasticModelOptions = {}): Promise<MeshtasticRadioModel> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 115200 }, (error) => {
        if (error) return reject(error);
        const model = new MeshtasticRadioModel(port, ether, options);
        model.boot();
        resolve(model);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopEverything();
    this.ether.leave(this);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  /** The radio restarts: everything in RAM is lost; after `bootMs` it prints its boot text and `rebooted`. */
  reboot(): void {
    this.reboots++;
    this.stopEverything();
    this.booting = true;
    this.clock.setTimer(this.timing.bootMs, () => this.boot());
  }

  /** The firmware hangs: it stops serving the client and the air, the port stays open; `reboot()` brings it back. */
  hang(): void {
    this.stopEverything();
    this.hung = true;
  }

  private stopEverything(): void {
    this.transmitter.reset();
    this.retransmissions.clear();
    this.airtime.clear();
    this.phone.reset();
    this.router.forget();
    this.queueWasFull = false;
  }

  private boot(): void {
    if (this.closed) return;
    this.booting = false;
    this.hung = false;
    this.log('INFO', `Booted, node !${this.nodeNum.toString(16).padStart(8, '0')}, preset ${this.presetName}`);
    this.write(encodeFrame(encodeFromRadio({ kind: 'rebooted', rebooted: true })));
  }

  /** A module of this radio sends (chat from its keyboard, telemetry, ...): on the mesh, no QueueStatus. Returns the id. */
  originate(init: { to?: number; portnum: number; payload: Uint8Array; wantAck?: boolean; hopLimit?: number; channel?: number }): number {
    const id = this.router.generateId();
    const data = dataWithDefaults({ portnum: init.portnum, payload: init.payload });
    const packet: Outgoing = {
      from: this.nodeNum, to: init.to ?? BROADCAST_NODE_NUMBER, id, channel: init.channel ?? 0, hopLimit: init.hopLimit ?? 3,
      wantAck: init.wantAck ?? false, priority: 0, data,
    };
    if (!this.booting && !this.closed && !this.hung) this.router.sendLocal(packet, false);
    return id;
  }

  /** MeshService::handleToRadio: from the client, with our node number and an id if it gave none. */
  private sendFromClient(packet: MeshPacket): { res: number; id: number } {
    const id = packet.id || this.router.generateId();
    if (!packet.decoded) return { res: RoutingError.BAD_REQUEST, id };
    const outgoing: Outgoing = {
      from: this.nodeNum, to: packet.to, id, channel: packet.channel, hopLimit: packet.hopLimit, wantAck: packet.wantAck,
      priority: packet.priority, data: packet.decoded,
    };
    const res = this.router.sendLocal(outgoing, true);
    if (this.transmitter.queue.free === 0) this.queueWasFull = true;
    return { res, id };
  }

  /** MeshService::loop: the client heard the queue was full; tell it when a slot frees. */
  private onDequeued(): void {
    if (!this.queueWasFull) return;
    this.queueWasFull = false;
    this.phone.queueStatus(0, 0);
  }

  hear(packet: AirPacket, hearing: Hearing): void {
    if (this.booting || this.closed || this.hung) return;
    this.router.hear(packet, hearing);
  }

  /** The radio's debug console: a text line between frames, as RedirectablePrint writes it. */
  log(level: string, text: string): void {
    const seconds = Math.floor((this.clock.now() - this.startMs) / 1000);
    this.write(new TextEncoder().encode(`${level.padEnd(5)} | ${seconds} ${text}\r\n`));
  }

  private write(bytes: Uint8Array): void {
    if (this.closed || this.hung || !this.port.isOpen) return;
    this.port.write(Buffer.from(bytes));
  }
}
