/**
 * Which daemon a CLI verb talks to: `--socket PATH`, or the control socket
 * named by a config file (`--config FILE`, default $LNMESH_CONFIG or
 * /etc/lnmesh/node.yaml). Only `controlSocket` and `dataDir` are read from the
 * file, so a verb works with a node's config and a gateway's alike.
 */
import { dirname, resolve } from 'node:path';
import type { ParamsOf, ResultOf } from '../../control/control-api.js';
import { callControl } from '../../control/control-client.js';
import type { DaemonControlApi } from '../../control/daemon-api.js';
import { ControlError } from '../../control/control-protocol.js';
import { readConfigText } from '../../config/node-config.js';
import { readYaml } from '../../config/yaml-reader.js';
import { InvalidInputError } from '../../core/input.js';

export const DEFAULT_CONFIG = '/etc/lnmesh/node.yaml';

export interface DaemonOptions {
  config?: string;
  socket?: string;
  json?: boolean;
}

export function socketOf(options: DaemonOptions): string {
  if (options.socket) return resolve(options.socket);
  const file = resolve(options.config ?? process.env.LNMESH_CONFIG ?? DEFAULT_CONFIG);
  const root = readYaml(readConfigText(file), file).map([]);
  const base = dirname(file);
  const socket = root.optional('controlSocket');
  if (socket) return resolve(base, socket.string());
  return resolve(base, root.required('dataDir', 'the daemon\'s data directory').string(), 'control.sock');
}

type Method = keyof DaemonControlApi & string;
/** The params, left out when a method takes none. */
type ParamsArgument<M extends Method> = Record<never, never> extends ParamsOf<DaemonControlApi, M> ? [params?: ParamsOf<DaemonControlApi, M>] : [params: ParamsOf<DaemonControlApi, M>];

/**
 * Calls the daemon; its refusal of a parameter becomes an `InvalidInputError`
 * naming it once (exit 2). Typed by the control API's table (the daemon
 * answers by the same table, so its JSON is taken to be that result); a
 * method the table does not name (a newer daemon's) answers `unknown`.
 */
export async function ask<M extends Method>(options: DaemonOptions, method: M, ...params: ParamsArgument<M>): Promise<ResultOf<DaemonControlApi, M>>;
export async function ask(options: DaemonOptions, method: string, params?: Record<string, unknown>): Promise<unknown>;
export async function ask(options: DaemonOptions, method: string, params?: object): Promise<unknown> {
  try {
    return await callControl(socketOf(options), method, params);
  } catch (error) {
    if (error instanceof ControlError && (error.code === 'invalid_params' || error.code === 'bad_request' || error.code === 'unknown_method')) {
      const field = error.field ?? method;
      throw new InvalidInputError(field, withoutField(error.message, field));
    }
    throw error;
  }
}

/** The daemon's message names its field already (`handle: no channel ...`); `InvalidInputError` adds it again. */
function withoutField(message: string, field: string): string {
  return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}
