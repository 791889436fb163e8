/**
 * `lnmesh invoice SATOSHIS [--public [--description TEXT] [--expiry SECONDS]]`:
 * a payment request for this node, to hand to the payer; with --public, a
 * BOLT 11 invoice the gateway issues for it, payable from the Lightning
 * Network (the preimage stays on this node).
 *
 * `lnmesh invoice --leave N`: leaves N payment hashes of this node's (any
 * amount) with the gateway, so that it can issue invoices for this node
 * while it is away (`lnmesh ln invoice --for NODE_ID SAT` on the gateway).
 */
import type { Command } from 'commander';
import { integerArgument } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { MAX_FUNDING_SATOSHIS } from '../../core/bolt-limits.js';
import { MAX_HASHES_PER_LEAVE } from '../../gateway-protocol/gateway-messages.js';

type InvoiceOptions = DaemonOptions & { msat?: boolean; public?: boolean; description?: string; expiry?: number; leave?: number };

export function registerInvoiceVerb(program: Command): void {
  daemonVerb(program, 'invoice', 'ask to be paid: prints a payment request (lnm1..., or lnbc... with --public); or leave payment hashes with the gateway (--leave N)')
    .argument('[satoshis]', 'the amount (not with --leave)', integerArgument('satoshis', 1, MAX_FUNDING_SATOSHIS))
    .option('--msat', 'the amount is in millisatoshis')
    .option('--public', 'a BOLT 11 invoice (lnbc...) from the gateway, payable from the Lightning Network')
    .option('--description <text>', 'with --public: what the payer sees')
    .option('--expiry <seconds>', 'with --public: how long it can be paid (default a day)', integerArgument('expiry', 60, 7 * 24 * 3600))
    .option(
      '--leave <count>',
      `leave this many payment hashes (1 to ${MAX_HASHES_PER_LEAVE}, any amount each) with the gateway, so that it can issue invoices for this node while it is away (lnmesh ln invoice --for on the gateway); prints how many it keeps`,
      integerArgument('leave', 1, MAX_HASHES_PER_LEAVE),
    )
    .action(async (amount: number | undefined, options: InvoiceOptions, command: Command) => {
      // Usage errors, as commander's own: before any daemon is asked.
      if (options.leave !== undefined) {
        if (amount !== undefined || options.public) command.error("error: --leave takes no amount and no --public: the amount is chosen when the gateway issues the invoice", { exitCode: 2 });
        return show(options, await ask(options, 'leave_hashes', { count: options.leave }), (result) => `the gateway keeps ${result.left} payment hashes of this node`);
      }
      if (amount === undefined) command.error("error: missing required argument 'satoshis' (or --leave N)", { exitCode: 2 });
      const amountMsat = options.msat ? amount : amount * 1000;
      const publicOptions = options.public ? { public: true, ...(options.description !== undefined && { description: options.description }), ...(options.expiry !== undefined && { expirySecs: options.expiry }) } : {};
      show(options, await ask(options, 'invoice', { amountMsat, ...publicOptions }), (result) => result.paymentRequest);
    });
}
