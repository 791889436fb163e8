/**
 * The client side of a daemon's control socket, for the CLI verbs: one
 * connection per call, one request, one answer (`control-protocol.ts`).
 */
import { connect } from 'node:net';
import { checkInteger } from '../core/input.js';
import { ControlError, MAX_CONTROL_LINE_BYTES, checkSocketPath, decodeResponse, encodeRequest, messageOf } from './control-protocol.js';

/** Nothing listens at the socket path: the daemon is not running, or uses another path. */
export class DaemonNotRunningError extends Error {
  override name = 'DaemonNotRunningError';
  constructor(
    readonly socketPath: string,
    readonly code: string,
  ) {
    super(`no daemon listens at ${socketPath}: is it running? (${code})`);
  }
}

export interface CallControlOptions {
  /** How long to wait for the answer, in milliseconds. Default 30 s; 0 waits for ever. */
  readonly timeoutMs?: number;
  /** The longest request and response line. Default `MAX_CONTROL_LINE_BYTES`. */
  readonly maxLineBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** The id of the one request on each connection. */
const REQUEST_ID = 1;

/**
 * Calls `method` on the daemon at `socketPath` and resolves with its result.
 * Rejects with the server's `ControlError` (its code, message and field),
 * a `ControlError` with code `timeout`, `bad_response`, `disconnected` or
 * `unreachable`, or a `DaemonNotRunningError`.
 */
export async function callControl(
  socketPath: string,
  method: string,
  params?: object,
  options: CallControlOptions = {},
): Promise<unknown> {
  const timeoutMs = checkInteger('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 0, 2 ** 31 - 1);
  const maxLineBytes = options.maxLineBytes ?? MAX_CONTROL_LINE_BYTES;
  checkSocketPath(socketPath);
  const request = encodeRequest({ id: REQUEST_ID, method, ...(params === undefined ? {} : { params }) }, maxLineBytes);

  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let connected = false;
    let pending = Buffer.alloc(0);
    const timer =
      timeoutMs > 0 ? setTimeout(() => fail(new ControlError('timeout', `no answer to ${method} from ${socketPath} within ${timeoutMs} ms`)), timeoutMs) : undefined;
    // The first settlement wins; whatever happens after it (the close) changes nothing.
    const settle = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const fail = (error: Error): void => {
      settle();
      reject(error);
    };

    socket.once('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const newline = pending.indexOf(10);
      if (newline === -1) {
        if (pending.length > maxLineBytes) fail(new ControlError('bad_response', `the answer is over the limit of ${maxLineBytes} bytes`));
        return;
      }
      let response;
      try {
        response = decodeResponse(pending.subarray(0, newline), maxLineBytes);
      } catch (error) {
        return fail(error instanceof ControlError ? error : new ControlError('bad_response', messageOf(error))); // decodeResponse throws only the former
      }
      if ('error' in response) {
        const { code, message, field } = response.error;
        return fail(new ControlError(code, message, field));
      }
      if (response.id !== REQUEST_ID) return fail(new ControlError('bad_response', `the answer has id ${response.id}, not ${REQUEST_ID}`));
      settle();
      resolve(response.result);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) return fail(new ControlError('disconnected', `the connection to ${socketPath} failed: ${messageOf(error)}`));
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return fail(new DaemonNotRunningError(socketPath, error.code));
      fail(new ControlError('unreachable', `cannot connect to ${socketPath}: ${messageOf(error)}`));
    });
    socket.on('close', () => fail(new ControlError('disconnected', `${socketPath} closed the connection before answering ${method}`)));
  });
}

