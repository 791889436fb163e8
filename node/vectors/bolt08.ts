/**
 * Runs BOLT 8 Appendix A (`bolt08-handshake.json`) through lnmesh's link
 * layer: each handshake case plays one side with the case's static and
 * ephemeral keys, comparing every act it sends byte for byte and, for the
 * failing cases, expecting the act named in `error` to be refused for that
 * reason; the message-encryption case encrypts "hello" over and over and
 * compares the listed messages (across two key rotations).
 */
import { publicKeyOf } from '../core/curve.js';
import { InvalidInputError } from '../core/input.js';
import { Bolt8CipherState, decryptMessage, encryptMessage } from '../../transports/link/bolt8-message.js';
import { encryptWithAd, hkdfTwoKeys, nonceOf } from '../../transports/link/noise-crypto.js';
import { HandshakeError, HandshakeInitiator, HandshakeResponder, type HandshakeSession } from '../../transports/link/noise.js';
import { type CaseCheck, type CaseResult, runCases, runSection } from './case-check.js';
import type { Fields } from './fields.js';
import { nodeKeyFromSecret } from '../core/node-key.js';

/** Encrypting a message costs two nonces; this bounds the work a file can ask for. */
const MAX_MESSAGE_NUMBER = 100_000;
/** BOLT 8's message test encrypts the same five bytes every time. */
const HELLO = new TextEncoder().encode('hello');

export function runBolt8Vectors(file: Fields): CaseResult[] {
  const handshakes = runSection(file, 'handshake_tests', () => runCases(file, 'handshake_tests', checkHandshake));
  const messages = runSection(file, 'message_encryption_test', () => {
    const test = file.object('message_encryption_test');
    const stream = new HelloStream(test.hex('sk', 32), test.hex('ck', 32));
    const name = test.label();
    const outputs = runSection(test, 'outputs', () =>
      labelled(runCases(test, 'outputs', (output, check) => checkMessage(stream, output, check)), test.array('outputs'), (output) => `${name}: message ${output['message_number']}`),
    );
    const trace = runSection(test, 'trace', () => labelled(runCases(test, 'trace', checkTraceStep), test.array('trace'), (step) => `${name}: ${step['op']}`));
    return [...outputs, ...trace];
  });
  return [...handshakes, ...messages];
}

/** Output and trace entries have no name of their own; a label from their content reads better than a path twice. */
function labelled(results: CaseResult[], items: unknown[], label: (item: Record<string, unknown>) => string): CaseResult[] {
  return results.map((result, i) => {
    const item = items[i];
    return typeof item === 'object' && item !== null ? { ...result, label: label(item as Record<string, unknown>) } : result;
  });
}

function checkHandshake(testCase: Fields, check: CaseCheck): void {
  const localStaticSecretKey = testCase.secretKey('ls_priv');
  const ephemeralSecretKey = testCase.secretKey('e_priv');
  if (testCase.has('ls_pub')) check.equalHex('ls_pub', testCase.publicKey('ls_pub'), publicKeyOf(localStaticSecretKey));
  if (testCase.has('e_pub')) check.equalHex('e_pub', testCase.publicKey('e_pub'), publicKeyOf(ephemeralSecretKey));
  const acts = testCase.object('acts');
  const act = (name: string) => (acts.has(name) ? acts.object(name) : undefined);
  const attempt = new Attempt(check);
  let session: HandshakeSession | undefined;

  const role = testCase.string('role');
  if (role === 'initiator') {
    const initiator = new HandshakeInitiator({ localStaticKey: nodeKeyFromSecret(localStaticSecretKey), ephemeralSecretKey, remoteStaticKey: testCase.publicKey('rs_pub') });
    const one = acts.object('one');
    const actOne = attempt.run(one, 'acts.one', () => initiator.actOne());
    if (actOne) check.equalHex('acts.one.output', one.hex('output'), actOne);
    const two = act('two');
    if (actOne && two) {
      // Receiving act two and sending act three are one step for the initiator.
      const reply = attempt.run(two, 'acts.two', () => initiator.actThree(two.hex('input')));
      if (reply) check.equalHex('acts.three.output', acts.object('three').hex('output'), reply.actThree);
      session = reply?.session;
    }
  } else if (role === 'responder') {
    const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(localStaticSecretKey), ephemeralSecretKey });
    const one = acts.object('one');
    const actTwo = attempt.run(one, 'acts.one', () => responder.actTwo(one.hex('input')));
    if (actTwo) check.equalHex('acts.two.output', acts.object('two').hex('output'), actTwo);
    const three = act('three');
    if (actTwo && three) session = attempt.run(three, 'acts.three', () => responder.finish(three.hex('input')));
  } else {
    throw new InvalidInputError(testCase.at('role'), `expected "initiator" or "responder", got "${role}"`);
  }

  if (testCase.has('expected_error')) check.equal('expected_error', testCase.string('expected_error'), attempt.seen ?? 'no error');
  if (session && !testCase.has('expected_error')) {
    const keys = testCase.object('final_keys');
    check.equalHex('final_keys.sk', keys.hex('sk', 32), session.sendingKey);
    check.equalHex('final_keys.rk', keys.hex('rk', 32), session.receivingKey);
  }
}

/** Runs acts, turning a `HandshakeError` into the spec's name for it and comparing it with the act's `error`. */
class Attempt {
  /** The first error raised, as the vectors write it. */
  seen: string | undefined;

  constructor(private readonly check: CaseCheck) {}

  run<T>(actFields: Fields, path: string, act: () => T): T | undefined {
    const expected = actFields.has('error') ? actFields.string('error') : undefined;
    try {
      const result = act();
      if (expected !== undefined) this.check.equal(`${path}.error`, expected, 'no error');
      return result;
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.seen = asSpecWrites(error, expected);
      this.check.equal(`${path}.error`, expected ?? 'no error', expected === undefined ? `${error.specCode} (${error.message})` : this.seen);
      return undefined;
    }
  }
}

/**
 * The spec writes some version errors with the version received
 * (`ACT2_BAD_VERSION 1`) and some without; the number, when written, must be
 * the one the error reports.
 */
function asSpecWrites(error: HandshakeError, expected: string | undefined): string {
  const detail = expected?.split(' ')[1];
  if (detail === undefined || error.reason !== 'bad-version') return error.specCode;
  const version = /version (\d+)/.exec(error.message)?.[1];
  return `${error.specCode} ${version ?? '?'}`;
}

/** "hello" sent over and over on one BOLT 8 connection, each message also decrypted by the receiving side. */
class HelloStream {
  private readonly sender: Bolt8CipherState;
  private readonly receiver: Bolt8CipherState;
  private readonly packets: { ciphertext: Uint8Array; decrypted: Uint8Array }[] = [];

  constructor(key: Uint8Array, chainingKey: Uint8Array) {
    this.sender = new Bolt8CipherState(key, chainingKey);
    this.receiver = new Bolt8CipherState(key, chainingKey);
  }

  message(number: number): { ciphertext: Uint8Array; decrypted: Uint8Array } {
    while (this.packets.length <= number) {
      const ciphertext = encryptMessage(this.sender, HELLO);
      this.packets.push({ ciphertext, decrypted: decryptMessage(this.receiver, ciphertext) });
    }
    return this.packets[number]!;
  }
}

function checkMessage(stream: HelloStream, output: Fields, check: CaseCheck): void {
  const { ciphertext, decrypted } = stream.message(output.integer('message_number', 0, MAX_MESSAGE_NUMBER));
  check.equalHex('ciphertext', output.hex('ciphertext'), ciphertext);
  check.equalHex('ciphertext, decrypted', HELLO, decrypted);
}

/** The intermediate steps the spec lists: single encryptions with their nonce, and the rotation HKDF. */
function checkTraceStep(step: Fields, check: CaseCheck): void {
  const op = step.string('op');
  if (op === 'encrypt_length' || op === 'encrypt_message') {
    const nonce = step.hex('nonce', 12);
    const counter = new DataView(nonce.buffer, nonce.byteOffset).getBigUint64(4, true);
    if (counter > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidInputError(step.at('nonce'), 'counter beyond 2^53');
    check.equalHex('nonce', nonce, nonceOf(Number(counter)));
    check.equalHex('ciphertext', step.hex('ciphertext'), encryptWithAd(step.hex('key', 32), Number(counter), new Uint8Array(0), step.hex('cleartext')));
  } else if (op === 'key_rotation_hkdf') {
    const [chainingKey, key] = hkdfTwoKeys(step.hex('salt_ck', 32), step.hex('ikm_k', 32));
    check.equalHex('out_ck', step.hex('out_ck', 32), chainingKey);
    check.equalHex('out_k', step.hex('out_k', 32), key);
  } else {
    throw new InvalidInputError(step.at('op'), `unknown op "${op}": expected encrypt_length, encrypt_message or key_rotation_hkdf`);
  }
}
