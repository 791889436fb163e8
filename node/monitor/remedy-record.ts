/**
 * The unsigned justice (`UnsignedJustice`) as a `remedy` record keeps it: one
 * byte array. A channel keeps one record per commitment the peer revoked,
 * thousands of them, and the same data as a dozen small objects (an object
 * per output, a byte array per script and key) weighed twice its bytes in
 * memory.
 *
 *     version (1) = 1 | per-commitment secret (32) | revocation pubkey (33)
 *     | feerate per kw (u32) | destination script length (u8) and bytes
 *     | output count (u16) | per output: kind (u8: 0 to_local, 1 htlc)
 *       | vout (u16) | satoshis (u64) | witness script length (u16) and bytes
 *
 * Big-endian. The outputs' txid is the record's own (the revoked commitment's).
 */
import type { RevokedOutput, UnsignedJustice } from '../bolt3/justice.js';
import { InvalidInputError } from '../core/input.js';

const VERSION = 1;

export function encodeUnsignedJustice(justice: UnsignedJustice): Uint8Array {
  const { perCommitmentSecret, revocationPubkey, feeratePerKw, destinationScript, revokedOutputs } = justice;
  if (perCommitmentSecret.length !== 32 || revocationPubkey.length !== 33) throw new InvalidInputError('justice', 'a 32-byte secret and a 33-byte key');
  if (destinationScript.length > 0xff || revokedOutputs.length > 0xffff) throw new InvalidInputError('justice', 'a destination script of at most 255 bytes and at most 65535 outputs');
  const size = 1 + 32 + 33 + 4 + 1 + destinationScript.length + 2 + revokedOutputs.reduce((sum, output) => sum + 1 + 2 + 8 + 2 + output.witnessScript.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  bytes[at++] = VERSION;
  bytes.set(perCommitmentSecret, at);
  bytes.set(revocationPubkey, (at += 32));
  view.setUint32((at += 33), feeratePerKw);
  bytes[(at += 4)] = destinationScript.length;
  bytes.set(destinationScript, (at += 1));
  view.setUint16((at += destinationScript.length), revokedOutputs.length);
  at += 2;
  for (const output of revokedOutputs) {
    if (output.outpoint.vout > 0xffff || output.witnessScript.length > 0xffff) throw new InvalidInputError('justice', 'an output index and a script length below 65536');
    bytes[at++] = output.kind === 'to_local' ? 0 : 1;
    view.setUint16(at, output.outpoint.vout);
    view.setBigUint64((at += 2), BigInt(output.satoshis));
    view.setUint16((at += 8), output.witnessScript.length);
    bytes.set(output.witnessScript, (at += 2));
    at += output.witnessScript.length;
  }
  return bytes;
}

/** The unsigned justice a record kept; `txid`: the revoked commitment's (display order). */
export function decodeUnsignedJustice(bytes: Uint8Array, txid: string): UnsignedJustice {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const take = (length: number): number => {
    if (at + length > bytes.length) throw new InvalidInputError('remedy', 'a record cut short');
    const from = at;
    at += length;
    return from;
  };
  let at = 0;
  if (bytes[take(1)] !== VERSION) throw new InvalidInputError('remedy', `a record of version ${bytes[0]}, not ${VERSION}`);
  const perCommitmentSecret = bytes.slice(take(32), at);
  const revocationPubkey = bytes.slice(take(33), at);
  const feeratePerKw = view.getUint32(take(4));
  const destinationScript = bytes.slice(take(bytes[take(1)]!), at);
  const count = view.getUint16(take(2));
  const revokedOutputs: RevokedOutput[] = [];
  for (let i = 0; i < count; i++) {
    const kindByte = bytes[take(1)];
    if (kindByte !== 0 && kindByte !== 1) throw new InvalidInputError('remedy', `an output of kind ${kindByte}`);
    const kind = kindByte === 0 ? 'to_local' : 'htlc';
    const vout = view.getUint16(take(2));
    const satoshis = Number(view.getBigUint64(take(8)));
    const witnessScript = bytes.slice(take(view.getUint16(take(2))), at);
    revokedOutputs.push({ kind, outpoint: { txid, vout }, satoshis, witnessScript });
  }
  if (at !== bytes.length) throw new InvalidInputError('remedy', `${bytes.length - at} bytes after the record`);
  return { perCommitmentSecret, revocationPubkey, feeratePerKw, destinationScript, revokedOutputs };
}
