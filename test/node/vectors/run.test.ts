// Every shipped BOLT vector passes, through the same runner `lnmesh vectors` uses.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runVectorFile } from '../../../node/vectors/run.js';
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
