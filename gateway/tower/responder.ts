/**
 * What the tower does once a transaction's locator matched an appointment:
 * open the blob with the full txid, rebuild or check the justice
 * transaction, write down the response, broadcast, alert the node, and then
 * follow the justice transaction block after block until it is buried,
 * broadcasting it again whenever the chain no longer has it (it was never
 * accepted, or a reorg took it out) while the breach is there to be spent.
 *
 * A compact kit is completed by its channel's record (`tower-channel.ts`),
 * opened with the funding script that the breach's witness reveals; the
 * keys derived, the justice rebuilt and its signature checked.
 *
 * Garbage is recorded, not acted on: a blob that does not decrypt with this
 * breach's txid, a compact kit without a record that opens, a kit whose
 * justice does not fit or whose signature is wrong, or a justice that does
 * not spend (only) the breach, becomes an `invalid` record and nothing is
 * broadcast.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { Clock } from '../../node/core/clock.js';
import { Transaction } from '../../node/bolt3/transaction.js';
import { type SignedBreachAlert, signAlert } from '../../node/gateway-protocol/alert.js';
import { type CompactKit, LOCATOR_LENGTH, justiceFromKit, justiceFromTransaction, kitOfCompact, openAppointment } from '../../node/gateway-protocol/appointment.js';
import { openChannelRecord } from '../../node/gateway-protocol/tower-channel.js';
import type { TowerSigner } from '../../node/gateway-protocol/receipt.js';
import type { BroadcastResult, ChainSource, TransactionStatus } from '../chain/chain-source.js';
import type { AppointmentStore, StoredAppointment } from './appointment-store.js';
import type { ResponseRecord, ResponseStore } from './response-store.js';

export interface ResponderComponents {
  readonly responses: ResponseStore;
  /** Where the channel records of compact kits are. */
  readonly store: Pick<AppointmentStore, 'channelRecords'>;
  readonly chain: ChainSource;
  readonly clock: Clock;
  readonly signer: TowerSigner;
}

export interface ResponderOutputs {
  /** Each new or changed response record. */
  response(record: ResponseRecord): void;
  /** A signed alert for the node; throwing leaves it unsent, to be tried again at the next block. */
  alert(alert: SignedBreachAlert): void;
  warning(message: string): void;
}

/**
 * The justice transaction an appointment gives for this breach, or why there
 * is none. `channelRecords`: the records stored under the appointment's tag.
 */
export function justiceForBreach(breach: Transaction, breachHash: Uint8Array, blob: Uint8Array, channelRecords: readonly Uint8Array[] = []): { justice: Transaction } | { reason: string } {
  let justice: Transaction | undefined;
  try {
    const data = openAppointment(breachHash, blob);
    if (data.kind === 'compact') return justiceFromCompact(breach, breachHash, data, channelRecords);
    justice = data.kind === 'kit' ? justiceFromKit(breach, data) : justiceFromTransaction(breach, data.transaction);
    if (!justice) return { reason: data.kind === 'kit' ? 'the kit does not fit this breach, or its signature is wrong' : 'the justice transaction does not spend the breach' };
  } catch (error) {
    return { reason: `the appointment cannot be used for this breach: ${(error as Error).message}` };
  }
  return spendsOnlyTheBreach(justice, breachHash);
}

/** A compact kit with the first of the tag's records that opens with the breach's funding script. */
function justiceFromCompact(breach: Transaction, breachHash: Uint8Array, compact: CompactKit, channelRecords: readonly Uint8Array[]): { justice: Transaction } | { reason: string } {
  // A commitment spends the funding output: `0 <sig> <sig> <funding script>`.
  const witness = breach.ins.length === 1 ? breach.ins[0]!.witness : [];
  const fundingScript = witness[witness.length - 1];
  if (witness.length !== 4 || !fundingScript) return { reason: 'the breach does not spend a funding output: no channel record can open' };
  for (const record of channelRecords) {
    let channel;
    try {
      channel = openChannelRecord(fundingScript, record);
    } catch {
      continue; // another channel's, or another version's
    }
    const justice = justiceFromKit(breach, kitOfCompact(compact, channel));
    if (justice) return spendsOnlyTheBreach(justice, breachHash);
  }
  return { reason: channelRecords.length === 0 ? 'no channel record for this tag' : 'no channel record of this tag makes a kit that fits this breach with a valid signature' };
}

/** The tower is not a free broadcaster: a justice transaction spends the breach and nothing else. */
function spendsOnlyTheBreach(justice: Transaction, breachHash: Uint8Array): { justice: Transaction } | { reason: string } {
  if (!justice.ins.every((input) => equalBytes(input.hash, breachHash))) return { reason: 'the justice transaction spends outputs other than the breach\'s' };
  return { justice };
}

export class Responder {
  constructor(
    private readonly components: ResponderComponents,
    /** Confirmations after which a justice transaction is final. */
    private readonly buriedDepth: number,
    private readonly outputs: ResponderOutputs,
  ) {}

  /**
   * A transaction matched `appointment`'s locator. A breach already answered
   * for this node (it may be back after a reorg) is left to `trackAll`:
   * returns true when that response is still active.
   */
  async respond(breach: Transaction, breachHash: Uint8Array, appointment: StoredAppointment): Promise<boolean> {
    const breachTxid = Buffer.from(breachHash).reverse().toString('hex');
    const known = this.components.responses.get(breachTxid, appointment.nodeId);
    if (known) return known.state === 'active';
    const verdict = justiceForBreach(breach, breachHash, appointment.blob, this.components.store.channelRecords(appointment.nodeId, appointment.tag));
    const base = { breachTxid, nodeId: appointment.nodeId, detectedAt: this.components.clock.now(), broadcasts: 0, confirmations: 0, alerted: false };
    if ('reason' in verdict) {
      this.save({ ...base, state: 'invalid', reason: verdict.reason });
      return false;
    }
    // On disk before it is broadcast: a restart finds it and carries on.
    const record = this.save({ ...base, state: 'active', justice: verdict.justice.toBuffer(), justiceTxid: verdict.justice.getId() });
    this.sendAlert(await this.broadcast(record));
    return false;
  }

  /** Checks every active response against the chain: at each block, after a reorg, and at start. */
  async trackAll(): Promise<void> {
    for (const record of this.components.responses.active()) await this.track(record);
  }

  /** Where the justice is now, and what to do about it. */
  async track(record: ResponseRecord): Promise<ResponseRecord> {
    let current = record;
    const justice = await this.status(current.justiceTxid!);
    if (justice.state === 'confirmed') {
      if (justice.confirmations >= this.buriedDepth) current = this.save({ ...current, state: 'buried', confirmations: justice.confirmations });
      else if (justice.confirmations !== current.confirmations) current = this.save({ ...current, confirmations: justice.confirmations });
    } else {
      if (current.confirmations !== 0) current = this.save({ ...current, confirmations: 0 });
      if (justice.state === 'unknown') {
        // Nothing to spend until the breach is back (in the mempool or a block).
        const breach = await this.status(current.breachTxid);
        if (breach.state !== 'unknown') {
          current = await this.broadcast(current);
          if (!current.lastBroadcast!.accepted && breach.state === 'confirmed' && breach.confirmations >= this.buriedDepth) {
            current = this.save({ ...current, state: 'abandoned', reason: `the breach is buried and the justice transaction is refused: ${current.lastBroadcast!.reason}` });
          }
        }
      }
    }
    return this.sendAlert(current);
  }

  private async broadcast(record: ResponseRecord): Promise<ResponseRecord> {
    const justice = Transaction.fromBuffer(record.justice!);
    let result: BroadcastResult;
    try {
      result = await this.components.chain.broadcast(justice);
    } catch (error) {
      result = { accepted: false, txid: record.justiceTxid!, reason: `the chain backend failed: ${(error as Error).message}` };
    }
    // Refused because it is already there (another node's appointment gave the same justice): as good as accepted.
    if (!result.accepted && (await this.status(record.justiceTxid!)).state !== 'unknown') result = { accepted: true, txid: result.txid };
    const lastBroadcast = { accepted: result.accepted, at: this.components.clock.now(), ...(result.accepted ? {} : { reason: result.reason }) };
    if (!result.accepted) this.outputs.warning(`the justice ${record.justiceTxid} for breach ${record.breachTxid} was refused: ${result.reason}`);
    return this.save({ ...record, broadcasts: record.broadcasts + 1, lastBroadcast });
  }

  /**
   * Hands the node's signed alert to the listeners, once, and only when the
   * justice is out (accepted by the backend, or confirmed): the alert says
   * the breach was answered.
   */
  private sendAlert(record: ResponseRecord): ResponseRecord {
    if (record.alerted || record.state === 'invalid') return record;
    if (!record.lastBroadcast?.accepted && record.confirmations === 0) return record;
    const breachTxid = Buffer.from(record.breachTxid, 'hex').reverse();
    const alert = signAlert(this.components.signer, Buffer.from(record.nodeId, 'hex'), {
      locator: breachTxid.subarray(0, LOCATOR_LENGTH),
      breachTxid,
      justiceTxid: Buffer.from(record.justiceTxid!, 'hex').reverse(),
    });
    try {
      this.outputs.alert(alert);
    } catch (error) {
      this.outputs.warning(`the alert for ${record.nodeId} (breach ${record.breachTxid}) was not taken, trying again at the next block: ${(error as Error).message}`);
      return record;
    }
    return this.save({ ...record, alerted: true });
  }

  private async status(txid: string): Promise<TransactionStatus> {
    try {
      return await this.components.chain.status(txid);
    } catch (error) {
      this.outputs.warning(`the chain backend could not tell where ${txid} is: ${(error as Error).message}`);
      return { state: 'unknown' };
    }
  }

  private save(record: ResponseRecord): ResponseRecord {
    this.components.responses.put(record);
    this.outputs.response(record);
    return record;
  }
}
