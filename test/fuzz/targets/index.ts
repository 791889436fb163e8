/** Every decoder the fuzz runs, in the order a run goes through them. */
import type { AnyTarget } from '../target.js';
import { bitcoinSignature } from './bitcoin-signature.js';
import { blockDecoding } from './block-decoding.js';
import { bolt11 } from './bolt11.js';
import { chainFeed } from './chain-feed.js';
import { blockHeader, compactHeaders, merkleProofCheck, merkleTree } from './chain.js';
import { duration, durationValues, gatewayConfig, nodeConfig, yamlReader } from './config.js';
import { controlRequest, controlResponse } from './control.js';
import { bolt8Message, frame, noiseActOne, noiseActThree, noiseActTwo, reassembly, sealedBody } from './link.js';
import { meshtasticStream, meshtasticToRadio } from './meshtastic.js';
import { paymentRequestBytes, paymentRequestText } from './payment-request.js';
import { envelope } from './router.js';
import { cobs, kiss, serialFraming } from './serial-and-radio.js';
import { mqttMessage, rnodeValues } from './transports.js';
import { alert, appointmentBlob, channelRecord, httpRequest, justiceData, receipt } from './tower.js';
import { cbor, gatewayMessages, messages, updateCodec, varint } from './wire.js';

export const TARGETS: readonly AnyTarget[] = [
  cbor, varint, messages, updateCodec, gatewayMessages,
  frame, sealedBody, reassembly, noiseActOne, noiseActTwo, noiseActThree, bolt8Message,
  envelope,
  blockHeader, compactHeaders, merkleProofCheck, merkleTree, chainFeed,
  justiceData, appointmentBlob, channelRecord, receipt, alert, httpRequest,
  controlRequest, controlResponse,
  yamlReader, nodeConfig, gatewayConfig, duration, durationValues,
  kiss, rnodeValues, serialFraming, cobs, mqttMessage, meshtasticStream, meshtasticToRadio,
  paymentRequestBytes, paymentRequestText, bolt11, bitcoinSignature,
  blockDecoding,
];

export function targetNamed(name: string): AnyTarget | undefined {
  return TARGETS.find((target) => target.name === name);
}
