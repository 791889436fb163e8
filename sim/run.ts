/**
 * Runs a scenario: the real node and gateway code, every node of the mesh
 * and the gateway in this process, on the scheduler's virtual clock, over
 * the simulated media, with the gateway's bcoin regtest chain mining on
 * virtual time. Returns the report.
 *
 * The run, in order:
 * 1. setup, before time starts: the chain (past segwit, the wallets'
 *    coins), the media (a link per edge of the topology, and between the
 *    gateway and the nodes attached to it), the gateway (tower, mailbox,
 *    node service) and a `SimNode` per node with its static routes;
 * 2. at time 0 every channel of the scenario is opened (funded on chain
 *    through the gateway; open once 3 blocks deep, as the nodes see it by
 *    their own header chains); blocks come every `blockInterval` or so;
 * 3. the workload's payments and the scenario's events, each at its time;
 *    every sample interval the invariants are checked on the nodes that
 *    are quiet (no HTLC in flight) and the report's series are sampled;
 * 4. after `duration`, a drain: time goes on (blocks, retries, no new
 *    payments) until every payment has ended or a day has passed;
 * 5. the final checks, then everything is stopped and the temporary stores
 *    removed.
 *
 * Everything random comes from one `SeededRandom` (keys, losses, arrivals,
 * amounts, block intervals) and bcoin's own `Math.random` (coinbase nonces)
 * is seeded for the run, so the same scenario and seed give the same event
 * log, hashed into `eventLogHash`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../node/core/hex.js';
import { Gateway, gatewayKeyFromSecret } from '../gateway/gateway.js';
import { FeedStore } from '../gateway/relay/feed-store.js';
import { Mailbox } from '../gateway/relay/mailbox.js';
import { AppointmentStore } from '../gateway/tower/appointment-store.js';
import { ResponseStore } from '../gateway/tower/response-store.js';
import { ChannelManager, type ManagerEvent } from '../node/channel/manager.js';
import { channelPolicy, delaysFor } from '../node/channel/policy.js';
import type { Logger } from '../node/core/logger.js';
import { SeedSigner } from '../node/keys/signer.js';
import type { LinkConfig, MeshNode } from '../node/mesh-node.js';
import { MemoryPersister } from '../node/persist/persister.js';
import { MemoryLinkOutbox } from '../transports/link/outbox.js';
import { MemorySeenMessages } from '../transports/router/seen-messages.js';
import { BreachWatch } from './breach-watch.js';
import { SimMedium } from './medium.js';
import { PaymentBook } from './payment-book.js';
import { SeededRandom } from './random.js';
import { formatDuration } from './report/data/format.js';
import { ReportRecorder } from './report/data/report-recorder.js';
import type { SimReport } from './report/data/sim-report.js';
import { type ChannelSpec, type Scenario, type ScenarioEvent, linkModelBetween } from './scenario.js';
import { type EventRecord, Scheduler } from './scheduler.js';
import { SimChain } from './sim-chain.js';
import { SimNode } from './sim-node.js';
import { SimWallet } from './sim-wallet.js';
import { DEFAULT_ROUTE, GATEWAY, type RouteTables, hopLimitCovering, neighboursOf, pairKey, routeFinder, staticRoutes } from './topology.js';
import { RouteMatrix } from './route-matrix.js';
import { type ChannelView, type ClaimView, type Holders, type Ledger, assessLedger, outpointKey, traceEconomy } from './value-ledger.js';
import { Transaction } from '../node/bolt3/transaction.js';
import { unsignedJusticeTransactions } from '../node/monitor/remedy.js';
import { decodeUnsignedJustice } from '../node/monitor/remedy-record.js';
import { strangerActOne, strangerAppointments, strangerEnvelope } from './stranger.js';
import type { PendingClaim, RecordOf } from '../node/persist/persister.js';
import { gatewayChannelWallet } from '../gateway/channels/channel-wallet.js';
import { GatewaySigner } from '../gateway/channels/gateway-signer.js';
import { SimLightning } from './sim-lightning.js';
import { BridgeRun, checkBridge } from './bridge-run.js';
import type { BridgePaymentRecord } from './bridge-book.js';

/** Virtual time starts here (block times too): a fixed date, so that runs repeat. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** The invariants every run checks (sim/README.md says what each means). */
/** Blocks a claim may take to confirm once its locks have passed (broadcast, relayed over the mesh, mined) before it counts as stuck. */
const CLAIM_GRACE_BLOCKS = 12;
export const INVARIANTS = ['noFundsLost', 'breachesPunished', 'paymentsEnd', 'balanceConserved', 'closesResolved', 'noLateFulfills', 'valueConserved'] as const;
/** Checked too when the gateway runs the Lightning side (`gateway.lightning`). */
export const LIGHTNING_INVARIANTS = ['bridgeBalanced'] as const;
type Invariant = (typeof INVARIANTS)[number] | (typeof LIGHTNING_INVARIANTS)[number];

export interface RunProgress {
  readonly phase: 'setup' | 'run' | 'drain' | 'done';
  /** Virtual time from the start of the run. */
  readonly virtualMs: number;
  readonly durationMs: number;
  readonly events: number;
  readonly paymentsSettled: number;
  readonly paymentsPending: number;
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Overrides the scenario's duration (a shortened run); events and payments after it do not happen. */
  readonly durationMs?: number;
  /** How long to wait after the end for payments still in flight. Default one day. */
  readonly drainLimitMs?: number;
  /** Virtual time between two checks of the invariants and samples of the series. Default: the block interval. */
  readonly sampleIntervalMs?: number;
  /** Called as the run goes (about 200 times) and at the end. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Each record of the event log as it is written (warnings, payments refused, violations, link changes, ...). */
  readonly onRecord?: (record: EventRecord) => void;
  /** Log every frame's fate into the event log (and its hash). Default false. */
  readonly logFrames?: boolean;
  /** Called after the drain, just before the final checks: for tests that tamper with a node's stores or wallet to see an invariant fail. */
  readonly beforeFinalChecks?: (run: { wallet(node: string): SimWallet; persister(node: string): MemoryPersister; lightning: SimLightning | undefined }) => void | Promise<void>;
}

/** A payment the scenario wants made: `from` pays `to`. */
interface PaymentOrder {
  readonly from: string;
  readonly to: string;
  readonly amountSatoshis: number;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<SimReport> {
  const run = new SimRun(scenario, options);
  const restoreMathRandom = seedMathRandom(run.random.fork('Math.random'));
  try {
    return await run.execute();
  } finally {
    restoreMathRandom();
    await run.dispose();
  }
}

/** The channel `cheater` will cheat `victim` on. */
function cheatKey(cheater: string, victim: string): string {
  return `${cheater}>${victim}`;
}

/** bcoin draws its coinbase nonces from `Math.random`: seeded for the run, so that txids repeat. */
function seedMathRandom(random: SeededRandom): () => void {
  const original = Math.random;
  Math.random = random.next;
  return () => {
    Math.random = original;
  };
}

class SimRun {
  readonly random: SeededRandom;
  private readonly seed: number;
  private readonly durationMs: number;
  private readonly scheduler: Scheduler;
  private readonly chain: SimChain;
  private readonly medium: SimMedium;
  private readonly recorder = new ReportRecorder();
  private readonly book = new PaymentBook();
  private readonly nodes = new Map<string, SimNode>();
  private readonly nameOfId = new Map<string, string>();
  private readonly idOfName = new Map<string, string>();
  private readonly signers = new Map<string, SeedSigner>();
  private readonly wallets = new Map<string, SimWallet>();
  private readonly tempDirectory: string;
  private gateway: Gateway | undefined;
  private readonly gatewayId: string;
  private readonly makeGateway: () => Gateway;
  private readonly breaches: BreachWatch;
  /** Per node, the peers whose channel is open as that node saw it (and not closed since). */
  private readonly openChannels = new Map<string, Set<string>>();
  /** The channels (as pairKey) that either side ever saw open: the others never opened. */
  private readonly channelsEverOpened = new Set<string>();
  /** Snapshots of the cheaters' stores at the opening of the channels they will cheat on. */
  private readonly cheatBackups = new Map<string, MemoryPersister>();
  /** Channels a breach event names, as cheatKey(cheater, victim). */
  private readonly cheatChannels: Set<string>;
  private readonly reported = new Set<string>();
  private readonly startedWall = Date.now();
  private readonly disturbances = { partition: undefined as string | undefined, linksDown: new Set<string>(), offline: new Set<string>(), gatewayDown: false };
  private readonly stores: { close(): Promise<void> }[];
  private readonly gatewayOutbox = new MemoryLinkOutbox();
  /** Every node's static routes and the gateway's, shared: each node reads its own view. */
  private readonly routes: RouteMatrix;
  /** What every node's and the gateway's envelopes carry: the longest route of the mesh, at least the router's default. */
  private readonly hopLimit: number;
  private readonly findRoute: ReturnType<typeof routeFinder>;
  private readonly neighbours: ReturnType<typeof neighboursOf>;
  private draining = false;
  /** The gateway's Lightning side, when the scenario has one (`gateway.lightning`), and its payments. */
  private lightning: SimLightning | undefined;
  private bridgeRun: BridgeRun | undefined;
  /** The gateway's mesh channels (with the Lightning side only): kept across its restarts. */
  private readonly gatewayChannels = new MemoryPersister();

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
  ) {
    this.seed = options.seed ?? scenario.seed;
    this.durationMs = options.durationMs ?? scenario.durationMs;
    this.random = new SeededRandom(this.seed);
    this.hopLimit = hopLimitCovering(scenario.topology, scenario.gateway.attachedTo);
    this.neighbours = neighboursOf(scenario.topology);
    this.scheduler = new Scheduler({ startMs: SIM_EPOCH_MS, settle: () => this.settle(), ...(options.onRecord && { onRecord: options.onRecord }) });
    this.chain = new SimChain(this.scheduler);
    this.medium = new SimMedium({ clock: this.scheduler, random: this.random.fork('medium'), log: (kind, detail) => this.scheduler.log(kind, detail) }, { logFrames: options.logFrames ?? false });
    this.tempDirectory = mkdtempSync(join(tmpdir(), `lnmesh-sim-${scenario.name}-`));
    this.breaches = new BreachWatch(this.chain.tracked, () => this.gateway?.tower.responses() ?? []);
    this.cheatChannels = new Set(scenario.events.flatMap((event) => (event.kind === 'breach' ? [cheatKey(event.cheater, event.victim)] : [])));
    const gatewaySecret = this.random.fork('gateway key').bytes(32);
    const gatewayKey = gatewayKeyFromSecret(gatewaySecret);
    this.gatewayId = bytesToHex(gatewayKey.nodeId);
    for (const name of scenario.topology.nodes) {
      const signer = new SeedSigner(this.random.fork(`key ${name}`).bytes(32));
      this.signers.set(name, signer);
      this.nameOfId.set(bytesToHex(signer.nodeId), name);
      this.idOfName.set(name, bytesToHex(signer.nodeId));
    }
    this.nameOfId.set(this.gatewayId, GATEWAY);
    this.routes = this.routeMatrix();
    this.findRoute = routeFinder(scenario.topology, (owner, destination) => this.routes.nextHopByName(owner, destination));
    this.routes.countChannels(this.findRoute);
    // The mesh's nodes are the gateway's to serve, as its operator names them (tower.allowedNodes): a flood's fresh keys are strangers.
    const appointments = new AppointmentStore(join(this.tempDirectory, 'appointments'), { allowedNodes: [...this.idOfName.values()], syncToDisk: false });
    const responses = new ResponseStore(join(this.tempDirectory, 'responses'), { syncToDisk: false });
    const mailbox = new Mailbox(join(this.tempDirectory, 'mailbox'), this.scheduler);
    const feedStore = new FeedStore(join(this.tempDirectory, 'chain-feed'), { syncToDisk: false });
    this.stores = [appointments, responses, mailbox, feedStore];
    let gatewayStarts = 0;
    this.makeGateway = () =>
      new Gateway(
        {
          key: gatewayKey,
          chain: this.chain.tracked,
          appointments,
          responses,
          mailbox,
          feedStore,
          outbox: this.gatewayOutbox,
          seen: new MemorySeenMessages(),
          clock: this.scheduler,
          randomBytes: this.random.fork(`gateway start ${gatewayStarts++}`).bytes,
          logger: this.warningsOf('gateway'),
          ...this.gatewayLightningParts(gatewaySecret),
        },
        { links: this.gatewayLinks(), routes: this.idRoutes(this.routes.tableByName(GATEWAY)), defaultHopLimit: this.hopLimit, ...this.gatewayLightningConfig() },
      );
  }

  async execute(): Promise<SimReport> {
    const { scenario } = this;
    this.progress('setup');
    await this.setUp();
    const endMs = SIM_EPOCH_MS + this.durationMs;
    const drainLimitMs = this.options.drainLimitMs ?? DAY_MS;
    this.chain.scheduleBlocks(this.scheduler, { intervalMs: scenario.chain.blockIntervalMs, jitter: scenario.chain.jitter }, this.random.fork('blocks'), endMs + drainLimitMs, () => this.afterBlock());
    this.scheduler.at(SIM_EPOCH_MS, 'open channels', () => this.openScenarioChannels());
    this.scheduleWorkload(endMs);
    for (const event of scenario.events) if (event.atMs <= this.durationMs) this.scheduler.at(SIM_EPOCH_MS + event.atMs, event.kind, () => this.apply(event));
    this.scheduleSamples(endMs + drainLimitMs);

    const step = Math.max(1, Math.ceil(this.durationMs / 200));
    for (let at = SIM_EPOCH_MS + step; ; at += step) {
      await this.scheduler.runUntil(Math.min(at, endMs));
      this.progress('run');
      if (at >= endMs) break;
    }
    // The drain: no new payments; time goes on until the ones in flight end.
    this.draining = true;
    const drainEnd = endMs + drainLimitMs;
    while (this.pendingCount() > 0 && this.scheduler.now() < drainEnd) {
      await this.scheduler.runWhile(() => this.pendingCount() > 0, Math.min(step, drainEnd - this.scheduler.now()));
      this.progress('drain');
    }
    this.recorder.setFigure('drainMs', this.scheduler.now() - endMs);
    // The series end where the drain ended: the outboxes' last point is what `outboxDepthAtEnd` counts.
    this.sample();
    this.recorder.setFigure('outboxDepthAtEnd', [...this.nodes.values()].reduce((sum, node) => sum + node.outboxDepth(), 0));
    await this.options.beforeFinalChecks?.({ wallet: (node) => this.wallets.get(node)!, persister: (node) => this.nodes.get(node)!.persister, lightning: this.lightning });
    await this.finalChecks();
    const report = this.recorder.finish({
      scenario: scenario.name,
      ...(scenario.description && { description: scenario.description }),
      seed: this.seed,
      eventLogHash: this.scheduler.eventLogHash(),
      virtualDurationMs: this.scheduler.now() - SIM_EPOCH_MS,
      wallClockMs: Date.now() - this.startedWall,
      events: this.scheduler.counters.eventsRun,
    });
    this.progress('done');
    return report;
  }

  /** Stops what runs and removes the temporary stores; safe after a failed setup. */
  async dispose(): Promise<void> {
    // Radios off first: a send waiting for the duty cycle waits for virtual time, which no longer moves.
    for (const name of this.medium.nodes()) this.medium.nodeDown(name);
    for (const node of this.nodes.values()) await node.stop().catch(() => undefined);
    await this.gateway?.stop().catch(() => undefined);
    await this.lightning?.stop();
    await this.chain.close().catch(() => undefined);
    for (const store of this.stores) await store.close().catch(() => undefined);
    rmSync(this.tempDirectory, { recursive: true, force: true });
  }

  // ---- setup ------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    const { scenario } = this;
    this.recorder.declareInvariants(scenario.gateway.lightning ? [...INVARIANTS, ...LIGHTNING_INVARIANTS] : INVARIANTS);
    await this.chain.open();
    for (const name of scenario.topology.nodes) this.wallets.set(name, new SimWallet(name, this.random.fork(`wallet ${name}`).bytes(32)));
    // Each funder gets a coin per channel it funds, and every node one for the fees of HTLC claims.
    const amounts = new Map<string, number[]>(scenario.topology.nodes.map((name) => [name, [1_000_000]]));
    for (const channel of this.allChannels()) amounts.get(channel.funder)!.push(channel.capacitySatoshis + 50_000);
    await this.chain.fundWallets([...amounts].map(([name, list]) => ({ wallet: this.wallets.get(name)!, amounts: list })));
    await this.setUpLightning();
    const checkpoint = await this.chain.checkpoint();

    for (const [a, b] of scenario.topology.edges) this.medium.connect(a, b, linkModelBetween(scenario, a, b));
    for (const attached of scenario.gateway.attachedTo) this.medium.connect(GATEWAY, attached, scenario.gateway.link);

    for (const name of scenario.topology.nodes) {
      const settings = scenario.nodes[name]!;
      const node = new SimNode({
        name,
        signer: this.signers.get(name)!,
        wallet: this.wallets.get(name)!,
        clock: this.scheduler,
        random: this.random.fork(`node ${name}`),
        channels: { network: 3, minimumDepth: 3, policy: { offlineHorizonBlocks: settings.offlineHorizonBlocks }, forwardingFee: settings.forwardingFee },
        links: this.nodeLinks(name),
        routes: this.routes.routesOf(name),
        hopLimit: this.hopLimit,
        gateway: { nodeId: this.gatewayId, network: 'regtest', checkpoint, pollIntervalMs: settings.pollIntervalMs },
        logger: this.warningsOf(name),
        onStart: (mesh) => this.listen(name, mesh),
      });
      this.nodes.set(name, node);
      this.openChannels.set(name, new Set());
    }
    this.gateway = this.makeGateway();
    await this.gateway.start();
    for (const node of this.nodes.values()) await node.start();
  }

  /** The scenario's channels between nodes, and the attached nodes' channels with the gateway (with the Lightning side). */
  private allChannels(): ChannelSpec[] {
    return [...this.scenario.channels, ...(this.scenario.gateway.lightning?.meshChannels ?? [])];
  }

  /** Payments not ended yet: the mesh's, and those across the bridge. */
  private pendingCount(): number {
    return this.book.pending + (this.lightning?.book.pendingPayments().length ?? 0);
  }

  /**
   * The scheduler's settle: bcoin's calls done, then, with the Lightning
   * side, a bridge payment crossing the TCP link between the LDK nodes
   * waited for in real time (sim-lightning.ts).
   */
  private async settle(): Promise<void> {
    await this.chain.settle();
    if (this.lightning && !(await this.lightning.whileBusy(this.chain.settle))) this.warn('lightning', 'a bridge payment still crossing the TCP link after the settle limit: virtual time goes on without it');
  }

  /** Before time starts: the gateway's LDK node and the outside node, and their channel (sim-lightning.ts). */
  private async setUpLightning(): Promise<void> {
    const spec = this.scenario.gateway.lightning;
    if (!spec) return;
    const onEnd = (record: BridgePaymentRecord) => {
      const after = formatDuration(record.endMs! - record.startMs);
      this.scheduler.log('bridge-payment-ended', `${record.kind} ${record.node} ${record.amountMsat} msat ${record.outcome} after ${after}${record.reason ? `: ${record.reason}` : ''}`);
    };
    const parts = { chain: this.chain, directory: this.tempDirectory, logger: this.warningsOf('ldk'), clock: this.scheduler, bridge: () => this.gateway?.bridge?.bridge, onEnd };
    this.lightning = await SimLightning.create(parts, spec, await this.chain.spareCoinbase());
    await this.lightning.openOutsideChannel();
    this.bridgeRun = new BridgeRun(
      {
        lightning: this.lightning,
        node: (name) => this.nodes.get(name)!,
        idOf: (name) => this.idOf(name),
        elapsed: () => this.elapsed(),
        now: () => this.scheduler.now(),
        bridge: () => this.gateway?.bridge?.bridge,
        started: (hash, record) => this.book.started(hash, record),
        log: (kind, detail) => this.scheduler.log(kind, detail),
        count: (figure, by) => this.recorder.count(figure, by),
        later: (callback) => void this.scheduler.setTimer(0, callback),
      },
      this.scenario,
    );
  }

  /** The gateway's mesh channels and its LDK node, with the Lightning side. */
  private gatewayLightningParts(secret: Uint8Array) {
    if (!this.scenario.gateway.lightning) return {};
    const signer = new GatewaySigner(gatewayKeyFromSecret(secret), secret);
    return {
      channels: { signer, persister: this.gatewayChannels, wallet: gatewayChannelWallet(signer, this.gatewayChannels) },
      ...(this.lightning && { lightning: this.lightning.gatewayNode, bridgeDirectory: join(this.tempDirectory, 'bridge') }),
    };
  }

  private gatewayLightningConfig() {
    const spec = this.scenario.gateway.lightning;
    if (!spec) return {};
    return { channels: { network: 3, minimumDepth: 3, policy: { offlineHorizonBlocks: spec.offlineHorizonBlocks } }, bridge: { fee: spec.fee, finalCltvExpiryDelta: spec.finalCltvExpiryDelta } };
  }

  private idOf(name: string): string {
    return name === GATEWAY ? this.gatewayId : this.idOfName.get(name)!;
  }

  /**
   * Every node's static routes and the gateway's in one table. Its own
   * method: the closures of the constructor would keep the tables by names
   * (their shared context), 12 MB for 500 nodes.
   */
  private routeMatrix(): RouteMatrix {
    const { topology, gateway } = this.scenario;
    const tables = staticRoutes(topology, gateway.attachedTo);
    const routed = [...topology.nodes, ...(tables[GATEWAY] ? [GATEWAY] : [])];
    return new RouteMatrix(routed, (name) => this.nodeRoutes(tables, name), (name) => this.idOf(name));
  }

  /**
   * `name`'s static routes; with the Lightning side, the gateway named too
   * (the default route's next hop): a payment out is routed to the gateway
   * along channels, and the channel code routes only by name.
   */
  private nodeRoutes(tables: RouteTables, name: string): Readonly<Record<string, string>> {
    const table = tables[name] ?? {};
    const next = table[DEFAULT_ROUTE];
    if (!this.scenario.gateway.lightning || table[GATEWAY] !== undefined || next === undefined || next === GATEWAY) return table;
    return { ...table, [GATEWAY]: next };
  }

  /** A route table of names as node ids. */
  private idRoutes(table: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(table).map(([destination, next]) => [destination === DEFAULT_ROUTE ? DEFAULT_ROUTE : this.idOf(destination), this.idOf(next)]));
  }

  /** One link per neighbour (and the gateway, for an attached node), on the medium's transport to it. */
  private nodeLinks(name: string): LinkConfig[] {
    const neighbours = [...(this.neighbours.get(name) ?? []), ...(this.scenario.gateway.attachedTo.includes(name) ? [GATEWAY] : [])];
    return neighbours.map((neighbour) => ({ transport: this.medium.transport(name, neighbour), neighbours: [{ nodeId: this.idOf(neighbour), address: neighbour }] }));
  }

  private gatewayLinks(): LinkConfig[] {
    return this.scenario.gateway.attachedTo.map((attached) => ({ transport: this.medium.transport(GATEWAY, attached), neighbours: [{ nodeId: this.idOf(attached), address: attached }] }));
  }

  // ---- what the nodes say -------------------------------------------------------------

  private listen(name: string, mesh: MeshNode): void {
    mesh.manager.on('event', (event) => this.onManagerEvent(name, event));
    mesh.manager.on('event', (event) => this.bridgeRun?.meshEvent(name, event));
    mesh.uplink?.on('breach', () => this.recorder.count('breachAlertsReceived'));
    mesh.uplink?.on('broadcast', (outcome) => {
      this.recorder.count(outcome.accepted ? 'broadcastsAccepted' : 'broadcastsRefused');
      this.scheduler.log('broadcast', `${name} ${outcome.accepted ? 'accepted' : `refused: ${outcome.reason}`}`);
    });
  }

  /** What `who`'s components log as warnings, counted (a node's channels log elsewhere: see `channelLogger`). */
  private warningsOf(who: string): Logger {
    return { log: (level, message) => void ((level === 'warn' || level === 'error') && this.warn(who, message)) };
  }

  private warn(who: string, message: string): void {
    this.recorder.count('warnings');
    if (/internal error/i.test(message)) this.recorder.count('internalErrors');
    this.scheduler.log('warning', `${who}: ${message}`);
  }

  private onManagerEvent(name: string, event: ManagerEvent): void {
    const now = this.elapsed();
    switch (event.type) {
      case 'channel_opened': {
        const peer = this.nameOfId.get(event.peer)!;
        this.openChannels.get(name)!.add(peer);
        this.channelsEverOpened.add(pairKey(name, peer));
        const spec = this.allChannels().find((channel) => pairKey(channel.funder, channel.fundee) === pairKey(name, peer));
        if (spec) this.book.add(name, 1000 * (name === spec.funder ? spec.capacitySatoshis - spec.pushSatoshis : spec.pushSatoshis));
        // Half a channel per end; the gateway's end (the Lightning side's mesh channels) tells no one.
        this.recorder.count('channelsOpened', peer === GATEWAY ? 1 : 0.5);
        this.scheduler.log('channel-opened', `${name} ${peer}`);
        if (this.cheatChannels.has(cheatKey(name, peer))) {
          // The cheater keeps this first state: later, revoked, it is what it broadcasts.
          const backup = new MemoryPersister();
          for (const [id, record] of this.nodes.get(name)!.persister.loadChannels()) backup.saveChannel(id, record);
          this.cheatBackups.set(cheatKey(name, peer), backup);
        }
        return;
      }
      case 'channel_closed':
      case 'channel_force_closed': {
        const peer = this.nameOfId.get(event.peer)!;
        if (!this.openChannels.get(name)!.delete(peer)) return;
        const balance = this.nodes.get(name)!.mesh!.manager.balances().find((channel) => channel.peer === event.peer && channel.handle === event.handle);
        // The node's whole stake leaves the open channels for the chain (checked there: closesResolved): its
        // balance in the commitment on chain, and the HTLCs in it that resolve on chain (offered, or claimable).
        this.book.add(name, -(event.type === 'channel_force_closed' ? event.stakeMsat : (balance?.localMsat ?? 0)));
        this.recorder.count(event.type === 'channel_closed' ? 'channelsClosed' : 'channelsForceClosed', 0.5);
        this.scheduler.log('channel-closed', `${name} ${peer}`);
        return;
      }
      case 'payment_sent': {
        const record = this.book.settled(event.paymentHash, now);
        if (!record) return;
        this.recorder.count('paymentsSettled');
        this.recorder.count('forwardingFeesPaidMsat', record.feeMsat);
        this.recorder.recordPaymentLatency(now - record.startMs);
        return;
      }
      case 'payment_failed': {
        const record = this.book.failed(event.paymentHash, now, event.reason);
        if (!record) return;
        this.recorder.count('paymentsFailed');
        this.scheduler.log('payment-failed', `${record.from} ${record.to}: ${event.reason}`);
        return;
      }
      case 'htlc_resolved_onchain':
        // The stake on chain moved the other way: an HTLC we offered claimed by the peer (its payment, or the
        // forward's, settles off chain elsewhere), or one to us won on chain with a preimage learned later.
        this.book.add(name, event.outcome === 'claimed' ? event.amountMsat : -event.amountMsat);
        this.recorder.count('htlcsResolvedOnchain');
        return;
      case 'payment_forwarded':
        this.book.forwarded(name, event.feeMsat);
        this.recorder.count('paymentsForwarded');
        this.recorder.count('forwardingFeesEarnedMsat', event.feeMsat);
        return;
      case 'payment_received':
        this.book.received(name, event.amountMsat);
        // The preimage given for an HTLC already expired: the payer may take the money back on chain, and have the proof of payment too.
        if (event.cltvExpiry <= this.tipHeight) this.violation('noLateFulfills', `fulfill ${name} ${bytesToHex(event.paymentHash)}`, `${name} fulfilled an HTLC of ${event.amountMsat} msat at height ${this.tipHeight}, at or after its expiry at ${event.cltvExpiry}`);
        return;
      case 'breach':
        this.breaches.victimJustice(event.breachTxid, event.justice.getId(), this.scheduler.now());
        return;
      case 'peer_error':
        this.recorder.count('peerErrors');
        this.warn(name, `peer error from ${this.nameOfId.get(event.peer) ?? event.peer}: ${event.reason}`);
        return;
      default:
        return;
    }
  }

  // ---- channels, payments and events ------------------------------------------------------

  private async openScenarioChannels(): Promise<void> {
    for (const channel of this.allChannels()) {
      this.nodes.get(channel.funder)!.mesh!.manager.openChannel(this.idOf(channel.fundee), channel.capacitySatoshis, channel.pushSatoshis * 1000);
    }
  }

  /** Each source pays at exponentially distributed intervals (a Poisson process), from `start` to `stop`. */
  private scheduleWorkload(endMs: number): void {
    const workload = this.scenario.workload;
    if (!workload) return;
    const stopMs = Math.min(SIM_EPOCH_MS + workload.stopMs, endMs);
    const sources: { from: string; to?: string }[] = workload.endpoints === 'random' ? this.scenario.topology.nodes.map((from) => ({ from })) : workload.endpoints.map(([from, to]) => ({ from, to }));
    sources.forEach((source, index) => {
      const random = this.random.fork(`workload ${index} ${source.from}`);
      const next = (fromMs: number) => {
        const atMs = fromMs + Math.max(1, Math.round(random.exponential(workload.meanIntervalMs)));
        if (atMs > stopMs) return;
        this.scheduler.at(atMs, 'payment', () => {
          const to = source.to ?? this.randomPayee(source.from, random);
          const amountSatoshis = random.int(workload.amountSatoshis.min, workload.amountSatoshis.max);
          if (to !== undefined) this.pay({ from: source.from, to, amountSatoshis });
          next(atMs);
        });
      };
      next(SIM_EPOCH_MS + workload.startMs);
    });
  }

  /** Another node, reached along channels all the way; undefined if none is. */
  private randomPayee(from: string, random: SeededRandom): string | undefined {
    const candidates = this.payeesOf(from);
    return candidates.length === 0 ? undefined : random.pick(candidates);
  }

  private readonly payees = new Map<string, string[]>();

  private payeesOf(from: string): string[] {
    let list = this.payees.get(from);
    if (!list) {
      const channels = new Set(this.scenario.channels.map((channel) => pairKey(channel.funder, channel.fundee)));
      list = this.scenario.topology.nodes.filter((to) => {
        const path = to === from ? undefined : this.findRoute(from, to);
        return path !== undefined && path.every((node, i) => i === 0 || channels.has(pairKey(path[i - 1]!, node)));
      });
      this.payees.set(from, list);
    }
    return list;
  }

  private pay(order: PaymentOrder): void {
    if (this.draining) return;
    const payer = this.nodes.get(order.from)!;
    const payee = this.nodes.get(order.to)!;
    this.recorder.count('paymentsAsked');
    const closedHop = this.hopWithoutChannel(order.from, order.to);
    if (closedHop) {
      // Not yet open, never opened, or closed: no node could make it, so it tells nothing of the code and is no failure.
      this.recorder.count('paymentsImpossible');
      this.scheduler.log('payment-impossible', `${order.from} ${order.to} ${order.amountSatoshis}: no channel open between ${closedHop[0]} and ${closedHop[1]}`);
      return;
    }
    if (!payer.isRunning || !payee.isRunning) {
      // An offline device makes no payment and writes no invoice.
      this.recorder.count('paymentsSkippedOffline');
      return;
    }
    const amountMsat = order.amountSatoshis * 1000;
    const request = payee.mesh!.manager.receive(amountMsat, payee.mesh!.uplink!.chainHeight);
    let feeMsat: number;
    try {
      feeMsat = payer.mesh!.manager.payRequest(request);
    } catch (error) {
      // Not affordable, no channel open yet: the payer's node refuses before anything is sent.
      this.recorder.count('paymentsRefused');
      this.scheduler.log('payment-refused', `${order.from} ${order.to} ${order.amountSatoshis}: ${(error as Error).message}`);
      return;
    }
    this.recorder.count('paymentsSent');
    this.book.started(request.paymentHash, { from: order.from, to: order.to, amountMsat, feeMsat, startMs: this.elapsed() });
  }

  /** A hop of the route from `from` to `to` whose channel neither end holds open now, if any. */
  private hopWithoutChannel(from: string, to: string): readonly [string, string] | undefined {
    const path = this.findRoute(from, to) ?? [];
    for (let hop = 1; hop < path.length; hop++) {
      const [a, b] = [path[hop - 1]!, path[hop]!];
      if (!this.openChannels.get(a)!.has(b) && !this.openChannels.get(b)!.has(a)) return [a, b];
    }
    return undefined;
  }

  private async apply(event: ScenarioEvent): Promise<void> {
    const now = this.elapsed();
    switch (event.kind) {
      case 'linkDown':
        this.medium.linkDown(...event.between);
        this.disturbances.linksDown.add(pairKey(...event.between));
        this.recorder.timelineStart('link-down', event.between.join('–'), now);
        return;
      case 'linkUp':
        this.medium.linkUp(...event.between);
        this.disturbances.linksDown.delete(pairKey(...event.between));
        this.recorder.timelineEnd('link-down', event.between.join('–'), now);
        return;
      case 'nodeOffline': {
        this.medium.nodeDown(event.node);
        await this.nodes.get(event.node)!.stop();
        this.disturbances.offline.add(event.node);
        this.recorder.timelineStart('offline', event.node, now);
        return;
      }
      case 'nodeOnline':
        this.medium.nodeUp(event.node);
        await this.nodes.get(event.node)!.start();
        this.disturbances.offline.delete(event.node);
        this.recorder.timelineEnd('offline', event.node, now);
        return;
      case 'partition': {
        this.medium.partition(event.groups);
        if (this.disturbances.partition !== undefined) this.recorder.timelineEnd('partition', this.disturbances.partition, now);
        this.disturbances.partition = event.groups.map((group) => group.join(' ')).join(' | ');
        this.recorder.timelineStart('partition', this.disturbances.partition, now);
        return;
      }
      case 'heal': {
        this.medium.heal();
        if (this.disturbances.partition !== undefined) this.recorder.timelineEnd('partition', this.disturbances.partition, now);
        this.disturbances.partition = undefined;
        return;
      }
      case 'gatewayOutage':
        return this.gatewayOutage(event.durationMs);
      case 'towerOutage':
        return this.towerOutage(event.durationMs);
      case 'forceClose':
        return this.forceClose(event.by, event.with);
      case 'breach':
        return this.breach(event.cheater, event.victim);
      case 'reorg': {
        const { height } = await this.chain.chain.tip();
        await this.chain.chain.reorg(Math.min(event.depth, height - 1));
        this.recorder.timelineInstant('reorg', `${event.depth} blocks`, now);
        return;
      }
      case 'payment':
        return this.pay({ from: event.from, to: event.to, amountSatoshis: event.amountSatoshis });
      case 'flood':
        return this.flood(event);
      case 'payOutside':
        return this.bridgeRun!.payOutside(event.from, event.amountSatoshis);
      case 'payFromOutside':
        return this.bridgeRun!.payFromOutside(event.to, event.amountSatoshis);
    }
  }

  /**
   * A hostile transmitter beside `from` sends one message every interval
   * until the flood ends (`sim/stranger.ts` makes them, each from a fresh key):
   * - handshake: act ones, heard in turn by `from` and each of its
   *   neighbours straight off the air (the transmitter is not a node: it
   *   keeps no duty cycle and takes no node's airtime; what the nodes answer
   *   does);
   * - envelope / appointment: routed envelopes to another node drawn at
   *   random, or appointments to the gateway, handed to `from`'s link toward
   *   the next hop, as a compromised `from` would: they take its airtime and
   *   every relay's on the way.
   */
  private async flood(event: Extract<ScenarioEvent, { kind: 'flood' }>): Promise<void> {
    const random = this.random.fork(`flood ${event.from} ${event.flood} ${event.atMs}`);
    const hearers = [event.from, ...(neighboursOf(this.scenario.topology).get(event.from) ?? [])];
    const destinations = [...this.scenario.topology.nodes.filter((name) => name !== event.from), ...(this.scenario.gateway.attachedTo.length > 0 ? [GATEWAY] : [])];
    const endMs = this.scheduler.now() + event.durationMs;
    this.recorder.timelineStart('flood', `${event.flood} at ${event.from}`, this.elapsed());
    let sent = 0;
    const next = () => {
      if (this.scheduler.now() >= endMs) {
        this.recorder.timelineEnd('flood', `${event.flood} at ${event.from}`, this.elapsed());
        return;
      }
      this.floodOnce(event, random, hearers, destinations, sent++);
      this.scheduler.at(this.scheduler.now() + event.intervalMs, 'flood', next);
    };
    next();
  }

  private floodOnce(event: Extract<ScenarioEvent, { kind: 'flood' }>, random: SeededRandom, hearers: readonly string[], destinations: readonly string[], index: number): void {
    this.recorder.count('floodMessages');
    if (event.flood === 'handshake') {
      const hearer = hearers[index % hearers.length]!;
      const neighbour = hearer === event.from ? hearers[1 + (Math.floor(index / hearers.length) % (hearers.length - 1))] : event.from;
      if (neighbour === undefined) return;
      this.medium.hear(hearer, neighbour, strangerActOne(random.bytes, this.idOf(hearer), random.uint32() & 0x7f));
      return;
    }
    const destination = event.flood === 'appointment' ? GATEWAY : destinations[random.uint32() % destinations.length]!;
    const path = this.findRoute(event.from, destination);
    const node = this.nodes.get(event.from)!;
    if (!path || path.length < 2 || !node.mesh || !node.isRunning) return;
    const nextHop = this.idOf(path[1]!);
    const payload = event.flood === 'appointment' ? strangerAppointments(random.bytes) : random.bytes(200);
    const link = node.mesh.links.find((candidate) => candidate.knownPeers().includes(nextHop));
    link?.send(nextHop, strangerEnvelope(random.bytes, this.idOf(destination), payload));
  }

  /** Outages under way: they may overlap, and the gateway is back only when the last one ends. */
  private gatewayOutages = 0;

  /**
   * The gateway stops with the first of overlapping outages and starts again
   * (a new `Gateway` on the same stores) when the last one ends: one gateway
   * at a time, and one span on the timeline.
   */
  private async gatewayOutage(durationMs: number): Promise<void> {
    this.scheduler.log('gateway-outage', `for ${formatDuration(durationMs)}${this.gatewayOutages > 0 ? ', with the gateway already out' : ''}`);
    if (this.gatewayOutages++ === 0) {
      this.medium.nodeDown(GATEWAY);
      await this.gateway!.stop();
      this.disturbances.gatewayDown = true;
      this.recorder.timelineStart('gateway-outage', GATEWAY, this.elapsed());
    }
    this.scheduler.at(this.scheduler.now() + durationMs, 'gateway back', async () => {
      if (--this.gatewayOutages > 0) return;
      this.gateway = this.makeGateway();
      this.medium.nodeUp(GATEWAY);
      await this.gateway.start();
      if (this.towerOutages > 0) await this.gateway.tower.stop(); // the tower's own outage is not over
      this.disturbances.gatewayDown = false;
      this.recorder.count('gatewayRestarts');
      this.scheduler.log('gateway-back', '');
      this.recorder.timelineEnd('gateway-outage', GATEWAY, this.elapsed());
    });
  }

  /** Tower outages under way: the tower watches again when the last ends (also on a gateway that came back meanwhile). */
  private towerOutages = 0;

  private async towerOutage(durationMs: number): Promise<void> {
    this.scheduler.log('tower-outage', `for ${formatDuration(durationMs)}`);
    if (this.towerOutages++ === 0) {
      await this.gateway?.tower.stop();
      this.recorder.timelineStart('tower-outage', 'tower', this.elapsed());
    }
    this.scheduler.at(this.scheduler.now() + durationMs, 'tower back', async () => {
      if (--this.towerOutages > 0) return;
      if (this.gatewayOutages === 0) await this.gateway?.tower.start();
      this.scheduler.log('tower-back', '');
      this.recorder.timelineEnd('tower-outage', 'tower', this.elapsed());
    });
  }

  /** `by` broadcasts its latest commitment with `counterparty`; both resolve the rest on chain. */
  private forceClose(by: string, counterparty: string): void {
    const node = this.nodes.get(by)!;
    const channel = node.mesh?.manager.channelSummaries().find((summary) => summary.peer === this.idOf(counterparty) && summary.status !== 'negotiating');
    if (!node.isRunning || !channel || channel.status === 'closed' || channel.status === 'force_closed') {
      this.recorder.count('forceClosesNotMade');
      this.scheduler.log('force-close-not-made', `${by} ${counterparty}: ${!node.isRunning ? `${by} is offline` : channel ? `the channel is ${channel.status}` : 'no channel'}`);
      return;
    }
    node.mesh!.manager.forceClose(channel.peer, channel.handle, 'the scenario asked');
    this.recorder.timelineInstant('force-close', `${by} closes with ${counterparty}`, this.elapsed());
  }

  /** The cheater broadcasts its first state of the channel with the victim, revoked since if they paid. */
  private async breach(cheater: string, victim: string): Promise<void> {
    const now = this.elapsed();
    const backup = this.cheatBackups.get(cheatKey(cheater, victim));
    const victimNode = this.nodes.get(victim)!;
    const current = victimNode.mesh?.manager.balances().find((channel) => channel.peer === this.idOf(cheater));
    if (!backup || !current) {
      this.recorder.count('breachesNotMade');
      this.scheduler.log('breach-not-made', `${cheater} ${victim}: the channel never opened`);
      return;
    }
    const cheat = new ChannelManager(
      { signer: this.signers.get(cheater)!, persister: backup, messenger: { send: () => undefined }, wallet: this.wallets.get(cheater)!, broadcaster: { broadcast: () => undefined } },
      { network: 3 },
    );
    const handle = cheat.balances().find((channel) => channel.peer === this.idOf(victim))?.handle;
    if (handle === undefined) return void this.recorder.count('breachesNotMade');
    const tx = cheat.forceCloseTransaction(this.idOf(victim), handle);
    const cheaterState = cheat.balances().find((channel) => channel.handle === handle && channel.peer === this.idOf(victim))!;
    const result = await this.chain.tracked.broadcast(tx);
    this.scheduler.log('breach', `${cheater} ${victim} ${result.accepted ? 'accepted' : `refused: ${result.reason}`}`);
    if (!result.accepted) return void this.recorder.count('breachesRefused');
    this.recorder.count('breaches');
    this.recorder.timelineInstant('breach', `${cheater} cheats ${victim}`, now);
    const victimPolicy = channelPolicy({ offlineHorizonBlocks: this.scenario.nodes[victim]!.offlineHorizonBlocks });
    this.breaches.add({
      cheater,
      victim,
      tx,
      txid: tx.getId(),
      atMs: now,
      toSelfDelay: delaysFor(victimPolicy).toSelfDelay,
      victimDueSat: Math.floor(current.localMsat / 1000),
      victimScript: this.wallets.get(victim)!.script,
      ...(cheaterState.localMsat === 0 && cheaterState.pendingHtlcs === 0 && { nothingToTake: true }),
    });
  }

  // ---- blocks, samples and invariants --------------------------------------------------------

  /** The chain's height after the last block (kept here: the nodes' events are handled synchronously). */
  private tipHeight = 0;

  private async afterBlock(): Promise<void> {
    this.recorder.count('blocks');
    this.tipHeight = (await this.chain.chain.tip()).height;
    for (const { breach, kind } of await this.breaches.update()) {
      if (kind === 'confirmed') {
        this.scheduler.log('breach-confirmed', `${breach.cheater} ${breach.victim} at ${breach.confirmedHeight}`);
        continue;
      }
      // Credited to whoever broadcast the justice that confirmed: the tower, or the victim's own node.
      const label = breach.punishedBy === 'tower' ? `tower punishes ${breach.cheater} for ${breach.victim}` : `${breach.victim} punishes ${breach.cheater}`;
      this.recorder.timelineInstant('justice', label, this.elapsed());
      this.scheduler.log('justice-confirmed', `${breach.cheater} ${breach.victim} at ${breach.punishedHeight}, broadcast by the ${breach.punishedBy}`);
      const blocksLeft = breach.confirmedHeight! + breach.toSelfDelay - breach.punishedHeight!;
      this.recorder.setFigure('justiceBlocksBeforeDeadline', blocksLeft);
      if (blocksLeft <= 0) this.violation('breachesPunished', `breach ${breach.txid}`, `the justice for ${breach.cheater}'s breach of ${breach.victim} confirmed at height ${breach.punishedHeight}, after the CSV delay ran out at ${breach.confirmedHeight! + breach.toSelfDelay}`);
      this.recorder.setFigure(`recoveredSat.${breach.victim}`, breach.recoveredSat!);
      if (breach.recoveredSat! < breach.victimDueSat) {
        this.violation('noFundsLost', `breach ${breach.txid}`, `${breach.victim} got back ${breach.recoveredSat} sat from ${breach.cheater}'s breach, less than the ${breach.victimDueSat} sat it held in the channel`);
      }
    }
  }

  private scheduleSamples(untilMs: number): void {
    const interval = this.options.sampleIntervalMs ?? this.scenario.chain.blockIntervalMs;
    const tick = () => {
      // The next one first: a sample that throws (logged as an error) must not end the checks.
      if (this.scheduler.now() + interval <= untilMs) this.scheduler.at(this.scheduler.now() + interval, 'sample', tick);
      this.sample();
    };
    this.scheduler.at(SIM_EPOCH_MS + interval, 'sample', tick);
  }

  private sample(): void {
    const now = this.elapsed();
    for (const [name, node] of this.nodes) {
      this.recorder.sampleOutboxDepth(name, now, node.outboxDepth());
      const duty = this.medium.nodeStats(name).dutyCycle;
      if (duty) this.recorder.sampleAirtime(name, duty.usedMs, duty.budgetMs);
    }
    for (const channel of this.scenario.channels) {
      const view = this.channelView(channel.funder, channel.fundee);
      if (view) this.recorder.sampleBalance(`${channel.funder}–${channel.fundee}`, now, view.localMsat, view.remoteMsat);
    }
    this.checkBalances();
    this.appointmentsPendingPeak = Math.max(this.appointmentsPendingPeak, this.appointmentsPending());
    this.recorder.setFigure('appointmentsPendingPeak', this.appointmentsPendingPeak);
  }

  private appointmentsPendingPeak = 0;

  /** `node`'s view of its channel with `peer`, while it is open. */
  private channelView(node: string, peer: string) {
    if (!this.openChannels.get(node)?.has(peer)) return undefined;
    const peerId = this.idOf(peer);
    return this.nodes.get(node)!.mesh?.manager.balances().find((channel) => channel.peer === peerId);
  }

  /**
   * On every node with no HTLC in flight: its open channels hold what the
   * book says (less is money lost, more is money made up); on every open
   * channel both sides quiet: the two views agree and add up to the capacity.
   */
  private checkBalances(): void {
    for (const [name, node] of this.nodes) {
      const all = node.mesh!.manager.balances();
      const balances = [...this.openChannels.get(name)!].map((peer) => all.find((channel) => channel.peer === this.idOf(peer)));
      if (balances.some((balance) => balance === undefined || balance.pendingHtlcs > 0)) continue;
      const holding = balances.reduce((sum, balance) => sum + balance!.localMsat, 0);
      const expected = this.book.expectedMsat(name);
      if (holding < expected) this.violation('noFundsLost', `holding ${name}`, `${name} holds ${holding} msat in its open channels, ${expected - holding} msat less than it was paid and paid out`);
      if (holding > expected) this.violation('balanceConserved', `holding ${name}`, `${name} holds ${holding} msat in its open channels, ${holding - expected} msat more than it was paid and paid out`);
    }
    for (const channel of this.scenario.channels) {
      const funderView = this.channelView(channel.funder, channel.fundee);
      const fundeeView = this.channelView(channel.fundee, channel.funder);
      if (!funderView || !fundeeView || funderView.pendingHtlcs > 0 || fundeeView.pendingHtlcs > 0) continue;
      const capacityMsat = channel.capacitySatoshis * 1000;
      if (funderView.localMsat + funderView.remoteMsat !== capacityMsat || funderView.localMsat !== fundeeView.remoteMsat || funderView.remoteMsat !== fundeeView.localMsat) {
        this.violation(
          'balanceConserved',
          `channel ${channel.funder} ${channel.fundee}`,
          `the channel ${channel.funder}–${channel.fundee} of ${capacityMsat} msat: ${channel.funder} sees ${funderView.localMsat}/${funderView.remoteMsat}, ${channel.fundee} sees ${fundeeView.localMsat}/${fundeeView.remoteMsat} (local/remote msat)`,
        );
      }
    }
  }

  private async finalChecks(): Promise<void> {
    this.sample();
    const whole = this.disturbances.partition === undefined && this.disturbances.linksDown.size === 0 && this.disturbances.offline.size === 0 && !this.disturbances.gatewayDown;
    const pending = this.book.pendingPayments();
    this.recorder.setFigure('paymentsPendingAtEnd', pending.length);
    // How long the oldest had been in flight: a few minutes is a run cut short, hours a payment stuck.
    if (pending.length > 0) this.recorder.setFigure('oldestPendingAgeAtEndMs', this.elapsed() - pending.reduce((oldest, payment) => Math.min(oldest, payment.startMs), Infinity));
    if (whole) {
      for (const payment of pending.slice(0, 20)) {
        this.violation('paymentsEnd', `payment ${payment.from} ${payment.to} ${payment.startMs}`, `${payment.from} → ${payment.to} (${payment.amountMsat} msat), sent at ${formatDuration(payment.startMs)}, had not ended ${formatDuration(this.elapsed() - payment.startMs)} later with the mesh whole`);
      }
    }
    for (const breach of this.breaches.all()) {
      if (breach.punishedHeight !== undefined) continue;
      if (breach.confirmedHeight === undefined) {
        this.recorder.count('breachesNeverConfirmed');
        continue;
      }
      if (breach.nothingToTake) {
        // The cheater had nothing on that state: no justice exists for it; the victim sweeps its balance (closesResolved checks that).
        this.recorder.count('breachesWithNothingToTake');
        continue;
      }
      this.violation('breachesPunished', `breach ${breach.txid}`, `${breach.cheater}'s breach of ${breach.victim} (height ${breach.confirmedHeight}) was not punished by the end of the run; its CSV delay runs out at ${breach.confirmedHeight + breach.toSelfDelay}`);
    }
    await this.checkCloses();
    await this.checkValue();
    await this.checkLightning(whole);
    const stats = this.medium.stats();
    let bytesOnAir = 0;
    let airtimeMs = 0;
    for (const node of Object.values(stats)) {
      bytesOnAir += node.bytesSent;
      airtimeMs += node.airtimeMs;
    }
    this.recorder.setFigure('bytesSent', bytesOnAir);
    this.recorder.setFigure('airtimeMs', airtimeMs);
    // Meshtastic links of several hops: what their relays (radios of the mesh, no lnmesh node) spent on the air too.
    const relayed = this.medium.links().filter((link) => link.relays.length > 0);
    if (relayed.length > 0) {
      this.recorder.setFigure('relayAirtimeMs', relayed.reduce((sum, link) => sum + link.relayAirtimeMs, 0));
      this.recorder.setFigure('relayFramesRefused', relayed.reduce((sum, link) => sum + link.relayFramesRefused, 0));
    }
    this.recorder.setFigure('nodes', this.nodes.size);
    // Events whose code threw (the scheduler logs them and goes on): a run with any deserves a look at its log.
    this.recorder.setFigure('eventErrors', this.scheduler.counters.errors);
    this.recorder.setFigure('channels', this.scenario.channels.length);
    this.countChannelsNeverOpened();
    // Zero included: the summary then says that every payment asked could at least be tried.
    this.recorder.count('paymentsImpossible', 0);
    const { height } = await this.chain.chain.tip();
    this.recorder.setFigure('chainHeight', height);
    this.recorder.setFigure('towerResponses', this.gateway?.tower.responses().length ?? 0);
    this.recorder.setFigure('appointmentsPendingAtEnd', this.appointmentsPending());
  }

  /**
   * Every channel closed on chain, on every node still running: the
   * commitment confirmed, and each claim of ours confirmed, void (the
   * counterparty took that output by right: a preimage, a justice), or
   * still locked by its delay at the end (counted, and logged one by one).
   * A claim whose locks passed a while ago and is not confirmed is a
   * violation: money left on chain.
   */
  private async checkCloses(): Promise<void> {
    const { height } = await this.chain.chain.tip();
    let locked = 0;
    for (const [name, node] of this.nodes) {
      if (!node.isRunning) continue;
      for (const channel of node.mesh!.manager.channelSummaries()) {
        const onchain = channel.onchain;
        if (!onchain || onchain.kind === 'cooperative') continue;
        const peer = this.nameOfId.get(channel.peer) ?? channel.peer;
        if (onchain.confirmedAt === undefined) {
          this.violation('closesResolved', `close ${name} ${peer}`, `${name}'s channel with ${peer} went on chain (${onchain.kind}) and its commitment ${onchain.commitmentTxid} never confirmed`);
          continue;
        }
        for (const claim of onchain.claims) {
          if (claim.state === 'confirmed' || claim.state === 'void') continue;
          if (claim.unlocksAt === undefined || claim.unlocksAt > height - CLAIM_GRACE_BLOCKS) {
            locked++;
            this.scheduler.log('claim-locked', `${name} ${peer}: ${claim.description} ${claim.satoshis} sat ${claim.unlocksAt === undefined ? 'after its parent' : `unlocks at ${claim.unlocksAt}`}`);
            continue;
          }
          this.violation('closesResolved', `claim ${name} ${claim.txid}`, `${name}'s ${claim.description} on its channel with ${peer} (${claim.satoshis} sat) could confirm from height ${claim.unlocksAt} and had not by ${height} (${claim.state})`);
        }
      }
    }
    this.recorder.setFigure('claimsLockedAtEnd', locked);
  }

  /**
   * The whole economy from the chain's own view (sim/value-ledger.ts): what
   * entered (the wallets' coins) is held now by the wallets, the channels,
   * the claims not yet swept and the anchors, or went to the miners as fees;
   * every holder's own account of what it holds agrees with the chain.
   */
  private async checkValue(): Promise<void> {
    const channels: ChannelView[] = [];
    const claims: ClaimView[] = [];
    const remedies: { node: string; labels: Map<string, string>; all: Map<string, RecordOf['remedy']> }[] = [];
    for (const [name, node] of this.nodes) remedies.push({ node: name, labels: this.channelViews(name, node.persister, channels, claims), all: node.persister.getAll('remedy') });
    // The gateway's end of its mesh channels (with the Lightning side): its record must agree with the chain too.
    if (this.scenario.gateway.lightning) this.channelViews(GATEWAY, this.gatewayChannels, channels, []);
    const holders: Holders = {
      wallets: new Map([...this.wallets].map(([name, wallet]) => [Buffer.from(wallet.script).toString('hex'), name])),
      walletCoins: new Map([...this.wallets].map(([name, wallet]) => [name, wallet.coinList()])),
      channels,
      claims,
      running: new Set([...this.nodes].filter(([, node]) => node.isRunning).map(([name]) => name)),
    };
    const trace = await traceEconomy(this.chain.entered, await this.chain.transactionsSinceFunding(), new Set(channels.map((view) => view.funding)), async (outpoint) => {
      const [txid, vout] = outpoint.split(':');
      const tx = await this.chain.chain.transaction(txid!);
      return Number(tx?.outs[Number(vout)]?.value ?? 0);
    });
    // The justice transactions a node holds for a revoked commitment that reached the chain: its claims on that breach's outputs.
    for (const { node, labels, all } of remedies) {
      for (const [id, { channel, justice = [], unsigned }] of all) {
        const txid = Buffer.from(id, 'hex').reverse().toString('hex');
        if (!trace.transactions.has(txid)) continue;
        // A remedy kept unsigned: the same transactions without their witnesses (the ledger reads what they spend and pay).
        const transactions = [...justice.map((raw) => Transaction.fromBuffer(Buffer.from(raw))), ...(unsigned ? unsignedJusticeTransactions(decodeUnsignedJustice(unsigned, txid)) : [])];
        for (const tx of transactions) claims.push({ node, label: labels.get(channel) ?? channel, description: 'justice', tx, broadcast: false });
      }
    }
    const ledger: Ledger = assessLedger(trace, holders);
    this.recorder.setFigure('valueEnteredSat', ledger.enteredSat);
    this.recorder.setFigure('valueInWalletsSat', ledger.walletsSat);
    this.recorder.setFigure('valueInChannelsSat', ledger.channelsSat);
    this.recorder.setFigure('valueInClaimsSat', ledger.claimsSat);
    this.recorder.setFigure('valueInAnchorsSat', ledger.anchorsSat);
    this.recorder.setFigure('valueAwaitingSat', ledger.awaitingSat);
    this.recorder.setFigure('valueFeesSat', ledger.feesSat);
    this.recorder.setFigure('valueUnheldSat', ledger.unheldSat);
    for (const finding of ledger.findings) this.violation('valueConserved', finding.subject, finding.detail);
  }

  /** `name`'s channels as its store holds them, into `channels`, and its claims not yet confirmed into `claims`; returns their labels by channel id. */
  private channelViews(name: string, persister: MemoryPersister, channels: ChannelView[], claims: ClaimView[]): Map<string, string> {
    const labels = new Map<string, string>();
    for (const [id, { meta, state }] of persister.loadChannels()) {
      const peer = meta ? (this.nameOfId.get(meta.peer) ?? meta.peer) : '?';
      const label = state.localIsFunder ? `${name}–${peer}` : `${peer}–${name}`;
      labels.set(id, label);
      const spec = state.localCommit.spec;
      channels.push({
        node: name,
        label,
        funding: outpointKey(state.fundingOutpoint.txid, state.fundingOutpoint.vout),
        fundingSatoshis: state.fundingSatoshis,
        totalMsat: spec.toLocalMsat + spec.toRemoteMsat + spec.htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0),
        closeSeen: meta?.onchain !== undefined || meta?.shutdown?.closed === true,
      });
      const pending = (claim: PendingClaim | undefined): void => {
        if (!claim) return;
        if (claim.confirmedAt === undefined && !claim.conflicted) claims.push({ node: name, label, description: claim.description, tx: Transaction.fromBuffer(Buffer.from(claim.transaction)), broadcast: claim.broadcast === true });
        pending(claim.then);
      };
      for (const claim of meta?.onchain?.claims ?? []) pending(claim);
    }
    return labels;
  }

  /** The bridge's payments against both sides (bridge-run.ts): ended, and nothing lost on either. */
  private async checkLightning(whole: boolean): Promise<void> {
    if (!this.lightning || !this.bridgeRun) return;
    const manager = this.gateway?.manager;
    const open = manager?.channelSummaries().filter((channel) => channel.status === 'open') ?? [];
    const gatewayMesh = manager && {
      localMsat: manager.balances().filter((balance) => open.some((channel) => channel.handle === balance.handle && channel.peer === balance.peer)).reduce((sum, balance) => sum + balance.localMsat, 0),
      startMsat: open.length * this.scenario.gateway.lightning!.meshChannels[0]!.pushSatoshis * 1000,
    };
    await checkBridge(this.bridgeRun, this.lightning, gatewayMesh, whole, { violation: (invariant, subject, detail) => this.violation(invariant, subject, detail), figure: (name, value) => this.recorder.setFigure(name, value) });
  }

  /** The scenario's channels that neither side ever saw open: the figures of a run with any say less than they seem to. */
  private countChannelsNeverOpened(): void {
    const never = this.scenario.channels.filter((channel) => !this.channelsEverOpened.has(pairKey(channel.funder, channel.fundee)));
    for (const channel of never) this.scheduler.log('channel-never-opened', `${channel.funder} ${channel.fundee}`);
    this.recorder.setFigure('channelsNeverOpened', never.length);
  }

  /** Appointments the nodes hold that the tower has not receipted yet. */
  private appointmentsPending(): number {
    let pending = 0;
    for (const node of this.nodes.values()) pending += node.mesh?.manager.pendingAppointments().length ?? 0;
    return pending;
  }

  /** Records a violation once per subject (a node's holding, a channel, a breach): a checked state that stays wrong is one finding. */
  private violation(invariant: Invariant, subject: string, detail: string): void {
    const key = `${invariant} ${subject}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.scheduler.log('violation', `${invariant}: ${detail}`);
    this.recorder.violation(invariant, this.elapsed(), detail);
  }

  // ---- time and progress ---------------------------------------------------------------------

  private elapsed(): number {
    return this.scheduler.now() - SIM_EPOCH_MS;
  }

  private progress(phase: RunProgress['phase']): void {
    this.options.onProgress?.({
      phase,
      virtualMs: this.elapsed(),
      durationMs: this.durationMs,
      events: this.scheduler.counters.eventsRun,
      paymentsSettled: this.book.settledCount,
      paymentsPending: this.book.pending,
    });
  }
}
