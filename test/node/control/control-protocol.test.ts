// The control protocol's lines: what is encoded decodes back, and nothing decodes to a crash.
import fc from 'fast-check';
import t from 'tap';
import {
  BadRequestError,
  ControlError,
  MAX_CONTROL_LINE_BYTES,
  checkSocketPath,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../node/control/control-protocol.js';

/** A line without its newline, as the reader hands it to the decoder. */
const bare = (line: string): string => {
  if (!line.endsWith('\n') || line.slice(0, -1).includes('\n')) throw new Error(`not one line: ${JSON.stringify(line)}`);
  return line.slice(0, -1);
};

t.test('requests round trip, with and without params', async (t) => {
  const withParams = { id: 7, method: 'pay', params: { amountMsat: 1000, to: 'ab'.repeat(33), note: 'caf\u00e9 \u2603 \n' } };
  t.same(decodeRequest(bare(encodeRequest(withParams))), withParams);
  t.same(decodeRequest(bare(encodeRequest({ id: 0, method: 'status' }))), { id: 0, method: 'status' });
  t.same(decodeRequest(Buffer.from(bare(encodeRequest(withParams)))), withParams, 'from bytes too');
});

t.test('responses round trip: results, errors with and without field', async (t) => {
  for (const result of [null, 0, 'text', [1, 'two'], { nested: { deep: [true, false] } }]) {
    t.same(decodeResponse(bare(encodeResponse({ id: 3, result }))), { id: 3, result });
  }
  const error = { code: 'invalid_params', message: 'amountMsat: expected an integer', field: 'amountMsat' };
  t.same(decodeResponse(bare(encodeResponse({ id: 4, error }))), { id: 4, error });
  t.same(decodeResponse(bare(encodeResponse({ id: null, error: { code: 'bad_request', message: 'no' } }))), { id: null, error: { code: 'bad_request', message: 'no' } });
});

t.test('results JSON cannot carry become failed, never a throw', async (t) => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  for (const [name, result] of [
    ['a BigInt', 10n],
    ['a cycle', cycle],
    ['a throwing toJSON', { toJSON: () => { throw new Error('nope'); } }],
  ] as const) {
    const response = decodeResponse(bare(encodeResponse({ id: 1, result })));
    t.ok('error' in response && response.error.code === 'failed', `${name}: failed`);
    t.match(response, { id: 1, error: { message: /cannot be sent as JSON/ } });
  }
  t.same(decodeResponse(bare(encodeResponse({ id: 1, result: undefined }))), { id: 1, result: null }, 'undefined is null');
  t.same(decodeResponse(bare(encodeResponse({ id: 1, result: () => 1 }))), { id: 1, result: null }, 'a function is null');
});

t.test('limits: requests and results over the limit, long messages cut', async (t) => {
  const big = { id: 1, method: 'x', params: { blob: 'a'.repeat(MAX_CONTROL_LINE_BYTES) } };
  t.throws(() => encodeRequest(big), { name: 'ControlError', code: 'bad_request', message: /over the limit of 65536/ });
  t.throws(() => encodeRequest({ id: 1, method: 'x', params: { n: 1n } }), { code: 'bad_request', message: /cannot be sent as JSON/ });
  const line = bare(encodeRequest({ id: 1, method: 'x', params: { blob: 'a'.repeat(100) } }));
  t.throws(() => decodeRequest(line, 100), BadRequestError);
  t.ok(decodeRequest(line, line.length), 'exactly at the limit is fine');
  t.throws(() => decodeRequest('"\u00e9\u00e9"', 5), { code: 'bad_request' }, 'the limit counts UTF-8 bytes');

  const tooBig = decodeResponse(bare(encodeResponse({ id: 2, result: 'b'.repeat(200) }, 100)));
  t.match(tooBig, { id: 2, error: { code: 'failed', message: /over the limit of 100/ } });
  t.throws(() => decodeResponse(bare(encodeResponse({ id: 2, result: 'b'.repeat(200) })), 100), { code: 'bad_response' });

  const long = decodeResponse(bare(encodeResponse({ id: 5, error: { code: 'failed', message: 'm'.repeat(100_000) } })));
  t.ok('error' in long && long.error.message.length < 1100, 'a long message is cut');
});

t.test('malformed requests are bad_request, with the id when it could be read', async (t) => {
  const cases: ReadonlyArray<[line: string | Uint8Array, id: number | null, message: RegExp]> = [
    ['', null, /not valid JSON/],
    ['{"id": 1, "method": "x"', null, /not valid JSON/],
    [new Uint8Array([0x7b, 0xff, 0x7d]), null, /not valid JSON/],
    ['[1, 2]', null, /JSON object/],
    ['null', null, /JSON object/],
    ['{"method": "x"}', null, /"id"/],
    ['{"id": 1.5, "method": "x"}', null, /"id"/],
    ['{"id": "1", "method": "x"}', null, /"id"/],
    ['{"id": 9007199254740993, "method": "x"}', null, /"id"/],
    ['{"id": 4}', 4, /"method"/],
    ['{"id": 4, "method": ""}', 4, /"method"/],
    ['{"id": 4, "method": 12}', 4, /"method"/],
    ['{"id": 5, "method": "x", "params": [1]}', 5, /"params"/],
    ['{"id": 5, "method": "x", "params": null}', 5, /"params"/],
    ['{"id": 5, "method": "x", "params": "a=1"}', 5, /"params"/],
  ];
  for (const [line, id, message] of cases) {
    const label = typeof line === 'string' ? JSON.stringify(line) : 'invalid UTF-8';
    t.throws(() => decodeRequest(line), { name: 'BadRequestError', code: 'bad_request', id, message }, label);
  }
});

t.test('malformed responses are bad_response', async (t) => {
  for (const line of [
    'nope',
    '[]',
    '{"id": 1}',
    '{"id": null, "result": 1}',
    '{"id": "1", "result": 1}',
    '{"id": 1, "error": "boom"}',
    '{"id": 1, "error": {"code": "x"}}',
    '{"id": 1, "error": {"code": "x", "message": "m", "field": 3}}',
  ]) {
    t.throws(() => decodeResponse(line), { name: 'ControlError', code: 'bad_response' }, line);
  }
});

t.test('decoders throw nothing but ControlError, whatever the input', async (t) => {
  const onlyControlErrors = (decode: () => unknown): boolean => {
    try {
      decode();
      return true;
    } catch (error) {
      return error instanceof ControlError;
    }
  };
  const lines = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.record({ id: fc.anything(), method: fc.anything(), params: fc.anything(), result: fc.anything(), error: fc.anything() }, { requiredKeys: [] }).map((value) => {
      try {
        return JSON.stringify(value) ?? '';
      } catch {
        return '{}';
      }
    }),
  );
  fc.assert(
    fc.property(lines, fc.integer({ min: 0, max: 300 }), (line, limit) =>
      [() => decodeRequest(line), () => decodeResponse(line), () => decodeRequest(line, limit), () => decodeResponse(line, limit)].every(onlyControlErrors),
    ),
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyControlErrors(() => decodeRequest(bytes)) && onlyControlErrors(() => decodeResponse(bytes))));
  t.pass('no other throw');
});

t.test('every request the encoder accepts decodes to itself', async (t) => {
  const params = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 });
  fc.assert(
    fc.property(fc.integer(), fc.string({ minLength: 1 }), params, (id, method, params) => {
      const decoded = decodeRequest(bare(encodeRequest({ id, method, params })));
      return decoded.id === id && decoded.method === method && JSON.stringify(decoded.params) === JSON.stringify(params);
    }),
  );
  t.pass('round trips');
});

t.test('a socket path longer than sun_path is refused', async (t) => {
  t.doesNotThrow(() => checkSocketPath(`/tmp/${'s'.repeat(102)}`));
  t.throws(() => checkSocketPath(`/tmp/${'s'.repeat(103)}`), { code: 'unreachable', message: /108 bytes; Unix sockets allow at most 107/ });
});
