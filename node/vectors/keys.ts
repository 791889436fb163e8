/**
 * Runs BOLT 3 Appendix E cases (`bolt03-keys.json`): each case names a
 * derivation function, its inputs (inline, or by name from `common`), and
 * the expected output.
 */
import { InvalidInputError } from '../core/input.js';
import { derivePrivateKey, derivePublicKey, deriveRevocationPrivateKey, deriveRevocationPublicKey } from '../bolt3/key-derivation.js';
import { type CaseResult, runCases } from './case-check.js';
import { Fields } from './fields.js';

type Derivation = (inputs: Inputs) => Uint8Array;

/** Reads a named input from the case's `inputs`, else from `common` through `inputs_from`. */
class Inputs {
  constructor(
    private readonly testCase: Fields,
    private readonly common: Fields | undefined,
  ) {}

  private source(name: string): { fields: Fields; name: string } {
    const inline = this.testCase.has('inputs') ? this.testCase.object('inputs') : undefined;
    if (inline?.has(name)) return { fields: inline, name };
    const from = this.testCase.has('inputs_from') ? this.testCase.object('inputs_from') : undefined;
    if (from?.has(name) && this.common) return { fields: this.common, name: from.string(name) };
    throw new InvalidInputError(this.testCase.at(`inputs.${name}`), 'missing');
  }

  publicKey(name: string): Uint8Array {
    const { fields, name: key } = this.source(name);
    return fields.publicKey(key);
  }

  secretKey(name: string): Uint8Array {
    const { fields, name: key } = this.source(name);
    return fields.secretKey(key);
  }
}

const DERIVATIONS: Record<string, Derivation> = {
  derive_pubkey: (inputs) => derivePublicKey(inputs.publicKey('basepoint'), inputs.publicKey('per_commitment_point')),
  derive_privkey: (inputs) => derivePrivateKey(inputs.secretKey('basepoint_secret'), inputs.publicKey('per_commitment_point')),
  derive_revocation_pubkey: (inputs) =>
    deriveRevocationPublicKey(inputs.publicKey('revocation_basepoint'), inputs.publicKey('per_commitment_point')),
  derive_revocation_privkey: (inputs) =>
    deriveRevocationPrivateKey(inputs.secretKey('revocation_basepoint_secret'), inputs.secretKey('per_commitment_secret')),
};

export function runKeyVectors(file: Fields): CaseResult[] {
  const common = file.has('common') ? file.object('common') : undefined;
  return runCases(file, 'cases', (testCase, check) => {
      const name = testCase.string('function');
      const derivation = Object.hasOwn(DERIVATIONS, name) ? DERIVATIONS[name] : undefined;
      if (!derivation) throw new InvalidInputError(testCase.at('function'), `unknown function "${name}" (known: ${Object.keys(DERIVATIONS).join(', ')})`);
    check.equalHex('expected', testCase.hex('expected'), derivation(new Inputs(testCase, common)));
  });
}
