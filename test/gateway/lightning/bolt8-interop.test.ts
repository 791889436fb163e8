// lnmesh's own BOLT 8 (transports/link/noise.ts for the handshake,
// bolt8-message.ts for the length-prefixed stream) against rust-lightning's
// `PeerManager`, over real TCP on loopback, in both roles: the handshake
// completes, each side sends BOLT 1's `init`, LDK lists us as its peer, and
// a `ping` of ours gets LDK's `pong` back through both ciphers.
import t, { type Test } from 'tap';
import { type Socket, connect as tcpConnect, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { nodeKeyFromSecret, type NodeKey } from '../../../node/core/node-key.js';
import { HandshakeInitiator, HandshakeResponder, ACT_ONE_LENGTH, ACT_THREE_LENGTH, ACT_TWO_LENGTH, newEphemeralKey, type HandshakeSession } from '../../../transports/link/noise.js';
import { Bolt8CipherState, LENGTH_HEADER_SIZE, decryptLength, encryptMessage } from '../../../transports/link/bolt8-message.js';
import { TAG_LENGTH } from '../../../transports/link/noise-crypto.js';
import type { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { LOOPBACK, startNode } from './lightning-test-kit.js';
import { holdsWithin } from '../../../sim/kit/poll.js';

const INIT = 16;
const PING = 18;
const PONG = 19;

// A chain at its genesis: nothing here needs coins.
const chain = new EmbeddedChain({});
await chain.open();
t.teardown(() => chain.close());

async function startLdk(t: Test): Promise<LightningNode> {
  return (await startNode(t, chain, 7)).node;
}

/** Reads exact byte counts off a TCP socket. */
class SocketReader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  async read(length: number): Promise<Uint8Array> {
    while (this.buffered.length < length) {
      if (this.ended) throw new Error(`the connection closed while ${length} bytes were awaited (${this.buffered.length} came)`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const bytes = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return new Uint8Array(bytes);
  }
}

/** One side of a BOLT 8 connection after the handshake: BOLT 1 messages in and out. */
class Bolt8Stream {
  private readonly sending: Bolt8CipherState;
  private readonly receiving: Bolt8CipherState;

  constructor(
    private readonly socket: Socket,
    private readonly reader: SocketReader,
    session: HandshakeSession,
  ) {
    this.sending = new Bolt8CipherState(session.sendingKey, session.chainingKey);
    this.receiving = new Bolt8CipherState(session.receivingKey, session.chainingKey);
  }

  send(type: number, payload: Uint8Array): void {
    const message = new Uint8Array(2 + payload.length);
    message.set([type >> 8, type & 0xff]);
    message.set(payload, 2);
    this.socket.write(encryptMessage(this.sending, message));
  }

  async receive(): Promise<{ type: number; payload: Uint8Array }> {
    const length = decryptLength(this.receiving, await this.reader.read(LENGTH_HEADER_SIZE));
    const message = this.receiving.decrypt(await this.reader.read(length + TAG_LENGTH));
    return { type: (message[0]! << 8) | message[1]!, payload: message.subarray(2) };
  }

  /** The next message of `type`, skipping others LDK may send first (a ping of its own, gossip queries). */
  async receiveType(type: number): Promise<Uint8Array> {
    for (;;) {
      const message = await this.receive();
      if (message.type === type) return message.payload;
    }
  }
}

/** `init` with the features LDK sent, as they are (so that every feature it requires is one we set). */
function initLike(theirs: Uint8Array): Uint8Array {
  const globalLength = (theirs[0]! << 8) | theirs[1]!;
  const featuresLength = (theirs[2 + globalLength]! << 8) | theirs[3 + globalLength]!;
  return theirs.subarray(0, 4 + globalLength + featuresLength);
}

/** Both `init`s, then a ping (4 pong bytes asked) answered by LDK's pong. */
async function exchangeInitAndPing(t: Test, stream: Bolt8Stream, ldk: LightningNode, ours: NodeKey): Promise<void> {
  const theirInit = await stream.receiveType(INIT);
  t.ok(theirInit.length >= 4, `LDK sent init (${theirInit.length} bytes)`);
  stream.send(INIT, initLike(theirInit));
  t.ok(await holdsWithin(() => ldk.peers().some((peer) => bytesToHex(peer) === bytesToHex(ours.nodeId))), 'LDK lists our node id as a peer');
  stream.send(PING, Uint8Array.of(0, 4, 0, 0));
  const pong = await stream.receiveType(PONG);
  t.same([...pong.subarray(0, 2)], [0, 4], 'LDK answered our ping with 4 pong bytes');
}

t.test('lnmesh initiates: its handshake and messages reach LDK, and LDK answers', async (t) => {
  const ldk = await startLdk(t);
  const port = await ldk.listen();
  const ours = nodeKeyFromSecret(new Uint8Array(32).fill(9));
  const socket = tcpConnect({ host: LOOPBACK, port });
  t.teardown(() => socket.destroy());
  const reader = new SocketReader(socket);
  const initiator = new HandshakeInitiator({ localStaticKey: ours, remoteStaticKey: ldk.nodeId, ephemeralSecretKey: newEphemeralKey((n) => new Uint8Array(randomBytes(n))) });
  socket.write(initiator.actOne());
  const { actThree, session } = initiator.actThree(await reader.read(ACT_TWO_LENGTH));
  socket.write(actThree);
  await exchangeInitAndPing(t, new Bolt8Stream(socket, reader, session), ldk, ours);
});

t.test('LDK initiates: lnmesh responds, learns LDK node id, and the messages flow both ways', async (t) => {
  const ldk = await startLdk(t);
  const ours = nodeKeyFromSecret(new Uint8Array(32).fill(10));
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => {
      t.teardown(() => socket.destroy());
      resolve(socket);
    });
    t.teardown(() => server.close());
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (typeof address === 'object' && address) void ldk.connect(ours.nodeId, LOOPBACK, address.port);
    });
  });
  const socket = await accepted;
  const reader = new SocketReader(socket);
  const responder = new HandshakeResponder({ localStaticKey: ours, ephemeralSecretKey: newEphemeralKey((n) => new Uint8Array(randomBytes(n))) });
  socket.write(responder.actTwo(await reader.read(ACT_ONE_LENGTH)));
  const session = responder.finish(await reader.read(ACT_THREE_LENGTH));
  t.equal(bytesToHex(session.remoteStaticKey), bytesToHex(ldk.nodeId), 'act three revealed LDK node id');
  await exchangeInitAndPing(t, new Bolt8Stream(socket, reader, session), ldk, ours);
});
