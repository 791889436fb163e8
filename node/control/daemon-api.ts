/**
 * What the CLI verbs call: either daemon's table. `lnmesh status` and the
 * other shared verbs work against a node and a gateway alike, so their
 * results are either shape; the rest belong to one daemon.
 */
import type { EitherApi } from './control-api.js';
import type { GatewayControlApi } from './gateway-api.js';
import type { NodeControlApi } from './node-api.js';

export type DaemonControlApi = EitherApi<NodeControlApi, GatewayControlApi>;
