/**
 * A node standing for the rest of the Lightning Network, beside a regtest
 * gateway daemon: LDK in the test's process, with its own keys and data
 * directory, following the gateway's embedded chain over the Bitcoin Core
 * JSON-RPC the gateway serves on loopback (`chain: { rpc: { port, password } }`),
 * as a node on Bitcoin Core would.
 */
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { CoreRpcChain } from '../../../gateway/chain/core-rpc-chain.js';
import { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import type { LightningEvent } from '../../../gateway/lightning/lightning-events.js';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { RegtestCoinbaseWallet } from '../../../gateway/wallet/regtest-coinbase-wallet.js';

export const RPC_PASSWORD = 'lnmesh-test-rpc';

/** The gateway config line that serves its chain over JSON-RPC on `rpcPort`. */
export function chainRpcLine(rpcPort: number): string {
  return `chain: { backend: embedded, rpc: { port: ${rpcPort}, password: ${RPC_PASSWORD} } }`;
}

/** A port free now: bcoin's HTTP server takes its port from the config, so the test chooses one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The outside node: LDK on the gateway's chain over its JSON-RPC, listening on a free port. Another `seed` makes another node. */
export async function startOutsideNode(t: Test, rpcPort: number, seed = 7) {
  const chain = new CoreRpcChain({ url: `http://127.0.0.1:${rpcPort}/`, credentials: { user: 'outside', password: RPC_PASSWORD }, pollIntervalMs: 200 });
  await chain.open();
  t.teardown(() => chain.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-outside-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await LightningNode.create(
    { chain, wallet: new RegtestCoinbaseWallet([]), feeEstimator: new ObservedFeerates(), broadcaster: { broadcast: (tx) => void chain.broadcast(tx) } },
    { seed: new Uint8Array(32).fill(seed), network: 'regtest', dataDir, listen: { host: '127.0.0.1', port: 0 } },
  );
  t.teardown(() => node.stop());
  const events: LightningEvent[] = [];
  node.on('event', (event) => events.push(event));
  return { node, chain, events, port: await node.listen() };
}

export type OutsideNode = Awaited<ReturnType<typeof startOutsideNode>>;
