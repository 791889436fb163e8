/** `lnmesh tower`: the node's appointments for the watchtower, or the gateway's tower (by node, and its answers to breaches). */
import type { Command } from 'commander';
import type { ResultOf } from '../../control/control-api.js';
import type { GatewayControlApi } from '../../control/gateway-api.js';
import { daemonVerb, show } from './daemon-verb.js';
import { type DaemonOptions, ask } from './daemon-socket.js';
import { formatKeyValues, formatTable } from './table.js';
import { labelled, short } from './ids.js';

export function registerTowerVerb(program: Command): void {
  daemonVerb(program, 'tower', 'watchtower: appointments queued or held, breaches answered').action(async (options: DaemonOptions) => {
    show(options, await ask(options, 'tower'), (tower) => ('byNode' in tower ? gatewayTowerText(tower) : formatKeyValues(tower)));
  });
}

function gatewayTowerText(tower: ResultOf<GatewayControlApi, 'tower'>): string {
  const { byNode, responses, ...summary } = tower;
  const parts = [formatKeyValues(summary)];
  const nodes = byNode.map((row) => ({ ...row, nodeId: labelled(row.nodeId, row.name) }));
  parts.push('', formatTable(nodes, [{ key: 'nodeId', header: 'NODE' }, { key: 'appointments', header: 'APPOINTMENTS' }, { key: 'bytes', header: 'BYTES' }, { key: 'watches', header: 'WATCHES' }]));
  if (responses.length > 0) {
    const rows = responses.map((row) => ({ ...row, breachTxid: short(row.breachTxid), justiceTxid: short(row.justiceTxid) }));
    parts.push('', formatTable(rows, [{ key: 'breachTxid', header: 'BREACH' }, { key: 'state', header: 'STATE' }, { key: 'justiceTxid', header: 'JUSTICE' }, { key: 'confirmations', header: 'CONF' }]));
  }
  return parts.join('\n');
}
