/**
 * The client side of the radio (firmware src/mesh/PhoneAPI.cpp, PhoneAPI.h,
 * StreamAPI.cpp, SerialConsole.cpp; MeshService.cpp for the queues to the
 * client): the want_config handshake, heartbeats, the 15-minute silence
 * after which the radio drops the client, packets from the client handed to
 * the mesh with a QueueStatus for each, and what the mesh delivers held in a
 * queue of 32 (MAX_RX_TOPHONE) until a client has done the handshake.
 *
 * The handshake is minimal: my_info, our own node_info, one node_info per
 * other known node, config_complete_id. The firmware also sends
 * deviceuiConfig, metadata, 8 channels, each config and module config and
 * a file manifest; the model sends none of them (a client must skip what it
 * does not read anyway).
 */
import type { Clock } from '../../../node/core/clock.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { PortNum, RoutingError, SpecialConfigNonce, type FromRadioInit, type MeshPacket, type QueueStatus } from '../../../transports/meshtastic/client-messages.js';
import { encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { encodeFrame } from '../../../transports/meshtastic/stream-framing.js';
import { decodeToRadio } from '../../../transports/meshtastic/to-radio.js';
import { StreamReader } from './stream-reader.js';

/** mesh-pb-constants.h: MAX_RX_TOPHONE (8 on the original ESP32, 32 elsewhere). */
export const MAX_RX_TOPHONE = 32;
/** SerialConsole.cpp: SERIAL_CONNECTION_TIMEOUT, "the formerly removed phone_timeout_secs value of 15 minutes". */
export const SERIAL_CONNECTION_TIMEOUT_MS = 15 * 60 * 1000;
/** PhoneAPI.cpp: text messages from the client, at most one every 2 s (TWO_SECONDS_MS). */
const TEXT_INTERVAL_MS = 2000;

export interface PhoneApiParts {
  readonly clock: Clock;
  readonly clientTimeoutMs: number;
  readonly write: (bytes: Uint8Array) => void;
  readonly log: (level: string, text: string) => void;
  readonly nodeNum: number;
  readonly otherNodes: () => number[];
  /** MeshService::handleToRadio: the packet on the mesh; the ErrorCode and the id it went with. */
  readonly sendToMesh: (packet: MeshPacket) => { res: number; id: number };
  readonly nakToPhone: (errorReason: number, packet: MeshPacket) => void;
  readonly queue: () => { free: number; maxlen: number };
}

export class PhoneApi {
  /** STATE_SEND_NOTHING until a want_config_id, STATE_SEND_PACKETS after config_complete_id. */
  state: 'nothing' | 'packets' = 'nothing';
  /** Packets dropped because the queue to the client was full. */
  dropped = 0;
  private canWrite = false;
  private toPhone: MeshPacket[] = [];
  private statuses: QueueStatus[] = [];
  private recentIds: number[] = [];
  private lastTextMs = -Infinity;
  private flushing = false;
  private cancelTimeout: () => void = () => undefined;
  private readonly reader = new StreamReader((protobuf) => this.handleToRadio(protobuf));

  constructor(private readonly parts: PhoneApiParts) {}

  onBytes(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /** The radio booted: every session and queue is gone. */
  reset(): void {
    this.cancelTimeout();
    this.reader.reset();
    this.state = 'nothing';
    this.canWrite = false;
    this.toPhone = [];
    this.statuses = [];
    this.recentIds = [];
    this.lastTextMs = -Infinity;
  }

  /** MeshService::sendToPhone: when full, a text message pushes out the oldest; anything else is dropped. */
  deliver(packet: MeshPacket): void {
    if (this.toPhone.length >= MAX_RX_TOPHONE) {
      this.dropped++;
      if (packet.decoded?.portnum !== PortNum.textMessage) return;
      this.toPhone.shift();
    }
    this.toPhone.push(packet);
    this.flushSoon();
  }

  /** MeshService::sendQueueStatusToPhone (the oldest is discarded when 32 wait). */
  queueStatus(res: number, meshPacketId: number): void {
    if (this.statuses.length >= MAX_RX_TOPHONE) this.statuses.shift();
    this.statuses.push({ res, ...this.parts.queue(), meshPacketId });
    this.flushSoon();
  }

  /** The client reads when it can: what is queued meanwhile goes out in getFromRadio's order. */
  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      this.flush();
    });
  }

  private write(message: FromRadioInit): void {
    if (this.canWrite) this.parts.write(encodeFrame(encodeFromRadio(message)));
  }

  /** PhoneAPI::getFromRadio in STATE_SEND_PACKETS: queue statuses first, then packets. */
  private flush(): void {
    if (this.state !== 'packets' || !this.canWrite) return;
    for (let status = this.statuses.shift(); status; status = this.statuses.shift()) this.write({ kind: 'queueStatus', queueStatus: status });
    for (let packet = this.toPhone.shift(); packet; packet = this.toPhone.shift()) this.write({ kind: 'packet', packet });
  }

  private handleToRadio(protobuf: Uint8Array): void {
    this.canWrite = true;
    this.cancelTimeout();
    this.cancelTimeout = this.parts.clock.setTimer(this.parts.clientTimeoutMs, () => this.close('Lost phone connection'));
    let message;
    try {
      message = decodeToRadio(protobuf);
    } catch (error) {
      if (!(error instanceof MeshtasticDecodeError)) throw error;
      this.parts.log('ERROR', 'Error: ignore malformed toradio');
      return;
    }
    if (message.kind === 'packet') this.handlePacket(message.packet);
    else if (message.kind === 'wantConfigId') this.sendConfig(message.nonce);
    else if (message.kind === 'disconnect') this.close('Disconnect from phone');
    else if (message.kind === 'heartbeat' && message.nonce !== 1) this.write({ kind: 'queueStatus', queueStatus: { res: 0, ...this.parts.queue(), meshPacketId: 0 } });
  }

  private close(why: string): void {
    if (this.state === 'nothing') return;
    this.parts.log('INFO', why);
    this.state = 'nothing';
  }

  /** PhoneAPI's config states, minimal (see the header), then the queued packets. */
  private sendConfig(nonce: number): void {
    this.parts.log('INFO', `Client wants config, nonce=${nonce}`);
    this.state = 'nothing';
    if (nonce !== SpecialConfigNonce.onlyNodes) this.write({ kind: 'myInfo', myNodeNum: this.parts.nodeNum });
    this.write({ kind: 'nodeInfo', num: this.parts.nodeNum });
    if (nonce !== SpecialConfigNonce.onlyConfig) for (const num of this.parts.otherNodes()) this.write({ kind: 'nodeInfo', num });
    this.write({ kind: 'configCompleteId', nonce });
    this.state = 'packets';
    this.flush();
  }

  /** PhoneAPI::handleToRadioPacket: repeated ids ignored, text rate-limited, the rest to the mesh with a QueueStatus. */
  private handlePacket(packet: MeshPacket): void {
    if (packet.id > 0 && this.seenRecently(packet.id)) return this.parts.log('DEBUG', 'Ignore packet from phone, already seen recently');
    const portnum = packet.decoded?.portnum;
    const now = this.parts.clock.now();
    if (portnum === PortNum.textMessage && now - this.lastTextMs < TEXT_INTERVAL_MS) {
      this.parts.log('WARN', `Rate limit portnum ${portnum}`);
      this.queueStatus(0, packet.id);
      this.parts.nakToPhone(RoutingError.RATE_LIMIT_EXCEEDED, packet);
      return;
    }
    if (portnum === PortNum.textMessage) this.lastTextMs = now;
    const { res, id } = this.parts.sendToMesh(packet);
    this.queueStatus(res, id);
  }

  /** PhoneAPI::wasSeenRecently: the last 20 ids. */
  private seenRecently(id: number): boolean {
    if (this.recentIds.includes(id)) return true;
    this.recentIds.push(id);
    if (this.recentIds.length > 20) this.recentIds.shift();
    return false;
  }
}
