/**
 * CoreRpcWallet against a real JSON-RPC server: bcoin's wallet HTTP server
 * on loopback (BcoinWallet's `rpc`), beside the embedded chain. bcoin
 * answers most of Core's wallet calls by the same names; where it answers
 * differently or not at all, the client follows Core and
 * gateway/wallet/bcoin-wallet-rpc.ts gives bcoin Core's behaviour:
 * - getnewaddress "" "bech32": bcoin takes only a label;
 * - getbalances: bcoin has none; getbalance "*" 1: bcoin counts a coin spent
 *   in the mempool as still confirmed;
 * - fundrawtransaction: bcoin misreads a transaction without inputs, ignores
 *   changePosition, and answers "Not enough funds" (-6) for Core's
 *   "Insufficient funds" (-4);
 * - signrawtransactionwithwallet: bcoin has none;
 * - lockunspent's third argument (persistent): bcoin refuses it, and keeps
 *   locks in memory only (so the restart test is BcoinWallet's alone);
 * - a wallet call answers once the wallet has taken in the last block (as
 *   Core's do); bcoin's answer at once.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import t, { type Test } from 'tap';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { mineToSegwit } from '../../../gateway/chain/regtest-coins.js';
import { BcoinWallet } from '../../../gateway/wallet/bcoin-wallet.js';
import { CoreRpcWallet } from '../../../gateway/wallet/core-rpc-wallet.js';
import { behavesAsAnOnChainWallet } from './behaves-as-an-on-chain-wallet.js';

const API_KEY = 'lnmesh-wallet-test-key';

/** A regtest chain past segwit, bcoin's wallet beside it serving Core's wallet calls, and a CoreRpcWallet on that (open). */
async function openServerAndClient(t: Test) {
  const chain = new EmbeddedChain();
  await chain.open();
  await mineToSegwit(chain);
  const server = new BcoinWallet({ chain, rpc: { apiKey: API_KEY } });
  await server.open();
  const wallet = new CoreRpcWallet({ url: server.rpcUrl, credentials: { user: 'lnmesh', password: API_KEY } });
  await wallet.open();
  t.teardown(async () => {
    await wallet.close();
    await server.close();
    await chain.close();
  });
  return { chain, server, wallet };
}

behavesAsAnOnChainWallet(t, 'CoreRpcWallet', async (t) => {
  const { chain, wallet } = await openServerAndClient(t);
  return { wallet, chain };
});

t.test('wrong credentials, or nobody there: a clear error at open', async (t) => {
  const { server } = await openServerAndClient(t);
  const wrong = new CoreRpcWallet({ url: server.rpcUrl, credentials: { user: 'lnmesh', password: 'not the key' } });
  await t.rejects(wrong.open(), { name: 'RpcAuthenticationError', message: /HTTP 401.*rpcuser/ });

  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const nobody = new CoreRpcWallet({ url: `http://127.0.0.1:${port}/`, credentials: { user: 'u', password: 'p' } });
  await t.rejects(nobody.open(), { name: 'RpcConnectionError', message: /ECONNREFUSED/ });
});

t.test("Core's answers it cannot use: no wallet loaded, an address that is not P2WPKH", async (t) => {
  // Answers as Core does with no wallet loaded, and with a P2TR address (a wallet whose addresstype is bech32m).
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const { id, method } = JSON.parse(body);
      const answer = method === 'getwalletinfo'
        ? { result: null, error: { code: -18, message: 'Requested wallet does not exist or is not loaded' }, id }
        : { result: 'bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6', error: null, id };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const wallet = new CoreRpcWallet({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, credentials: { user: 'u', password: 'p' } });
  await t.rejects(wallet.open(), { name: 'WalletError', message: /has no wallet to use \(Requested wallet does not exist or is not loaded\): load one .* \/wallet\/NAME/ });
  await t.rejects(wallet.receiveScript(), { name: 'RpcResponseError', message: /not a P2WPKH address/ });
});
