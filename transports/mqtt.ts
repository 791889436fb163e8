/**
 * An MQTT broker as a `Transport`: for nodes that reach each other over the
 * internet, or a gateway that bridges a radio mesh to one.
 *
 * One topic per node, `${topicPrefix}/${nodeName}`: each node subscribes to
 * its own, and sending to a neighbour publishes on the neighbour's, with QoS 1.
 * The session is persistent (clean session off, a client id fixed by the node
 * name), so frames sent to a node while it is offline wait at the broker and
 * arrive when it reconnects: exactly the "offline most of the time" case.
 *
 * MQTT does not tell a subscriber who published, so each message carries the
 * sender's name in front of the frame: one byte of length, the name in ASCII,
 * then the frame. (MQTT 5 user properties would do too, but this works on any
 * MQTT 3.1.1 broker and costs 1 + name bytes.) The name is only a return
 * address; the link layer authenticates who is really speaking.
 *
 * QoS 1 is at least once: after a reconnect a frame can arrive twice, which
 * the link layer's duplicate suppression absorbs.
 */
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import { InvalidInputError } from '../node/core/input.js';
import { type Logger, silentLogger } from '../node/core/logger.js';
import { exportOf, loadOptionalPackage } from '../node/core/optional-package.js';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

/** Node names are topic levels and travel in every message: short, and none of MQTT's `/ + #`. */
export const MQTT_NODE_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface MqttTransportOptions {
  /** Where what the transport survives (a broker lost, a malformed message) is told. */
  logger?: Logger;
  /** The broker, e.g. mqtt://broker.example:1883 or mqtts://... for TLS. */
  url: string;
  /** This node's address on the broker: its topic and, with the prefix, its client id. */
  nodeName: string;
  /** The first levels of every topic, so that several meshes can share a broker. Default 'lnmesh'. */
  topicPrefix?: string;
  /**
   * Largest frame, in bytes. Default 4096: a broker carries far more, but a
   * larger frame only delays the others behind it, and the link layer
   * fragments anyway. Every node on a prefix should use the same value:
   * incoming frames over this one are dropped.
   */
  mtu?: number;
  username?: string;
  password?: string;
  /** TLS, passed to the MQTT client as given. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** Time between reconnection attempts after the broker is lost. Default 5000 ms. */
  reconnectPeriodMs?: number;
  /** How long one connection attempt may take. Default 30000 ms. */
  connectTimeoutMs?: number;
  /** Overrides the client id, `${topicPrefix}/${nodeName}` by default. It must stay the same across runs to keep the session. */
  clientId?: string;
}

export interface MqttTransportStats {
  /** Frames handed up. */
  frames: number;
  /** Messages dropped: too short, a bad sender name, or a frame over the mtu. */
  malformed: number;
}

/** The message for `frame` from `sender`: length of the name, the name, the frame. */
export function encodeMqttMessage(sender: string, frame: Uint8Array): Uint8Array {
  checkNodeName('sender', sender);
  const message = new Uint8Array(1 + sender.length + frame.length);
  message[0] = sender.length;
  message.set(Buffer.from(sender, 'ascii'), 1);
  message.set(frame, 1 + sender.length);
  return message;
}

/** The sender and frame in `message`, or a reason to drop it. */
export function decodeMqttMessage(message: Uint8Array, mtu: number): { sender: string; frame: Uint8Array } | { malformed: string } {
  const nameLength = message[0];
  if (nameLength === undefined) return { malformed: 'empty message' };
  if (message.length < 1 + nameLength) return { malformed: `sender name of ${nameLength} bytes runs past the end` };
  const sender = Buffer.from(message.subarray(1, 1 + nameLength)).toString('latin1');
  if (!MQTT_NODE_NAME_PATTERN.test(sender)) return { malformed: 'sender name is not a valid node name' };
  const frame = message.slice(1 + nameLength);
  if (frame.length > mtu) return { malformed: `frame of ${frame.length} bytes is over the mtu of ${mtu}` };
  return { sender, frame };
}

export class MqttTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  readonly nodeName: string;
  readonly topicPrefix: string;
  readonly stats: MqttTransportStats = { frames: 0, malformed: 0 };
  private readonly options: MqttTransportOptions;
  private readonly logger: Logger;
  private client: MqttClient | undefined;
  private linkUp = false;
  /** Sends waiting for the broker's PUBACK; `close` rejects them, since the client will not. */
  private readonly pendingSends = new Set<(error: Error) => void>();

  constructor(options: MqttTransportOptions) {
    super();
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.nodeName = checkNodeName('nodeName', options.nodeName);
    this.topicPrefix = options.topicPrefix ?? 'lnmesh';
    if (!/^[^+#\u0000]{1,200}$/.test(this.topicPrefix) || this.topicPrefix.startsWith('/') || this.topicPrefix.endsWith('/')) {
      throw new InvalidInputError('topicPrefix', 'expected 1 to 200 characters without + # or a leading or trailing /');
    }
    this.mtu = options.mtu ?? 4096;
    if (!Number.isSafeInteger(this.mtu) || this.mtu < 1) throw new InvalidInputError('mtu', `expected a positive integer, got ${this.mtu}`);
  }

  /** Whether the broker is connected now. */
  get connected(): boolean {
    return this.linkUp;
  }

  /**
   * Connects and subscribes. Fails (TransportError) if the first attempt
   * does: the broker refuses (bad credentials) or cannot be reached. Once
   * open, a lost broker is retried every `reconnectPeriodMs`, with 'link' events.
   */
  async open(): Promise<void> {
    if (this.client) return;
    // Loaded here: a node on other media never holds the MQTT client (and its dependencies) in memory.
    const connect = exportOf(await loadOptionalPackage('mqtt', 'an MQTT link', () => import('mqtt')), 'connect', 'mqtt', 'an MQTT link');
    if (this.client) return;
    const broker = describeBroker(this.options.url);
    const clientOptions: IClientOptions = {
      clientId: this.options.clientId ?? `${this.topicPrefix}/${this.nodeName}`,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 5000,
      connectTimeout: this.options.connectTimeoutMs ?? 30_000,
      // Else mqtt-packet builds a table of 65,536 two-byte Buffers (about 6 MB of heap) at the first publish.
      writeCache: false,
    };
    // Only what was given: an undefined username would override one in the URL.
    for (const key of ['username', 'password', 'ca', 'cert', 'key', 'rejectUnauthorized'] as const) {
      if (this.options[key] !== undefined) Object.assign(clientOptions, { [key]: this.options[key] });
    }
    const client = connect(this.options.url, clientOptions);
    this.client = client;
    client.on('message', (topic, payload) => {
      if (this.client === client) this.receive(topic, payload);
    });
    // Only our own listeners are ever removed: the client listens to its own events to reconnect.
    let failFirstAttempt: ((reason: string) => void) | undefined;
    client.on('error', (error) => {
      if (failFirstAttempt) failFirstAttempt(error.message);
      else this.logger.log('warn', `MQTT broker at ${broker}: ${error.message}`);
    });
    client.on('close', () => {
      if (failFirstAttempt) failFirstAttempt('the connection closed before the broker accepted it');
      else if (this.client === client) this.setLink(false);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        failFirstAttempt = (reason) => reject(new TransportError(`cannot connect to the MQTT broker at ${broker}: ${reason}`));
        client.once('connect', () => resolve());
      });
      failFirstAttempt = undefined;
      // Up as soon as the broker accepts us: with a persistent session, frames queued for us arrive
      // before the SUBACK, and the link layer must be able to answer them (act twos) at once.
      this.setLink(true);
      await this.subscribe(client);
    } catch (error) {
      this.client = undefined;
      this.setLink(false);
      client.end(true);
      throw error;
    }
    client.on('connect', () => {
      if (this.client !== client) return;
      this.setLink(true);
      // The broker may have lost our session (restarted without persistence): subscribing again is harmless if not.
      this.subscribe(client).catch((error: Error) => this.logger.log('warn', `MQTT broker at ${broker}: ${error.message}`));
    });
  }

  /**
   * Publishes `frame` on the topic of the node named `to`, and resolves when
   * the broker has it (PUBACK). While the broker is unreachable it throws
   * TransportError rather than queueing without bound: the link layer
   * retransmits after the 'link' event says the broker is back. A frame
   * whose PUBACK the lost connection took with it stays pending until the
   * client has resent it after reconnecting (or until `close`, which rejects it).
   */
  async send(frame: Uint8Array, to?: string): Promise<void> {
    const client = this.client;
    if (!client) throw new TransportError('the MQTT transport is not open');
    if (to === undefined) throw new TransportError('MQTT has no broadcast: send needs the neighbour\'s node name');
    if (!MQTT_NODE_NAME_PATTERN.test(to)) throw new TransportError(`${JSON.stringify(to)} is not a valid node name`);
    if (frame.length > this.mtu) throw new TransportError(`frame of ${frame.length} bytes is over the MQTT mtu of ${this.mtu}`);
    if (!this.linkUp) throw new TransportError('the MQTT broker is not connected; wait for the link to come back');
    const message = Buffer.from(encodeMqttMessage(this.nodeName, frame));
    await new Promise<void>((resolve, reject) => {
      const abandon = (error: Error) => reject(error);
      this.pendingSends.add(abandon);
      client.publish(this.topicOf(to), message, { qos: 1 }, (error) => {
        this.pendingSends.delete(abandon);
        if (error) reject(new TransportError(`MQTT publish to ${to} failed: ${error.message}`));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    for (const abandon of this.pendingSends) abandon(new TransportError('the MQTT transport was closed before the broker acknowledged the frame'));
    this.pendingSends.clear();
    // A clean DISCONNECT while connected; the session (and frames queued for us) stays at the broker.
    const wasUp = this.linkUp;
    this.setLink(false);
    await new Promise<void>((resolve) => client.end(!wasUp, () => resolve()));
  }

  private topicOf(nodeName: string): string {
    return `${this.topicPrefix}/${nodeName}`;
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const granted = await client.subscribeAsync(this.topicOf(this.nodeName), { qos: 1 });
    if (granted.some((grant) => grant.qos === 128)) throw new TransportError(`the broker refused the subscription to ${this.topicOf(this.nodeName)}`);
  }

  private receive(topic: string, payload: Buffer): void {
    if (topic !== this.topicOf(this.nodeName)) return;
    const decoded = decodeMqttMessage(payload, this.mtu);
    if ('malformed' in decoded) {
      this.stats.malformed++;
      this.logger.log('warn', `dropped an MQTT message on ${topic}: ${decoded.malformed}`);
      return;
    }
    this.stats.frames++;
    this.emit('frame', decoded.frame, decoded.sender);
  }

  private setLink(up: boolean): void {
    if (this.linkUp === up) return;
    this.linkUp = up;
    this.emit('link', up);
  }
}

function checkNodeName(field: string, name: string): string {
  if (typeof name !== 'string' || !MQTT_NODE_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(field, 'expected 1 to 128 characters of A-Z a-z 0-9 . _ : -');
  }
  return name;
}

/** The broker's address for messages, without any password in it. */
function describeBroker(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
