/**
 * TCP for LDK's `PeerManager` (what lightning-net-tokio is in Rust): each
 * `net.Socket` is a `SocketDescriptor`; bytes read go to `read_event` (in
 * slices of 4 KiB, as LDK asks), LDK's `send_data` becomes socket writes.
 * Back-pressure both ways, so nothing buffers without bound here:
 * - writes: once the socket's buffer is over its high-water mark we accept
 *   nothing more (`send_data` returns 0) until 'drain', then tell LDK
 *   (`write_buffer_space_avail`);
 * - reads: while LDK asked us to pause (`read_event` returned true) or a
 *   write is blocked, the socket is paused; at most the rest of one read
 *   chunk waits here.
 * A close LDK asked for (`disconnect_socket`, or an error from a call) is
 * not reported back to it; a close from the other side is (`socket_disconnected`).
 */
import { createServer, connect as tcpConnect, isIPv4, type Server, type Socket } from 'node:net';
import type { Logger } from '../../node/core/logger.js';
import type { Option_SocketAddressZ, PeerManager, SocketDescriptor } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

/** What the driver uses of LDK's `PeerManager`. */
export type PeerSockets = Pick<
  PeerManager,
  'new_outbound_connection' | 'new_inbound_connection' | 'read_event' | 'process_events' | 'socket_disconnected' | 'write_buffer_space_avail'
>;

/** The slice of received bytes handed to `read_event` at once. */
export const READ_SLICE_BYTES = 4096;

export class SocketDriver {
  private readonly connections = new Set<Connection>();
  private server: Server | undefined;
  private nextId = 1n;
  /** Closed: a connect still under way when it closed is dropped, not handed to LDK. */
  private closed = false;

  constructor(
    private readonly ldk: Ldk,
    private readonly peerManager: PeerSockets,
    private readonly logger: Logger,
  ) {}

  /** Accepts inbound connections on host:port (0: any free port); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    if (this.server) throw new Error('already listening');
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.log('warn', 'listener error', { error: String(error) }));
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** Connects out to the peer `nodeId` at host:port and starts the BOLT 8 handshake. Rejects if TCP fails. */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = tcpConnect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
    if (this.closed) {
      socket.destroy();
      throw new Error('the node stopped while connecting');
    }
    const connection = this.open(socket);
    const result = this.peerManager.new_outbound_connection(nodeId, connection.descriptor, this.remoteAddress(socket));
    if (!(result instanceof this.ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      connection.close();
      throw new Error(`LDK refused an outbound connection to ${host}:${port}`);
    }
    connection.write(result.res);
  }

  /** Closes every connection (without telling LDK: it is being stopped) and the listener. */
  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.connections) connection.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = this.open(socket);
    const result = this.peerManager.new_inbound_connection(connection.descriptor, this.remoteAddress(socket));
    if (!(result instanceof this.ldk.Result_NonePeerHandleErrorZ_OK)) connection.close();
  }

  private open(socket: Socket): Connection {
    const connection = new Connection(this.ldk, this.peerManager, socket, this.nextId++, this.logger);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
    return connection;
  }

  private remoteAddress(socket: Socket): Option_SocketAddressZ {
    const ip = socket.remoteAddress;
    if (ip === undefined || !isIPv4(ip) || socket.remotePort === undefined) return this.ldk.Option_SocketAddressZ.constructor_none();
    const octets = Uint8Array.from(ip.split('.').map(Number));
    return this.ldk.Option_SocketAddressZ.constructor_some(this.ldk.SocketAddress.constructor_tcp_ip_v4(octets, socket.remotePort));
  }
}

/** One TCP connection and its descriptor. */
class Connection {
  readonly descriptor: SocketDescriptor;
  /** LDK asked to pause reads (`read_event` returned true) until a `send_data` with `resume_read`. */
  private readPaused = false;
  /** A `send_data` was cut short: LDK waits for `write_buffer_space_avail`. */
  private writeBlocked = false;
  /** Received bytes not yet given to LDK (less than one read chunk). */
  private unread: Uint8Array | undefined;
  /** Closed at LDK's request or ours: LDK is not told again. */
  private closedByUs = false;

  constructor(
    private readonly ldk: Ldk,
    private readonly peerManager: PeerSockets,
    private readonly socket: Socket,
    private readonly id: bigint,
    private readonly logger: Logger,
  ) {
    socket.setNoDelay(true);
    this.descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data, resumeRead) => this.sendData(data, resumeRead),
      disconnect_socket: () => this.close(),
      eq: (other) => other.hash() === id,
      hash: () => id,
    });
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', (error) => this.logger.log('debug', 'peer socket error', { error: error.message }));
    socket.once('close', () => {
      if (this.closedByUs) return;
      this.closedByUs = true;
      this.peerManager.socket_disconnected(this.descriptor);
      this.peerManager.process_events();
    });
  }

  /** Writes bytes LDK produced outside `send_data` (the outbound handshake's first act). */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Ends the connection without telling LDK (it asked, refused the peer, or is being stopped). */
  close(): void {
    this.closedByUs = true;
    this.unread = undefined;
    this.socket.destroy();
  }

  private sendData(data: Uint8Array, resumeRead: boolean): number {
    if (this.socket.destroyed || this.closedByUs) return 0;
    if (resumeRead && this.readPaused) {
      this.readPaused = false;
      queueMicrotask(() => this.resumeReading()); // never re-enter LDK from inside its own call
    }
    if (this.socket.writableNeedDrain) {
      this.writeBlocked = true;
      return 0;
    }
    this.socket.write(data.slice()); // a copy: the view may be into WebAssembly memory
    return data.length;
  }

  private drained(): void {
    if (!this.writeBlocked || this.closedByUs) return;
    this.writeBlocked = false;
    const result = this.peerManager.write_buffer_space_avail(this.descriptor);
    if (!(result instanceof this.ldk.Result_NonePeerHandleErrorZ_OK)) return this.close();
    this.resumeReading();
  }

  private received(chunk: Uint8Array): void {
    this.unread = this.unread ? concat(this.unread, chunk) : chunk;
    this.feed();
  }

  private resumeReading(): void {
    if (this.closedByUs || this.readPaused || this.writeBlocked) return;
    this.feed();
  }

  /** Hands LDK what was read, a slice at a time, while it will take more; pauses the socket when not. */
  private feed(): void {
    while (this.unread && !this.readPaused && !this.writeBlocked && !this.closedByUs) {
      const slice = this.unread.subarray(0, READ_SLICE_BYTES);
      this.unread = this.unread.length > READ_SLICE_BYTES ? this.unread.subarray(READ_SLICE_BYTES) : undefined;
      const result = this.peerManager.read_event(this.descriptor, slice);
      if (!(result instanceof this.ldk.Result_boolPeerHandleErrorZ_OK)) return this.close();
      if (result.res) this.readPaused = true;
      this.peerManager.process_events();
    }
    if (this.closedByUs) return;
    if (this.unread || this.readPaused || this.writeBlocked) this.socket.pause();
    else this.socket.resume();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
