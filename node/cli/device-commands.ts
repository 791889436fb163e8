/**
 * The verbs a mesh device needs: its seed, the node daemon and the verbs that
 * talk to it, airtime. The device bundle's `lnmesh` has exactly these; the
 * full `lnmesh` adds the gateway, the simulator and the developer verbs.
 */
import type { Command } from 'commander';
import { registerAirtimeCommand } from './airtime.js';
import { registerSeedCommand } from './seed.js';

export function registerDeviceCommands(program: Command): void {
  registerSeedCommand(program);
  registerAirtimeCommand(program);
}
