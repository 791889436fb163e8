/**
 * `lnmesh invoice SATOSHIS [--public [--description TEXT] [--expiry SECONDS]]`:
 * a payment request for this node, to hand to the payer; with --public, a
 * BOLT 11 invoice the gateway issues for it, payable from the Lightning
 * Network (the preimage stays on this node).
 */
import type { Command } from 'commander';
import { integerArgument } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { MAX_FUNDING_SATOSHIS } from '../../core/bolt-limits.js';

export function registerInvoiceVerb(program: Command): void {
  daemonVerb(program, 'invoice', 'ask to be paid: prints a payment request (lnm1..., or lnbc... with --public)')
    .argument('<satoshis>', 'the amount', integerArgument('satoshis', 1, MAX_FUNDING_SATOSHIS))
    .option('--msat', 'the amount is in millisatoshis')
    .option('--public', 'a BOLT 11 invoice (lnbc...) from the gateway, payable from the Lightning Network')
    .option('--description <text>', 'with --public: what the payer sees')
    .option('--expiry <seconds>', 'with --public: how long it can be paid (default a day)', integerArgument('expiry', 60, 7 * 24 * 3600))
    .action(async (amount: number, options: DaemonOptions & { msat?: boolean; public?: boolean; description?: string; expiry?: number }) => {
      const amountMsat = options.msat ? amount : amount * 1000;
      const publicOptions = options.public ? { public: true, ...(options.description !== undefined && { description: options.description }), ...(options.expiry !== undefined && { expirySecs: options.expiry }) } : {};
      show(options, await ask(options, 'invoice', { amountMsat, ...publicOptions }), (result) => result.paymentRequest);
    });
}
