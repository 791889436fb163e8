/**
 * The serialport package, loaded when a serial medium opens (its JavaScript
 * and its native binding): a node on MQTT alone never holds them.
 */
import type { SerialPort } from 'serialport';
import { exportOf, loadOptionalPackage } from '../../node/core/optional-package.js';

export async function loadSerialPort(neededFor: string): Promise<typeof SerialPort> {
  return exportOf(await loadOptionalPackage('serialport', neededFor, () => import('serialport')), 'SerialPort', 'serialport', neededFor);
}
