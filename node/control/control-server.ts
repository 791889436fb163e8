/**
 * The server side of a daemon's local control socket (`control-protocol.ts`):
 * it reads request lines, calls the handler named by `method`, and writes
 * one response line per request. The socket file is the only access control,
 * so it is owner-only (0600) from the moment it exists.
 *
 * Each request is answered as soon as its handler settles, so a slow one
 * (`pay --wait`) holds up nothing else, on its connection or another. Nothing
 * a client or a handler does can crash the daemon: a throw becomes an error
 * response, a client gone before its answer is simply not answered.
 */
import { lstat, rm, chmod, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { InvalidInputError, describe } from '../core/input.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { ControlApi, ControlHandlers } from './control-api.js';
import {
  BadRequestError,
  ControlError,
  type ControlErrorBody,
  MAX_CONTROL_LINE_BYTES,
  checkSocketPath,
  decodeRequest,
  encodeResponse,
  messageOf,
} from './control-protocol.js';

export type ControlHandler = (params: Record<string, unknown>) => unknown | Promise<unknown>;

/** The control socket cannot be opened: its path is taken, or not usable. */
export class ControlSocketError extends Error {
  override name = 'ControlSocketError';
}

export interface ControlServerInit {
  /** Where to listen; its directory must exist and belongs to the caller. */
  readonly socketPath: string;
  /** The longest request and response line. Default `MAX_CONTROL_LINE_BYTES`. */
  readonly maxLineBytes?: number;
  /** Where what the server survives (a socket error, a handler that failed) is told. Default nowhere. */
  readonly logger?: Logger;
}

/** Answers the methods of a daemon's table (`Api`, node-api.ts or gateway-api.ts), one handler each. */
export class ControlServer<Api extends ControlApi = ControlApi> {
  readonly #handlers: Readonly<Record<string, ControlHandler>>;
  readonly #socketPath: string;
  readonly #maxLineBytes: number;
  readonly #logger: Logger;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #stopping: Promise<void> | undefined;

  constructor(handlers: ControlHandlers<Api>, init: ControlServerInit) {
    this.#handlers = handlers;
    this.#logger = init.logger ?? silentLogger;
    this.#socketPath = init.socketPath;
    this.#maxLineBytes = init.maxLineBytes ?? MAX_CONTROL_LINE_BYTES;
  }

  /** Listens; a stale socket file from a crashed daemon is replaced, a live one refused. */
  async start(): Promise<void> {
    if (this.#server || this.#stopping) throw new ControlSocketError('the control server was already started');
    const path = this.#socketPath;
    const server = createServer((socket) => this.#serve(socket));
    this.#server = server;
    try {
      checkSocketPath(path);
      await checkSocketDirectory(path);
      await removeStaleSocket(path);
      // The bind inside listen() is synchronous: the file is created 0600 and
      // the process umask is back before any other code runs.
      const umask = process.umask(0o177);
      try {
        server.listen(path);
      } finally {
        process.umask(umask);
      }
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      await chmod(path, 0o600);
    } catch (error) {
      this.#server = undefined;
      server.close();
      if (error instanceof ControlSocketError) throw error;
      throw new ControlSocketError(`cannot listen on ${path}: ${messageOf(error)}`);
    }
    server.on('error', (error) => this.#logger.log('warn', `control socket ${path}: ${messageOf(error)}`));
  }

  /** Stops listening, closes every connection (unanswered requests stay so) and removes the socket file. */
  stop(): Promise<void> {
    const server = this.#server;
    if (!server) return this.#stopping ?? Promise.resolve();
    this.#server = undefined;
    this.#stopping = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
      await closed;
      await rm(this.#socketPath, { force: true });
    })();
    return this.#stopping;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {}); // the client went away (EPIPE, ECONNRESET): there is no one to tell
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      for (let newline = pending.indexOf(10); newline !== -1; newline = pending.indexOf(10)) {
        const line = pending.subarray(0, newline);
        pending = pending.subarray(newline + 1);
        if (line.length > this.#maxLineBytes) return tooLong(line.length);
        void this.#answer(socket, line);
      }
      if (pending.length > this.#maxLineBytes) tooLong(pending.length);
    };
    // A line over the limit: answer once and close, since where the next line starts is unknown.
    const tooLong = (bytes: number): void => {
      socket.off('data', onData);
      const error = { code: 'bad_request', message: `a line of ${bytes} bytes or more, over the limit of ${this.#maxLineBytes}` };
      socket.end(encodeResponse({ id: null, error }), () => socket.destroy());
    };
    socket.on('data', onData);
  }

  async #answer(socket: Socket, line: Buffer): Promise<void> {
    let id: number | null = null;
    let response: string;
    try {
      const request = decodeRequest(line, this.#maxLineBytes);
      id = request.id;
      const handler = Object.hasOwn(this.#handlers, request.method) ? this.#handlers[request.method] : undefined;
      if (!handler) {
        const known = Object.keys(this.#handlers).sort().join(', ');
        throw new ControlError('unknown_method', `unknown method ${describe(request.method)} (known: ${known || 'none'})`);
      }
      const result: unknown = await handler(request.params ?? {});
      response = encodeResponse({ id, result }, this.#maxLineBytes);
    } catch (error) {
      if (error instanceof BadRequestError) id = error.id;
      response = encodeResponse({ id, error: this.#errorBody(error) });
    }
    if (socket.writable) socket.write(response);
  }

  #errorBody(error: unknown): ControlErrorBody {
    if (error instanceof ControlError) {
      return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
    }
    if (error instanceof InvalidInputError) return { code: 'invalid_params', message: error.message, field: error.field };
    this.#logger.log('warn', `control handler failed: ${messageOf(error)}`);
    return { code: 'failed', message: messageOf(error) };
  }
}

/**
 * Removes a socket file that no process listens on any more (a crashed
 * daemon's). Refuses a live socket, and anything that is not a socket: a
 * mistyped path must not delete someone's file.
 */
/**
 * The socket's folder must not let others swap the socket for one of their
 * own (which would collect the commands, `pay` among them): refused when
 * group or others can write it, unless it is sticky like /tmp, where they
 * can remove or rename only their own files. By default the socket is in the
 * data directory, which is 0700.
 */
async function checkSocketDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const folder = dirname(path);
  let mode: number;
  try {
    mode = (await stat(folder)).mode;
  } catch (error) {
    throw new ControlSocketError(`cannot listen on ${path}: ${messageOf(error)}`); // as listen() would say it
  }
  if ((mode & 0o022) === 0 || (mode & 0o1000) !== 0) return;
  const octal = `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
  throw new ControlSocketError(`${folder} (mode ${octal}) can be written by group or others, who could replace the control socket ${path}: put it in a directory of your own (the data directory, by default), or run chmod 700 ${folder}`);
}

async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ControlSocketError(`cannot check ${path}: ${error.message}`);
  });
  if (!stats) return;
  if (!stats.isSocket()) throw new ControlSocketError(`${path} exists and is not a socket`);
  const refused = await new Promise<string | undefined>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(`another process listens on ${path}`);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' ? undefined : `cannot check ${path}: ${error.message}`);
    });
  });
  if (refused) throw new ControlSocketError(refused);
  await rm(path, { force: true });
}
