/**
 * Typed reads from a parsed vector file. A missing or mistyped field throws
 * an `InvalidInputError` whose field is the full JSON path (`cases[3].htlc_txs[0].tx`),
 * so a malformed file is reported by case and field, never by stack trace.
 */
import { InvalidInputError, checkHex, checkInteger, describe } from '../core/input.js';
import { checkPublicKey, checkSecretKey } from '../core/curve.js';

export class Fields {
  constructor(
    readonly value: Record<string, unknown>,
    readonly path: string,
  ) {}

  static root(value: unknown, path = ''): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidInputError(path || 'file', `expected a JSON object, got ${describe(value)}`);
    }
    return new Fields(value as Record<string, unknown>, path);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.value, name) && this.value[name] !== undefined && this.value[name] !== null;
  }

  at(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  raw(name: string): unknown {
    if (!this.has(name)) throw new InvalidInputError(this.at(name), 'missing');
    return this.value[name];
  }

  string(name: string): string {
    const value = this.raw(name);
    if (typeof value !== 'string') throw new InvalidInputError(this.at(name), `expected a string, got ${describe(value)}`);
    return value;
  }

  integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    return checkInteger(this.at(name), this.raw(name), min, max);
  }

  boolean(name: string): boolean {
    const value = this.raw(name);
    if (typeof value !== 'boolean') throw new InvalidInputError(this.at(name), `expected true or false, got ${describe(value)}`);
    return value;
  }

  hex(name: string, length?: number): Uint8Array {
    return checkHex(this.at(name), this.raw(name), length);
  }

  /** A private key, with or without the trailing 01 (compressed-key flag) that the BOLT 3 appendices keep. */
  secretKey(name: string): Uint8Array {
    const bytes = this.hex(name);
    if (bytes.length === 33 && bytes[32] === 0x01) return checkSecretKey(this.at(name), bytes.subarray(0, 32));
    if (bytes.length !== 32) throw new InvalidInputError(this.at(name), `expected a 32-byte private key (optionally followed by 01), got ${bytes.length} bytes`);
    return checkSecretKey(this.at(name), bytes);
  }

  /** A compressed public key on the curve. */
  publicKey(name: string): Uint8Array {
    return checkPublicKey(this.at(name), this.hex(name, 33));
  }

  object(name: string): Fields {
    return Fields.root(this.raw(name), this.at(name));
  }

  array(name: string): unknown[] {
    const value = this.raw(name);
    if (!Array.isArray(value)) throw new InvalidInputError(this.at(name), `expected an array, got ${describe(value)}`);
    return value;
  }

  /** An array of objects, each as `Fields`. */
  objects(name: string): Fields[] {
    return this.array(name).map((item, i) => Fields.root(item, `${this.at(name)}[${i}]`));
  }

  /** The case's name for reports, if it has one. */
  label(): string {
    const name = this.value['name'];
    return typeof name === 'string' ? name : this.path;
  }

  /** The line of the spec this case came from, if the file says. */
  sourceLine(): number | undefined {
    const line = this.value['source_line'];
    return typeof line === 'number' ? line : undefined;
  }
}
