/** What other media hand over (transports/mqtt.ts: a broker's message from anyone on it; transports/lora/rnode-commands.ts: an RNode's answers). */
import { decodeMqttMessage, encodeMqttMessage } from '../../../transports/mqtt.js';
import { decodeByte, decodeUint32, encodeUint32 } from '../../../transports/lora/rnode-commands.js';
import { BrokenPromiseError, type FuzzTarget, sameBytes, utf8 } from '../target.js';
import { counting } from './fixtures.js';

const MQTT_MTU = 1024;

export const mqttMessage: FuzzTarget<ReturnType<typeof decodeMqttMessage>> = {
  name: 'transports/mqtt-message',
  exercises: 'decodeMqttMessage (transports/mqtt.ts)',
  weight: 3,
  seeds: () => [encodeMqttMessage('gateway', counting(100)), encodeMqttMessage('node-1.example:a_b', new Uint8Array(0)), encodeMqttMessage('x'.repeat(128), counting(MQTT_MTU))],
  dictionary: [Uint8Array.of(0), Uint8Array.of(0xff), Uint8Array.of(128), utf8('+'), utf8('#'), utf8('/'), Uint8Array.of(0xe9)],
  decode: (input) => {
    const decoded = decodeMqttMessage(input, MQTT_MTU);
    if ('frame' in decoded && decoded.frame.length > MQTT_MTU) throw new BrokenPromiseError(`a frame of ${decoded.frame.length} bytes, over the mtu of ${MQTT_MTU}`);
    return decoded;
  },
  // Drops are answers ({ malformed }), never throws.
  refuses: () => false,
  roundTrip: (decoded, input) => ('malformed' in decoded ? undefined : sameBytes('encodeMqttMessage', input, encodeMqttMessage(decoded.sender, decoded.frame))),
};

export const rnodeValues: FuzzTarget<number | undefined> = {
  name: 'lora/rnode-values',
  exercises: 'decodeUint32, decodeByte (transports/lora/rnode-commands.ts)',
  weight: 1,
  seeds: () => [encodeUint32(868_100_000), encodeUint32(0xffff_ffff), Uint8Array.of(9)],
  maxInputBytes: 8,
  decode: (input) => {
    const byte = decodeByte(input);
    if (byte !== undefined && (input.length !== 1 || byte !== input[0])) throw new BrokenPromiseError(`decodeByte read ${byte}`);
    return decodeUint32(input);
  },
  refuses: () => false,
  roundTrip: (value, input) => (value === undefined ? undefined : sameBytes('encodeUint32', input, encodeUint32(value))),
};
