/**
 * The daemons' local control protocol: newline-delimited JSON over a Unix
 * socket, one request per line, one response line per request with the
 * same id (answers on one connection may come in any order).
 *
 *   → {"id": 7, "method": "status", "params": {}}          params optional, an object
 *   ← {"id": 7, "result": {...}}
 *   ← {"id": 7, "error": {"code": "invalid_params", "message": "amountMsat: ...", "field": "amountMsat"}}
 *
 * A request whose id cannot be read is answered with `"id": null`.
 * JSON lines rather than HTTP: nothing to route, no headers, and a person
 * can talk to a daemon with `socat - UNIX-CONNECT:PATH`.
 */

/** The longest line either side sends or accepts, in bytes, without its newline. */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;

/**
 * The longest Unix socket path, in bytes: `sun_path` holds 108 with the NUL.
 * Node 20 silently truncates a longer path, so a daemon would listen
 * somewhere else than configured.
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Error codes. From the server: `bad_request` (not JSON, not an object, no
 * method, too long), `unknown_method`, `invalid_params` (with `field`),
 * `failed` (the handler failed; the message says why). From the client
 * itself: `timeout`, `bad_response` (a line over the limit or not a
 * response), `disconnected` (closed before answering), `unreachable` (the
 * socket exists but cannot be connected to, e.g. EACCES).
 * Handlers may choose others by throwing a `ControlError`.
 */
export type ControlErrorCode =
  | 'bad_request'
  | 'unknown_method'
  | 'invalid_params'
  | 'failed'
  | 'timeout'
  | 'bad_response'
  | 'disconnected'
  | 'unreachable'
  | (string & {});

/** A control call that did not succeed; handlers throw it to choose the code. */
export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    readonly code: ControlErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A request line the server cannot use; `id` is the request's, when it could be read. */
export class BadRequestError extends ControlError {
  override name = 'BadRequestError';
  constructor(
    message: string,
    readonly id: number | null,
  ) {
    super('bad_request', message);
  }
}

export interface ControlRequest {
  readonly id: number;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export interface ControlErrorBody {
  readonly code: ControlErrorCode;
  readonly message: string;
  readonly field?: string;
}

export type ControlResponse =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number | null; readonly error: ControlErrorBody };

/**
 * A request as one line, newline included. Throws `ControlError('bad_request')`
 * when the params cannot be sent as JSON or the line is over the limit.
 */
export function encodeRequest(request: { readonly id: number; readonly method: string; readonly params?: object }, maxLineBytes = MAX_CONTROL_LINE_BYTES): string {
  let line: string;
  try {
    line = JSON.stringify({ id: request.id, method: request.method, ...(request.params === undefined ? {} : { params: request.params }) });
  } catch (error) {
    throw new ControlError('bad_request', `the params cannot be sent as JSON: ${messageOf(error)}`);
  }
  const bytes = byteLength(line);
  if (bytes > maxLineBytes) throw new ControlError('bad_request', `the request is ${bytes} bytes, over the limit of ${maxLineBytes}`);
  return `${line}\n`;
}

/**
 * A response as one line, newline included. A result that JSON cannot carry
 * (a BigInt, a cycle, a throwing `toJSON`) or that is over the limit becomes
 * a `failed` error, so this never throws. `undefined` results become null.
 */
export function encodeResponse(response: ControlResponse, maxLineBytes = MAX_CONTROL_LINE_BYTES): string {
  if ('error' in response) {
    const { code, message, field } = response.error;
    const error = { code, message: message.length > 1000 ? `${message.slice(0, 1000)}...` : message, ...(field === undefined ? {} : { field: field.slice(0, 200) }) };
    return `${JSON.stringify({ id: response.id, error })}\n`;
  }
  let result: string | undefined;
  try {
    result = JSON.stringify(response.result);
  } catch (error) {
    return encodeResponse({ id: response.id, error: { code: 'failed', message: `the result cannot be sent as JSON: ${messageOf(error)}` } });
  }
  const line = `{"id":${response.id},"result":${result ?? 'null'}}`;
  if (byteLength(line) > maxLineBytes) {
    return encodeResponse({ id: response.id, error: { code: 'failed', message: `the result is ${byteLength(line)} bytes, over the limit of ${maxLineBytes}` } });
  }
  return `${line}\n`;
}

/** A request line (without its newline). Throws only `BadRequestError`. */
export function decodeRequest(line: string | Uint8Array, maxLineBytes = MAX_CONTROL_LINE_BYTES): ControlRequest {
  const value = parseLine(line, maxLineBytes, (message) => new BadRequestError(message, null));
  if (!isRecord(value)) throw new BadRequestError('a request must be a JSON object', null);
  const { id, method, params } = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new BadRequestError('"id" must be an integer', null);
  if (typeof method !== 'string' || method === '') throw new BadRequestError('"method" must be a non-empty string', id);
  if (params !== undefined && !isRecord(params)) throw new BadRequestError('"params" must be an object', id);
  return params === undefined ? { id, method } : { id, method, params };
}

/** A response line (without its newline). Throws only `ControlError('bad_response')`. */
export function decodeResponse(line: string | Uint8Array, maxLineBytes = MAX_CONTROL_LINE_BYTES): ControlResponse {
  const bad = (message: string) => new ControlError('bad_response', message);
  const value = parseLine(line, maxLineBytes, bad);
  if (!isRecord(value)) throw bad('a response must be a JSON object');
  const { id } = value;
  if (id !== null && (typeof id !== 'number' || !Number.isSafeInteger(id))) throw bad('"id" must be an integer or null');
  if ('error' in value) {
    const { error } = value;
    if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
      throw bad('"error" must be an object with a string "code" and "message"');
    }
    if (error.field !== undefined && typeof error.field !== 'string') throw bad('"error.field" must be a string');
    const body = { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
    return { id, error: body };
  }
  if (id === null || !('result' in value)) throw bad('a response needs an integer "id" and a "result" or an "error"');
  return { id, result: value.result };
}

/** Throws a `ControlError` when a socket path does not fit in `sun_path`. */
export function checkSocketPath(socketPath: string, code: ControlErrorCode = 'unreachable'): void {
  const bytes = byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ControlError(code, `the socket path ${socketPath} is ${bytes} bytes; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`);
  }
}

/** An error's message for people: never a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return `${typeof error} thrown`;
}

function parseLine(line: string | Uint8Array, maxLineBytes: number, bad: (message: string) => ControlError): unknown {
  const bytes = typeof line === 'string' ? byteLength(line) : line.length;
  if (bytes > maxLineBytes) throw bad(`the line is ${bytes} bytes, over the limit of ${maxLineBytes}`);
  try {
    return JSON.parse(typeof line === 'string' ? line : utf8.decode(line));
  } catch {
    throw bad('the line is not valid JSON');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
