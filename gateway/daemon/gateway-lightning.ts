/**
 * The gateway daemon's Lightning side, when its config has a `lightning:`
 * section: the on-chain wallet (bcoin's beside the embedded chain, in
 * `<dataDir>/wallet`; Core's over RPC with Core), then the LDK node
 * (gateway/lightning/) in `<dataDir>/lightning`, following the gateway's
 * chain, broadcasting through it, with the backend's fee estimates, and
 * listening for peers. Opened after the chain and closed before it (the
 * daemon host closes what it opened last first): the node, then the
 * fee estimates, then the wallet.
 *
 * Both seeds come from the gateway's key secret (HMAC-SHA256, each under its
 * own label, as the mesh channels' seed in gateway/channels/gateway-signer.ts):
 * backing up the gateway's key is enough to restore its wallet's keys and
 * its Lightning node's.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { Logger as ComponentLogger } from '../../node/core/logger.js';
import { type Logger, componentLogger } from '../../node/daemon/logger.js';
import type { DaemonHost } from '../../node/daemon/daemon-host.js';
import type { ChainSource } from '../chain/chain-source.js';
import { EmbeddedChain } from '../chain/embedded-chain.js';
import { LightningNode } from '../lightning/lightning-node.js';
import type { LightningEvent } from '../lightning/lightning-events.js';
import { BcoinWallet } from '../wallet/bcoin-wallet.js';
import { CoreRpcWallet } from '../wallet/core-rpc-wallet.js';
import type { OnChainWallet } from '../wallet/on-chain-wallet.js';
import { ChainFeerates } from './chain-feerates.js';
import type { GatewayDaemonConfig } from './gateway-config.js';
import type { LightningSection } from './lightning-section.js';
import { IssuedInvoices } from './issued-invoices.js';

const LIGHTNING_SEED_DOMAIN = new TextEncoder().encode('lnmesh gateway lightning');
const WALLET_SEED_DOMAIN = new TextEncoder().encode('lnmesh gateway on-chain wallet');

/** LDK's seed (its node key and every channel key), from the gateway's key secret. */
export function lightningSeed(secret: Uint8Array): Uint8Array {
  return hmac(sha256, secret, LIGHTNING_SEED_DOMAIN);
}

/** The on-chain wallet's BIP 32 seed (bcoin's wallet), from the gateway's key secret. */
export function walletSeed(secret: Uint8Array): Uint8Array {
  return hmac(sha256, secret, WALLET_SEED_DOMAIN);
}

/** What the rest of the daemon sees of its Lightning side (the control verbs, and the bridge). */
export interface GatewayLightning {
  readonly node: LightningNode;
  readonly wallet: OnChainWallet;
  /** Where the node accepts peers: the configured host and the port bound. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The section as configured (the bridge's fee and deadlines). */
  readonly settings: LightningSection;
  readonly feerates: ChainFeerates;
  /** The invoices `lnmesh ln invoice` issued, and which were paid. */
  readonly invoices: IssuedInvoices;
}

/** Something that failed to start, named: the daemon's start fails with which part it was. */
export class LightningStartError extends Error {
  override name = 'LightningStartError';
}

/** Opens the wallet and starts the node on the open `chain`; the host closes both (node first). */
export async function startLightning(config: GatewayDaemonConfig, settings: LightningSection, secret: Uint8Array, chain: ChainSource, host: DaemonHost, logger: Logger): Promise<GatewayLightning> {
  const wallet = await step('open the on-chain wallet', () => openWallet(config, secret, chain, host, componentLogger(logger, 'wallet')));
  const feerates = host.open(new ChainFeerates(chain, componentLogger(logger, 'fees')));
  await feerates.start();
  const lightningLogger = componentLogger(logger, 'lightning');
  const dataDir = join(config.dataDir, 'lightning');
  mkdirSync(dataDir, { recursive: true });
  const node = await step(`start the Lightning node in ${dataDir}`, () =>
    LightningNode.create(
      { chain, wallet, feeEstimator: feerates, broadcaster: { broadcast: (tx) => broadcast(chain, tx, lightningLogger) }, logger: lightningLogger },
      { seed: lightningSeed(secret), network: config.network, dataDir, listen: settings.listen },
    ),
  );
  host.open({ close: () => node.stop() });
  const invoices = new IssuedInvoices(join(config.dataDir, 'lightning-invoices'));
  node.on('event', (event) => {
    logLightningEvent(logger, event);
    if (event.type === 'payment-claimed') invoices.received(event.paymentHash, event.amountMsat);
  });
  const port = await step(`listen for Lightning peers on ${settings.listen.host}:${settings.listen.port}`, () => node.listen());
  return { node, wallet, listen: { host: settings.listen.host, port }, settings, feerates, invoices };
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new LightningStartError(`lightning: cannot ${what}: ${(error as Error).message}`);
  }
}

/** bcoin's wallet beside the embedded chain, under `<dataDir>/wallet`; Core's named wallet with Core. */
async function openWallet(config: GatewayDaemonConfig, secret: Uint8Array, chain: ChainSource, host: DaemonHost, logger: ComponentLogger): Promise<OnChainWallet> {
  if (config.chain.backend === 'core') {
    const { url, username, password, wallet: name } = config.chain;
    const wallet = new CoreRpcWallet({ url: name === undefined ? url : `${url.replace(/\/+$/, '')}/wallet/${encodeURIComponent(name)}`, credentials: { user: username, password } });
    await wallet.open();
    return host.open(wallet);
  }
  if (!(chain instanceof EmbeddedChain)) throw new Error('the embedded backend has no embedded chain');
  const wallet = new BcoinWallet({ chain, dataDirectory: join(config.dataDir, 'wallet'), seed: walletSeed(secret), logger });
  await wallet.open();
  return host.open(wallet);
}

/** LDK's transactions go to the chain backend; a refusal is logged for the operator (LDK broadcasts again as it needs). */
function broadcast(chain: ChainSource, tx: Transaction, logger: ComponentLogger): void {
  chain.broadcast(tx).then(
    (result) => !result.accepted && logger.log('warn', `transaction ${result.txid} refused by the chain backend: ${result.reason}`),
    (error: Error) => logger.log('warn', `transaction ${tx.getId()} could not reach the chain backend: ${error.message}`),
  );
}

/** Channels and payments in the log: failures as warnings, the rest as info. */
function logLightningEvent(logger: Logger, event: LightningEvent): void {
  // A preimage is the proof of payment: kept out of the log.
  const { type, ...fields } = event.type === 'payment-sent' ? { ...event, preimage: undefined } : event;
  const message = `lightning ${type.replace(/-/g, ' ')}`;
  if (type === 'payment-failed' || type === 'channel-funding-failed') logger.warn(fields, message);
  else logger.info(fields, message);
}
