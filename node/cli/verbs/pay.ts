/**
 * `lnmesh pay REQUEST [--wait] [--max-fee-msat N]`: pays a payment request
 * (lnm1...), or a BOLT 11 invoice (lnbc...) through the gateway's bridge,
 * and the fees (the forwarders' along the route, and the bridge's: shown);
 * with --wait, until it succeeds or fails (exit 1). Fees above the limit
 * (default 1% + 1 sat) are refused before anything is sent.
 */
import type { Command } from 'commander';
import type { PaymentShape } from '../../control/node-api.js';
import { integerArgument, timeoutOption, waitOption } from './arguments.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { waitWithProgress } from './progress.js';
import { short } from './ids.js';

export function registerPayVerb(program: Command): void {
  daemonVerb(program, 'pay', 'pay a payment request (lnm1...) or a BOLT 11 invoice (lnbc..., through the gateway)')
    .argument('<request>', 'the payment request')
    .addOption(waitOption('until the payment succeeds or fails, showing its progress'))
    .addOption(timeoutOption())
    .option('--max-fee-msat <msat>', 'the most to pay in fees: forwarders along the route, and the bridge for a BOLT 11 invoice (default 1% of the amount + 1000)', integerArgument('max-fee-msat', 0, Number.MAX_SAFE_INTEGER))
    .action(async (request: string, options: DaemonOptions & { wait?: boolean; timeout: number; maxFeeMsat?: number }) => {
      const paying = await ask(options, 'pay', { request, ...(options.maxFeeMsat !== undefined && { maxFeeMsat: options.maxFeeMsat }) });
      const fee = `fee ${paying.feeMsat} msat${paying.bridgeFeeMsat === undefined ? '' : `, of which ${paying.bridgeFeeMsat} to the bridge`}`;
      if (!options.wait) return show(options, paying, () => `paying ${paying.paymentHash} (${fee}): lnmesh payments shows when it settles (or use --wait)`);
      const final = await settled(options, paying.paymentHash, options.timeout);
      show(options, final, (result) => (result.status === 'succeeded' ? `paid: preimage ${String(result.preimage)}, ${fee}` : `failed: ${String(result.reason)}`));
      if (final.status !== 'succeeded') process.exitCode = 1;
    });
}

/** Polls the payment until it is no longer pending. */
async function settled(options: DaemonOptions, paymentHash: string, timeoutMs: number): Promise<PaymentShape> {
  const step = await waitWithProgress(
    async () => {
      const payment = await ask(options, 'payment', { paymentHash });
      return { done: payment.status !== 'pending', line: payment.status, payment };
    },
    { timeoutMs, what: `payment ${short(paymentHash)}` },
  );
  return step.payment;
}
