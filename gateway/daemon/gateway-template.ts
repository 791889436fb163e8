/** The commented starting config `lnmesh init gateway` writes: every key, its meaning and default. */
import { MESHTASTIC_LINK_EXAMPLE } from '../../node/config/node-template.js';

export interface GatewayTemplateOptions {
  readonly dataDir: string;
  readonly network?: string;
}

export function gatewayConfigTemplate(options: GatewayTemplateOptions): string {
  const network = options.network ?? 'regtest';
  return `# lnmesh gateway configuration (YAML). Checked when the gateway starts: a
# mistake is reported with its line and key, and the gateway does not start.

# mainnet, testnet, signet or regtest (the embedded chain runs mainnet, testnet and regtest).
network: ${network}

# The gateway's stores (chain, watchtower, mailbox, outbox), its lock, and by
# default its key and control socket. Relative paths are relative to this file.
dataDir: ${JSON.stringify(options.dataDir)}
# keyFile: <dataDir>/gateway.key    # the gateway's identity; receipts and alerts are signed with it
# controlSocket: <dataDir>/control.sock

log:
  level: info        # trace, debug, info, warn, error
  format: auto       # auto, json or pretty

chain:
  backend: embedded  # bcoin in <dataDir>/chain; or core:
  # rpc: { port: 18443, password: "..." }   # embedded only: bcoin answers Bitcoin Core's JSON-RPC on 127.0.0.1:port
  # backend: core
  # url: http://127.0.0.1:8332/
  # username: rpcuser
  # password: rpcpassword
  # pollInterval: 2s
  # wallet: lnmesh    # core only: the Core wallet funding the Lightning channels (<url>/wallet/NAME); default Core's only loaded one
${
  network === 'regtest'
    ? `
# Regtest only, with the embedded chain: a chain of its own, usable at once.
regtest:
  mineOnStart: true   # mine past segwit activation (432 blocks) when the chain is new
  blockInterval: 0s   # mine a block this often (0s: only on lnmesh mine)
`
    : ''
}
# One entry per transport; each lists the mesh nodes (or relays) heard on it.
links:
  - transport:
      kind: mqtt
      url: mqtt://127.0.0.1:1883
      nodeName: gateway            # the gateway's topic; nodes name it as their neighbour's address
    neighbours: []
    #  - nodeId: 02...             # a node's id (lnmesh status on the node)
    #    address: node-a           # its nodeName on the broker
    #    name: node-a
  # A gateway can ride on a Meshtastic radio too, beside (or instead of) the broker:
${indent(MESHTASTIC_LINK_EXAMPLE, '  ')}

# Routes to nodes beyond the gateway's neighbours: destination node id to the neighbour that leads there.
routes: {}
# hopLimit: 8                   # links an envelope may cross: at least the hops to the farthest node

# The mesh channels nodes open to the gateway (they fund them; the gateway forwards between them).
# channels:
#   minimumDepth: 3             # confirmations of a node's funding before its channel opens
#   offlineHorizonBlocks: 2016  # the delays the gateway imposes, as in a node's config:
#   marginBlocks: 144           #   to_self_delay = horizon + margin; HTLC expiry deltas follow

${LIGHTNING_SECTION}# tower:
#   watch: true                 # false: keep the nodes' appointments but answer no breach (the nodes must)
#   justiceBuriedDepth: 100     # confirmations after which a justice is final
#   fundingBuriedDepth: 100     # confirmations of a funding spend after which its appointments go
#   # Node ids are free, so the tower does not count space per key alone. The nodes
#   # this config names (the links' neighbours, the routes' destinations, and these)
#   # each have their own quota; every other node shares one pool with all strangers,
#   # and gets nothing more once the tower holds its capacity. Nothing is ever evicted.
#   allowedNodes: []            # node ids (66 hex characters) named beyond neighbours and routes
#   maxAppointments: 1000000    # the capacity: about 350 MB of disk; strangers are refused beyond it
#   maxBytes: 268435456         # blob and tag bytes in the capacity (256 MiB)
#   maxWatches: 100000          # funding outpoints watched in the capacity
#   strangerShare: 0.1          # the share of the capacity all strangers together may hold (0: named nodes only)
#   maxAppointmentsPerNode: 100000   # each node's quota, named or not
#   maxBytesPerNode: 67108864        # 64 MiB
#   maxWatchesPerNode: 1000
`;
}

/** The `lightning:` section, commented out: the gateway opens no Lightning port unless its operator says so. */
const LIGHTNING_SECTION = `# The gateway's own node on the Lightning Network (rust-lightning), off unless this section is here.
# Its keys and its on-chain wallet's (<dataDir>/wallet with the embedded chain; chain.wallet with Core) come
# from the gateway's key: backing up keyFile is enough. lnmesh ln info, address, connect, open, ... drive it.
# lightning:
#   listen: 127.0.0.1:9735        # where Lightning peers connect (host:port; 0.0.0.0:9735 for the internet, port 0: any free one)
#   bridgeFee:                    # what the gateway charges a payment in or out of the mesh:
#     baseMsat: 1000              #   base, plus
#     proportionalMillionths: 1000  # millionths of the amount (0.1%)
#   finalCltvExpiryDelta: 432     # blocks an invoice issued for a mesh node lets the gateway hold its payment (about 3 days):
#                                 #   the hold window for a node that is away, plus safetyBlocks and 78 blocks for the node
#   safetyBlocks: 36              # blocks kept between a Lightning deadline and the mesh HTLC's, to claim on chain

`;

/** Every line of `text` indented by `prefix`. */
function indent(text: string, prefix: string): string {
  return text.split('\n').map((line) => prefix + line).join('\n');
}
