/**
 * Targets that break on purpose, for the harness's own tests: a decoder
 * that throws a TypeError, one that does not round-trip, one that hangs.
 * Each misbehaves only on inputs starting with 0xff, so a run finds it.
 */
import { DecodeError } from '../../node/core/cbor.js';
import { type FuzzTarget, refusedWith } from './target.js';

const refuse = (input: Uint8Array) => {
  if (input.length === 0) throw new DecodeError('input', 'empty');
};

export const crashing: FuzzTarget<number> = {
  name: 'harness/crashing',
  exercises: 'a decoder that reads a property of undefined on inputs starting with 0xff',
  weight: 1,
  seeds: () => [Uint8Array.of(1, 2, 3)],
  decode: (input) => {
    refuse(input);
    return input[0] === 0xff ? (undefined as unknown as { length: number }).length : input[0]!;
  },
  refuses: refusedWith(DecodeError),
};

export const lossy: FuzzTarget<number> = {
  name: 'harness/lossy',
  exercises: 'a decoder whose value re-encodes as another when the input starts with 0xff',
  weight: 1,
  seeds: () => [Uint8Array.of(1, 2, 3)],
  decode: (input) => {
    refuse(input);
    return input[0]!;
  },
  refuses: refusedWith(DecodeError),
  roundTrip: (value) => (value === 0xff ? 'came back as 0' : undefined),
};

export const hanging: FuzzTarget<number> = {
  name: 'harness/hanging',
  exercises: 'a decoder that never returns on inputs starting with 0xff',
  weight: 1,
  seeds: () => [Uint8Array.of(0xff)],
  decode: (input) => {
    refuse(input);
    while (input[0] === 0xff) {
      // spins
    }
    return input[0]!;
  },
  refuses: refusedWith(DecodeError),
};

export const TARGETS = [crashing, lossy, hanging];
