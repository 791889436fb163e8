/** `lnmesh vectors FILE...` */
import type { Command } from 'commander';

export function registerVectorsCommand(program: Command): void {
  program
    .command('vectors')
    .summary('check lnmesh against BOLT test-vector files')
    .description(
      [
        'Runs every case of the given test-vector files (JSON in the format of the',
        'files extracted from the BOLT appendices, as shipped in test/vectors/)',
        "through lnmesh's own functions. Prints, per file, each failing case with the",
        'field that differs, then a last line "N passed, N failed". Exits 0 only when',
        'nothing failed.',
        '',
        'Known shapes: bolt03-keys, bolt03-shachain, bolt03-commitments, bolt03-misc,',
        'bolt08-handshake.',
      ].join('\n'),
    )
    .argument('<file...>', 'vector files to run')
    .option('-v, --verbose', 'also list the cases that pass')
    .action(async (files: string[], options: { verbose?: boolean }) => {
      const { formatReports, runVectorFile, totalsOf } = await import('../vectors/run.js');
      const reports = files.map((file) => runVectorFile(file));
      console.log(formatReports(reports, options.verbose));
      process.exitCode = totalsOf(reports).failed === 0 ? 0 : 1;
    });
}
