/**
 * Appointment bytes on the air per revoked state, all overhead included:
 * Bob's appointments from real payments (one per commitment of Alice's he
 * holds revoked), sent by his uplink in batches through his router and link
 * to the gateway one LoRa hop away (SF7, 125 kHz: MTU 254), the gateway's
 * node service storing them in a real watchtower and answering each batch
 * with a signed receipt, which Bob checks. Every frame both ways counts,
 * acks and the RNode's header byte included; the sessions are up before
 * (and their goodbyes at the end are not counted).
 *
 * Where the 163 bytes went at issue 19 (32 states, two batches of 16): the
 * compact kit 100 (kind, per-commitment point, feerate varint, signature),
 * its AEAD tag 16, the locator 16, its length in the batch 2, the channel's
 * record once (123 bytes, 3.8 a state here, less on a longer-lived
 * channel), the tag and the message's own bytes 2.1, the receipt 4.8, and
 * 18.3 of link framing, acks and RNode header bytes. Before: 256.4, the kit
 * with both keys, delay and script in CBOR 167, the tag in every
 * appointment, 21 of framing per appointment for the longer batches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { EmbeddedChain } from '../gateway/chain/embedded-chain.js';
import { gatewayKeyFromSecret } from '../gateway/gateway.js';
import { NodeService } from '../gateway/relay/node-service.js';
import { AppointmentStore } from '../gateway/tower/appointment-store.js';
import { ResponseStore } from '../gateway/tower/response-store.js';
import { Watchtower } from '../gateway/tower/watchtower.js';
import { HeaderChain } from '../node/chain/header-chain.js';
import { networkParams } from '../node/chain/network-params.js';
import { MemoryPersister } from '../node/persist/persister.js';
import { Uplink } from '../node/uplink/uplink.js';
import { maxPayloadForDataRate } from '../transports/lora/airtime.js';
import { RNODE_HEADER_BYTES } from '../transports/lora/rnode-commands.js';
import { Link } from '../transports/link/link.js';
import { MemoryLinkOutbox } from '../transports/link/outbox.js';
import { createMemoryMedium } from '../transports/memory.js';
import { routerMessenger } from '../transports/router/messenger.js';
import { Router } from '../transports/router/router.js';
import { MemorySeenMessages } from '../transports/router/seen-messages.js';
import { createNetwork } from '../sim/kit/network.js';
import { openChannel } from '../sim/kit/channels.js';
import { signerOf } from '../sim/kit/signer-of.js';
import { VirtualClock } from '../sim/kit/virtual-clock.js';
import { randomBytes } from '../sim/kit/random.js';
import type { Figure } from './bolt3.js';

const PAYMENTS = 16;

async function appointmentBytesOnAir(): Promise<number> {
  // Bob's appointments, from real payments.
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  for (let i = 0; i < PAYMENTS; i++) {
    alice.manager.pay(bob.id, handle, bob.manager.receive(10_000_000, 800_000));
    network.run();
  }
  const appointments = bob.manager.pendingAppointments().length;

  const directories = ['appointments', 'responses'].map((name) => mkdtempSync(join(tmpdir(), `lnmesh-bench-${name}-`)));
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ mtu: maxPayloadForDataRate(7, 125_000), delayMs: 50, clock });
  const gatewayKey = gatewayKeyFromSecret(sha256(Uint8Array.of(0x6c)));
  const bobKey = signerOf(1);
  const [bobId, gatewayId] = [bobKey.nodeId, gatewayKey.nodeId].map((id) => Buffer.from(id).toString('hex')) as [string, string];
  let onAir = 0;
  let recording = false;
  const transport = (name: string) => {
    const made = medium.createTransport(name);
    const send = made.send.bind(made);
    made.send = (frame, to) => {
      if (recording) onAir += frame.length + RNODE_HEADER_BYTES;
      return send(frame, to);
    };
    return made;
  };
  const timing = { retransmitBaseMs: 5_000, retransmitMaxMs: 600_000, ackDelayMs: 200 };
  const bobLink = new Link({ transport: transport('bob'), clock, outbox: new MemoryLinkOutbox(), nodeKey: bobKey, randomBytes }, { knownPeers: [gatewayId], addresses: { [gatewayId]: 'gateway' }, ...timing });
  const gatewayLink = new Link({ transport: transport('gateway'), clock, outbox: new MemoryLinkOutbox(), nodeKey: gatewayKey, randomBytes }, { knownPeers: [bobId], addresses: { [bobId]: 'bob' }, ...timing });
  const bobRouter = new Router({ link: bobLink, nodeKey: bobKey, randomBytes, seen: new MemorySeenMessages() }, { routes: {}, neighbours: [gatewayId] });
  const gatewayRouter = new Router({ link: gatewayLink, nodeKey: gatewayKey, randomBytes, seen: new MemorySeenMessages() }, { routes: {}, neighbours: [bobId] });

  // The gateway's side: a real tower (its chain is not needed to store appointments).
  const chain = new EmbeddedChain({});
  const tower = new Watchtower({ store: new AppointmentStore(directories[0]!), responses: new ResponseStore(directories[1]!), chain, clock, signer: gatewayKey });
  const service = new NodeService({ messenger: routerMessenger(gatewayRouter), chain, tower });
  gatewayRouter.on('message', (source, payload) => void service.handleMessage(source, payload));
  // Bob's side: the uplink, over his manager's queue.
  const uplink = new Uplink(
    {
      messenger: routerMessenger(bobRouter),
      manager: {
        pendingAppointments: () => bob.manager.pendingAppointments(),
        appointmentDelivered: (locator) => bob.manager.appointmentDelivered(locator),
        updateFeerate: () => [],
        channelsForTower: () => [],
      },
      headerChain: HeaderChain.open({ network: networkParams('regtest'), store: new MemoryPersister() }),
      store: new MemoryPersister(),
      clock,
      randomBytes,
      nodeId: bobKey.nodeId,
    },
    { gatewayId, pollIntervalMs: 86_400_000 },
  );
  bobRouter.on('message', (_source, payload) => uplink.handleMessage(payload));
  for (const router of [bobRouter, gatewayRouter]) router.start();
  await Promise.all([bobLink.start(), gatewayLink.start()]);

  // Sessions up first (a fee estimate asked and answered), not counted.
  bobRouter.send(gatewayId, new Uint8Array([0xa1, 0x00, 0x18, 0x67])); // an unknown odd gateway message: ignored
  await clock.runUntil(() => bobLink.isUp(gatewayId) && gatewayLink.isUp(bobId), 600_000, 100);
  await clock.advance(10_000);
  recording = true;
  uplink.flushAppointments();
  const delivered = await clock.runUntil(() => bob.manager.pendingAppointments().length === 0 && bobLink.pendingCount(gatewayId) === 0 && gatewayLink.pendingCount(bobId) === 0, 3_600_000, 100);
  await clock.advance(10_000); // the last acks
  recording = false; // the links' goodbyes at stop are no appointment's
  await Promise.all([bobLink.stop(), gatewayLink.stop()]);
  directories.forEach((directory) => rmSync(directory, { recursive: true, force: true }));
  if (!delivered) throw new Error('the appointments were not all receipted');
  return onAir / appointments;
}

export const towerAirFigures: Figure[] = [{ key: 'tower.appointmentBytesOnAir', unit: 'bytes per revoked state', measure: appointmentBytesOnAir }];
