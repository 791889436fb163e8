// The scan's fast no: every locator added is a "may be there", always; a
// locator never added is a "not there" nearly always; growing keeps both.
import t from 'tap';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { LocatorFilter } from '../../../gateway/tower/locator-filter.js';

const locator = fc.uint8Array({ minLength: 16, maxLength: 16 });

t.test('what was added is always found, through every growth', (t) => {
  fc.assert(
    fc.property(fc.array(locator, { maxLength: 3000 }), (locators) => {
      const filter = new LocatorFilter();
      for (const item of locators) filter.add(item);
      return locators.every((item) => filter.mightContain(item));
    }),
    { numRuns: 30 },
  );
  t.pass('30 random sets of up to 3,000 locators');
  t.end();
});

t.test('a locator never added is almost never a maybe, and one with a zero fingerprint works', (t) => {
  const filter = new LocatorFilter();
  for (let i = 0; i < 100_000; i++) filter.add(randomBytes(16));
  t.ok(filter.size > 99_990, `${filter.size} distinct fingerprints`);
  let maybes = 0;
  for (let i = 0; i < 100_000; i++) if (filter.mightContain(randomBytes(16))) maybes++;
  t.ok(maybes < 20, `${maybes} false maybes in 100,000 (about 2.3 expected)`);
  const zero = new Uint8Array(16);
  t.notOk(filter.mightContain(zero), 'a locator starting with four zero bytes, not added');
  filter.add(zero);
  t.ok(filter.mightContain(zero), 'added');
  t.end();
});
