/**
 * `lnmesh init node|gateway`: a commented starting config and a new seed
 * (the node's) or key (the gateway's), so that a first start needs only the
 * neighbours filled in. Never overwrites a config or a seed; prints the node
 * id to hand to neighbours, never the secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { bytesToHex } from '../core/hex.js';
import { type Command, InvalidArgumentError } from 'commander';
import { NETWORK_NAMES } from '../config/node-config.js';
import { nodeConfigTemplate } from '../config/node-template.js';
import { octal, preparePrivateDir } from '../daemon/data-dir-permissions.js';
import { InvalidInputError } from '../core/input.js';
import { nodeIdProblem } from '../keys/node-id.js';
import { nodeKeyFromSecret } from '../core/node-key.js';
import { generateSeed, writeSeedFile } from '../keys/seed.js';
import { SeedSigner } from '../keys/signer.js';

/**
 * The gateway's config template, when this lnmesh runs gateways: the full
 * program passes it in (node/program/lnmesh.ts), the device's has none, so
 * the device's code never imports the gateway.
 */
export interface InitTemplates {
  readonly gateway?: (settings: { readonly dataDir: string; readonly network?: string }) => string;
}

interface InitOptions {
  config?: string;
  dataDir?: string;
  network: string;
  gateway?: string;
}

export function registerInitCommand(program: Command, templates: InitTemplates = {}): void {
  const kinds = templates.gateway ? 'node or gateway' : 'node';
  program
    .command('init')
    .summary('write a starting config and a new seed')
    .description(
      [
        'Writes a commented config for a node or a gateway (every key explained) and a new',
        'random seed (node) or key (gateway) in its data directory, readable only by you:',
        'NAME-data beside the config NAME.yaml unless --data-dir says otherwise, so several',
        'configs in one folder (gw.yaml, a.yaml, b.yaml) get a directory and an identity each.',
        'The data directory is made 0700; an existing one that others can write is refused.',
        'Refuses to overwrite either. Prints the node id: give it to your neighbours.',
        'Then edit the config (links, neighbours, gateway) and run `lnmesh node|gateway --config FILE`.',
        'Back up a node seed as words: lnmesh seed words --file <dataDir>/seed',
      ].join('\n'),
    )
    .argument('<kind>', kinds, (value: string) => {
      if (value !== 'node' && (value !== 'gateway' || !templates.gateway)) throw new InvalidArgumentError(`expected ${kinds}`);
      return value;
    })
    .option('-c, --config <file>', 'where to write the config (default ./node.yaml or ./gateway.yaml)')
    .option('-d, --data-dir <dir>', "the daemon's data directory (default NAME-data beside the config NAME.yaml, e.g. ./a-data for a.yaml)")
    .option('-n, --network <name>', `one of ${NETWORK_NAMES.join(', ')}`, (value: string) => {
      if (!(NETWORK_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${NETWORK_NAMES.join(', ')}`);
      return value;
    }, 'regtest')
    .option('-g, --gateway <nodeId>', "the gateway's node id (node only)", (value: string) => {
      // The config would not load with a bad one: refuse it here, before anything is written.
      const problem = nodeIdProblem(value);
      if (problem) throw new InvalidArgumentError(problem);
      return value.toLowerCase();
    })
    .action((kind: 'node' | 'gateway', options: InitOptions) => initDaemon(kind, options, templates));
}

function initDaemon(kind: 'node' | 'gateway', options: InitOptions, templates: InitTemplates): void {
  if (kind === 'gateway' && options.gateway) throw new InvalidInputError('--gateway', 'only for a node');
  const configPath = resolve(options.config ?? `${kind}.yaml`);
  if (existsSync(configPath)) throw new InvalidInputError('--config', `${configPath} exists; refusing to overwrite a config (choose another path or remove it)`);
  const dataDir = resolve(dirname(configPath), options.dataDir ?? defaultDataDir(configPath));
  // The config names the data directory relative to itself when it is beside it, so the pair can move together.
  const dataDirText = options.dataDir && isAbsolute(options.dataDir) ? dataDir : relativePath(dirname(configPath), dataDir);
  // Made 0700, or refused (before anything is written) when others can write it: the daemon would refuse it too.
  const { tightenedFrom } = preparePrivateDir(dataDir);
  const secretPath = resolve(dataDir, kind === 'node' ? 'seed' : 'gateway.key');
  const secret = generateSeed((length) => new Uint8Array(randomBytes(length)));
  const keptSecret = existsSync(secretPath);
  if (!keptSecret) writeSeedFile(secretPath, secret);
  mkdirSync(dirname(configPath), { recursive: true });
  const text =
    kind === 'node'
      ? nodeConfigTemplate({ dataDir: dataDirText, network: options.network, ...(options.gateway && { gatewayId: options.gateway }) })
      : gatewayTemplate(templates)({ dataDir: dataDirText, network: options.network });
  writeFileSync(configPath, text, { flag: 'wx', mode: 0o600 }); // it will hold MQTT or RPC passwords
  if (tightenedFrom !== undefined) console.log(`made ${dataDir} owner-only (0700; it was ${octal(tightenedFrom)})`);
  console.log(`wrote ${configPath}`);
  console.log(keptSecret ? `kept the existing ${kind === 'node' ? 'seed' : 'key'} ${secretPath}` : `created ${secretPath} (owner only)`);
  if (!keptSecret) {
    const nodeId = kind === 'node' ? new SeedSigner(secret).nodeId : nodeKeyFromSecret(secret).nodeId;
    console.log(`node id ${bytesToHex(nodeId)}`);
  } else {
    console.log(`its node id: lnmesh status (once running)${kind === 'node' ? `, or lnmesh seed id --file ${secretPath}` : ''}`);
  }
  if (kind === 'node' && !keptSecret) console.log(`write down its 24 words now: lnmesh seed words --file ${secretPath}`);
  console.log(`next: edit ${configPath}, then lnmesh ${kind} --config ${configPath}`);
}

/**
 * `a.yaml` keeps its stores in `a-data` beside it: one directory per config,
 * so two configs written in one folder never share a seed (one identity for two nodes).
 */
function defaultDataDir(configPath: string): string {
  return `${basename(configPath, extname(configPath))}-data`;
}

function relativePath(from: string, to: string): string {
  const path = relative(from, to);
  return path.startsWith('..') ? to : `./${path}`;
}

function gatewayTemplate(templates: InitTemplates): NonNullable<InitTemplates['gateway']> {
  if (!templates.gateway) throw new InvalidInputError('kind', 'this lnmesh has no gateway (the device\'s): expected node');
  return templates.gateway;
}
