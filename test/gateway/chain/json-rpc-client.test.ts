import t from 'tap';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { JsonRpcClient, RpcCallError } from '../../../gateway/chain/json-rpc-client.js';

const API_KEY = 'json-rpc-client-test';

t.test('calls, batches, and the errors a server gives', async (t) => {
  const embedded = new EmbeddedChain({ rpc: { apiKey: API_KEY } });
  await embedded.open();
  t.teardown(() => embedded.close());
  const [hash] = await embedded.mine(1);
  const client = new JsonRpcClient({ url: embedded.rpcUrl, credentials: { user: 'any', password: API_KEY } });

  t.equal(await client.call('getbestblockhash'), hash);
  await t.rejects(client.call('nosuchmethod'), { name: 'RpcCallError', code: -32601, method: 'nosuchmethod' });

  const outcomes = await client.batch([
    { method: 'getblockhash', params: [1] },
    { method: 'getblockhash', params: [99] },
    { method: 'getblockcount', params: [] },
  ]);
  t.same(outcomes[0], { result: hash });
  t.ok('error' in outcomes[1]! && outcomes[1].error instanceof RpcCallError && outcomes[1].error.code === -8, 'one call fails alone (height out of range)');
  t.same(outcomes[2], { result: 1 });
  t.same(await client.batch([]), []);

  const capped = new JsonRpcClient({ url: embedded.rpcUrl, credentials: { user: 'any', password: API_KEY }, maxResponseBytes: 1024 });
  const many = Array.from({ length: 20 }, () => ({ method: 'getblockhash', params: [0] }));
  await t.rejects(capped.batch(many), { name: 'RpcResponseError', message: /over the 1024-byte cap/ }, 'an answer too big is refused');

  t.throws(() => new JsonRpcClient({ url: 'ftp://127.0.0.1/', credentials: { user: 'u', password: 'p' } }), { name: 'InvalidInputError' });
  t.throws(() => new JsonRpcClient({ url: embedded.rpcUrl, credentials: {} as never }), { name: 'InvalidInputError', message: /credentials/ });
});
