/**
 * The verbs that talk to a running daemon through its control socket:
 * `status`, `peers`, `channels`, `open`, `close`, `invoice`, `pay`,
 * `payments`, `routes`, `outbox`, `links`, `tower`, `wallet`, `deposit`. Tables for
 * people by default, the daemon's JSON with `--json`. Each takes
 * `--config FILE` or `--socket PATH` to say which daemon.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DurationError, parseDuration } from '../config/duration.js';
import { MAX_FUNDING_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';
import { nodeIdProblem } from '../keys/node-id.js';
import { type DaemonOptions, DEFAULT_CONFIG, ask } from './daemon-socket.js';
import { waitWithProgress } from './progress.js';
import { type TableColumn, formatKeyValues, formatTable } from './table.js';
import type { OnchainSummary } from '../channel/manager.js';

type Row = Record<string, unknown>;

/** Adds the options every daemon verb takes. */
export function daemonVerb(program: Command, name: string, summary: string): Command {
  return program
    .command(name)
    .summary(summary)
    .option('-c, --config <file>', `the daemon's config file (default $LNMESH_CONFIG or ${DEFAULT_CONFIG})`)
    .option('-s, --socket <path>', "the daemon's control socket (instead of --config)")
    .option('--json', 'print the JSON the daemon answered, for scripts');
}

/** Prints `result` as JSON or as people read it. */
export function show(options: DaemonOptions, result: unknown, asText: (result: never) => string): void {
  console.log(options.json ? JSON.stringify(result, null, 2) : asText(result as never));
}

function table(columns: TableColumn[]): (rows: Row[]) => string {
  return (rows) => formatTable(rows, columns);
}

export function integerArgument(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return number;
  };
}

function nodeIdArgument(value: string): string {
  const problem = nodeIdProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value.toLowerCase();
}

/** `--wait`, for the verbs whose work goes on after the daemon answered. */
function waitOption(until: string): Option {
  return new Option('-w, --wait', `wait ${until}`);
}

/** How long `--wait` waits: an hour unless told. */
function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'how long --wait waits').argParser(durationArgument).default(3_600_000, '1h');
}

function durationArgument(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    // Commander shows the value already: only the reason.
    throw new InvalidArgumentError(error instanceof DurationError ? error.reason : (error as Error).message);
  }
}

const short = (hex: unknown) => (typeof hex === 'string' && hex.length > 20 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex);
const named = (row: Row, idKey: string, nameKey: string) => ({ ...row, [idKey]: row[nameKey] ? `${String(row[nameKey])} (${String(short(row[idKey]))})` : short(row[idKey]) });

export function registerControlCommands(program: Command): void {
  daemonVerb(program, 'status', "the daemon's state at a glance").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'status'), (status: Row) => formatKeyValues(status));
  });

  daemonVerb(program, 'peers', 'neighbours on each link: up or not, what waits for them').action(async (options: DaemonOptions) => {
    const columns: TableColumn[] = [{ key: 'nodeId', header: 'NEIGHBOUR' }, { key: 'transport', header: 'TRANSPORT' }, { key: 'link', header: 'LINK' }, { key: 'up', header: 'UP' }, { key: 'heard', header: 'HEARD' }, { key: 'outbox', header: 'OUTBOX' }];
    // UP stays true for a while after a neighbour stops (silence means something on a radio only after a few rounds): HEARD says how long it has been.
    const heardAgo = (row: Row) => (typeof row.heardSecondsAgo === 'number' ? { heard: `${formatSeconds(row.heardSecondsAgo)} ago` } : { heard: 'never' });
    show(options, await ask(options, 'peers'), (rows: Row[]) => table(columns)(rows.map((row) => ({ ...named(row, 'nodeId', 'name'), ...heardAgo(row) }))));
  });

  daemonVerb(program, 'channels', 'every channel: status, capacity, balances').action(async (options: DaemonOptions) => {
    const columns: TableColumn[] = [
      { key: 'peer', header: 'PEER' },
      { key: 'handle', header: 'HANDLE' },
      { key: 'status', header: 'STATUS' },
      { key: 'capacitySatoshis', header: 'CAPACITY SAT' },
      { key: 'localSat', header: 'LOCAL SAT' },
      { key: 'remoteSat', header: 'REMOTE SAT' },
      { key: 'pendingHtlcs', header: 'HTLCS' },
      { key: 'progress', header: 'ON CHAIN' },
    ];
    show(options, await ask(options, 'channels'), (rows: Row[]) =>
      table(columns)(
        rows.map((row) => ({
          ...named(row, 'peer', 'peerName'),
          localSat: Math.floor(Number(row.localMsat) / 1000),
          remoteSat: Math.floor(Number(row.remoteMsat) / 1000),
          progress: onchainProgress(row.onchain as OnchainSummary | undefined),
        })),
      ),
    );
  });

  daemonVerb(program, 'open', 'open a channel with a neighbour, funded from the wallet')
    .argument('<peer>', "a neighbour's node id (listed under links: in the node's config; lnmesh peers)", nodeIdArgument)
    .argument('<satoshis>', 'the channel capacity', integerArgument('satoshis', MIN_FUNDING_SATOSHIS, MAX_FUNDING_SATOSHIS))
    .option('--push <msat>', 'give the peer this much of it at once (msat)', integerArgument('push', 0, MAX_FUNDING_SATOSHIS * 1000))
    .addOption(waitOption('until the channel is open, showing its progress'))
    .addOption(timeoutOption())
    .action(async (peer: string, satoshis: number, options: DaemonOptions & { push?: number; wait?: boolean; timeout: number }) => {
      const opened = (await ask(options, 'open', { peer, satoshis, ...(options.push !== undefined && { pushMsat: options.push }) })) as { peer: string; handle: number };
      if (options.wait) await waitForChannel(options, opened, 'open', options.timeout);
      show(options, opened, (result: Row) => `channel ${String(result.handle)} with ${peer} ${options.wait ? 'is open' : 'requested: lnmesh channels shows its progress'}`);
    });

  daemonVerb(program, 'close', 'close a channel: cooperatively, or unilaterally with --force')
    .argument('<peer>', "the peer's node id", nodeIdArgument)
    .argument('<handle>', 'the channel handle (lnmesh channels)', integerArgument('handle', 0, 0xffffffff))
    .option('-f, --force', 'broadcast our commitment now (funds wait for the CSV delay)')
    .addOption(waitOption('until the closing (or commitment) transaction is signed and handed to the gateway'))
    .addOption(timeoutOption())
    .action(async (peer: string, handle: number, options: DaemonOptions & { force?: boolean; wait?: boolean; timeout: number }) => {
      const closing = (await ask(options, 'close', { peer, handle, force: options.force === true })) as Row;
      if (options.wait) await waitForChannel(options, { peer, handle }, options.force ? 'force_closed' : 'closed', options.timeout);
      show(options, closing, () => `channel ${handle} with ${peer}: ${options.force ? 'force close' : 'cooperative close'} ${options.wait ? 'done' : 'started'}`);
    });

  daemonVerb(program, 'invoice', 'ask to be paid: prints a payment request (lnm1...)')
    .argument('<satoshis>', 'the amount', integerArgument('satoshis', 1, MAX_FUNDING_SATOSHIS))
    .option('--msat', 'the amount is in millisatoshis')
    .action(async (amount: number, options: DaemonOptions & { msat?: boolean }) => {
      const invoice = (await ask(options, 'invoice', { amountMsat: options.msat ? amount : amount * 1000 })) as Row;
      show(options, invoice, (result: Row) => String(result.paymentRequest));
    });

  daemonVerb(program, 'pay', 'pay a payment request (lnm1...)')
    .argument('<request>', 'the payment request')
    .addOption(waitOption('until the payment succeeds or fails, showing its progress'))
    .addOption(timeoutOption())
    .action(async (request: string, options: DaemonOptions & { wait?: boolean; timeout: number }) => {
      const paying = (await ask(options, 'pay', { request })) as { paymentHash: string };
      if (!options.wait) return show(options, paying, () => `paying ${paying.paymentHash}: lnmesh payments shows when it settles (or use --wait)`);
      let final: Row = {};
      await waitWithProgress(
        async () => {
          final = (await ask(options, 'payment', { paymentHash: paying.paymentHash })) as Row;
          return { done: final.status !== 'pending', line: String(final.status) };
        },
        { timeoutMs: options.timeout, what: `payment ${short(paying.paymentHash)}` },
      );
      show(options, final, (result: Row) => (result.status === 'succeeded' ? `paid: preimage ${String(result.preimage)}` : `failed: ${String(result.reason)}`));
      if (final.status !== 'succeeded') process.exitCode = 1;
    });

  daemonVerb(program, 'payments', 'payments made and asked for, newest first')
    .option('-n, --limit <count>', 'how many', integerArgument('limit', 1, 150), 50)
    .action(async (options: DaemonOptions & { limit: number }) => {
      const columns: TableColumn[] = [
        { key: 'paymentHash', header: 'PAYMENT HASH' },
        { key: 'direction', header: 'DIRECTION' },
        { key: 'amountSat', header: 'SAT' },
        { key: 'status', header: 'STATUS' },
        { key: 'when', header: 'CREATED' },
        { key: 'reason', header: 'REASON' },
      ];
      show(options, await ask(options, 'payments', { limit: options.limit }), (rows: Row[]) =>
        table(columns)(rows.map((row) => ({ ...row, paymentHash: short(row.paymentHash), amountSat: Number(row.amountMsat) / 1000, when: new Date(Number(row.createdAt)).toISOString().slice(0, 19).replace('T', ' ') }))),
      );
    });

  daemonVerb(program, 'routes', 'the static route table: destination to next hop').action(async (options: DaemonOptions) => {
    const columns: TableColumn[] = [{ key: 'destination', header: 'DESTINATION' }, { key: 'nextHop', header: 'NEXT HOP' }, { key: 'direct', header: 'NEIGHBOUR' }];
    show(options, await ask(options, 'routes'), (rows: Row[]) => table(columns)(rows.map((row) => ({ ...named(row, 'nextHop', 'nextHopName'), destination: short(row.destination), direct: row.direct === true }))));
  });

  daemonVerb(program, 'outbox', 'what waits for which neighbour').action(async (options: DaemonOptions) => {
    const columns: TableColumn[] = [{ key: 'peer', header: 'NEIGHBOUR' }, { key: 'up', header: 'UP' }, { key: 'messages', header: 'MESSAGES' }, { key: 'mailbox', header: 'MAILBOX' }];
    show(options, await ask(options, 'outbox'), (rows: Row[]) => table(columns)(rows.map((row) => named(row, 'peer', 'name'))));
  });

  daemonVerb(program, 'links', "each link's counters: frames, retransmissions, handshakes, drops by reason").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'links'), (rows: Row[]) =>
      rows
        .map((row) => {
          const { dropped, link, transport, ...counters } = row;
          const drops = Object.entries(dropped as Record<string, number>).filter(([, count]) => count > 0);
          return [`link ${String(link)} (${String(transport)})`, formatKeyValues(counters), `dropped: ${drops.length === 0 ? 'none' : drops.map(([reason, count]) => `${reason} ${count}`).join(', ')}`].join('\n');
        })
        .join('\n\n'),
    );
  });

  daemonVerb(program, 'tower', 'watchtower: appointments queued or held, breaches answered').action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'tower'), (tower: Row) => {
      const { byNode, responses, ...summary } = tower;
      const parts = [formatKeyValues(summary)];
      if (Array.isArray(byNode)) parts.push('', formatTable((byNode as Row[]).map((row) => named(row, 'nodeId', 'name')), [{ key: 'nodeId', header: 'NODE' }, { key: 'appointments', header: 'APPOINTMENTS' }, { key: 'bytes', header: 'BYTES' }, { key: 'watches', header: 'WATCHES' }]));
      if (Array.isArray(responses) && responses.length > 0) parts.push('', formatTable((responses as Row[]).map((row) => ({ ...row, breachTxid: short(row.breachTxid), justiceTxid: short(row.justiceTxid) })), [{ key: 'breachTxid', header: 'BREACH' }, { key: 'state', header: 'STATE' }, { key: 'justiceTxid', header: 'JUSTICE' }, { key: 'confirmations', header: 'CONF' }]));
      return parts.join('\n');
    });
  });

  daemonVerb(program, 'wallet', "the node's on-chain wallet: address, balance, coins").action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'wallet'), (wallet: Row) => {
      const coins = (wallet.coins as Row[]).map((coin) => ({ outpoint: `${short(coin.txid)}:${String(coin.vout)}`, satoshis: coin.satoshis }));
      const waiting = wallet.depositsWaiting as string[];
      return [formatKeyValues({ address: wallet.address, satoshis: wallet.satoshis, depositsWaiting: waiting.length === 0 ? 'none' : waiting.join(', ') }), '', formatTable(coins, [{ key: 'outpoint', header: 'COIN' }, { key: 'satoshis', header: 'SAT' }])].join('\n');
    });
  });

  daemonVerb(program, 'deposit', 'count a transaction that paid the wallet, once the gateway proves it confirmed')
    .argument('<txid>', 'the transaction id', (value: string) => {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('expected a transaction id: 64 hex characters');
      return value.toLowerCase();
    })
    .action(async (txid: string, options: DaemonOptions) => {
      show(options, await ask(options, 'deposit', { txid }), () => `watching ${txid}: its outputs to this wallet count once the gateway proves it in a block (lnmesh wallet)`);
    });
}

export class ChannelWaitError extends Error {
  override name = 'ChannelWaitError';
}

/** Polls the daemon's channel list until the channel reaches `status`. */
async function waitForChannel(options: DaemonOptions, channel: { peer: string; handle: number }, status: string, timeoutMs: number): Promise<void> {
  await waitWithProgress(
    async () => {
      const channels = (await ask(options, 'channels')) as Row[];
      const entry = channels.find((row) => row.peer === channel.peer && row.handle === channel.handle);
      const now = entry ? String(entry.status) : 'gone';
      // An opening refused by the peer, or a channel that closed while we waited to see it open, ends the wait.
      if (status === 'open' && (now === 'gone' || now === 'closed' || now === 'force_closed')) throw new ChannelWaitError(`channel ${channel.handle} is ${now === 'gone' ? 'gone: the peer refused it (see the node log)' : now}`);
      return { done: now === status || (status === 'closed' && now === 'gone'), line: now === 'awaiting_funding' ? `awaiting_funding (${String(short(entry?.fundingTxid))}, ${String(entry?.minimumDepth)} confirmations needed)` : now };
    },
    { timeoutMs, what: `channel ${channel.handle}` },
  );
}

/** A closed channel's progress on chain in a few words: where the commitment confirmed, what is swept, what waits and until when. */
function onchainProgress(onchain: OnchainSummary | undefined): string {
  if (!onchain) return '';
  if (onchain.confirmedAt === undefined) return `${onchain.kind === 'cooperative' ? 'closing' : 'commitment'} ${onchain.commitmentTxid.slice(0, 8)} unconfirmed`;
  const parts = [`${onchain.kind} close at ${onchain.confirmedAt}`];
  const swept = onchain.claims.filter((claim) => claim.state === 'confirmed');
  if (swept.length > 0) parts.push(`swept ${swept.reduce((sum, claim) => sum + claim.satoshis, 0)} sat`);
  const waiting = onchain.claims.filter((claim) => claim.state === 'waiting' || claim.state === 'broadcast');
  for (const claim of waiting) parts.push(`${claim.description} ${claim.state === 'broadcast' ? 'broadcast' : claim.unlocksAt !== undefined ? `unlocks at ${claim.unlocksAt}` : 'after its parent'}`);
  return parts.join('; ');
}

/** A rough age for people: 45 s, 12 min, 5 h, 3 d. */
function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}
