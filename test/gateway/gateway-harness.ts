// What tests of a gateway with mesh nodes share: a gateway on an embedded
// regtest chain with its stores in temporary directories, a wallet that
// funds channels from anyone-can-spend coinbases, and fast link timings.
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EmbeddedChain } from '../../gateway/chain/embedded-chain.js';
import { Gateway, type GatewayChannelComponents, type GatewayComponents, type GatewayConfig, gatewayKeyFromSecret } from '../../gateway/gateway.js';
import { FeedStore } from '../../gateway/relay/feed-store.js';
import { Mailbox } from '../../gateway/relay/mailbox.js';
import { AppointmentStore } from '../../gateway/tower/appointment-store.js';
import { ResponseStore } from '../../gateway/tower/response-store.js';
import { systemClock } from '../../node/core/clock.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { randomBytes } from '../../sim/kit/random.js';
export { coinbaseWallet } from '../../sim/kit/coinbase-wallet.js';
import type { Logger } from '../../node/core/logger.js';

export const TIMING = { retransmitBaseMs: 300, retransmitMaxMs: 2_000, ackDelayMs: 10 };

/**
 * A gateway on an embedded regtest chain, its stores in temporary
 * directories removed at the end of `t`; not started. `channels`: its mesh
 * channels' parts, from its secret key (none by default). The components
 * are returned too: a test builds a second gateway on them, as a restart.
 */
export async function gatewayFor(t: Test, keyByte: number, config: GatewayConfig, logger?: Logger, channels?: (secretKey: Uint8Array) => GatewayChannelComponents) {
  const dirs: string[] = [];
  const temp = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `lnmesh-gateway-${name}-`));
    dirs.push(dir);
    return dir;
  };
  const chain = new EmbeddedChain({});
  await chain.open();
  const secretKey = sha256(Uint8Array.of(keyByte));
  const key = gatewayKeyFromSecret(secretKey);
  const appointments = new AppointmentStore(temp('appointments'));
  const responses = new ResponseStore(temp('responses'));
  const mailbox = new Mailbox(temp('mailbox'), systemClock);
  const feedStore = new FeedStore(temp('feed'));
  // Teardowns run in order: the stores close after the gateway (stopped by its test), then the chain, then the files go.
  t.teardown(async () => {
    for (const store of [appointments, responses, mailbox, feedStore]) await store.close();
    await chain.close();
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  const components: GatewayComponents = {
    key,
    chain,
    appointments,
    responses,
    mailbox,
    feedStore,
    outbox: new MemoryLinkOutbox(),
    seen: new MemorySeenMessages(),
    clock: systemClock,
    randomBytes,
    ...(logger && { logger }),
    ...(channels && { channels: channels(secretKey) }),
  };
  const gateway = new Gateway(components, config);
  return { chain, gateway, appointments, feedStore, gatewayId: bytesToHex(key.nodeId), components };
}

