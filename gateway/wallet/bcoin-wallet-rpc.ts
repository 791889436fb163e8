/**
 * bcoin's wallet HTTP server on loopback, answering Bitcoin Core's wallet
 * calls for one wallet, so that `CoreRpcWallet` runs against a real server
 * here (as EmbeddedChain's `rpc` serves `CoreRpcChain`). bcoin answers most
 * of Core's calls by the same names; where it answers differently, or not
 * at all, the call is replaced with Core's behaviour, on bcoin's wallet:
 * - getnewaddress: Core takes (label, address_type); bcoin only a label.
 * - getbalances: Core's (since 0.19); bcoin has none.
 * - getbalance "*" minconf: bcoin counts a coin spent in the mempool as still confirmed.
 * - fundrawtransaction: bcoin misreads a transaction without inputs (as
 *   segwit, its output count taken for the flag), ignores `changePosition`,
 *   spends others' unconfirmed coins, and says "Not enough funds" with code
 *   -6 where Core says "Insufficient funds" with -4.
 * - listunspent: bcoin does not say which coins are `safe` (confirmed, or our own change).
 * - signrawtransactionwithwallet: Core's (since 0.17); bcoin has none.
 * - lockunspent: Core takes a third argument, `persistent`; bcoin refuses
 *   it, and its locks live in memory only.
 */
import bcoin from 'bcoin';
import { coinBalance } from './bcoin-coins.js';

/** Core's RPC error codes (src/rpc/protocol.h). */
const RPC_MISC_ERROR = -1;
const RPC_WALLET_ERROR = -4;
const RPC_INVALID_ADDRESS_OR_KEY = -5;
const RPC_INVALID_PARAMETER = -8;
const RPC_DESERIALIZATION_ERROR = -22;

export interface BcoinWalletRpcParts {
  readonly node: any;
  readonly wdb: any;
  readonly wallet: any;
  readonly port: number;
  readonly apiKey: string;
}

export async function openBcoinWalletRpc(parts: BcoinWalletRpcParts): Promise<{ url: string; close(): Promise<void> }> {
  const { node, wdb, wallet } = parts;
  const host = { network: node.network, logger: node.logger, wdb, client: wdb.client, rpc: undefined as any };
  const rpc = new (bcoin as any).wallet.RPC(host);
  rpc.wallet = wallet;
  host.rpc = rpc;
  answerAsCore(rpc, parts);
  const http = new (bcoin as any).wallet.HTTP({ node: host, host: '127.0.0.1', port: parts.port, apiKey: parts.apiKey });
  await http.open();
  return { url: `http://127.0.0.1:${http.http.address().port}/`, close: () => http.close() };
}

function answerAsCore(rpc: any, { node, wdb, wallet }: BcoinWalletRpcParts): void {
  const btc = (satoshis: number) => satoshis / 1e8;
  const balance = () => coinBalance(wallet, wdb.state.height, node.network.coinbaseMaturity);
  const calls = rpc.calls;
  const getBalanceAsBcoin = calls.getbalance;
  const lockUnspentAsBcoin = calls.lockunspent;
  calls.getnewaddress = async (params: unknown[]) => {
    if (params.length > 2) throw rpcError(RPC_MISC_ERROR, 'getnewaddress ( "label" "address_type" )');
    if (params[1] !== undefined && params[1] !== 'bech32') throw rpcError(RPC_INVALID_ADDRESS_OR_KEY, `Unknown address type '${String(params[1])}'`);
    return (await wallet.createReceive()).getAddress('string');
  };
  calls.getbalances = async () => {
    const { confirmed, unconfirmed } = await balance();
    return { mine: { trusted: btc(confirmed), untrusted_pending: btc(unconfirmed), immature: 0 } };
  };
  calls.getbalance = async (params: unknown[], help: boolean) => {
    if (help || params[0] !== '*' || params.length > 4) return getBalanceAsBcoin.call(rpc, params, help);
    const { confirmed, unconfirmed } = await balance();
    return btc(Number(params[1] ?? 0) > 0 ? confirmed : confirmed + unconfirmed);
  };
  const listUnspentAsBcoin = calls.listunspent;
  calls.listunspent = async (params: unknown[], help: boolean) => {
    const coins = await listUnspentAsBcoin.call(rpc, params, help);
    const unsafe = new Set((await wallet.getCredits()).filter((credit: any) => credit.coin.height === -1 && !credit.own).map((credit: any) => `${credit.coin.txid()}:${credit.coin.index}`));
    return coins.map((coin: { txid: string; vout: number }) => ({ ...coin, safe: !unsafe.has(`${coin.txid}:${coin.vout}`) }));
  };
  calls.lockunspent = async (params: unknown[], help: boolean) => lockUnspentAsBcoin.call(rpc, params.slice(0, 2), help);
  calls.fundrawtransaction = (params: unknown[]) => fundAsCore(wallet, params);
  calls.signrawtransactionwithwallet = (params: unknown[]) => signAsCore(wallet, params);
  // Core's wallet calls answer once the wallet has taken in the chain's last block (BlockUntilSyncedToCurrentChain);
  // bcoin's WalletDB takes blocks and transactions in under its lock, after bcoin's call that told them has returned.
  for (const [name, call] of Object.entries(calls) as [string, (params: unknown[], help: boolean) => Promise<unknown>][]) {
    calls[name] = async (params: unknown[], help: boolean) => {
      const unlock = await wdb.txLock.lock();
      unlock();
      return call.call(rpc, params, help);
    };
  }
}

async function fundAsCore(wallet: any, params: unknown[]): Promise<unknown> {
  const [hex, options = {}] = params as [unknown, Record<string, unknown> | undefined];
  if (typeof hex !== 'string' || params.length > 3) throw rpcError(RPC_MISC_ERROR, 'fundrawtransaction "hexstring" ( options iswitness )');
  const mtx = decodeAsCore(hex);
  const feeRate = options.feeRate;
  let change: number | undefined;
  try {
    await wallet.fund(mtx, { rate: typeof feeRate === 'number' ? Math.round(feeRate * 1e8) : undefined, smart: true });
  } catch (error) {
    if ((error as { type?: string }).type === 'FundingError') throw rpcError(RPC_WALLET_ERROR, 'Insufficient funds');
    throw error;
  }
  if (mtx.changeIndex !== -1 && typeof options.changePosition === 'number') {
    const position = options.changePosition;
    if (!Number.isInteger(position) || position < 0 || position > mtx.outputs.length - 1) throw rpcError(RPC_INVALID_PARAMETER, 'changePosition out of bounds');
    const [output] = mtx.outputs.splice(mtx.changeIndex, 1);
    mtx.outputs.splice(position, 0, output);
    change = position;
  }
  return { hex: mtx.toRaw().toString('hex'), fee: mtx.getFee() / 1e8, changepos: change ?? mtx.changeIndex };
}

async function signAsCore(wallet: any, params: unknown[]): Promise<unknown> {
  const hex = params[0];
  if (typeof hex !== 'string' || params.length > 3) throw rpcError(RPC_MISC_ERROR, 'signrawtransactionwithwallet "hexstring" ( [{"txid":"hex","vout":n,...},...] "sighashtype" )');
  const mtx = decodeAsCore(hex);
  for (const input of mtx.inputs) {
    const coin = await wallet.getCoin(input.prevout.hash, input.prevout.index);
    if (coin) mtx.view.addCoin(coin);
  }
  await wallet.sign(mtx);
  const complete: boolean = mtx.isSigned() && mtx.verify();
  const errors = complete ? undefined : [{ error: 'Input not found or already spent, or not ours' }];
  return { hex: mtx.toRaw().toString('hex'), complete, ...(errors && { errors }) };
}

/**
 * A transaction from hex as Core reads it: a transaction without inputs
 * (what fundrawtransaction is given) serializes with a zero input count where
 * segwit puts its marker; Core tries it without witness first, bcoin never.
 */
function decodeAsCore(hex: string): any {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw rpcError(RPC_DESERIALIZATION_ERROR, 'TX decode failed');
  const raw = Buffer.from(hex, 'hex');
  if (raw.length > 5 && raw[4] === 0) {
    // Read it with one placeholder input, so that the count is not mistaken for a marker, then drop that input.
    const placeholder = Buffer.concat([raw.subarray(0, 4), Buffer.from([1]), Buffer.alloc(32), Buffer.from('ffffffff00ffffffff', 'hex'), raw.subarray(5)]);
    try {
      const mtx = (bcoin as any).MTX.fromRaw(placeholder);
      if (mtx.toRaw().length === placeholder.length) {
        mtx.inputs.length = 0;
        return mtx;
      }
    } catch {
      // not a transaction without inputs: read it as segwit below
    }
  }
  try {
    return (bcoin as any).MTX.fromRaw(raw);
  } catch {
    throw rpcError(RPC_DESERIALIZATION_ERROR, 'TX decode failed');
  }
}

/** bcoin's RPC server turns an error of type 'RPCError' into a JSON-RPC error with its code. */
function rpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { type: 'RPCError', code });
}
