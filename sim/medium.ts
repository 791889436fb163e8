/**
 * The simulated media: links between named nodes, each end a `Transport`
 * that a node's `Link` uses as it would a radio, a serial port or a broker,
 * on the scheduler's virtual time.
 *
 * Each link joins two nodes and has a model (`link-model.ts`): its MTU, the
 * time a frame takes, a loss rate. What a real medium adds on top:
 * - LoRa: a node has one radio for all its LoRa links. It sends one frame at
 *   a time, in the order given, each when the previous one has left the
 *   antenna and the regional duty cycle allows (`DutyCycleLimiter`, the real
 *   transport's); `send` resolves when the frame goes on the air, as the
 *   real transport's does. A frame arrives its time on air later.
 * - Meshtastic: the same, on the node's Meshtastic radio (one per node, one
 *   preset and region, apart from its RNode), its duty cycle counted as the
 *   firmware counts it (`MeshtasticDutyCycle`): past the limit the firmware
 *   refuses a packet and the transport waits, so the frame waits in the queue,
 *   never lost. A link of `hops` > 1 has that many minus one relays between
 *   its ends, radios of the mesh that run no lnmesh: each retransmits the
 *   frame whole, one frame at a time, under its own duty cycle, and drops it
 *   (as `Router::send` does a packet it relays) while over it or while 16
 *   packets wait for its radio (MAX_TX_QUEUE). Each hop may
 *   lose the frame (`lossRate`).
 * - Serial: each direction of a line sends one frame after the other, at
 *   the line's speed; `send` resolves at once (the port buffers).
 * - MQTT: a frame arrives a fixed latency later.
 * Losses are drawn from the seeded random, one stream per link direction,
 * so that a run repeats and adding a link changes no other link's losses.
 *
 * Controls, for a scenario's events: a link down or up, a node's radio off
 * or on (its transports report the link down, frames it sends are dropped,
 * frames to it are lost), a partition into groups of nodes and its healing.
 * A frame is checked when it leaves and again when it arrives: one in the
 * air when a link is cut is lost, as it would be.
 *
 * Not modelled: collisions and the half-duplex radio (a node hears while it
 * transmits), and overhearing (a LoRa frame reaches only its link's other
 * end); a MQTT broker's own outage is a node-down of its clients.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../node/core/clock.js';
import { InvalidInputError, checkArray, describe } from '../node/core/input.js';
import { DutyCycleLimiter, EU868, US915 } from '../transports/lora/duty-cycle.js';
import { TransportError, type Transport, type TransportEvents } from '../transports/transport.js';
import { checkLinkModel, frameDurationMs, linkMtu, meshtasticHops, type LinkModel } from './link-model.js';
import { MESHTASTIC_REGIONS } from './meshtastic-air.js';
import { MeshtasticDutyCycle } from './meshtastic-duty-cycle.js';
import type { SeededRandom } from './random.js';

export interface SimMediumComponents {
  /** The scheduler: frames take virtual time. */
  readonly clock: Clock;
  /** Losses are drawn from forks of it, one per link direction. */
  readonly random: SeededRandom;
  /** The event log (`Scheduler.log`): link changes, and every frame's fate with `logFrames`. */
  readonly log?: (kind: string, detail: string) => void;
}

export interface SimMediumOptions {
  /** Log each frame's fate ('frame' records: sender>receiver bytes fate). Default false: a long run has millions. */
  readonly logFrames?: boolean;
}

/** What a node's media did, for the report. Frames counted by their sender unless said otherwise. */
export interface SimNodeStats {
  /** Frames that left the node (on the air, on the wire, to the broker), and their bytes. */
  framesSent: number;
  bytesSent: number;
  /** Of those, lost by chance (the link's `lossRate`, on any of a Meshtastic link's hops) or refused by a relay between (its duty cycle, its queue). */
  framesLost: number;
  /** Of those, stopped by a cut: a link down, a partition, the receiver's radio off. */
  framesCut: number;
  /** Of those, arrived where nobody listened: the receiving transport closed, or an MQTT address nobody has. */
  framesUnheard: number;
  /** Frames that never left: sent while the node's radio was off, or queued when it went off. */
  framesDropped: number;
  /** Frames this node received, and their bytes. */
  framesReceived: number;
  bytesReceived: number;
  /** Time on air of every LoRa frame sent, in ms. */
  airtimeMs: number;
  /** LoRa frames waiting for the radio now. */
  queuedFrames: number;
  /** For a node with a LoRa radio: airtime used in the duty-cycle window ending now, and the window's budget, in ms. */
  dutyCycle?: { usedMs: number; budgetMs: number };
}

type Counters = Omit<SimNodeStats, 'queuedFrames' | 'dutyCycle'>;

/** A frame waiting for a LoRa radio. */
interface QueuedFrame {
  readonly transport: SimTransport;
  readonly frame: Uint8Array;
  readonly airtimeMs: number;
  resolve(): void;
  reject(error: Error): void;
}

/** What the medium asks of a radio's duty cycle: `DutyCycleLimiter` (RNode) or `MeshtasticDutyCycle`. */
interface AirtimeBudget {
  readonly budgetMs: number;
  usedMs(): number;
  whenCanSend(airtimeMs: number): number;
  record(startMs: number, airtimeMs: number): void;
}

type RadioKind = 'lora' | 'meshtastic';

/** One node's radio of a kind (an RNode, a Meshtastic radio), shared by all its links of that kind. */
interface Radio {
  readonly node: string;
  readonly kind: RadioKind;
  readonly limiter: AirtimeBudget;
  /** What all its links must share: 'EU868', or a Meshtastic preset and region, 'LongFast EU_868'. */
  readonly setting: string;
  readonly unlimited: boolean;
  readonly queue: QueuedFrame[];
  busyUntilMs: number;
  waking: boolean;
  sinceTrim: number;
}

/** A Meshtastic radio between a link's ends that relays its frames (a router of the mesh running no lnmesh). */
interface Relay {
  readonly limiter: MeshtasticDutyCycle;
  busyUntilMs: number;
  /** When the frames it has taken start on the air: those after now wait in its transmit queue. */
  starts: number[];
}

/** MAX_TX_QUEUE, firmware src/mesh/RadioInterface.h: the packets a Meshtastic radio holds for transmission. */
const MAX_TX_QUEUE = 16;

/** How many transmissions a radio without a duty cycle records between trims of its limiter's window. */
const TRIM_UNLIMITED_EVERY = 1024;

/** A link between two nodes: one transport at each end. */
export class SimLink {
  readonly mtu: number;
  readonly ends: readonly [string, string];
  private readonly transports: readonly [SimTransport, SimTransport];
  /** Frame durations by size, shared by the links of one model (`durationsOf`). */
  private readonly durations: Map<number, number>;
  /** Meshtastic: the relays between the ends, hops - 1 of them. */
  readonly relays: readonly Relay[];
  /** Meshtastic: airtime the relays spent on this link's frames, and frames they refused (over their duty cycle, their queue full). */
  relayAirtimeMs = 0;
  relayFramesRefused = 0;

  /** @internal Made by `SimMedium.connect`. */
  constructor(
    medium: SimMedium,
    random: SeededRandom,
    readonly id: string,
    a: string,
    b: string,
    readonly model: LinkModel,
    clock: Clock,
  ) {
    this.mtu = linkMtu(model);
    this.durations = medium.durationsOf(model);
    const percent = model.kind === 'meshtastic' ? MESHTASTIC_REGIONS[model.region].dutyCyclePercent : 100;
    this.relays = Array.from({ length: meshtasticHops(model) - 1 }, () => ({ limiter: new MeshtasticDutyCycle(clock, percent), busyUntilMs: -Infinity, starts: [] }));
    this.ends = [a, b];
    this.transports = [new SimTransport(medium, this, a, b, random.fork(`loss ${id} ${a}>${b}`)), new SimTransport(medium, this, b, a, random.fork(`loss ${id} ${b}>${a}`))];
  }

  /** The transport `node` uses on this link. */
  transportOf(node: string): SimTransport {
    if (node === this.ends[0]) return this.transports[0];
    if (node === this.ends[1]) return this.transports[1];
    throw new InvalidInputError('node', `${JSON.stringify(node)} is not an end of the link ${this.id}`);
  }

  /** How long a frame of `bytes` occupies its sender (time on air, on the wire), in ms. */
  durationMs(bytes: number): number {
    let duration = this.durations.get(bytes);
    if (duration === undefined) this.durations.set(bytes, (duration = frameDurationMs(this.model, bytes)));
    return duration;
  }
}

export class SimMedium {
  private readonly clock: Clock;
  private readonly random: SeededRandom;
  private readonly log: (kind: string, detail: string) => void;
  private readonly logFrames: boolean;
  private readonly allLinks: SimLink[] = [];
  private readonly linksOfNode = new Map<string, SimLink[]>();
  private readonly radios = new Map<string, Radio>();
  private readonly counters = new Map<string, Counters>();
  private readonly downLinks = new Set<string>();
  private readonly downNodes = new Set<string>();
  /** Frame durations by size per link model (by its settings): a mesh's thousands of links have a few models. */
  private readonly durationsByModel = new Map<string, Map<number, number>>();
  private groupOf = new Map<string, number>();

  constructor(components: SimMediumComponents, options: SimMediumOptions = {}) {
    for (const name of ['clock', 'random'] as const) if (!components?.[name]) throw new InvalidInputError(name, 'the medium needs this component');
    this.clock = components.clock;
    this.random = components.random;
    this.log = components.log ?? (() => undefined);
    this.logFrames = options.logFrames ?? false;
  }

  /** @internal The frame durations of links with `model`'s settings, one map for them all. */
  durationsOf(model: LinkModel): Map<number, number> {
    const key = JSON.stringify(model);
    let durations = this.durationsByModel.get(key);
    if (!durations) this.durationsByModel.set(key, (durations = new Map()));
    return durations;
  }

  /** A new link between `a` and `b`; two nodes may have several (a LoRa and an MQTT link, say). */
  connect(a: string, b: string, model: LinkModel): SimLink {
    for (const [field, node] of [['a', a], ['b', b]] as const) {
      if (typeof node !== 'string' || node === '') throw new InvalidInputError(field, `expected a node name, got ${describe(node)}`);
    }
    if (a === b) throw new InvalidInputError('b', `a link joins two different nodes, got ${JSON.stringify(a)} twice`);
    checkLinkModel(model);
    if (model.kind === 'lora' || model.kind === 'meshtastic') this.attachRadios([a, b], model);
    const parallel = this.linksBetween(a, b).length;
    const link = new SimLink(this, this.random, `${a}~${b}${parallel === 0 ? '' : `#${parallel + 1}`}`, a, b, model, this.clock);
    this.allLinks.push(link);
    for (const node of [a, b]) {
      let links = this.linksOfNode.get(node);
      if (!links) this.linksOfNode.set(node, (links = []));
      links.push(link);
      if (!this.counters.has(node)) this.counters.set(node, emptyCounters());
    }
    return link;
  }

  /** Every link, in the order made. */
  links(): readonly SimLink[] {
    return this.allLinks;
  }

  /** Every node on some link, in the order first met. */
  nodes(): string[] {
    return [...this.linksOfNode.keys()];
  }

  /** `node`'s transport to `neighbour`; an error unless exactly one link joins them. */
  transport(node: string, neighbour: string): SimTransport {
    const links = this.linksBetween(node, neighbour);
    if (links.length !== 1) throw new InvalidInputError('neighbour', `${links.length === 0 ? 'no link' : `${links.length} links`} between ${JSON.stringify(node)} and ${JSON.stringify(neighbour)}`);
    return links[0]!.transportOf(node);
  }

  /** Cuts every link between `a` and `b`, both ways, frames on their way included. */
  linkDown(a: string, b: string): void {
    this.checkLinked(a, b);
    this.downLinks.add(pairKey(a, b));
    this.log('link-down', `${a} ${b}`);
  }

  /** Undoes `linkDown`. */
  linkUp(a: string, b: string): void {
    this.checkLinked(a, b);
    this.downLinks.delete(pairKey(a, b));
    this.log('link-up', `${a} ${b}`);
  }

  /** Turns `node`'s radios off: its transports report the link down, its queued and new frames are dropped, frames to it lost. */
  nodeDown(node: string): void {
    this.checkNode('node', node);
    if (this.downNodes.has(node)) return;
    this.downNodes.add(node);
    this.log('node-down', node);
    for (const radio of this.radiosOf(node)) for (const queued of radio.queue.splice(0)) this.drop(queued.transport, queued.frame, queued.resolve);
    for (const transport of this.transportsOf(node)) if (transport.isOpen) transport.emit('link', false);
  }

  /** Turns `node`'s radios back on: its transports report the link up (a `Link` then resends what waits). */
  nodeUp(node: string): void {
    this.checkNode('node', node);
    if (!this.downNodes.delete(node)) return;
    this.log('node-up', node);
    for (const transport of this.transportsOf(node)) if (transport.isOpen) transport.emit('link', true);
  }

  /**
   * Splits the nodes into `groups` that cannot reach each other; nodes in no
   * group form one more group together. Replaces any partition before.
   */
  partition(groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    checkArray('groups', groups).forEach((group, index) => {
      for (const node of checkArray(`groups[${index}]`, group)) {
        this.checkNode(`groups[${index}]`, node);
        if (groupOf.has(node)) throw new InvalidInputError(`groups[${index}]`, `${JSON.stringify(node)} is already in groups[${groupOf.get(node)}]`);
        groupOf.set(node, index);
      }
    });
    this.groupOf = groupOf;
    this.log('partition', JSON.stringify(groups));
  }

  /** Ends the partition. */
  heal(): void {
    this.groupOf = new Map();
    this.log('heal', '');
  }

  /** Whether a frame sent now from `a` could reach `b` over a link between them (no cut, both radios on, one side of any partition). */
  canReach(a: string, b: string): boolean {
    return this.linksBetween(a, b).length > 0 && this.passes(a, b);
  }

  /** Whether `node`'s radios are on. */
  isUp(node: string): boolean {
    return !this.downNodes.has(node);
  }

  /** A snapshot of what `node`'s media did. */
  nodeStats(node: string): SimNodeStats {
    this.checkNode('node', node);
    const radios = this.radiosOf(node);
    // A node with an RNode and a Meshtastic radio: the duty cycle nearer its limit.
    const duty = radios.map((radio) => ({ usedMs: radio.limiter.usedMs(), budgetMs: radio.limiter.budgetMs })).sort((x, y) => y.usedMs / y.budgetMs - x.usedMs / x.budgetMs)[0];
    return {
      ...this.counters.get(node)!,
      queuedFrames: radios.reduce((sum, radio) => sum + radio.queue.length, 0),
      ...(duty && { dutyCycle: duty }),
    };
  }

  /** `nodeStats` of every node, by name. */
  stats(): Record<string, SimNodeStats> {
    return Object.fromEntries(this.nodes().map((node) => [node, this.nodeStats(node)]));
  }

  /** @internal Called by `SimTransport.send` with a checked copy of the frame. */
  send(transport: SimTransport, frame: Uint8Array, to: string | undefined): Promise<void> {
    const model = transport.link.model;
    if (model.kind === 'mqtt' && to !== undefined && to !== transport.peer) {
      // A topic nobody subscribes to: the broker takes the frame and nothing comes of it.
      const counters = this.countersOf(transport.node);
      counters.framesSent++;
      counters.bytesSent += frame.length;
      counters.framesUnheard++;
      this.fate(transport, frame, 'unheard', `(to ${to})`);
      return Promise.resolve();
    }
    if (this.downNodes.has(transport.node)) {
      this.drop(transport, frame);
      return Promise.resolve();
    }
    const now = this.clock.now();
    switch (model.kind) {
      case 'lora':
      case 'meshtastic': {
        const radio = this.radios.get(radioKey(model.kind, transport.node))!;
        const airtimeMs = transport.link.durationMs(frame.length);
        if (airtimeMs > radio.limiter.budgetMs) {
          return Promise.reject(new TransportError(`a frame of ${airtimeMs.toFixed(1)} ms on air exceeds the whole duty-cycle budget of ${radio.limiter.budgetMs.toFixed(1)} ms`));
        }
        return new Promise<void>((resolve, reject) => {
          radio.queue.push({ transport, frame, airtimeMs, resolve, reject });
          this.pump(radio);
        });
      }
      case 'serial': {
        const start = Math.max(now, transport.busyUntilMs);
        transport.busyUntilMs = start + transport.link.durationMs(frame.length);
        this.depart(transport, frame, Math.ceil(transport.busyUntilMs));
        return Promise.resolve();
      }
      case 'mqtt':
        this.depart(transport, frame, now + Math.ceil(model.latencyMs));
        return Promise.resolve();
    }
  }

  /** @internal Called by `SimTransport.close`: its frames still waiting for the radio are dropped, their sends fail. */
  abandon(transport: SimTransport): void {
    const kind = transport.link.model.kind;
    const radio = kind === 'lora' || kind === 'meshtastic' ? this.radios.get(radioKey(kind, transport.node)) : undefined;
    if (!radio) return;
    const abandoned = radio.queue.filter((queued) => queued.transport === transport);
    if (abandoned.length === 0) return;
    const kept = radio.queue.filter((queued) => queued.transport !== transport);
    radio.queue.length = 0;
    for (const queued of kept) radio.queue.push(queued);
    for (const queued of abandoned) {
      this.countersOf(transport.node).framesDropped++;
      this.fate(transport, queued.frame, 'dropped');
      queued.reject(new TransportError(`the simulated transport of ${transport.node} on ${transport.link.id} was closed before the frame was sent`));
    }
  }

  /** Puts the radio's frames on the air, one after the other, as time and the duty cycle allow. */
  private pump(radio: Radio): void {
    while (!radio.waking && radio.queue.length > 0) {
      const head = radio.queue[0]!;
      const now = this.clock.now();
      const start = Math.ceil(Math.max(now, radio.busyUntilMs, radio.limiter.whenCanSend(head.airtimeMs)));
      if (start > now) {
        radio.waking = true;
        this.clock.setTimer(start - now, () => {
          radio.waking = false;
          this.pump(radio);
        });
        return;
      }
      radio.queue.shift();
      radio.limiter.record(now, head.airtimeMs);
      // Without a duty cycle the limiter never looks at its window, so never forgets: make it, now and then.
      if (radio.unlimited && ++radio.sinceTrim >= TRIM_UNLIMITED_EVERY) {
        radio.sinceTrim = 0;
        radio.limiter.usedMs();
      }
      radio.busyUntilMs = now + head.airtimeMs;
      this.countersOf(radio.node).airtimeMs += head.airtimeMs;
      this.depart(head.transport, head.frame, now + Math.ceil(head.airtimeMs));
      head.resolve();
    }
  }

  /** A frame leaves its sender; it arrives at `arrivalMs` unless lost or cut. */
  private depart(transport: SimTransport, frame: Uint8Array, arrivalMs: number): void {
    const counters = this.countersOf(transport.node);
    counters.framesSent++;
    counters.bytesSent += frame.length;
    const lostAtHop = this.drawLoss(transport);
    if (!this.passes(transport.node, transport.peer)) {
      counters.framesCut++;
      this.fate(transport, frame, 'cut');
    } else if (lostAtHop === 0) {
      this.lose(transport, frame, 'lost');
    } else if (transport.link.relays.length > 0) {
      this.clock.setTimer(arrivalMs - this.clock.now(), () => this.relay(transport, frame, 1, lostAtHop));
    } else {
      this.clock.setTimer(arrivalMs - this.clock.now(), () => this.arrive(transport, frame));
    }
  }

  /**
   * Which hop loses the frame (0 the sender's transmission, k the k-th
   * relay's), or -1. One draw per hop for every frame, cut or not, so that a
   * partition does not shift later losses.
   */
  private drawLoss(transport: SimTransport): number {
    const lossRate = transport.link.model.lossRate ?? 0;
    if (lossRate <= 0) return -1;
    let lostAt = -1;
    for (let hop = 0; hop <= transport.link.relays.length; hop++) {
      if (transport.lossRandom.next() < lossRate && lostAt < 0) lostAt = hop;
    }
    return lostAt;
  }

  /** The frame reached relay `hop` (1-based): it goes on as soon as that radio is free, unless over its duty cycle or its queue full. */
  private relay(transport: SimTransport, frame: Uint8Array, hop: number, lostAtHop: number): void {
    const link = transport.link;
    if (!this.passes(transport.node, transport.peer)) {
      this.countersOf(transport.node).framesCut++;
      this.fate(transport, frame, 'cut');
      return;
    }
    const relay = link.relays[hop - 1]!;
    const now = this.clock.now();
    const airtimeMs = link.durationMs(frame.length);
    relay.starts = relay.starts.filter((start) => start > now);
    // Router::send: over the duty cycle, or the transmit queue full (MAX_TX_QUEUE), the packet is dropped.
    if (relay.limiter.whenCanSend(airtimeMs) > now || relay.starts.length >= MAX_TX_QUEUE) {
      link.relayFramesRefused++;
      this.lose(transport, frame, 'refused-by-relay');
      return;
    }
    const start = Math.max(now, relay.busyUntilMs);
    relay.starts.push(start);
    relay.busyUntilMs = start + airtimeMs;
    relay.limiter.record(start, airtimeMs);
    link.relayAirtimeMs += airtimeMs;
    if (hop === lostAtHop) return this.lose(transport, frame, 'lost');
    const next = hop < link.relays.length ? () => this.relay(transport, frame, hop + 1, lostAtHop) : () => this.arrive(transport, frame);
    this.clock.setTimer(Math.ceil(start + airtimeMs) - now, next);
  }

  private lose(transport: SimTransport, frame: Uint8Array, fate: string): void {
    this.countersOf(transport.node).framesLost++;
    this.fate(transport, frame, fate);
  }

  private arrive(sender: SimTransport, frame: Uint8Array): void {
    const receiver = sender.link.transportOf(sender.peer);
    if (!this.passes(sender.node, sender.peer)) {
      this.countersOf(sender.node).framesCut++;
      this.fate(sender, frame, 'cut');
      return;
    }
    if (!receiver.isOpen) {
      this.countersOf(sender.node).framesUnheard++;
      this.fate(sender, frame, 'unheard');
      return;
    }
    const counters = this.countersOf(receiver.node);
    counters.framesReceived++;
    counters.bytesReceived += frame.length;
    this.fate(sender, frame, 'delivered');
    // LoRa and serial do not say who sent a frame; a broker does.
    receiver.emit('frame', frame, sender.link.model.kind === 'mqtt' ? sender.node : undefined);
  }

  /**
   * A frame from a transmitter that is not a node of the mesh (a stranger in
   * range of `node`), heard now by `node` on its link with `neighbour`, if
   * its radio is on. It takes no node's airtime: only what `node` does about
   * it shows. Returns whether it was heard.
   */
  hear(node: string, neighbour: string, frame: Uint8Array): boolean {
    const receiver = this.transport(node, neighbour);
    if (!this.isUp(node) || !receiver.isOpen) return false;
    const counters = this.countersOf(node);
    counters.framesReceived++;
    counters.bytesReceived += frame.length;
    receiver.emit('frame', frame.slice(), undefined);
    return true;
  }

  private drop(transport: SimTransport, frame: Uint8Array, resolve?: () => void): void {
    this.countersOf(transport.node).framesDropped++;
    this.fate(transport, frame, 'dropped');
    resolve?.();
  }

  private fate(transport: SimTransport, frame: Uint8Array, fate: string, note = ''): void {
    if (this.logFrames) this.log('frame', `${transport.node}>${transport.peer} ${transport.link.id} ${frame.length} ${fate}${note && ` ${note}`}`);
  }

  private passes(a: string, b: string): boolean {
    if (this.downNodes.size > 0 && (this.downNodes.has(a) || this.downNodes.has(b))) return false;
    if (this.downLinks.size > 0 && this.downLinks.has(pairKey(a, b))) return false;
    return this.groupOf.size === 0 || (this.groupOf.get(a) ?? -1) === (this.groupOf.get(b) ?? -1);
  }

  /** Gives each node its radio of the model's kind, or checks that the one it has is set alike: a radio has one setting. */
  private attachRadios(nodes: readonly string[], model: LinkModel & { kind: RadioKind }): void {
    const setting = model.kind === 'lora' ? (model.dutyCycle ?? 'EU868') : `${model.preset} ${model.region}`;
    const field = model.kind === 'lora' ? 'dutyCycle' : 'preset';
    for (const node of nodes) {
      const radio = this.radios.get(radioKey(model.kind, node));
      if (radio && radio.setting !== setting) throw new InvalidInputError(field, `${JSON.stringify(node)} has one ${model.kind === 'lora' ? 'LoRa' : 'Meshtastic'} radio, already at ${radio.setting}, not ${setting}`);
    }
    for (const node of nodes) if (!this.radios.has(radioKey(model.kind, node))) this.radios.set(radioKey(model.kind, node), this.newRadio(node, model, setting));
  }

  private newRadio(node: string, model: LinkModel & { kind: RadioKind }, setting: string): Radio {
    const limiter = model.kind === 'lora'
      ? new DutyCycleLimiter(this.clock, setting === 'US915' ? US915 : EU868)
      : new MeshtasticDutyCycle(this.clock, MESHTASTIC_REGIONS[model.region].dutyCyclePercent);
    const unlimited = limiter instanceof DutyCycleLimiter ? limiter.policy.maxFraction >= 1 : limiter.dutyCyclePercent >= 100;
    return { node, kind: model.kind, limiter, setting, unlimited, queue: [], busyUntilMs: -Infinity, waking: false, sinceTrim: 0 };
  }

  private radiosOf(node: string): Radio[] {
    return (['lora', 'meshtastic'] as const).flatMap((kind) => this.radios.get(radioKey(kind, node)) ?? []);
  }

  private linksBetween(a: string, b: string): SimLink[] {
    return (this.linksOfNode.get(a) ?? []).filter((link) => link.ends.includes(b));
  }

  private transportsOf(node: string): SimTransport[] {
    return (this.linksOfNode.get(node) ?? []).map((link) => link.transportOf(node));
  }

  private countersOf(node: string): Counters {
    return this.counters.get(node)!;
  }

  private checkNode(field: string, node: string): void {
    if (!this.linksOfNode.has(node)) throw new InvalidInputError(field, `no node ${describe(node)} on this medium`);
  }

  private checkLinked(a: string, b: string): void {
    this.checkNode('a', a);
    this.checkNode('b', b);
    if (this.linksBetween(a, b).length === 0) throw new InvalidInputError('b', `no link between ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  }
}

/** One end of a `SimLink`: what a node's `Link` sends and receives frames through. */
export class SimTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly mtu: number;
  /** @internal Serial: when this end's line is free again. */
  busyUntilMs = -Infinity;
  private opened = false;

  /** @internal Made by `SimLink`. */
  constructor(
    private readonly medium: SimMedium,
    readonly link: SimLink,
    /** The node holding this end. */
    readonly node: string,
    /** The node at the other end. */
    readonly peer: string,
    /** @internal This direction's losses. */
    readonly lossRandom: SeededRandom,
  ) {
    super();
    this.mtu = link.mtu;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    this.emit('link', this.medium.isUp(this.node));
  }

  /**
   * Sends to the other end. `to` is ignored on LoRa and serial (one
   * listener); on MQTT it must be the peer's name or the frame goes nowhere.
   */
  async send(frame: Uint8Array, to?: string): Promise<void> {
    if (!this.opened) throw new TransportError(`the simulated transport of ${this.node} on ${this.link.id} is not open`);
    if (!(frame instanceof Uint8Array)) throw new TransportError('a frame must be a byte array');
    if (frame.length === 0 && this.link.model.kind === 'lora') throw new TransportError('an empty frame cannot be sent: the RNode firmware drops it');
    if (frame.length > this.mtu) throw new TransportError(`a frame of ${frame.length} bytes exceeds the ${this.link.model.kind} MTU of ${this.mtu} bytes on ${this.link.id}`);
    return this.medium.send(this, frame.slice(), to);
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    this.medium.abandon(this);
    this.emit('link', false);
  }
}

function emptyCounters(): Counters {
  return { framesSent: 0, bytesSent: 0, framesLost: 0, framesCut: 0, framesUnheard: 0, framesDropped: 0, framesReceived: 0, bytesReceived: 0, airtimeMs: 0 };
}

function radioKey(kind: RadioKind, node: string): string {
  return `${kind} ${node}`;
}

function pairKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}
