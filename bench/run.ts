/**
 * `npm run bench [-- --filter PREFIX]`: measures the figures whose key starts
 * with PREFIX (all by default), prints a table, and merges them into
 * bench/results.json, a flat object of named figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bolt3Figures, type Figure } from './bolt3.js';
import { bridgeFigures } from './bridge.js';
import { channelFigures } from './channel.js';
import { curveFigures } from './curve.js';
import { daemonFigures } from './daemons.js';
import { linkFigures } from './link.js';
import { loraFigures } from './lora.js';
import { meshtasticFigures } from './meshtastic.js';
import { securityFigures } from './security.js';
import { simFigures } from './sim.js';
import { towerFigures } from './tower.js';
import { towerAirFigures } from './tower-air.js';
import { uplinkFigures } from './uplink.js';

const FIGURES: Figure[] = [...bolt3Figures, ...curveFigures, ...channelFigures, ...linkFigures, ...loraFigures, ...meshtasticFigures, ...towerAirFigures, ...uplinkFigures, ...towerFigures, ...daemonFigures, ...securityFigures, ...simFigures, ...bridgeFigures];
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

const { values } = parseArgs({ options: { filter: { type: 'string', default: '' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run bench [-- --filter PREFIX]\n\nfigures:');
  for (const figure of FIGURES) console.log(`  ${figure.key} (${figure.unit})`);
  process.exit(0);
}
const selected = FIGURES.filter((figure) => figure.key.startsWith(values.filter ?? ''));
if (selected.length === 0) {
  console.error(`no figure starts with "${values.filter}"; known: ${FIGURES.map((figure) => figure.key).join(', ')}`);
  process.exit(2);
}

const results: Record<string, number> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
const width = Math.max(...selected.map((figure) => figure.key.length));
console.log(`${'figure'.padEnd(width)}  ${'value'.padStart(12)}  unit`);
for (const [i, figure] of selected.entries()) {
  if (process.stderr.isTTY) process.stderr.write(`[${i + 1}/${selected.length}] ${figure.key}...\r`);
  const value = await figure.measure();
  if (process.stderr.isTTY) process.stderr.write('\x1b[2K');
  results[figure.key] = Number(value.toPrecision(4));
  console.log(`${figure.key.padEnd(width)}  ${results[figure.key]!.toLocaleString('en-US').padStart(12)}  ${figure.unit}`);
}
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${RESULTS}`);
