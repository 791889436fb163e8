/**
 * `lnmesh ln open|close|pay|invoice`: the gateway's Lightning verbs that
 * move money. Each checks its arguments before asking the gateway, which
 * checks them again; a refusal changes nothing.
 */
import { type Command, Option } from 'commander';
import { InvalidInputError } from '../../node/core/input.js';
import { integerArgument, nodeIdArgument } from '../../node/cli/verbs/arguments.js';
import type { DaemonOptions } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';
import { MAX_INVOICE_EXPIRY_SECS } from '../daemon/gateway-control-lightning.js';
import { askGateway, hex32Argument, timeoutOption } from './ln-socket.js';

/** 21 million bitcoin, in satoshis. */
const MAX_SATOSHIS = 2_100_000_000_000_000;

export function registerLnMoneyVerbs(ln: Command): void {
  registerOpen(ln);
  registerClose(ln);
  registerPay(ln);
  registerInvoice(ln);
}

function registerOpen(ln: Command): void {
  daemonVerb(ln, 'open', 'open a channel to a connected Lightning node, funded from the wallet')
    .description(
      "Opens a channel of <satoshis> to a node connected with lnmesh ln connect, funded from the gateway's on-chain wallet " +
        '(lnmesh ln address). Returns once the wallet funded it; the channel is usable once the funding has the confirmations ' +
        'the peer asks (6 for LDK and LND): lnmesh ln channels shows it.',
    )
    .argument('<node-id>', "the peer's node id", nodeIdArgument)
    .argument('<satoshis>', 'the channel capacity, at least 1,000 sat (most peers ask 20,000 or more)', integerArgument('satoshis', 1_000, MAX_SATOSHIS))
    .addOption(new Option('--push-msat <msat>', 'give the peer this much of the channel at once').argParser(integerArgument('push-msat', 0, MAX_SATOSHIS * 1000)))
    .addOption(timeoutOption('the peer to accept and the wallet to fund', 60_000, '1m'))
    .action(async (nodeId: string, satoshis: number, options: DaemonOptions & { pushMsat?: number; timeout: number }) => {
      if (options.pushMsat !== undefined && options.pushMsat > satoshis * 1000) throw new InvalidInputError('--push-msat', `at most the whole channel, ${satoshis * 1000} msat`);
      const opened = await askGateway(options, 'lnOpen', { nodeId, satoshis, ...(options.pushMsat !== undefined && { pushMsat: options.pushMsat }) }, options.timeout, 'the open goes on in the gateway: lnmesh ln channels shows it once the peer accepted and the wallet funded it');
      show(options, opened, (result) => `channel ${result.channelId} funded: ${result.satoshis} sat; usable once its funding confirms (lnmesh ln channels)`);
    });
}

function registerClose(ln: Command): void {
  daemonVerb(ln, 'close', 'close a channel: cooperatively, or --force without the peer')
    .description(
      'Closes a channel. Cooperatively by default: both sides sign a closing transaction (the peer must be connected), and the ' +
        "gateway's share goes to its wallet once it confirms. --force broadcasts the gateway's latest commitment without the peer: " +
        'its share comes back only after the channel\'s delay (up to two weeks).',
    )
    .argument('<channel-id>', 'the channel id, as lnmesh ln channels shows it', hex32Argument('channel-id'))
    .option('--force', "broadcast the gateway's commitment, without the peer")
    .action(async (channelId: string, options: DaemonOptions & { force?: boolean }) => {
      const closed = await askGateway(options, 'lnClose', { channelId, force: options.force === true });
      show(options, closed, (result) => `closing ${result.channelId}${result.force ? ' by force' : ''}: lnmesh ln channels drops it once the close is signed`);
    });
}

function registerPay(ln: Command): void {
  daemonVerb(ln, 'pay', 'pay a BOLT 11 invoice; waits for the outcome')
    .description(
      "Pays a BOLT 11 invoice (lnbc..., lntb..., lnbcrt...) through the gateway's channels and waits for the outcome: " +
        'the preimage (the proof of payment) and the routing fee paid, or why it failed (exit 1; nothing was paid). ' +
        'An invoice is never paid twice.',
    )
    .argument('<bolt11>', 'the invoice')
    .addOption(new Option('--max-fee-msat <msat>', 'the most to spend on routing fees (default LDK\'s: 1% + 50 sat)').argParser(integerArgument('max-fee-msat', 0, MAX_SATOSHIS * 1000)))
    .addOption(timeoutOption('the outcome', 120_000, '2m'))
    .action(async (bolt11: string, options: DaemonOptions & { maxFeeMsat?: number; timeout: number }) => {
      const paid = await askGateway(options, 'lnPay', { bolt11, ...(options.maxFeeMsat !== undefined && { maxFeeMsat: options.maxFeeMsat }) }, options.timeout, 'the payment goes on in the gateway: lnmesh ln payments shows how it ends');
      show(options, paid, (result) => `paid ${result.amountMsat / 1000} sat: preimage ${result.preimage}; fee ${result.feeMsat} msat`);
    });
}

function registerInvoice(ln: Command): void {
  daemonVerb(ln, 'invoice', 'a BOLT 11 invoice for the Lightning node to be paid')
    .description("A BOLT 11 invoice of the gateway's Lightning node for <satoshis>; paid, it is claimed at once (lnmesh ln payments shows it received).")
    .argument('<satoshis>', 'the amount', integerArgument('satoshis', 1, MAX_SATOSHIS))
    .option('--description <text>', 'what the payer sees, at most 639 bytes', '')
    .addOption(new Option('--expiry <seconds>', `how long it may be paid, 60 to ${MAX_INVOICE_EXPIRY_SECS}`).argParser(integerArgument('expiry', 60, MAX_INVOICE_EXPIRY_SECS)).default(3600))
    .option('--for <node-id>', 'for a mesh node, maybe away, from a payment hash it left (lnmesh invoice --leave N on the node): paid, the bridge pays the node when it is heard', nodeIdArgument)
    .action(async (satoshis: number, options: DaemonOptions & { description: string; expiry: number; for?: string }) => {
      const invoice = await askGateway(options, 'lnInvoice', { satoshis, description: options.description, expirySecs: options.expiry, ...(options.for !== undefined && { forNode: options.for }) });
      show(options, invoice, (result) => result.bolt11);
    });
}
