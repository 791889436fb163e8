/**
 * A small JSON-RPC client for Bitcoin Core (and servers that answer its
 * calls, such as bcoin's), over Node's own `fetch`: HTTP basic auth with a
 * user and password or Core's cookie file, a timeout from the `Clock`, a cap
 * on what an answer may weigh, and errors that tell a user what to fix.
 */
import { readFile } from 'node:fs/promises';
import { type Clock, systemClock } from '../../node/core/clock.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';

/** rpcuser/rpcpassword (or rpcauth), or the `.cookie` file Core writes in its data directory at each start. */
export type RpcCredentials = { readonly user: string; readonly password: string } | { readonly cookieFile: string };

export interface JsonRpcClientOptions {
  /** For example http://127.0.0.1:8332/ (credentials go in `credentials`, not here). */
  readonly url: string;
  readonly credentials: RpcCredentials;
  readonly clock?: Clock;
  /** Default 30 s: a big block takes a while to serve. */
  readonly timeoutMs?: number;
  /** Default 64 MiB: a block is at most 8 MB of hex, a mainnet mempool's txids some 20 MB. */
  readonly maxResponseBytes?: number;
}

/** The server could not be reached, or did not answer in time. */
export class RpcConnectionError extends Error {
  override name = 'RpcConnectionError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the Bitcoin RPC server at ${url}: ${reason}`);
  }
}

/** The server refused the credentials, or they could not be read. */
export class RpcAuthenticationError extends Error {
  override name = 'RpcAuthenticationError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`the Bitcoin RPC server at ${url} did not accept us: ${reason}`);
  }
}

/** The server answered something that is not a JSON-RPC answer of the expected shape. */
export class RpcResponseError extends Error {
  override name = 'RpcResponseError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`unexpected answer from the Bitcoin RPC server at ${url}: ${reason}`);
  }
}

/** The server answered the call with an error: `code` and `rpcMessage` are its own (e.g. -26, "txn-mempool-conflict"). */
export class RpcCallError extends Error {
  override name = 'RpcCallError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
  ) {
    super(`${method}: ${rpcMessage} (RPC error ${code})`);
  }
}

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

/** One answer of a batch: a result, or the error the server gave for that call alone. */
export type RpcOutcome = { readonly result: unknown } | { readonly error: RpcCallError };

export class JsonRpcClient {
  readonly url: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private authorization: string | undefined;
  private nextId = 1;
  /** Aborts the requests in flight at `abortInFlight()`. */
  private inFlight = new AbortController();

  constructor(private readonly options: JsonRpcClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new InvalidInputError('url', `not a URL: ${String(options.url).slice(0, 100)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidInputError('url', 'expected an http: or https: URL');
    if (parsed.username || parsed.password) throw new InvalidInputError('url', 'put the user and password in `credentials`, not in the URL');
    const credentials = options.credentials as Partial<{ user: string; password: string; cookieFile: string }>;
    if (typeof credentials?.cookieFile !== 'string' && (typeof credentials?.user !== 'string' || typeof credentials.password !== 'string')) {
      throw new InvalidInputError('credentials', 'expected { user, password } or { cookieFile }');
    }
    this.url = parsed.href;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = checkInteger('timeoutMs', options.timeoutMs ?? 30_000, 1, 2 ** 31 - 1);
    this.maxResponseBytes = checkInteger('maxResponseBytes', options.maxResponseBytes ?? 64 * 2 ** 20, 1024, 2 ** 31 - 1);
  }

  /** Calls `method`; resolves with its result, rejects with one of the errors above. */
  async call(method: string, params: readonly unknown[] = []): Promise<unknown> {
    const id = this.nextId++;
    const answer = await this.post(method, { jsonrpc: '1.0', id, method, params });
    return outcomeOf(this.url, method, answer).result;
  }

  /** Sends `calls` in one request; each answer stands alone (one call's error does not fail the others). */
  async batch(calls: readonly RpcCall[]): Promise<RpcOutcome[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const answer = await this.post(calls[0]!.method, calls.map((call, i) => ({ jsonrpc: '1.0', id: first + i, method: call.method, params: call.params })));
    if (!Array.isArray(answer)) {
      outcomeOf(this.url, 'batch', answer); // a whole-batch error throws here
      throw new RpcResponseError(this.url, 'a batch was answered with something other than a list');
    }
    const byId = new Map<unknown, unknown>(answer.map((item) => [(item as { id?: unknown })?.id, item]));
    return calls.map((call, i) => {
      const item = byId.get(first + i);
      if (item === undefined) throw new RpcResponseError(this.url, `the batch answer lacks ${call.method} (id ${first + i})`);
      try {
        return { result: outcomeOf(this.url, call.method, item).result };
      } catch (error) {
        if (error instanceof RpcCallError) return { error };
        throw error;
      }
    });
  }

  /** Aborts the requests in flight (they reject with RpcConnectionError); later calls go out as usual. */
  abortInFlight(): void {
    this.inFlight.abort();
    this.inFlight = new AbortController();
  }

  private async post(method: string, body: unknown, retriedWithNewCookie = false): Promise<unknown> {
    const authorization = await this.currentAuthorization();
    const timeout = new AbortController();
    const cancelTimer = this.clock.setTimer(this.timeoutMs, () => timeout.abort());
    const aborted = this.inFlight.signal;
    let status: number;
    let text: string;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
        signal: AbortSignal.any([timeout.signal, aborted]),
      });
      status = response.status;
      text = await this.readCapped(response);
    } catch (error) {
      if (error instanceof RpcResponseError) throw error;
      if (aborted.aborted) throw new RpcConnectionError(this.url, 'the request was abandoned (closing)');
      if (timeout.signal.aborted) throw new RpcConnectionError(this.url, `no answer to ${method} within ${this.timeoutMs} ms`);
      throw new RpcConnectionError(this.url, describeFetchFailure(error));
    } finally {
      cancelTimer();
    }
    if (status === 401 || status === 403) {
      // Core writes a new cookie at each start: read it again once before giving up.
      if ('cookieFile' in this.options.credentials && !retriedWithNewCookie) {
        this.authorization = undefined;
        return this.post(method, body, true);
      }
      throw new RpcAuthenticationError(this.url, `HTTP ${status}: ${this.credentialsHint()}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RpcResponseError(this.url, `HTTP ${status} to ${method}, and not JSON: ${JSON.stringify(text.slice(0, 100))}`);
    }
  }

  private async readCapped(response: Response): Promise<string> {
    if (!response.body) return '';
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.maxResponseBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new RpcResponseError(this.url, `an answer of ${declared} bytes, over the ${this.maxResponseBytes}-byte cap`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > this.maxResponseBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new RpcResponseError(this.url, `an answer over the ${this.maxResponseBytes}-byte cap`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async currentAuthorization(): Promise<string> {
    if (this.authorization) return this.authorization;
    const credentials = this.options.credentials;
    let pair: string;
    if ('cookieFile' in credentials) {
      try {
        pair = (await readFile(credentials.cookieFile, 'utf8')).trim();
      } catch (error) {
        throw new RpcAuthenticationError(this.url, `cannot read the cookie file ${credentials.cookieFile} (${(error as Error).message}); is bitcoind running with this data directory?`);
      }
      if (!pair.includes(':')) throw new RpcAuthenticationError(this.url, `the cookie file ${credentials.cookieFile} does not hold user:password`);
    } else {
      pair = `${credentials.user}:${credentials.password}`;
    }
    this.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    return this.authorization;
  }

  private credentialsHint(): string {
    const credentials = this.options.credentials;
    return 'cookieFile' in credentials
      ? `the cookie in ${credentials.cookieFile} was refused, even read afresh; is it this server's data directory?`
      : `user "${credentials.user}" and its password were refused; check rpcuser/rpcpassword (or rpcauth) in bitcoin.conf`;
  }
}

/** A JSON-RPC answer object into its result, or the RpcCallError it carries. */
function outcomeOf(url: string, method: string, answer: unknown): { result: unknown } {
  if (typeof answer !== 'object' || answer === null) throw new RpcResponseError(url, `${method} was answered with ${JSON.stringify(answer)?.slice(0, 100)}`);
  const { result, error } = answer as { result?: unknown; error?: unknown };
  if (error !== undefined && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    throw new RpcCallError(method, typeof code === 'number' ? code : 0, typeof message === 'string' ? message : JSON.stringify(error).slice(0, 200));
  }
  if (!('result' in answer)) throw new RpcResponseError(url, `${method} was answered with neither a result nor an error`);
  return { result };
}

/** fetch says "fetch failed" and hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, a reset socket...). */
function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return (error as Error)?.message ?? String(error);
}
