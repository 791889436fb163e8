/**
 * A real breach for the watchtower's tests, on an embedded bcoin regtest
 * chain: Alice opens a channel to Bob funded on chain, pays him 600,000
 * sat, Bob keeps an old backup of his node, pays 400,000 sat back; Alice's
 * manager produced appointments for every commitment Bob revoked. Bob's
 * backup can then broadcast the revoked commitment that gave him 600,000.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { ChainSource } from '../../../gateway/chain/chain-source.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { AppointmentStore, type AppointmentStoreInit } from '../../../gateway/tower/appointment-store.js';
import { ResponseStore } from '../../../gateway/tower/response-store.js';
import { Watchtower, type WatchtowerInit } from '../../../gateway/tower/watchtower.js';
import { buildFundingTransaction } from '../../../node/bolt3/funding.js';
import { addFeeInputs } from '../../../node/bolt3/fee-inputs.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import type { Outpoint, Transaction } from '../../../node/bolt3/transaction.js';
import type { Clock } from '../../../node/core/clock.js';
import type { Logger } from '../../../node/core/logger.js';
import { publicKeyOf, signDigest } from '../../../node/core/curve.js';
import { towerSignerFromSecret } from '../../../node/gateway-protocol/receipt.js';
import type { TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import type { ChannelManager, ChannelManagerInit } from '../../../node/channel/manager.js';
import { type ChannelNetwork, type ChannelNode, createNetwork } from '../../../sim/kit/network.js';

/** The gateway's key in these tests. */
export const gatewaySigner = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 0x7e)));

/** Coinbases of blocks 1 to WALLET_BLOCKS pay this wallet; they are mature once segwit is active. */
const WALLET_BLOCKS = 40;
const walletKey = sha256(Uint8Array.of(0x3b, 0x01));
const walletScript = p2wpkh(publicKeyOf(walletKey));

export interface BreachScenario {
  readonly chain: EmbeddedChain;
  readonly network: ChannelNetwork;
  readonly alice: ChannelNode;
  readonly bob: ChannelNode;
  readonly handle: number;
  readonly fundingOutpoint: Outpoint;
  /** Alice's appointments, with the tag she chose for the channel. */
  readonly appointments: TowerAppointment[];
  readonly tag: Uint8Array;
  /** Bob's revoked commitment from his old backup, fully signed: the breach. */
  readonly breach: Transaction;
  /** Bob's old backup (the manager that signs the breach), and what it broadcasts. */
  readonly backup: ChannelManager;
  readonly backupBroadcast: Transaction[];
  /** Where Alice's justice pays. */
  readonly aliceSweepScript: Uint8Array;
}

/** An open regtest chain with segwit active and a wallet of mature coins. Closed at the test's end. */
export async function openChain(t: Test): Promise<EmbeddedChain> {
  const chain = new EmbeddedChain();
  await chain.open();
  t.teardown(() => chain.close());
  await chain.mine(WALLET_BLOCKS, walletScript);
  await mineToSegwit(chain);
  return chain;
}

/** `init`: the channel managers' options (Alice's justice feerate, for one). */
export async function breachScenario(chain: EmbeddedChain, init: Partial<ChannelManagerInit> = {}): Promise<BreachScenario> {
  let nextCoin = 1;
  const coin = async () => {
    const coinbase = (await chain.blockAt(nextCoin++))!.transactions[0]!;
    return { outpoint: { txid: coinbase.getId(), vout: 0 }, satoshis: Number(coinbase.outs[0]!.value), publicKey: publicKeyOf(walletKey), kind: 'p2wpkh' as const };
  };
  const fundingCoin = await coin();
  const feeCoins = [await coin(), await coin()];
  const sweepScripts = [0, 1].map((i) => p2wpkh(publicKeyOf(sha256(Uint8Array.of(0x5f, i)))));
  const network = createNetwork({
    nodes: 2,
    channels: {
      init,
      wallet: (i) => ({
        fund: ({ localFundingPubkey, remoteFundingPubkey, satoshis, feeratePerKw }) => {
          const built = buildFundingTransaction(
            { inputs: [fundingCoin], fundingSatoshis: satoshis, localFundingPubkey, remoteFundingPubkey, changeScript: walletScript, feeratePerKw },
            (_input, digest) => signDigest(digest, walletKey),
          );
          return { tx: built.tx, outputIndex: built.fundingOutputIndex };
        },
        sweepScript: () => sweepScripts[i]!,
        payFee: (tx, baseWeight, feeratePerKw) => {
          addFeeInputs(tx, { coins: [feeCoins.pop()!], changeScript: walletScript, baseWeight, feeratePerKw }, (_input, digest) => signDigest(digest, walletKey));
        },
      }),
    },
  });
  const [alice, bob] = network.nodes as [ChannelNode, ChannelNode];
  const handle = alice.manager.openChannel(bob.id, 2_000_000, 0);
  network.run();
  const funding = alice.broadcast[0]!;
  const accepted = await chain.broadcast(funding);
  if (!accepted.accepted) throw new Error(`the funding transaction was refused: ${accepted.reason}`);
  await chain.mine(3);
  alice.manager.fundingConfirmed(bob.id, handle, 3);
  bob.manager.fundingConfirmed(alice.id, handle, 3);
  network.run();
  const fundingOutputIndex = funding.outs.findIndex((output) => output.value === 2_000_000n);

  const height = (await chain.tip()).height;
  alice.manager.pay(bob.id, handle, bob.manager.receive(600_000_000, height));
  network.run();
  const backupBroadcast: Transaction[] = [];
  const backup = bob.fork(backupBroadcast);
  bob.manager.pay(alice.id, handle, alice.manager.receive(400_000_000, height));
  network.run();

  const tag = sha256(new TextEncoder().encode(`${bob.id}/${handle}`)).slice(0, 16);
  const appointments = alice.events.flatMap((event) => (event.type === 'appointment' ? [{ ...event.appointment, tag }] : []));
  return {
    chain,
    network,
    alice,
    bob,
    handle,
    fundingOutpoint: { txid: funding.getId(), vout: fundingOutputIndex },
    appointments,
    tag,
    breach: backup.forceCloseTransaction(alice.id, handle),
    backup,
    backupBroadcast,
    aliceSweepScript: sweepScripts[0]!,
  };
}

export interface TowerFixture {
  readonly tower: Watchtower;
  readonly store: AppointmentStore;
  readonly responses: ResponseStore;
  /** Closes the tower and its stores, as a stopping gateway would. */
  close(): Promise<void>;
}

/**
 * A directory removed at the test's end. `inMemory`: on tmpfs (/dev/shm) when
 * there is one, for tests that fill the store in hundreds of commits and
 * would otherwise measure the disk's fsync rather than the tower.
 */
export function tempDir(t: Test, options: { inMemory?: boolean } = {}): string {
  const base = options.inMemory && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'lnmesh-tower-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A watchtower over stores in `dir` (reopened from what is there), not started. */
export function towerIn(dir: string, chain: ChainSource, options: { init?: WatchtowerInit; quota?: AppointmentStoreInit; clock?: Clock; logger?: Logger } = {}): TowerFixture {
  const store = new AppointmentStore(join(dir, 'appointments'), options.quota);
  const responses = new ResponseStore(join(dir, 'responses'));
  const tower = new Watchtower({ store, responses, chain, clock: options.clock ?? new VirtualClock(), signer: gatewaySigner, ...(options.logger && { logger: options.logger }) }, options.init);
  return {
    tower,
    store,
    responses,
    async close() {
      await tower.stop();
      await store.close();
      await responses.close();
    },
  };
}
