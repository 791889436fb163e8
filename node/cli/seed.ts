/** `lnmesh seed ...`: create, show and restore the node seed. */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readSync } from 'node:fs';
import { bytesToHex } from '../core/hex.js';
import type { Command } from 'commander';
import { InvalidInputError } from '../core/input.js';
import { generateSeed, readSeedFile, seedFromWords, seedToWords, writeSeedFile } from '../keys/seed.js';
import { SeedSigner } from '../keys/signer.js';

export const DEFAULT_SEED_FILE = join(homedir(), '.lnmesh', 'seed');

export function registerSeedCommand(program: Command): void {
  const seed = program
    .command('seed')
    .summary('create, show or restore the node seed')
    .description(
      [
        'The node seed is 32 random bytes from which every key of the node is derived.',
        `It is kept in a file readable only by its owner (default ${DEFAULT_SEED_FILE}).`,
        'Write down its 24 words (`lnmesh seed words`) and keep them offline: they',
        'restore the node (`lnmesh seed restore`).',
      ].join('\n'),
    );
  const fileOption = ['-f, --file <path>', 'seed file', DEFAULT_SEED_FILE] as const;

  seed
    .command('new')
    .description('create a new random seed file (never overwrites one) and print the node id')
    .option(...fileOption)
    .action((options: { file: string }) => {
      const value = generateSeed((length) => new Uint8Array(randomBytes(length)));
      createSeedFile(options.file, value);
      console.log(`created ${options.file}`);
      console.log(`node id ${bytesToHex(new SeedSigner(value).nodeId)}`);
      console.log('write down its 24 words now: lnmesh seed words');
    });

  seed
    .command('id')
    .description("print the node id (the node's public key) of a seed file")
    .option(...fileOption)
    .action((options: { file: string }) => {
      console.log(bytesToHex(new SeedSigner(readSeedFile(options.file)).nodeId));
    });

  seed
    .command('words')
    .description('print the 24 BIP 39 words that restore the seed')
    .option(...fileOption)
    .action((options: { file: string }) => {
      console.log(seedToWords(readSeedFile(options.file)));
    });

  seed
    .command('restore')
    .description(
      'write a seed file from its 24 words (never overwrites one); the words are read from standard input,\n' +
        'or from --words (visible to other users in the process list: avoid on shared machines)',
    )
    .option('-w, --words <words>', 'the 24 words, in one quoted argument')
    .option(...fileOption)
    .action((options: { file: string; words?: string }) => {
      const value = seedFromWords(options.words ?? readStandardInput());
      createSeedFile(options.file, value);
      console.log(`restored ${options.file}`);
      console.log(`node id ${bytesToHex(new SeedSigner(value).nodeId)}`);
    });
}

/** Standard input up to its end (a pipe, a file, or words typed then Ctrl-D), at most 4 kB. */
function readStandardInput(): string {
  if (process.stdin.isTTY) process.stderr.write('type the 24 words, then Enter and Ctrl-D:\n');
  const buffer = Buffer.alloc(4096);
  let length = 0;
  for (;;) {
    let read = 0;
    try {
      read = readSync(0, buffer, length, buffer.length - length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((error as NodeJS.ErrnoException).code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    length += read;
    if (length === buffer.length) throw new InvalidInputError('words', 'more than 4 kB on standard input');
  }
  return buffer.subarray(0, length).toString('utf8');
}

function createSeedFile(path: string, value: Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeSeedFile(path, value);
}
