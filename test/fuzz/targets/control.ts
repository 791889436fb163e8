/** The daemons' control protocol (node/control/control-protocol.ts): request lines a local client sends, response lines a daemon answers. */
import { BadRequestError, ControlError, type ControlRequest, type ControlResponse, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../../node/control/control-protocol.js';
import { mutateJson } from '../text-mutations.js';
import { type FuzzTarget, utf8 } from '../target.js';

const JSON_DICTIONARY = ['{', '}', '[', ']', '"', '\\', '\\u0000', '\\ud800', '1e400', '-0', '9007199254740993', 'null', 'true', '"__proto__":', '"id":', '"method":', '"params":', '"error":', '"result":'].map(utf8);

/** The same JSON, however it was spelled: what a round trip must keep. */
const sameJson = (what: string, before: unknown, after: unknown): string | undefined =>
  JSON.stringify(before) === JSON.stringify(after) ? undefined : `${what}: ${JSON.stringify(before).slice(0, 120)} came back as ${JSON.stringify(after).slice(0, 120)}`;

export const controlRequest: FuzzTarget<ControlRequest> = {
  name: 'control/request',
  exercises: 'decodeRequest (node/control/control-protocol.ts)',
  weight: 5,
  seeds: () => [
    '{"id":7,"method":"status","params":{}}',
    '{"id":1,"method":"pay","params":{"request":"lnm1...","amountMsat":1000}}',
    '{"id":9007199254740991,"method":"open"}',
  ].map(utf8),
  dictionary: JSON_DICTIONARY,
  mutate: mutateJson,
  decode: (input) => decodeRequest(input),
  refuses: (error) => error instanceof BadRequestError && error.code === 'bad_request',
  roundTrip: (request) => {
    const line = encodeRequest(request);
    return sameJson('encodeRequest', request, decodeRequest(line.slice(0, -1)));
  },
};

export const controlResponse: FuzzTarget<ControlResponse> = {
  name: 'control/response',
  exercises: 'decodeResponse (node/control/control-protocol.ts)',
  weight: 5,
  seeds: () => [
    '{"id":7,"result":{"channels":[{"id":"abc","capacity":100000}],"ok":true}}',
    '{"id":null,"error":{"code":"bad_request","message":"the line is not valid JSON"}}',
    '{"id":3,"error":{"code":"invalid_params","message":"amountMsat: expected an integer","field":"amountMsat"}}',
  ].map(utf8),
  dictionary: JSON_DICTIONARY,
  mutate: mutateJson,
  decode: (input) => decodeResponse(input),
  refuses: (error) => error instanceof ControlError && error.code === 'bad_response',
  roundTrip: (response) => {
    // A daemon cuts long error texts short (message 1,000 characters, field 200): compare what it keeps.
    const line = encodeResponse(response);
    const again = decodeResponse(line.slice(0, -1));
    if ('error' in response && (response.error.message.length > 1000 || (response.error.field?.length ?? 0) > 200)) return undefined;
    return sameJson('encodeResponse', response, again);
  },
};
