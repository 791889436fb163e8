/**
 * Script assembly: bitcoinjs-lib's `script.compile` (minimal pushes, as
 * BIP 62 asks), byte for byte, without its valibot check of the chunks, which
 * costs more than the assembly: a commitment's build compiles a dozen scripts.
 * Chunks of any other kind than an opcode byte or a byte array go to
 * bitcoinjs-lib, to be refused as before.
 */
import { opcodes, script as bscript } from 'bitcoinjs-lib';

/** OP_1 - 1: `OP_n` is this plus n. */
const OP_INT_BASE = opcodes.OP_RESERVED;

/** The single opcode that pushes this data, if there is one (the empty array, 1 to 16, -1). */
function minimalOpcode(data: Uint8Array): number | undefined {
  if (data.length === 0) return opcodes.OP_0;
  if (data.length !== 1) return undefined;
  if (data[0]! >= 1 && data[0]! <= 16) return OP_INT_BASE + data[0]!;
  if (data[0] === 0x81) return opcodes.OP_1NEGATE;
  return undefined;
}

function pushLength(n: number): number {
  return n < opcodes.OP_PUSHDATA1 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

function chunkSize(chunk: number | Uint8Array): number {
  if (typeof chunk === 'number') return 1;
  if (chunk.length === 1 && minimalOpcode(chunk) !== undefined) return 1;
  return pushLength(chunk.length) + chunk.length;
}

function isChunk(chunk: unknown): chunk is number | Uint8Array {
  return (typeof chunk === 'number' && Number.isInteger(chunk) && chunk >= 0 && chunk <= 0xff) || chunk instanceof Uint8Array;
}

export function compileScript(chunks: readonly (number | Uint8Array)[]): Uint8Array {
  if ((chunks as unknown) instanceof Uint8Array) return chunks as unknown as Uint8Array; // a script already, as bitcoinjs-lib takes it
  if (!chunks.every(isChunk)) return bscript.compile(chunks as (number | Uint8Array)[]);
  const script = new Uint8Array(chunks.reduce<number>((sum, chunk) => sum + chunkSize(chunk), 0));
  const view = new DataView(script.buffer);
  let offset = 0;
  for (const chunk of chunks) {
    if (typeof chunk === 'number') {
      script[offset++] = chunk;
      continue;
    }
    const opcode = minimalOpcode(chunk);
    if (opcode !== undefined) {
      script[offset++] = opcode;
      continue;
    }
    const size = pushLength(chunk.length);
    if (size === 1) script[offset] = chunk.length;
    else if (size === 2) {
      script[offset] = opcodes.OP_PUSHDATA1;
      script[offset + 1] = chunk.length;
    } else if (size === 3) {
      script[offset] = opcodes.OP_PUSHDATA2;
      view.setUint16(offset + 1, chunk.length, true);
    } else {
      script[offset] = opcodes.OP_PUSHDATA4;
      view.setUint32(offset + 1, chunk.length, true);
    }
    script.set(chunk, offset + size);
    offset += size + chunk.length;
  }
  return script;
}
