// The watchtower's local HTTP API, spoken to over real HTTP on loopback: a
// client on the gateway's machine (a wallet, the node CLI) signs a batch
// with the node's key and gets the tower's receipt; a forged key, a stale
// request, a full quota, a malformed or oversized body are refused with a
// reason and store nothing. The tower is real, on real lmdb stores; only the
// last test needs a chain (an embedded bcoin regtest), the others never touch it.
import t, { type Test } from 'tap';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import type { AppointmentStoreInit } from '../../../gateway/tower/appointment-store.js';
import { TowerHttpApi, TowerHttpApiError, type TowerHttpApiInit } from '../../../gateway/tower/http-api.js';
import type { ChainSource } from '../../../gateway/chain/chain-source.js';
import { signAppointmentsRequest, signDropTagRequest } from '../../../node/gateway-protocol/http-request.js';
import { towerSignerFromSecret, verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import type { TowerAppointment } from '../../../node/gateway-protocol/gateway-messages.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { breachScenario, gatewaySigner, openChain, tempDir, towerIn } from './breach-scenario.js';

const alice = towerSignerFromSecret(sha256(Uint8Array.of(0x6b, 1)));
const bob = towerSignerFromSecret(sha256(Uint8Array.of(0x6b, 2)));
const mallory = towerSignerFromSecret(sha256(Uint8Array.of(0x6b, 3)));
const otherTower = towerSignerFromSecret(sha256(Uint8Array.of(0x6a, 0x99)));
/** The tower's clock in these tests: 2025-06-15, in seconds. */
const NOW = 1_750_000_000;
const channelA = new TextEncoder().encode('channel a');
const channelB = new TextEncoder().encode('channel b');

/** Appointment `i`: its own locator, a 200-byte blob. */
function appointment(i: number, tag = channelA): TowerAppointment {
  return { locator: sha256(Uint8Array.of(0x10, i)).slice(0, 16), blob: new Uint8Array(200).fill(i), tag };
}

/** A started API over a new tower (not started: these tests never touch the chain), stopped and closed at the test's end. */
async function apiFor(t: Test, options: { quota?: AppointmentStoreInit; maxBodyBytes?: number; chain?: ChainSource; http?: TowerHttpApiInit } = {}) {
  const clock = new VirtualClock();
  clock.tick(NOW * 1000);
  const fixture = towerIn(tempDir(t), options.chain ?? new EmbeddedChain(), { clock, ...(options.quota && { quota: options.quota }) });
  const warnings: string[] = [];
  const api = new TowerHttpApi(
    { tower: fixture.tower, store: fixture.store, gatewayId: gatewaySigner.nodeId, clock, logger: warningsInto(warnings) },
    { port: 0, ...(options.maxBodyBytes && { maxBodyBytes: options.maxBodyBytes }), ...options.http },
  );
  await api.start();
  t.teardown(async () => {
    await api.stop();
    await fixture.close();
  });
  return { api, url: api.url(), clock, warnings, ...fixture };
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function post(url: string, path: string, body: unknown, contentType = 'application/json'): Promise<Reply> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

async function get(url: string, path: string): Promise<Reply> {
  const response = await fetch(url + path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

t.test('a signed batch is stored and answered with a receipt that verifies; the same request again changes nothing', async (t) => {
  const { api, url, store } = await apiFor(t);
  t.same(api.address().host, '127.0.0.1', 'on loopback by default');
  t.same((await get(url, '/v1/status')).body, { appointments: 0, gateway: bytesToHex(gatewaySigner.nodeId) }, 'status: empty, and the key receipts are signed with');

  const batch = [appointment(1), appointment(2), appointment(3, channelB)];
  const body = signAppointmentsRequest(alice, gatewaySigner.nodeId, batch, NOW);
  const accepted = await post(url, '/v1/appointments', body);
  t.equal(accepted.status, 200);
  const receipt = Buffer.from(accepted.body.receipt as string, 'hex');
  t.ok(verifyReceipt(gatewaySigner.nodeId, alice.nodeId, batch, receipt), "the receipt verifies with the tower's key, for exactly this batch");
  t.equal(store.count(), 3, 'three stored');
  t.same(
    store.lookup(appointment(2).locator).map((found) => [found.nodeId, bytesToHex(found.blob), bytesToHex(found.tag)]),
    [[bytesToHex(alice.nodeId), bytesToHex(appointment(2).blob), bytesToHex(channelA)]],
    "under Alice's id, blob and tag as sent",
  );

  const replayed = await post(url, '/v1/appointments', body);
  t.same(replayed.body, accepted.body, 'replayed verbatim: the same receipt');
  t.equal(store.count(), 3, 'and nothing more stored');
  t.same(store.usage(bytesToHex(alice.nodeId)).appointments, 3, 'nor counted twice against the quota');
  t.same((await get(url, '/v1/status')).body, { appointments: 3, gateway: bytesToHex(gatewaySigner.nodeId) }, 'status counts all appointments, nothing per node');
});

t.test("a forged signature, a request for another tower, or an old one: 401, nothing stored", async (t) => {
  const { url, store, clock } = await apiFor(t);
  const batch = [appointment(1)];
  const forged = { ...signAppointmentsRequest(mallory, gatewaySigner.nodeId, batch, NOW), nodeId: bytesToHex(alice.nodeId) };
  const refused = await post(url, '/v1/appointments', forged);
  t.equal(refused.status, 401, "Mallory signs with his key under Alice's id: 401");
  t.match(refused.body, { field: 'signature', error: /does not verify/ });

  const elsewhere = await post(url, '/v1/appointments', signAppointmentsRequest(alice, otherTower.nodeId, batch, NOW));
  t.match(elsewhere, { status: 401, body: { field: 'signature' } }, 'signed by Alice for another tower: 401 here');

  const old = signAppointmentsRequest(alice, gatewaySigner.nodeId, batch, NOW - 601);
  t.match(await post(url, '/v1/appointments', old), { status: 401, body: { field: 'signedAt', error: /601 s from the tower's clock/ } }, 'signed 601 s ago: stale');
  const ahead = signAppointmentsRequest(alice, gatewaySigner.nodeId, batch, NOW + 601);
  t.match(await post(url, '/v1/appointments', ahead), { status: 401, body: { field: 'signedAt' } }, 'or 601 s ahead');
  t.equal(store.count(), 0, 'nothing stored');

  const fresh = signAppointmentsRequest(alice, gatewaySigner.nodeId, batch, NOW);
  t.equal((await post(url, '/v1/appointments', fresh)).status, 200, "Alice's own request, signed now: accepted");
  clock.tick(601_000);
  t.equal((await post(url, '/v1/appointments', fresh)).status, 401, 'the same request replayed 601 s later: refused');
});

t.test('a full quota is refused with the numbers, nothing of the batch stored; other nodes are not affected', async (t) => {
  const { url, store } = await apiFor(t, { quota: { maxAppointmentsPerNode: 3 } });
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1), appointment(2)], NOW))).status, 200);
  const over = await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(3), appointment(4)], NOW));
  t.equal(over.status, 429, 'two more than a quota of 3 with 2 held: 429');
  t.match(over.body, {
    error: /quota of .* is full: it holds 2 appointments/,
    nodeId: bytesToHex(alice.nodeId),
    held: { appointments: 2, bytes: 2 * (200 + channelA.length), watches: 0 },
    adding: { appointments: 2 },
    limits: { maxAppointmentsPerNode: 3 },
  });
  t.same(store.lookup(appointment(3).locator), [], 'neither of the batch is stored, not even the one that fits');
  t.equal(store.count(), 2);
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(bob, gatewaySigner.nodeId, [appointment(3), appointment(4)], NOW))).status, 200, "Bob's quota is his own");
});

t.test('a stranger finds the shared space full: 507 with the pool and the numbers; a named node still stores', async (t) => {
  const quota = { maxAppointments: 8, strangerShare: 0.25, allowedNodes: [bytesToHex(bob.nodeId)] };
  const { url, store } = await apiFor(t, { quota });
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(mallory, gatewaySigner.nodeId, [appointment(1), appointment(2)], NOW))).status, 200, 'a stranger fills the pool of 2');
  const full = await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(3)], NOW));
  t.equal(full.status, 507, 'another stranger: 507');
  t.match(full.body, {
    error: /nodes it does not know is full: it holds 2 of 2 appointments.*tower\.allowedNodes/,
    nodeId: bytesToHex(alice.nodeId),
    pool: 'strangers',
    held: { appointments: 2 },
    adding: { appointments: 1, bytes: 200 + channelA.length, watches: 0 },
    limits: { appointments: 2 },
  });
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(bob, gatewaySigner.nodeId, [appointment(3), appointment(4), appointment(5)], NOW))).status, 200, 'Bob, named: 200');
  t.equal(store.count(), 5);
});

t.test('malformed requests: 400 naming the field, or 415 for another content type; nothing stored', async (t) => {
  const { url, store } = await apiFor(t);
  const good = signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1), appointment(2)], NOW);
  const [first, second] = good.appointments as [(typeof good.appointments)[number], (typeof good.appointments)[number]];
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"nodeId": ', 'body'],
    ['a JSON array', [good], 'body'],
    ['no node id', { ...good, nodeId: undefined }, 'nodeId'],
    ['a node id that is not a key', { ...good, nodeId: '02' + 'ff'.repeat(32) }, 'nodeId'],
    ['signedAt as a string', { ...good, signedAt: String(NOW) }, 'signedAt'],
    ['appointments as a string', { ...good, appointments: 'all of them' }, 'appointments'],
    ['an empty batch', { ...good, appointments: [] }, 'appointments'],
    ['a 20-byte locator', { ...good, appointments: [first, { ...second, locator: second.locator + '00'.repeat(4) }] }, 'appointments[1].locator'],
    ['a blob that is not hex', { ...good, appointments: [{ ...first, blob: 'not hex' }] }, 'appointments[0].blob'],
    ['a tag as a number', { ...good, appointments: [{ ...first, tag: 12 }] }, 'appointments[0].tag'],
    ['no signature', { ...good, signature: undefined }, 'signature'],
    ['a 65-byte signature', { ...good, signature: good.signature + '01' }, 'signature'],
  ];
  for (const [name, body, field] of cases) {
    const reply = await post(url, '/v1/appointments', body);
    t.equal(reply.status, 400, `${name}: 400`);
    t.equal(reply.body.field, field, `${name}: names ${field}`);
    t.match(reply.body.error, new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `), `${name}: says why`);
  }
  // Well-formed JSON, signed by Alice, but a blob too short to be a sealed kit: the store refuses it.
  const short = signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1), { ...appointment(2), blob: new Uint8Array(5) }], NOW);
  t.match(await post(url, '/v1/appointments', short), { status: 400, body: { field: 'appointments[1].blob', error: /expected 17 to/ } }, 'a 5-byte blob, correctly signed: 400 from the store');
  const text = await post(url, '/v1/appointments', JSON.stringify(good), 'text/plain');
  t.equal(text.status, 415, 'the right body as text/plain: 415');
  t.match(text.body.error, /application\/json/);
  t.equal(store.count(), 0, 'nothing stored by any of them');
});

t.test('a body over the limit is refused with 413 before it is read whole, and the connection is closed', async (t) => {
  const limit = 4096;
  const { api, store, warnings } = await apiFor(t, { maxBodyBytes: limit });
  const { port } = api.address();

  /** Sends the headers and `sent` bytes of a body that would be longer, and waits for the answer without sending more. */
  const partialPost = async (headers: Record<string, string | number>, sent: number) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/appointments', headers: { 'content-type': 'application/json', ...headers } });
    request.on('error', () => {}); // the tower closes the connection under the unsent rest
    request.write('{"nodeId":"' + 'a'.repeat(sent - 11));
    const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    request.destroy();
    return { status: response.statusCode, connection: response.headers.connection, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> };
  };

  const declared = await partialPost({ 'content-length': 10 * 1024 * 1024 }, 1000);
  t.equal(declared.status, 413, 'a Content-Length of 10 MiB: 413 while only 1000 bytes were sent');
  t.same(declared.body, { error: `the body is larger than the ${limit} bytes this request takes`, limit }, 'with the limit');
  t.equal(declared.connection, 'close', 'and the connection closes: the rest is never read');

  const chunked = await partialPost({ 'transfer-encoding': 'chunked' }, limit + 1000);
  t.equal(chunked.status, 413, 'no Content-Length, a chunked body that passes the limit and never ends: 413 as soon as it passes');
  t.equal(chunked.connection, 'close');

  warnings.splice(0); // from here on
  const abandoned = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/appointments', headers: { 'content-type': 'application/json', 'content-length': 2000 } });
  abandoned.on('error', () => {});
  abandoned.write('{"nodeId":');
  await new Promise((resolve) => setTimeout(resolve, 50));
  abandoned.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.same(warnings, [], 'a client that goes away mid-body: no answer to give, nothing to warn about');

  const underLimit = await post(api.url(), '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1)], NOW));
  t.equal(underLimit.status, 200, 'a batch under the limit still goes through');
  const overLimit = signAppointmentsRequest(alice, gatewaySigner.nodeId, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => appointment(i)), NOW);
  t.ok(JSON.stringify(overLimit).length > limit, `a batch of 11 is ${JSON.stringify(overLimit).length} bytes of JSON`);
  const refused = await post(api.url(), '/v1/appointments', overLimit).catch((error: Error) => error);
  // fetch sends so small a body whole at once; the tower answers 413 on its Content-Length (were the close to win the race, a socket error).
  t.ok(refused instanceof Error || refused.status === 413, 'fetch with a body over the limit: refused');
  t.equal(store.count(), 1, 'only the batch under the limit was stored');
});

t.test("drop-tag: the node's signed request drops that tag's appointments; a forged one drops nothing", async (t) => {
  const { url, store, clock } = await apiFor(t);
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1), appointment(2), appointment(3, channelB)], NOW))).status, 200);
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(bob, gatewaySigner.nodeId, [appointment(1)], NOW))).status, 200);

  const forged = { ...signDropTagRequest(mallory, gatewaySigner.nodeId, channelA, NOW), nodeId: bytesToHex(alice.nodeId) };
  t.match(await post(url, '/v1/drop-tag', forged), { status: 401, body: { field: 'signature' } }, "Mallory drops Alice's channel: 401");
  t.equal(store.count(), 4, 'nothing dropped');
  t.match(await post(url, '/v1/drop-tag', { ...signDropTagRequest(alice, gatewaySigner.nodeId, channelA, NOW), tag: '00'.repeat(33) }), { status: 400, body: { field: 'tag' } }, 'a 33-byte tag: 400');

  const drop = signDropTagRequest(alice, gatewaySigner.nodeId, channelA, NOW);
  t.same(await post(url, '/v1/drop-tag', drop).then((reply) => [reply.status, reply.body]), [200, { dropped: 2 }], "Alice drops channel a: its two appointments go");
  t.same(store.lookup(appointment(1).locator).map((found) => found.nodeId), [bytesToHex(bob.nodeId)], "Bob's appointment under the same locator stays");
  t.equal(store.lookup(appointment(3).locator).length, 1, "and Alice's other channel");
  t.same((await post(url, '/v1/drop-tag', drop)).body, { dropped: 0 }, 'the same request again: nothing more to drop');
  clock.tick(601_000);
  t.match(await post(url, '/v1/drop-tag', drop), { status: 401, body: { field: 'signedAt' } }, '601 s later: stale');
});

t.test('unknown paths are 404, wrong methods 405 with Allow', async (t) => {
  const { url } = await apiFor(t);
  const status = await fetch(url + '/v1/status', { method: 'POST' });
  t.equal(status.status, 405, 'POST /v1/status: 405');
  t.equal(status.headers.get('allow'), 'GET');
  const appointments = await get(url, '/v1/appointments');
  t.equal(appointments.status, 405, 'GET /v1/appointments: 405');
  t.equal(appointments.headers.get('allow'), 'POST');
  t.equal((await get(url, '/v1/drop-tag')).status, 405);
  const unknown = await get(url, '/v2/appointments');
  t.equal(unknown.status, 404, 'an unknown path: 404');
  t.match(unknown.body.error, /\/v1\/appointments, \/v1\/drop-tag and \/v1\/status/, 'listing the paths there are');
  t.equal((await get(url, '/v1/status?verbose=1')).status, 200, 'a query string is ignored');
});

t.test('start and stop: a port already taken is an error; after stop nothing answers', async (t) => {
  const { api, tower, store, clock } = await apiFor(t);
  const second = new TowerHttpApi({ tower, store, gatewayId: gatewaySigner.nodeId, clock }, { port: api.address().port });
  await t.rejects(second.start(), { name: TowerHttpApiError.name, message: /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/ }, 'the same port twice: refused, saying why');
  const url = api.url();
  await api.stop();
  await t.rejects(fetch(url + '/v1/status'), { name: 'TypeError', message: 'fetch failed' }, 'stopped: the connection is refused');
  t.throws(() => api.address(), { name: 'TowerHttpApiError' }, 'and it has no address');
  await api.start();
  t.equal((await get(api.url(), '/v1/status')).status, 200, 'started again');
  t.throws(() => new TowerHttpApi({ tower, store, gatewayId: new Uint8Array(33), clock }), { name: 'InvalidKeyError' }, 'a gateway id that is not a key: refused at construction');
  t.throws(() => new TowerHttpApi({ tower, store, gatewayId: gatewaySigner.nodeId, clock }, { port: 70_000 }), { name: 'InvalidInputError' }, 'so is a port over 65535');
});

t.test('appointments sent over HTTP are answered when the breach comes', async (t) => {
  const chain = await openChain(t);
  const scenario = await breachScenario(chain);
  // Alice's wallet on the gateway's machine hands over her manager's appointments, signed with its own key.
  const wallet = towerSignerFromSecret(sha256(Uint8Array.of(0x77)));
  const { url, tower, clock } = await apiFor(t, { chain });
  tower.on('alert', () => {}); // the relay would deliver it
  await tower.start();
  const reply = await post(url, '/v1/appointments', signAppointmentsRequest(wallet, gatewaySigner.nodeId, scenario.appointments, Math.floor(clock.now() / 1000)));
  t.equal(reply.status, 200);
  t.ok(verifyReceipt(gatewaySigner.nodeId, wallet.nodeId, scenario.appointments, Buffer.from(reply.body.receipt as string, 'hex')), 'receipt verifies');

  await chain.broadcast(scenario.breach);
  await tower.idle();
  t.match(tower.responses(), [{ breachTxid: scenario.breach.getId(), nodeId: bytesToHex(wallet.nodeId), state: 'active', lastBroadcast: { accepted: true } }], 'the breach is answered for the wallet');
});

/** A connection of an attacker's: whether the server closed it, and the status it answered, if any. */
interface SlowClient {
  readonly socket: Socket;
  readonly closed: boolean;
  readonly status: number | undefined;
}

/**
 * Opens `count` connections at once, each sending `head` and then `sent`
 * bytes of body, never the rest: what an attacker does to hold the
 * server's connections and buffers.
 */
function slowClients(port: number, count: number, head: string, sent = 0): SlowClient[] {
  const body = Buffer.alloc(sent, 0x61);
  return Array.from({ length: count }, () => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const client = {
      socket,
      closed: false,
      get status() {
        const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        return match ? Number(match[1]) : undefined;
      },
    };
    socket.on('error', () => {}); // the server resets the connections it refuses
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.once('close', () => (client.closed = true));
    socket.write(head);
    if (sent > 0) socket.write(body);
    return client;
  });
}

/** The head of a POST of the appointments declaring `length` bytes of body. */
function postHead(length: number): string {
  return `POST /v1/appointments HTTP/1.1\r\nHost: tower\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
}

/** Waits until `check` holds, looking every 20 ms; fails the test after `limitMs` (a bound on a hang, not a timing assertion). */
async function until(t: Test, what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > limitMs) {
      t.fail(`still waiting for ${what}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('150 slow connections each holding 1 MiB - 1 byte of body: a bounded number held, and bytes buffered', async (t) => {
  const { api, url } = await apiFor(t); // the defaults: 32 connections, 8 MiB of bodies, 1 MiB a body
  t.equal(api.maxBodyBytes, 1024 * 1024);
  const clients = slowClients(api.address().port, 150, postHead(api.maxBodyBytes), api.maxBodyBytes - 1);
  t.teardown(() => clients.forEach(({ socket }) => socket.destroy()));
  // Settled: every client is either closed or one of the server's open connections.
  await until(t, 'every connection to be closed or held', () => clients.filter(({ closed }) => !closed).length === api.load().connections);
  const load = api.load();
  const answered503 = clients.filter(({ status }) => status === 503).length;
  t.comment(`150 slow bodies: ${load.connections} connections held, ${load.bufferedBytes} bytes of bodies (most at once ${load.mostBufferedBytes}), ${answered503} answered 503, ${load.refusedConnections} closed at accept`);
  t.equal(load.connections, 8, 'before: 150 held (up to 30 s each); after: 8, as many bodies as the budget has room for (up to 15 s each)');
  t.equal(load.bufferedBytes, 8 * 1024 * 1024, 'before: about 156 MB buffered; after: 8 MiB, the budget');
  t.ok(load.mostBufferedBytes <= 8 * 1024 * 1024, 'and never more at any moment');
  t.equal(answered503 + load.refusedConnections, 142, 'the other 142 were turned away before their body was read: 503, or closed at once past 32 connections');

  t.equal((await fetch(url + '/v1/status')).status, 200, 'a status request (no body) still goes through');
  const refused = await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1)], NOW));
  t.equal(refused.status, 503, 'a genuine batch while the budget is taken: 503 at once');
  t.equal(refused.headers.get('retry-after'), '1', 'with Retry-After');
  t.match(refused.body.error, /the tower is busy reading other requests \(at most 8388608 bytes of bodies at once\); send this one again in a moment/);

  clients.forEach(({ socket }) => socket.destroy());
  await until(t, 'the slow clients to be gone', () => api.load().bufferedBytes === 0);
  t.equal((await post(url, '/v1/appointments', signAppointmentsRequest(alice, gatewaySigner.nodeId, [appointment(1)], NOW))).status, 200, 'once they are gone, the genuine batch goes through');
  t.equal(api.load().bufferedBytes, 0, 'and its bytes are given back');
});

t.test('150 connections that never finish their headers: 32 held, the rest closed at once, all cut off at the headers timeout', async (t) => {
  const { api, url } = await apiFor(t, { http: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
  const clients = slowClients(api.address().port, 150, 'POST /v1/appointments HTTP/1.1\r\nHost: tower\r\n');
  t.teardown(() => clients.forEach(({ socket }) => socket.destroy()));
  await until(t, 'every connection to be closed or held', () => clients.filter(({ closed }) => !closed).length === api.load().connections && api.load().connections + api.load().refusedConnections === 150);
  const load = api.load();
  t.comment(`150 slow headers: ${load.connections} connections held, ${load.refusedConnections} closed at accept`);
  t.equal(load.connections, api.maxConnections, 'before: 150 held; after: 32, maxConnections');
  t.equal(load.refusedConnections, 150 - api.maxConnections, 'the other 118 closed as soon as accepted, nothing of them read');
  t.equal(load.bufferedBytes, 0, 'no body taken');
  await t.rejects(fetch(url + '/v1/status'), { name: 'TypeError' }, 'a genuine client meanwhile is closed too (the cap is the point)');
  await until(t, 'the headers timeout to cut them off', () => clients.every(({ closed }) => closed) && api.load().connections === 0);
  t.pass('every slow client was cut off by the server');
  t.equal((await fetch(url + '/v1/status')).status, 200, 'then the tower answers again');
});

t.test('a client slower than the request timeout is cut off, and its bytes given back', async (t) => {
  const { api } = await apiFor(t, { http: { headersTimeoutMs: 200, requestTimeoutMs: 300 } });
  const [client] = slowClients(api.address().port, 1, postHead(5000), 100);
  t.teardown(() => client!.socket.destroy());
  await until(t, 'the body to be taken from the budget', () => api.load().bufferedBytes === 5000);
  await until(t, 'the server to cut the client off', () => client!.closed);
  t.equal(client!.status, 408, 'with 408 Request Timeout');
  await until(t, 'the server to give the bytes back', () => api.load().bufferedBytes === 0 && api.load().connections === 0);
  t.pass('nothing held after');
});

t.test('the connection and buffer settings are checked', async (t) => {
  const { tower, store, clock } = await apiFor(t);
  const components = { tower, store, gatewayId: gatewaySigner.nodeId, clock };
  t.throws(() => new TowerHttpApi(components, { maxBufferedBytes: 4096, maxBodyBytes: 8192 }), { name: 'InvalidInputError', field: 'maxBufferedBytes', message: /less than maxBodyBytes \(8192\): the largest batch could never be read/ });
  t.throws(() => new TowerHttpApi(components, { maxConnections: 0 }), { name: 'InvalidInputError', field: 'maxConnections' });
  t.throws(() => new TowerHttpApi(components, { headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), { name: 'InvalidInputError', field: 'requestTimeoutMs' });
  const api = new TowerHttpApi(components);
  t.same([api.maxConnections, api.headersTimeoutMs, api.requestTimeoutMs], [32, 5000, 15_000], 'the defaults');
});
