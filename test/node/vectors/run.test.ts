// Every shipped BOLT vector passes, through the same runner `lnmesh vectors` uses.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runVectorFile, runVectors } from '../../../node/vectors/run.js';
import { casePassed } from '../../../node/vectors/case-check.js';

const directory = fileURLToPath(new URL('../../vectors/', import.meta.url));

for (const name of readdirSync(directory).filter((file) => file.startsWith('bolt03-') && file.endsWith('.json'))) {
  t.test(name, async (t) => {
    const report = runVectorFile(join(directory, name));
    t.equal(report.error, undefined, 'the file runs');
    t.ok(report.cases.length > 0, 'it has cases');
    for (const result of report.cases) {
      t.ok(casePassed(result), `${result.label}`, { mismatches: result.mismatches, error: result.error });
    }
  });
}

t.test('a malformed section of a misc file fails alone; the other sections still run', async (t) => {
  const misc = JSON.parse(readFileSync(join(directory, 'bolt03-misc.json'), 'utf8'));
  misc.fee_example = 'not an object';
  misc.bitcoin_core_dust_thresholds_sat['pay to anchor (p2a)'] = 'lots';
  const report = runVectors('mutated misc', misc);
  const failed = report.cases.filter((result) => !casePassed(result));
  t.same(failed.map((result) => result.error?.field).sort(), ['bitcoin_core_dust_thresholds_sat.pay to anchor (p2a)', 'fee_example'], 'exactly the two broken parts fail');
  t.ok(report.cases.some((result) => result.path.startsWith('expected_weights') && casePassed(result)), 'expected_weights still ran');
  t.ok(report.cases.some((result) => result.label === 'Appendix B funding transaction' && casePassed(result)), 'Appendix B still ran');
});
