/**
 * Justice for revoked commitments, and the watchtower's queue: when the
 * peer revokes a commitment, the node keeps the justice for it (unsigned,
 * to sign and broadcast itself if it reaches the chain, `remedy` records)
 * and queues an appointment (its kit signed) for the
 * gateway's tower (`appointment` records) until the tower's receipt; none for channels
 * with the tower's own operator (`appointmentsFor`): its tower would watch for itself.
 * Both are written in the step that handles the revocation, before the
 * state that follows it: no crash leaves a revoked commitment without its
 * remedy.
 *
 * An appointment is a compact kit (`appointment.ts`) with the channel's
 * record (`tower-channel.ts`) beside it: the uplink sends the record once
 * per tag, the kit for every state. The tower derives the kit's keys from
 * the record's basepoints as `remoteCommitment` did; they are not derived
 * again here to compare (three point multiplications a revocation): the
 * tests do, over real payments.
 */
import { bytesToHex } from '../core/hex.js';
import type { RemoteCommit } from '../commitment/state.js';
import { fundingScript } from '../bolt3/scripts.js';
import { type Appointment, type JusticeData, createAppointment } from '../gateway-protocol/appointment.js';
import { type TowerChannelParams, sealChannelRecord } from '../gateway-protocol/tower-channel.js';
import type { Persister } from '../persist/persister.js';
import type { ChannelSigner } from '../keys/signer.js';
import { encodeUnsignedJustice } from './remedy-record.js';
import { type BuiltRemoteCommitment, type RevokedRemedy, anyJusticeWorthIt, justiceKit, revokedRemedy, signedJustice, toLocalJustice } from './remedy.js';
import type { WatchedChannel } from './channel-monitor.js';
import { towerTagOf } from './tower-tag.js';

/** An appointment with the per-channel tag the tower files it under, and the channel's record (`tower-channel.ts`) when its blob needs it. */
export type TaggedAppointment = Appointment & { readonly tag: Uint8Array; readonly channel?: Uint8Array };

/** A revoked commitment's appointment, for the gateway's watchtower. */
export type TowerEvent = { readonly type: 'appointment'; readonly peer: string; readonly handle: number; readonly appointment: TaggedAppointment };

/** A channel as the queue sees it. */
export interface TowerChannel {
  readonly peer: string;
  readonly handle: number;
  readonly channel: WatchedChannel;
}

export class TowerQueue {
  /** Each channel's record, by tag and sweep script: the same for every state, sealed once (about 45 µs each). */
  private readonly records = new Map<string, Uint8Array>();
  /** The appointments waiting for the tower's receipt, by locator (hex), once read (`waitingAppointments`). */
  private waiting: Map<string, TaggedAppointment> | undefined;

  constructor(
    private readonly persister: Pick<Persister, 'put' | 'remove' | 'getAll'>,
    private readonly report: (event: TowerEvent) => void,
    /** Whether channels with `peer` get appointments (the justice is kept for every channel). */
    private readonly appointmentsFor: (peer: string) => boolean = () => true,
  ) {}

  /**
   * Keeps the justice for a commitment the peer just revoked, unsigned
   * (`remedy`: signed if it ever reaches the chain, node/monitor/remedy.ts),
   * and writes the tower's appointment (`appointment`), whose kit is signed
   * now; returns the revoked commitment's txid (internal order, hex), or
   * undefined when the revoked state leaves nothing worth taking.
   */
  justiceFor(subject: TowerChannel, revoked: RemoteCommit, secret: Uint8Array, sweepScript: Uint8Array, feeratePerKw: number, built?: BuiltRemoteCommitment): string | undefined {
    const { state, signer } = subject.channel;
    const remedy = revokedRemedy(state, revoked, secret, sweepScript, feeratePerKw, built);
    const breachTxid = bytesToHex(remedy.breachTxHash);
    const toLocal = toLocalJustice(remedy.justice);
    const worthIt = anyJusticeWorthIt(remedy.justice, toLocal?.tx);
    if (worthIt) this.persister.put('remedy', breachTxid, { channel: remedyOwner(subject), unsigned: encodeUnsignedJustice(remedy.justice) });
    if (this.appointmentsFor(subject.peer)) {
      const data = towerData(signer, remedy, toLocal, revoked.perCommitmentPoint);
      if (data) {
        // Repeating this after a crash writes the same appointment under the same locator.
        const tag = towerTag(subject);
        const appointment = { ...createAppointment(remedy.breachTxHash, data), tag, channel: this.recordOf(subject, tag, sweepScript) };
        const id = bytesToHex(appointment.locator);
        this.persister.put('appointment', id, appointment);
        this.waiting?.set(id, appointment);
        this.report({ type: 'appointment', peer: subject.peer, handle: subject.handle, appointment });
      }
    }
    return worthIt ? breachTxid : undefined;
  }

  private recordOf(subject: TowerChannel, tag: Uint8Array, sweepScript: Uint8Array): Uint8Array {
    const key = `${bytesToHex(tag)}/${bytesToHex(sweepScript)}`;
    let record = this.records.get(key);
    if (!record) this.records.set(key, (record = channelRecord(subject, sweepScript)));
    return record;
  }

  /** Appointments not yet confirmed by the tower, oldest first: what to send when a path to the gateway exists. */
  pending(): TaggedAppointment[] {
    return [...this.waitingAppointments().values()].map((appointment) => ({ ...appointment }));
  }

  /** The tower signed a receipt for this appointment: it leaves the queue. */
  delivered(locator: Uint8Array): void {
    const id = bytesToHex(locator);
    this.persister.remove('appointment', id);
    this.waiting?.delete(id);
  }

  /**
   * The `appointment` records, read once and then kept in step with them
   * (this queue is their only writer): the uplink asks for them at every
   * round and every new appointment, and reading them all back each time
   * grew with the queue while the gateway was out of reach.
   */
  private waitingAppointments(): Map<string, TaggedAppointment> {
    this.waiting ??= new Map(
      [...this.persister.getAll('appointment')].map(([id, { channel, ...appointment }]) => [id, { ...appointment, tag: appointment.tag ?? new Uint8Array(0), ...(channel && { channel }) }]),
    );
    return this.waiting;
  }
}

/**
 * What the tower gets for a revoked commitment: the compact kit (the
 * justice taking `to_local` alone, which the tower rebuilds), or else the
 * whole justice transaction signed (no `to_local` worth taking: the tower
 * cannot build the HTLC outputs' scripts), or nothing.
 */
function towerData(signer: ChannelSigner, remedy: RevokedRemedy, toLocal: ReturnType<typeof toLocalJustice>, perCommitmentPoint: Uint8Array): JusticeData | undefined {
  const kit = justiceKit(signer, remedy, toLocal);
  if (kit) return { kind: 'compact', perCommitmentPoint, feeratePerKw: kit.feeratePerKw, signature: kit.signature };
  const whole = signedJustice(signer, remedy.justice, remedy.justice.revokedOutputs);
  return whole && { kind: 'transaction', transaction: whole.toBuffer() };
}

/** What a `remedy` record names its channel by. */
export function remedyOwner(subject: { readonly peer: string; readonly handle: number }): string {
  return `${subject.peer}/${subject.handle}`;
}

/**
 * The tag the tower keeps a channel's appointments under (see tower-tag.ts).
 * From the channel's state: deriving it again from the seed (BIP 32, six
 * derivations) on every poll was most of a node's CPU.
 */
export function towerTag(subject: TowerChannel): Uint8Array {
  return towerTagOf(subject.channel.state.local.publicKeys.fundingPubkey);
}

/**
 * The channel's record for the tower (`tower-channel.ts`): the basepoints
 * that `remoteCommitment` derives their commitment's keys from (our
 * revocation basepoint, their delayed payment basepoint), the delay we
 * imposed on them and where justice pays, as `justiceKit` has them.
 */
function channelRecord(subject: TowerChannel, sweepScript: Uint8Array): Uint8Array {
  const { local, remote } = subject.channel.state;
  const params: TowerChannelParams = {
    revocationBasepoint: local.publicKeys.revocationBasepoint,
    delayedPaymentBasepoint: remote.publicKeys.delayedPaymentBasepoint,
    toSelfDelay: local.toSelfDelay,
    destinationScript: sweepScript,
  };
  return sealChannelRecord(fundingScript(local.publicKeys.fundingPubkey, remote.publicKeys.fundingPubkey), params);
}
