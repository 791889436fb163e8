/**
 * The verbs a mesh device needs: its seed, the node daemon and the verbs that
 * talk to it, airtime. The device bundle's `lnmesh` has exactly these; the
 * full `lnmesh` adds the gateway, the simulator and the developer verbs.
 */
import type { Command } from 'commander';
import { registerAirtimeCommand } from './airtime.js';
import { registerControlCommands } from './control-commands.js';
import { type InitTemplates, registerInitCommand } from './init.js';
import { registerNodeCommand } from './node-command.js';
import { registerCheckCommand } from './check.js';
import { registerSeedCommand } from './seed.js';

/** `templates.gateway` lets `lnmesh init` write a gateway's config too (the full lnmesh passes it). */
export function registerDeviceCommands(program: Command, templates: InitTemplates = {}): void {
  registerInitCommand(program, templates);
  registerNodeCommand(program);
  registerControlCommands(program);
  registerSeedCommand(program);
  registerAirtimeCommand(program);
  registerCheckCommand(program);
}
