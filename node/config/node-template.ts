/**
 * The commented starting config `lnmesh init node` writes, and the device
 * bundle ships as its example: every key of the schema, with what it means
 * and its default. Keys commented out are optional.
 */
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';

export interface NodeTemplateOptions {
  /** Where the node keeps its stores, seed, lock and control socket. */
  readonly dataDir: string;
  readonly network?: string;
  /** The gateway's node id, if known (`lnmesh status` on the gateway shows it). */
  readonly gatewayId?: string;
}

/** A link over a Meshtastic radio, commented out: the node's template and the gateway's (gateway-template.ts) offer it. */
export const MESHTASTIC_LINK_EXAMPLE = `# - transport:
#     kind: meshtastic           # a radio running Meshtastic firmware, as it is (README: A node on a Meshtastic radio)
#     path: /dev/ttyUSB0         # its USB serial device, or tcp://192.168.1.20:4403 on WiFi or Ethernet
#     # port: 256                # lnmesh's port number (256 PRIVATE_APP; 256..511), beside the mesh's chat
#     # channel: 0               # the radio's channel index, 0..7
#     # hopLimit: 3              # 1..7: the hops to your farthest neighbour (1 in range, 2 through one relay); times retransmissions
#     # preset: LongFast         # the preset set on the radio; lnmesh only times its retransmissions by it
#     # wantAck: false           # firmware retries: lnmesh's link acks already do this, for less airtime
#   neighbours:
#     - nodeId: 02...
#       address: "!aabbccdd"     # the neighbour's radio node number (meshtastic --info, or the app)`;

/** The links section's examples, one per transport kind, commented out. */
const LINK_EXAMPLES = `# - transport:
#     kind: lora                   # an RNode LoRa board on USB serial
#     path: /dev/ttyACM0
#     frequencyHz: 868100000
#     bandwidthHz: 125000
#     spreadingFactor: 9           # 7 (fast, short range) to 12 (slow, long range)
#     codingRate: 5                # 5 for 4/5 ... 8 for 4/8
#     txPowerDbm: 14
#     dutyCycle: EU868             # EU868 (1% airtime) or US915 (none)
#     # baudRate: 115200
#   neighbours:
#     - nodeId: 02...              # a neighbour's node id (lnmesh seed id on its device)
#       name: hilltop              # shown by lnmesh peers
# - transport:
#     kind: serial               # a wire, or a radio modem in transparent mode
#     path: /dev/ttyUSB0
#     baudRate: 115200
#   neighbours:
#     - nodeId: 03...
${MESHTASTIC_LINK_EXAMPLE}
# - transport:
#     kind: mqtt                 # a broker, e.g. at the gateway's site
#     url: mqtt://192.168.1.10:1883
#     nodeName: my-node          # this node's topic on the broker
#     # topicPrefix: lnmesh
#     # username: ...
#     # password: ...
#   neighbours:
#     - nodeId: 02...
#       address: gateway         # the neighbour's nodeName on the broker
#   # timing:                    # link retransmission; the defaults suit the medium (LoRa: from its data rate; Meshtastic: from its preset and hopLimit)
#   #   retransmitBase: 5s
#   #   retransmitMax: 10m`;

export function nodeConfigTemplate(options: NodeTemplateOptions): string {
  const gateway = options.gatewayId
    ? `gateway:\n  nodeId: ${options.gatewayId}\n  pollInterval: 10m  # how often headers, proofs and appointments are asked for again`
    : `# gateway:\n#   nodeId: 02...      # the gateway operator gives you this (lnmesh status on the gateway)\n#   pollInterval: 10m  # how often headers, proofs and appointments are asked for again`;
  return `# lnmesh node configuration (YAML). Checked when the node starts: a mistake is
# reported with its line and key, and the node does not start.

# mainnet, testnet, signet or regtest. Peers and the gateway must agree.
network: ${options.network ?? 'regtest'}

# The node's stores (channels, outbox, header chain, wallet), its lock, and by
# default its seed and control socket. Relative paths are relative to this file.
dataDir: ${JSON.stringify(options.dataDir)}
# seedFile: <dataDir>/seed          # 32 bytes, owner-only; back up its words: lnmesh seed words
# controlSocket: <dataDir>/control.sock

log:
  level: info        # trace, debug, info, warn, error
  format: auto       # auto (readable on a terminal, JSON otherwise), json or pretty

# The gateway: watchtower, chain view and broadcasts, reached through the routes below.
${gateway}
  # checkpoint:      # where the header chain starts (default genesis): a recent block, as lnmesh checkpoint on the gateway prints it
  #   height: 850000
  #   header: <160 hex characters>

# One entry per transport; each lists the neighbours heard on it.
# Until you add one, the node talks to nobody. Uncomment and edit:
links: []
${LINK_EXAMPLES}

# Static routes: destination node id (or * for everything else, usually towards
# the gateway) to the neighbour that leads there. Neighbours need no entry.
routes: {}
#  "*": 02...
# hopLimit: 8                   # links an envelope may cross: at least the hops to the farthest node routed to (the gateway included)

channels:
  offlineHorizonBlocks: 2016   # how long this node may be away (14 days); channels protect at least that
  # marginBlocks: 144          # time for a justice transaction to confirm
  # minimumDepth: 3            # confirmations before a channel opens
  # feeratePerKw: ${MIN_FEERATE_PER_KW}          # commitment feerate until the gateway's estimate arrives
  # channelType: anchors       # or static_remotekey
  # forwardingFee:             # what this node charges to forward a payment (BOLT 7), told to its channel peers
  #   baseMsat: 1000           # per payment, in millisatoshis (1 sat)
  #   proportionalMillionths: 0  # per million forwarded (100 = 0.01%)
`;
}
