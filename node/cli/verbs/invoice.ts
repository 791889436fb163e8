/** `lnmesh invoice SATOSHIS`: a payment request for this node, to hand to the payer. */
import type { Command } from 'commander';
import { integerArgument } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { MAX_FUNDING_SATOSHIS } from '../../core/bolt-limits.js';

export function registerInvoiceVerb(program: Command): void {
  daemonVerb(program, 'invoice', 'ask to be paid: prints a payment request (lnm1...)')
    .argument('<satoshis>', 'the amount', integerArgument('satoshis', 1, MAX_FUNDING_SATOSHIS))
    .option('--msat', 'the amount is in millisatoshis')
    .action(async (amount: number, options: DaemonOptions & { msat?: boolean }) => {
      show(options, await ask(options, 'invoice', { amountMsat: options.msat ? amount : amount * 1000 }), (result) => result.paymentRequest);
    });
}
