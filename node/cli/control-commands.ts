/**
 * The verbs that talk to a running daemon through its control socket, one
 * file each under verbs/: tables for people by default, the daemon's JSON
 * with `--json`. Each takes `--config FILE` or `--socket PATH` to say which
 * daemon (verbs/daemon-verb.ts).
 */
import type { Command } from 'commander';
import { registerChannelsVerb } from './verbs/channels.js';
import { registerCloseVerb } from './verbs/close.js';
import { registerDepositVerb } from './verbs/deposit.js';
import { registerInvoiceVerb } from './verbs/invoice.js';
import { registerLinksVerb } from './verbs/links.js';
import { registerOpenVerb } from './verbs/open.js';
import { registerOutboxVerb } from './verbs/outbox.js';
import { registerPayVerb } from './verbs/pay.js';
import { registerPaymentsVerb } from './verbs/payments.js';
import { registerPeersVerb } from './verbs/peers.js';
import { registerRoutesVerb } from './verbs/routes.js';
import { registerStatusVerb } from './verbs/status.js';
import { registerTowerVerb } from './verbs/tower.js';
import { registerWalletVerb } from './verbs/wallet.js';

/** In the order `lnmesh --help` lists them. */
export function registerControlCommands(program: Command): void {
  for (const register of [
    registerStatusVerb,
    registerPeersVerb,
    registerChannelsVerb,
    registerOpenVerb,
    registerCloseVerb,
    registerInvoiceVerb,
    registerPayVerb,
    registerPaymentsVerb,
    registerRoutesVerb,
    registerOutboxVerb,
    registerLinksVerb,
    registerTowerVerb,
    registerWalletVerb,
    registerDepositVerb,
  ]) {
    register(program);
  }
}
