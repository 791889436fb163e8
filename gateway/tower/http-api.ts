/**
 * The watchtower's local HTTP API, for clients that are not on the mesh (a
 * wallet on the gateway's machine, the node CLI). Mesh nodes reach the tower
 * through the link layer (`relay/node-service.ts`); this is the same tower.
 * JSON in and out, bytes as hex; loopback only unless told otherwise.
 *
 *   POST /v1/appointments  { nodeId, signedAt, appointments: [{ locator, blob, tag, channel? }], signature }
 *                          200 { receipt }: the tower's receipt signature (`node/tower/receipt.ts`)
 *   POST /v1/drop-tag      { nodeId, signedAt, tag, signature }  200 { dropped }
 *   GET  /v1/status        200 { appointments, gateway }: how many stored in all, the tower's key
 *
 * Requests are signed by the node's key (`node/tower/http-request.ts`), so
 * only the holder of that key fills its quota or drops its appointments.
 * Refusals, each with `{ error }` and nothing stored or dropped:
 *   400 a malformed body, with `field` naming what to fix (`appointments[2].blob`)
 *   401 a signature that does not verify (`field: "signature"`), or one
 *       signed too far from the tower's clock (`field: "signedAt"`)
 *   404 an unknown path, 405 a wrong method (with `Allow`)
 *   413 a body over the limit: refused on its Content-Length before it is
 *       read, or as soon as the bytes read pass the limit; never buffered whole
 *   415 a body that is not `application/json` (which also keeps web pages
 *       in a browser on this machine from posting here without a preflight)
 *   429 the node's quota is full, with the numbers (`held`, `adding`, `limits`).
 *       429 rather than 507: the client's own allowance is used up (gRPC's
 *       RESOURCE_EXHAUSTED maps to 429 for quotas), while a 5xx says the
 *       server failed, and clients retry those. Waiting does not help: the
 *       node must drop closed channels' tags, or use another tower.
 *   507 the tower has no room for a node it does not know (`pool`:
 *       `strangers`, the space all such nodes share, or `capacity`, the
 *       tower's), with the numbers. Not 429: the space is not the node's
 *       own, a fresh key does not get more of it (see `tower-space.ts`).
 *       The node must be named in the gateway's config, or use another tower.
 *   503 with Retry-After: the bodies being read by all requests together fill
 *       `maxBufferedBytes`; refused on the Content-Length before a byte is read.
 *
 * Beyond `maxConnections` open at once, a new connection is closed as soon
 * as it is accepted: many slow clients cost a bounded number of sockets and
 * bytes, and each is cut off after the headers or request timeout.
 *
 * A request replayed verbatim is harmless: appointments are stored per
 * (node, locator), so the same batch again replaces each appointment with
 * itself and answers the same receipt; a drop-tag again drops nothing more,
 * since a node makes no appointments under a closed channel's tag. Requests
 * older than the window (`maxClockSkewSeconds`) are refused, so a request
 * seen once cannot bring back, much later, appointments the node dropped.
 */
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bytesToHex } from '../../node/core/hex.js';
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { checkPublicKey } from '../../node/core/curve.js';
import { parseAppointmentsRequest, parseDropTagRequest, verifyAppointmentsRequest, verifyDropTagRequest } from '../../node/gateway-protocol/http-request.js';
import { MAX_GATEWAY_MESSAGE_BYTES } from '../../node/gateway-protocol/gateway-messages.js';
import { type AppointmentStore, TowerFullError, TowerQuotaError } from './appointment-store.js';
import { ByteBudget } from './byte-budget.js';
import type { Watchtower } from './watchtower.js';

export interface TowerHttpApiComponents {
  readonly tower: Pick<Watchtower, 'submit' | 'dropTag'>;
  /** For the status: how many appointments are stored. */
  readonly store: Pick<AppointmentStore, 'count'>;
  /** The tower's public key (the key that signs receipts): requests are signed for it. */
  readonly gatewayId: Uint8Array;
  /** The time requests' `signedAt` is checked against. */
  readonly clock: Clock;
  /** Where what the API survives (a server error, an internal error behind a 500) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface TowerHttpApiInit {
  /** Default 127.0.0.1: the API is for clients on the gateway's machine. */
  readonly host?: string;
  /** Default 9815; 0 picks a free port (tests). */
  readonly port?: number;
  /**
   * The largest body of `POST /v1/appointments`. Default 1 MiB: a batch as
   * large as a mesh message (256 KiB of bytes) doubles in hex, with room for the JSON.
   */
  readonly maxBodyBytes?: number;
  /** How far `signedAt` may be from the tower's clock, either way. Default 600 s. */
  readonly maxClockSkewSeconds?: number;
  /**
   * Connections open at once; one more is closed as soon as it is accepted,
   * before a byte of it is read. Default 32: the clients are a few programs
   * on this machine, sending a batch at a time; 32 leaves room for their
   * retries, and bounds what the server holds per connection (a socket, and
   * up to 16 KiB of headers in Node's parser).
   */
  readonly maxConnections?: number;
  /**
   * Bytes of request bodies held at once across all requests; a body that
   * does not fit is refused with 503 and Retry-After (on its Content-Length,
   * before it is read). Default 8 MiB: eight batches of the largest size at
   * once, far more than a few local clients send; without it, every
   * connection could hold `maxBodyBytes` (150 connections: 156 MB).
   * At least `maxBodyBytes` (and by default never less than it).
   */
  readonly maxBufferedBytes?: number;
  /**
   * Time to send the headers, and the whole request. Defaults 5 s and 15 s:
   * a local client sends a 1 MiB batch in milliseconds, and even over a
   * slow LAN (1 Mbit/s) in 8 s; a client slower than that holds a
   * connection and its bytes for nothing. Checked every second.
   */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** What the API holds now, by its own count (for status and tests). */
export interface TowerHttpLoad {
  /** Connections open. */
  readonly connections: number;
  /** Bytes of request bodies taken from the budget now, and the most at once since the start. */
  readonly bufferedBytes: number;
  readonly mostBufferedBytes: number;
  /** Connections closed at once because `maxConnections` were open. */
  readonly refusedConnections: number;
}

export interface TowerHttpApiEvents {
  /** A request answered, for logs and counters. */
  served: [method: string, path: string, status: number];
}

export const DEFAULT_TOWER_HTTP_PORT = 9815;
export const DEFAULT_TOWER_HTTP_MAX_CONNECTIONS = 32;
export const DEFAULT_TOWER_HTTP_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TOWER_HTTP_HEADERS_TIMEOUT_MS = 5_000;
export const DEFAULT_TOWER_HTTP_REQUEST_TIMEOUT_MS = 15_000;
/** How often Node checks the two timeouts (its default, 30 s, would let a slow client stay 30 s past them). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** A busy tower frees its budget as soon as the requests being read are done: a second is plenty. */
const BUSY_RETRY_AFTER_SECONDS = 1;
/** A drop-tag body is a few hundred bytes. */
const MAX_DROP_TAG_BODY_BYTES = 4096;

/** The API cannot start (the port is taken, the host is not this machine's). */
export class TowerHttpApiError extends Error {
  override name = 'TowerHttpApiError';
}

/** An answer to one request: its status and JSON body. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The body is larger than the route takes. */
class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`the body is larger than the ${limit} bytes this request takes`);
  }
}

export class TowerHttpApi extends EventEmitter<TowerHttpApiEvents> {
  readonly host: string;
  readonly maxBodyBytes: number;
  readonly maxClockSkewSeconds: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  private readonly requestedPort: number;
  private server: Server | undefined;
  /** The bytes of bodies being read, across all requests. */
  private readonly buffered: ByteBudget;
  private connections = 0;
  private refusedConnections = 0;
  private readonly logger: Logger;

  constructor(
    private readonly components: TowerHttpApiComponents,
    init: TowerHttpApiInit = {},
  ) {
    super();
    for (const name of ['tower', 'store', 'gatewayId', 'clock'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the tower HTTP API needs it');
    }
    this.logger = components.logger ?? silentLogger;
    checkPublicKey('gatewayId', components.gatewayId);
    this.host = init.host ?? '127.0.0.1';
    if (typeof this.host !== 'string' || this.host.length === 0) throw new InvalidInputError('host', 'expected a host name or address');
    this.requestedPort = checkInteger('port', init.port ?? DEFAULT_TOWER_HTTP_PORT, 0, 65535);
    this.maxBodyBytes = checkInteger('maxBodyBytes', init.maxBodyBytes ?? 4 * MAX_GATEWAY_MESSAGE_BYTES, 1024, 2 ** 30);
    this.maxClockSkewSeconds = checkInteger('maxClockSkewSeconds', init.maxClockSkewSeconds ?? 600, 1, 86_400);
    this.maxConnections = checkInteger('maxConnections', init.maxConnections ?? DEFAULT_TOWER_HTTP_MAX_CONNECTIONS, 1, 100_000);
    const maxBufferedBytes = checkInteger('maxBufferedBytes', init.maxBufferedBytes ?? Math.max(DEFAULT_TOWER_HTTP_MAX_BUFFERED_BYTES, this.maxBodyBytes), 1024, 2 ** 40);
    if (maxBufferedBytes < this.maxBodyBytes) throw new InvalidInputError('maxBufferedBytes', `${maxBufferedBytes} is less than maxBodyBytes (${this.maxBodyBytes}): the largest batch could never be read`);
    this.buffered = new ByteBudget(maxBufferedBytes);
    this.headersTimeoutMs = checkInteger('headersTimeoutMs', init.headersTimeoutMs ?? DEFAULT_TOWER_HTTP_HEADERS_TIMEOUT_MS, 100, 600_000);
    this.requestTimeoutMs = checkInteger('requestTimeoutMs', init.requestTimeoutMs ?? DEFAULT_TOWER_HTTP_REQUEST_TIMEOUT_MS, this.headersTimeoutMs, 3_600_000);
  }

  /** What the API holds now, by its own count. */
  load(): TowerHttpLoad {
    return { connections: this.connections, bufferedBytes: this.buffered.held, mostBufferedBytes: this.buffered.mostHeld, refusedConnections: this.refusedConnections };
  }

  /** Listens; rejects with a `TowerHttpApiError` when it cannot (the port is taken). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer(
      // A client that sends its headers or body slowly is cut off rather than holding a connection and its bytes.
      { headersTimeout: this.headersTimeoutMs, requestTimeout: this.requestTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
      (request, response) => void this.handle(request, response),
    );
    // Beyond the cap Node closes a new connection before reading it ('drop').
    server.maxConnections = this.maxConnections;
    server.on('drop', () => this.refusedConnections++);
    server.on('connection', (socket: Socket) => {
      this.connections++;
      socket.once('close', () => this.connections--);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new TowerHttpApiError(`the tower HTTP API cannot listen on ${this.host}:${this.requestedPort}: ${error.message}`)));
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    server.on('error', (error) => this.logger.log('warn', `the tower HTTP API: ${error.message}`));
    this.server = server;
  }

  /**
   * Stops listening and closes every connection. A request still being read
   * is cut (nothing of it stored); one whose answer was cut is sent again by
   * its client, harmlessly.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Where it listens (the port chosen, when it was 0). Only while started. */
  address(): { host: string; port: number } {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new TowerHttpApiError('the tower HTTP API is not started');
    return { host: address.address, port: address.port };
  }

  /** The base URL, `http://host:port`. Only while started. */
  url(): string {
    const { host, port } = this.address();
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const method = request.method ?? 'GET';
    let answer: Answer;
    try {
      answer = await this.route(method, path, request);
    } catch (error) {
      if (error instanceof ClientGoneError) return;
      answer = this.refusal(error);
    }
    if (response.destroyed) return; // the client went away
    const body = JSON.stringify(answer.body);
    // A refusal before the body was read whole closes the connection: what is left of the body is never read.
    const unread = !request.complete;
    response.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...(unread ? { connection: 'close' } : {}),
      ...answer.headers,
    });
    response.end(body);
    this.emit('served', method, path, answer.status);
  }

  private async route(method: string, path: string, request: IncomingMessage): Promise<Answer> {
    switch (path) {
      case '/v1/appointments':
        if (method !== 'POST') return methodNotAllowed('POST');
        return this.appointments(await readJson(request, this.maxBodyBytes, this.buffered));
      case '/v1/drop-tag':
        if (method !== 'POST') return methodNotAllowed('POST');
        return this.dropTag(await readJson(request, MAX_DROP_TAG_BODY_BYTES, this.buffered));
      case '/v1/status':
        if (method !== 'GET') return methodNotAllowed('GET');
        return { status: 200, body: { appointments: this.components.store.count(), gateway: bytesToHex(this.components.gatewayId) } };
      default:
        return { status: 404, body: { error: `no such path: ${path.slice(0, 100)}; the tower answers /v1/appointments, /v1/drop-tag and /v1/status` } };
    }
  }

  private appointments(body: unknown): Answer {
    const request = parseAppointmentsRequest(body);
    this.checkFresh(request.signedAt);
    if (!verifyAppointmentsRequest(this.components.gatewayId, request)) return badSignature();
    const receipt = this.components.tower.submit(bytesToHex(request.nodeId), request.appointments);
    return { status: 200, body: { receipt: bytesToHex(receipt) } };
  }

  private dropTag(body: unknown): Answer {
    const request = parseDropTagRequest(body);
    this.checkFresh(request.signedAt);
    if (!verifyDropTagRequest(this.components.gatewayId, request)) return badSignature();
    return { status: 200, body: { dropped: this.components.tower.dropTag(bytesToHex(request.nodeId), request.tag) } };
  }

  private checkFresh(signedAt: number): void {
    const now = Math.floor(this.components.clock.now() / 1000);
    if (Math.abs(now - signedAt) > this.maxClockSkewSeconds) throw new StaleRequestError(signedAt, now, this.maxClockSkewSeconds);
  }

  private refusal(error: unknown): Answer {
    if (error instanceof StaleRequestError) return { status: 401, body: { error: error.message, field: 'signedAt' } };
    if (error instanceof InvalidInputError) return { status: 400, body: { error: error.message, field: error.field } };
    if (error instanceof BodyTooLargeError) return { status: 413, body: { error: error.message, limit: error.limit } };
    if (error instanceof UnsupportedMediaError) return { status: 415, body: { error: error.message } };
    if (error instanceof BusyError) return { status: 503, body: { error: error.message }, headers: { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } };
    if (error instanceof TowerQuotaError) {
      return { status: 429, body: { error: error.message, nodeId: error.nodeId, held: error.held, adding: error.adding, limits: error.limits } };
    }
    if (error instanceof TowerFullError) {
      return { status: 507, body: { error: error.message, nodeId: error.nodeId, pool: error.pool, held: error.held, adding: error.adding, limits: error.limits } };
    }
    this.logger.log('warn', `a request to the tower HTTP API met an internal error: ${(error as Error)?.stack ?? String(error)}`);
    return { status: 500, body: { error: 'internal error; the tower logged it' } };
  }
}

/** `signedAt` is too far from the tower's clock: an old request replayed, or a client's clock that is wrong. */
class StaleRequestError extends Error {
  override name = 'StaleRequestError';
  constructor(signedAt: number, now: number, window: number) {
    super(`signedAt ${signedAt} is ${Math.abs(now - signedAt)} s from the tower's clock (${now}); at most ${window} s is accepted. Check the clock and sign again.`);
  }
}

/** The bodies being read across all requests fill the budget: this one is refused, to try again shortly. */
class BusyError extends Error {
  override name = 'BusyError';
  constructor(readonly limit: number) {
    super(`the tower is busy reading other requests (at most ${limit} bytes of bodies at once); send this one again in a moment`);
  }
}

class UnsupportedMediaError extends Error {
  override name = 'UnsupportedMediaError';
}

/** The connection closed before the body was read whole: there is no one to answer. */
class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection before sending the whole body');
  }
}

function methodNotAllowed(allow: string): Answer {
  return { status: 405, body: { error: `use ${allow}` }, headers: { allow } };
}

function badSignature(): Answer {
  return { status: 401, body: { error: "the signature does not verify with nodeId's key for this tower", field: 'signature' } };
}

/**
 * The request's body as JSON, never holding more than `limit` bytes: a
 * Content-Length over it is refused before a byte is read, and a body that
 * grows past it (chunked, or lying about its length) as soon as it does.
 */
async function readJson(request: IncomingMessage, limit: number, budget: ByteBudget): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new UnsupportedMediaError(`send the body as application/json, not ${type.slice(0, 50) || 'without a content type'}`);
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new BodyTooLargeError(limit);
  // The declared length is taken from the budget before a byte is read: a busy tower says so at once.
  let taken = declared === undefined ? 0 : Number(declared);
  if (!budget.take(taken)) throw new BusyError(budget.limit);
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const stop = (error: Error) => {
        // Stop reading (the socket closes after the answer), and keep nothing more.
        request.off('data', onData);
        request.pause();
        chunks.length = 0;
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        length += chunk.length;
        if (length > limit) return stop(new BodyTooLargeError(limit));
        // A chunked body, or one longer than declared, takes from the budget as it comes.
        if (length > taken) {
          if (!budget.take(length - taken)) return stop(new BusyError(budget.limit));
          taken = length;
        }
        chunks.push(chunk);
      };
      request.on('data', onData);
      request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      // Before 'end': the client went away mid-body (after 'end' this settles nothing).
      request.once('close', () => reject(new ClientGoneError()));
    });
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError('body', `not JSON (${(error as Error).message.slice(0, 100)})`);
    }
  } finally {
    budget.give(taken);
  }
}
