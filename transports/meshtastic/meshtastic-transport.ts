/**
 * The Meshtastic transport: lnmesh's frames as private-app packets through a
 * radio running stock Meshtastic firmware, over its client API (USB serial
 * or TCP port 4403), beside the chat the mesh already carries.
 *
 * `open` wakes the radio, asks for its config with a fresh nonce and waits
 * for `config_complete_id`, learning our node number from `my_info`; a
 * heartbeat every minute keeps the session (the firmware drops a client
 * silent for 15) and draws a QueueStatus: a radio silent for 2.5 heartbeats
 * is taken for gone, as if its port had closed. `send` writes a packet to
 * the neighbour's node number (`!aabbccdd`) on our port, on our channel
 * index, and resolves when the radio's QueueStatus says
 * it took it. A refusal for the duty cycle or a full queue rejects with
 * `RadioBusyError` (a TransportError: the link keeps the frame in its outbox
 * and sends it again later) and refuses further sends until the back-off
 * ends. Packets on other ports (chat, telemetry) or other channels are
 * ignored and counted. A reboot (`rebooted`), a lost port or a silent radio
 * takes the link down; the transport greets the radio again (reopening the
 * port if it went or fell silent) and brings it up.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../../node/core/clock.js';
import { checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { TransportError, type Transport, type TransportEvents } from '../transport.js';
import { isSpecialConfigNonce, PortNum, RoutingError, routingErrorName, type FromRadio, type MeshPacket, type QueueStatus } from './client-messages.js';
import { MeshtasticDecodeError } from './decode-error.js';
import { checkMeshtasticOptions, MESHTASTIC_MTU, type CheckedMeshtasticOptions, type MeshtasticTransportOptions } from './meshtastic-options.js';
import { isBroadcast, nodeNumberText, parseNodeNumber } from './node-number.js';
import { openRadioStream, type RadioStream } from './radio-stream.js';
import { BusyBackoff, DEFAULT_BUSY_BACKOFF, type BusyReason } from './busy-backoff.js';
import { SilenceWatchdog } from './silence-watchdog.js';
import { SendWaiters } from './send-waiters.js';
import { encodeFrame, FrameDecoder, wakeBytes } from './stream-framing.js';
import { loadOptionalPackage } from '../../node/core/optional-package.js';

export type { MeshtasticTransportOptions } from './meshtastic-options.js';

type RadioCodec = typeof import('./radio-codec.js');

/** The radio refused a frame for now (duty cycle, full queue): not sent; try again after `retryAtMs`. */
export class RadioBusyError extends TransportError {
  override name = 'RadioBusyError';
  constructor(
    message: string,
    readonly retryAtMs: number,
  ) {
    super(message);
  }
}

/** Timings (tests shrink them) and where time and the log come from. */
export interface MeshtasticTransportInit extends MeshtasticTransportOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long to wait for `config_complete_id`; default 10 s. */
  readonly configTimeoutMs?: number;
  /** How long to wait for the QueueStatus of a packet; default 10 s. */
  readonly queueStatusTimeoutMs?: number;
  /** Between heartbeats; default 1 minute (the firmware drops a client after 15 of silence; each heartbeat draws a QueueStatus). */
  readonly heartbeatMs?: number;
  /** Nothing at all from the radio for this long: it is gone (hung, unplugged unnoticed, a TCP peer vanished); default 2.5 heartbeats. */
  readonly silenceMs?: number;
  /** Sends refused after a DUTY_CYCLE_LIMIT refusal for this long, doubled by each refusal in a row; default 15 s (busy-backoff.ts). */
  readonly dutyCycleBackoffMs?: number;
  /** The longest of those waits; default 60 s (the firmware's airtime changes by the minute). */
  readonly dutyCycleBackoffMaxMs?: number;
  /** Sends refused after a full-queue refusal until a slot frees or this passes; default 2 s. */
  readonly queueFullBackoffMs?: number;
  /** Between attempts to reopen a lost port or greet a silent radio; default 2 s. */
  readonly reconnectMs?: number;
}

export interface MeshtasticTransportStats {
  framesSent: number;
  framesReceived: number;
  /** Packets that were not ours: other ports (chat, telemetry), other channels, broadcasts, routing packets, or heard while reconnecting. */
  packetsIgnored: number;
  /** Frames the radio refused: duty cycle, full queue, too large, ... */
  refusals: number;
  /** Of those, refused past the duty cycle (DUTY_CYCLE_LIMIT). */
  dutyCycleRefusals: number;
  /** FromRadio messages that did not decode. */
  malformed: number;
  /** Times the radio was lost (rebooted, port closed, silent) and greeted again. */
  reconnects: number;
  /** Of those, times it went silent (no answer to heartbeats) with its port open. */
  silences: number;
}

type State = 'closed' | 'opening' | 'open' | 'reconnecting';

/** How long a close waits for its `disconnect` to reach the radio. */
const COURTESY_WRITE_MS = 1000;

const MAX_IN_FLIGHT = 16; // MAX_TX_QUEUE: the radio's transmit queue
/** QueueStatus.res for a full queue: ERRNO_UNKNOWN (firmware src/mesh/MeshTypes.h). res carries Routing.Error values (9 the duty cycle, 7 too large) or these ERRNO_ numbers. */
const ERRNO_UNKNOWN = 32;

export class MeshtasticTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu = MESHTASTIC_MTU;
  /** Our radio's node number, once it told (`my_info`). */
  myNodeNum: number | undefined;
  private readonly options: CheckedMeshtasticOptions;
  private readonly init: MeshtasticTransportInit;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly counters: MeshtasticTransportStats = { framesSent: 0, framesReceived: 0, packetsIgnored: 0, refusals: 0, dutyCycleRefusals: 0, malformed: 0, reconnects: 0, silences: 0 };
  private readonly waiters: SendWaiters;
  private state: State = 'closed';
  private stream: RadioStream | undefined;
  private decoder = new FrameDecoder();
  private greeting: { nonce: number; done(error?: Error): void } | undefined;
  private readonly busy: BusyBackoff;
  private readonly watchdog: SilenceWatchdog;
  private readonly silenceMs: number;
  private cancelHeartbeat: (() => void) | undefined;
  /** Loaded by the first `open` (protobufjs and the schema): every use below comes after it. */
  private codecModule: RadioCodec | undefined;

  constructor(init: MeshtasticTransportInit) {
    super();
    this.options = checkMeshtasticOptions(init);
    for (const field of ['configTimeoutMs', 'queueStatusTimeoutMs', 'heartbeatMs', 'silenceMs', 'dutyCycleBackoffMs', 'dutyCycleBackoffMaxMs', 'queueFullBackoffMs', 'reconnectMs'] as const) {
      if (init[field] !== undefined) checkInteger(field, init[field], 1, 24 * 3_600_000);
    }
    this.init = init;
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger ?? silentLogger;
    this.waiters = new SendWaiters(this.clock);
    const dutyCycleFirstMs = init.dutyCycleBackoffMs ?? DEFAULT_BUSY_BACKOFF.dutyCycleFirstMs;
    this.busy = new BusyBackoff(this.clock, {
      dutyCycleFirstMs,
      dutyCycleMaxMs: Math.max(dutyCycleFirstMs, init.dutyCycleBackoffMaxMs ?? DEFAULT_BUSY_BACKOFF.dutyCycleMaxMs),
      queueFullMs: init.queueFullBackoffMs ?? DEFAULT_BUSY_BACKOFF.queueFullMs,
    });
    this.silenceMs = init.silenceMs ?? Math.round(this.heartbeatMs() * 2.5);
    this.watchdog = new SilenceWatchdog(this.clock, this.silenceMs, () => this.onSilent());
  }

  get stats(): Readonly<MeshtasticTransportStats> {
    return { ...this.counters };
  }

  async open(): Promise<void> {
    if (this.state !== 'closed') throw new TransportError(`the Meshtastic transport on ${this.options.path} is already open`);
    this.state = 'opening';
    try {
      await this.connect();
    } catch (error) {
      await this.dropStream();
      this.state = 'closed';
      throw error;
    }
    this.up();
  }

  async send(frame: Uint8Array, to?: string): Promise<void> {
    const destination = this.checkSend(frame, to);
    const busy = this.busy.refusing();
    if (busy) throw new RadioBusyError(`the radio on ${this.options.path} refuses frames for now (${busy.why}): try again later`, busy.untilMs);
    if (this.waiters.size >= MAX_IN_FLIGHT) throw new RadioBusyError(`${MAX_IN_FLIGHT} frames wait for the radio on ${this.options.path}, its queue's size`, this.clock.now() + this.busy.times.queueFullMs);
    const id = this.packetId();
    const { port, channel, hopLimit, wantAck } = this.options;
    const bytes = encodeFrame(this.codec.encodeToRadio({ kind: 'packet', packet: { to: destination, id, channel, hopLimit, wantAck, decoded: { portnum: port, payload: frame } } }));
    const timeoutMs = this.init.queueStatusTimeoutMs ?? 10_000;
    const taken = this.waiters.wait(id, timeoutMs, () => new TransportError(`the radio on ${this.options.path} did not answer for packet ${id} within ${timeoutMs} ms`));
    this.write(bytes).catch((error: Error) => this.waiters.settle(id, new TransportError(`writing to ${this.options.path} failed: ${error.message}`)));
    await taken;
    this.counters.framesSent++;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'open';
    this.state = 'closed';
    this.stopHeartbeat();
    this.watchdog.stop();
    this.greeting?.done(new TransportError(`the Meshtastic transport on ${this.options.path} was closed`));
    this.waiters.rejectAll(new TransportError(`the Meshtastic transport on ${this.options.path} was closed before the radio took the frame`));
    if (this.stream) await this.courtesyWrite(encodeFrame(this.codec.encodeToRadio({ kind: 'disconnect' })));
    await this.dropStream();
    if (wasUp) this.emit('link', false);
  }

  /** The neighbour's node number, or a TransportError for what cannot be sent. */
  private checkSend(frame: Uint8Array, to: string | undefined): number {
    if (this.state !== 'open') throw new TransportError(`the Meshtastic transport on ${this.options.path} is not open`);
    if (!(frame instanceof Uint8Array)) throw new TransportError('a frame must be a byte array');
    if (frame.length === 0) throw new TransportError('an empty frame cannot be sent');
    if (frame.length > this.mtu) throw new TransportError(`a frame of ${frame.length} bytes exceeds the Meshtastic MTU of ${this.mtu} bytes`);
    let destination: number;
    try {
      destination = parseNodeNumber(to);
    } catch {
      throw new TransportError(`a Meshtastic frame goes to a neighbour's node number like "!aabbccdd", not ${JSON.stringify(to)}`);
    }
    if (isBroadcast(destination) || destination === this.myNodeNum) throw new TransportError(`${to} is not a neighbour's radio`);
    return destination;
  }

  /** Opens the stream and greets the radio. */
  private async connect(): Promise<void> {
    this.codecModule ??= await loadOptionalPackage('protobufjs', 'a Meshtastic radio', () => import('./radio-codec.js'));
    const stream = await openRadioStream(this.options);
    if (this.state === 'closed') {
      await stream.close(); // closed while the port opened: do not leave it open
      throw new TransportError(`the Meshtastic transport on ${this.options.path} was closed`);
    }
    this.stream = stream;
    this.decoder = new FrameDecoder();
    stream.listen(
      (chunk) => this.onBytes(chunk),
      () => this.onStreamClosed(stream),
    );
    await this.greet();
  }

  /** Wake bytes, want_config_id with a fresh nonce; resolves at config_complete_id, with `myNodeNum` learnt. */
  private greet(): Promise<void> {
    const nonce = this.configNonce();
    const timeoutMs = this.init.configTimeoutMs ?? 10_000;
    this.myNodeNum = undefined;
    return new Promise<void>((resolve, reject) => {
      const cancelTimer = this.clock.setTimer(timeoutMs, () =>
        done(new TransportError(`no answer to want_config from a Meshtastic radio on ${this.options.path} within ${timeoutMs} ms (is it a Meshtastic radio, with its serial API enabled?)`)),
      );
      const done = (error?: Error) => {
        if (this.greeting?.nonce !== nonce) return;
        this.greeting = undefined;
        cancelTimer();
        if (error) reject(error);
        else resolve();
      };
      this.greeting = { nonce, done };
      this.sendWantConfig(nonce);
    });
  }

  private sendWantConfig(nonce: number): void {
    const bytes = new Uint8Array([...wakeBytes(), ...encodeFrame(this.codec.encodeToRadio({ kind: 'wantConfigId', nonce }))]);
    this.write(bytes).catch((error: Error) => this.greeting?.done(new TransportError(`writing to ${this.options.path} failed: ${error.message}`)));
  }

  private up(): void {
    this.state = 'open';
    this.scheduleHeartbeat();
    this.watchdog.start();
    this.emit('link', true);
  }

  private get codec(): RadioCodec {
    if (!this.codecModule) throw new TransportError(`the Meshtastic transport on ${this.options.path} has not been opened`);
    return this.codecModule;
  }

  private heartbeatMs(): number {
    return this.init.heartbeatMs ?? 60_000;
  }

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    this.cancelHeartbeat = this.clock.setTimer(this.heartbeatMs(), () => {
      if (this.state !== 'open') return;
      this.write(encodeFrame(this.codec.encodeToRadio({ kind: 'heartbeat', nonce: 0 }))).catch(() => undefined);
      this.scheduleHeartbeat();
    });
  }

  private stopHeartbeat(): void {
    this.cancelHeartbeat?.();
    this.cancelHeartbeat = undefined;
  }

  private onBytes(chunk: Uint8Array): void {
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'console') this.logger.log('debug', `radio: ${item.line}`);
      if (item.kind !== 'packet') continue;
      this.watchdog.heard(); // any FromRadio, even one we cannot read: the radio is alive
      let message: FromRadio;
      try {
        message = this.codec.decodeFromRadio(item.packet);
      } catch (error) {
        if (!(error instanceof MeshtasticDecodeError)) throw error;
        this.counters.malformed++;
        this.logger.log('warn', `a malformed message from the radio on ${this.options.path}: ${error.message}`);
        continue;
      }
      this.onMessage(message);
    }
  }

  private onMessage(message: FromRadio): void {
    switch (message.kind) {
      case 'myInfo':
        if (this.greeting) this.myNodeNum = message.myNodeNum;
        return;
      case 'configCompleteId':
        if (this.greeting?.nonce === message.nonce && this.myNodeNum !== undefined) this.greeting.done();
        return;
      case 'rebooted':
        return this.onRebooted();
      case 'queueStatus':
        return this.onQueueStatus(message.queueStatus);
      case 'packet':
        return this.onPacket(message.packet);
      default:
        return; // node infos, channels, config, log records: not needed
    }
  }

  /** The radio restarted: its session and queue are gone. Greet it again. */
  private onRebooted(): void {
    if (this.greeting) return this.sendWantConfig(this.greeting.nonce); // it booted while we greeted: it did not hear us
    if (this.state !== 'open') return;
    this.logger.log('warn', `the radio on ${this.options.path} rebooted`);
    this.lost('the radio rebooted');
    void this.recover(false);
  }

  private onStreamClosed(stream: RadioStream): void {
    if (stream !== this.stream || this.state === 'closed') return;
    this.stream = undefined;
    this.greeting?.done(new TransportError(`the port ${this.options.path} closed`));
    if (this.state !== 'open') return;
    this.logger.log('warn', `the port ${this.options.path} was lost`);
    this.lost('the port was lost');
    void this.recover(true);
  }

  /** Nothing from the radio, heartbeats unanswered, its port still open: take it for gone, reopen the port and greet it. */
  private onSilent(): void {
    if (this.state !== 'open') return;
    this.logger.log('warn', `the radio on ${this.options.path} said nothing for ${this.silenceMs} ms, heartbeats unanswered: reconnecting`);
    this.counters.silences++;
    this.lost('the radio went silent');
    void this.dropStream().then(() => this.recover(true));
  }

  private lost(why: string): void {
    this.state = 'reconnecting';
    this.counters.reconnects++;
    this.stopHeartbeat();
    this.watchdog.stop();
    this.busy.reset(); // a rebooted radio has a fresh queue and (in the firmware) forgets its airtime; else one more try costs nothing
    this.waiters.rejectAll(new TransportError(`${why} before it took the frame (${this.options.path})`));
    this.emit('link', false);
  }

  /** Greets again, reopening the port first if it went, until it works or the transport is closed. */
  private async recover(reopen: boolean): Promise<void> {
    while (this.state === 'reconnecting') {
      try {
        if (reopen || !this.stream) await this.connect();
        else await this.greet();
        if (this.state !== 'reconnecting') return;
        this.up();
        return;
      } catch (error) {
        this.logger.log('warn', `reconnecting to the radio on ${this.options.path}: ${(error as Error).message}`);
        // An unanswered greeting over TCP: the connection may be dead without a FIN; connect afresh. A serial port is
        // kept: closing and reopening one can reset the board (DTR/RTS), and a radio slow to boot would never finish.
        if (this.options.tcp) await this.dropStream();
        reopen = !this.stream;
        await new Promise<void>((resolve) => this.clock.setTimer(this.init.reconnectMs ?? 2000, resolve));
      }
    }
  }

  private onQueueStatus(status: QueueStatus): void {
    if (status.res === 0) {
      this.busy.queueReported(status.free);
      if (this.waiters.settle(status.meshPacketId)) this.busy.taken();
      return;
    }
    if (!this.waiters.has(status.meshPacketId)) return;
    const why = status.res === RoutingError.DUTY_CYCLE_LIMIT ? 'duty cycle' : status.res === ERRNO_UNKNOWN ? 'queue full' : undefined;
    this.waiters.settle(status.meshPacketId, this.refusal(status.res, status.meshPacketId, why));
  }

  /** The error a send gets for the radio's refusal `code`; `why` it is busy (duty cycle, full queue) starts a back-off. */
  private refusal(code: number, id: number, why: BusyReason | undefined): TransportError {
    this.counters.refusals++;
    if (why === 'duty cycle') this.counters.dutyCycleRefusals++;
    const text = `the radio on ${this.options.path} refused packet ${id}: ${why === 'queue full' ? 'its queue is full' : routingErrorName(code)}`;
    this.logger.log('warn', text);
    if (!why) return new TransportError(text);
    return new RadioBusyError(text, this.busy.refused(why));
  }

  private onPacket(packet: MeshPacket): void {
    const data = packet.decoded;
    if (data?.portnum === PortNum.routing && packet.from === this.myNodeNum) return this.onRouting(data.payload, data.requestId);
    const ours = this.state === 'open' && data?.portnum === this.options.port && packet.to === this.myNodeNum && packet.from !== this.myNodeNum && data.payload.length > 0;
    if (!ours) {
      this.counters.packetsIgnored++;
      return;
    }
    // A direct message encrypted to our key comes on channel 0 whichever channel its sender named (newer firmware uses
    // the key on any channel): it counts as ours. Anything else on our port from another channel is not lnmesh's link.
    if (packet.channel !== this.options.channel && !packet.pkiEncrypted) {
      this.counters.packetsIgnored++;
      this.logger.log('debug', `ignored a packet on port ${data.portnum} from ${nodeNumberText(packet.from)} on channel ${packet.channel}, not ours (${this.options.channel})`);
      return;
    }
    this.counters.framesReceived++;
    this.emit('frame', data.payload, nodeNumberText(packet.from));
  }

  /** A routing packet from our own radio about one of our packets: a duty-cycle nak starts the back-off. */
  private onRouting(payload: Uint8Array, requestId: number): void {
    let routing;
    try {
      routing = this.codec.decodeRouting(payload);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (routing.kind !== 'error' || routing.errorReason === RoutingError.NONE) return;
    if (routing.errorReason === RoutingError.DUTY_CYCLE_LIMIT && !this.waiters.has(requestId)) {
      // Its QueueStatus (res 9) came first and started the back-off; a nak alone starts one too.
      if (!this.busy.refusing()) this.refusal(routing.errorReason, requestId, 'duty cycle');
      return;
    }
    const why = routing.errorReason === RoutingError.DUTY_CYCLE_LIMIT ? 'duty cycle' : undefined;
    if (this.waiters.has(requestId)) this.waiters.settle(requestId, this.refusal(routing.errorReason, requestId, why));
    else this.logger.log('debug', `the radio on ${this.options.path} reports ${routingErrorName(routing.errorReason)} for packet ${requestId}`);
  }

  /**
   * A write that may go unheard (the `disconnect` at close): given up after
   * `COURTESY_WRITE_MS`, so that a radio that hangs with its port open, its
   * buffer full, cannot hold the close forever.
   */
  private async courtesyWrite(bytes: Uint8Array): Promise<void> {
    let cancel = (): void => undefined;
    const givenUp = new Promise<void>((resolve) => (cancel = this.clock.setTimer(COURTESY_WRITE_MS, resolve)));
    await Promise.race([this.write(bytes).catch(() => undefined), givenUp]);
    cancel();
  }

  private write(bytes: Uint8Array): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.reject(new Error('the port is not open'));
    return stream.write(bytes);
  }

  private async dropStream(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
  }

  private packetId(): number {
    for (;;) {
      const id = randomBytes(4).readUInt32BE(0);
      if (id !== 0 && !this.waiters.has(id)) return id;
    }
  }

  private configNonce(): number {
    for (;;) {
      const nonce = randomBytes(4).readUInt32BE(0);
      if (nonce !== 0 && !isSpecialConfigNonce(nonce)) return nonce;
    }
  }
}
