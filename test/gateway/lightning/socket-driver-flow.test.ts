// The driver's back-pressure, over real TCP on loopback, with a stand-in for
// LDK's PeerManager that records what the driver calls and answers with
// LDK's own result objects (the real one does not pause on demand). The
// descriptor is LDK's: its send_data and disconnect_socket go through the
// WebAssembly into the driver, as LDK's calls do.
import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import type { SocketDescriptor } from 'lightningdevkit';
import { loadLdk, type Ldk } from '../../../gateway/lightning/ldk.js';
import { READ_SLICE_BYTES, SocketDriver, type PeerSockets } from '../../../gateway/lightning/socket-driver.js';
import { silentLogger } from '../../../node/core/logger.js';
import { waitUntil } from '../../../sim/kit/poll.js';

const LOOPBACK = '127.0.0.1';

class StandIn implements PeerSockets {
  descriptor: SocketDescriptor | undefined;
  reads: number[] = [];
  pauseReads = false;
  disconnected = 0;
  spaceAvailable = 0;
  constructor(private readonly ldk: Ldk) {}
  new_outbound_connection() {
    return this.ldk.Result_CVec_u8ZPeerHandleErrorZ.constructor_ok(new Uint8Array(0));
  }
  new_inbound_connection(descriptor: SocketDescriptor) {
    this.descriptor = descriptor;
    return this.ldk.Result_NonePeerHandleErrorZ.constructor_ok();
  }
  read_event(_descriptor: SocketDescriptor, data: Uint8Array) {
    this.reads.push(data.length);
    return this.ldk.Result_boolPeerHandleErrorZ.constructor_ok(this.pauseReads);
  }
  process_events() {}
  socket_disconnected() {
    this.disconnected++;
  }
  write_buffer_space_avail() {
    this.spaceAvailable++;
    return this.ldk.Result_NonePeerHandleErrorZ.constructor_ok();
  }
}

async function setUp(t: Test) {
  const ldk = await loadLdk();
  const peer = new StandIn(ldk);
  const driver = new SocketDriver(ldk, peer, silentLogger);
  t.teardown(() => driver.close());
  const port = await driver.listen(LOOPBACK, 0);
  const client: Socket = connect({ host: LOOPBACK, port });
  client.on('error', () => {});
  t.teardown(() => client.destroy());
  await new Promise((resolve) => client.once('connect', resolve));
  await waitUntil('peer.descriptor !== undefined', () => peer.descriptor !== undefined);
  return { peer, client, descriptor: peer.descriptor! };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

t.test('reads go to LDK in 4 KiB slices, and stop while LDK asks until send_data resumes them', async (t) => {
  const { peer, client, descriptor } = await setUp(t);
  peer.pauseReads = true;
  client.write(new Uint8Array(10_240));
  await waitUntil('peer.reads.length > 0', () => peer.reads.length > 0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(peer.reads, [READ_SLICE_BYTES], 'one slice, then nothing while paused');

  peer.pauseReads = false;
  t.equal(descriptor.send_data(new Uint8Array(1), true), 1, 'a send with resume_read');
  await waitUntil('sum(peer.reads) === 10_240', () => sum(peer.reads) === 10_240);
  t.ok(peer.reads.every((n) => n <= READ_SLICE_BYTES), 'every slice at most 4 KiB');
});

t.test('writes stop being accepted when the socket is backed up, and LDK hears when there is room', async (t) => {
  const { peer, client, descriptor } = await setUp(t);
  client.pause(); // the other side does not read
  const chunk = new Uint8Array(64 * 1024);
  let accepted = 0;
  let sends = 0;
  while (sends++ < 4096) {
    const sent = descriptor.send_data(chunk, false);
    if (sent === 0) break;
    accepted += sent;
  }
  t.ok(sends < 4096, 'a send is refused once the socket is backed up');
  t.ok(accepted < 64 * 1024 * 1024, 'after a bounded amount (the kernel buffers, then one high-water mark)');
  t.equal(descriptor.send_data(chunk, false), 0, 'and the next too, until it drains');
  t.equal(peer.spaceAvailable, 0, 'no room announced yet');

  client.resume();
  await waitUntil('peer.spaceAvailable === 1', () => peer.spaceAvailable === 1);
  t.ok(descriptor.send_data(chunk, false) > 0, 'accepted again once LDK was told');
});

t.test('a close from the other side is reported; one LDK asked for is not', async (t) => {
  const first = await setUp(t);
  first.client.destroy();
  await waitUntil('first.peer.disconnected === 1', () => first.peer.disconnected === 1);
  t.equal(first.peer.disconnected, 1, 'socket_disconnected once');

  const second = await setUp(t);
  let closed = false;
  second.client.on('close', () => (closed = true));
  second.descriptor.disconnect_socket();
  await waitUntil('closed', () => closed);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(second.peer.disconnected, 0, 'LDK is not told of a close it asked for');
  t.equal(second.descriptor.send_data(new Uint8Array(1), false), 0, 'and a closed socket takes nothing');
});
