import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { compactJson } from '../../../../sim/report/data/compact-json.js';

t.test('reads back as the same value, whatever the value', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) =>
        // Compared with what JSON.stringify gives, which also turns -0 into 0.
        isDeepStrictEqual(JSON.parse(compactJson(value)), JSON.parse(JSON.stringify(value))),
      ),
      { numRuns: 300 },
    ),
  );
});

t.test('a series of points is one line per point, a small flat object one line', async (t) => {
  const text = compactJson({ points: [[0, 1], [60000, 2]], airtime: [{ node: 'a', usedMs: 12, budgetMs: 36000 }], figures: { a: 1, b: 2, c: 3, d: 4, e: 5 } });
  t.equal(
    text,
    [
      '{',
      '  "points": [',
      '    [0, 1],',
      '    [60000, 2]',
      '  ],',
      '  "airtime": [',
      '    { "node": "a", "usedMs": 12, "budgetMs": 36000 }',
      '  ],',
      '  "figures": {',
      '    "a": 1,',
      '    "b": 2,',
      '    "c": 3,',
      '    "d": 4,',
      '    "e": 5',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
});

t.test('refuses NaN and Infinity, naming where they are, instead of writing null', async (t) => {
  t.throws(() => compactJson({ figures: { latencyP50Ms: Number.NaN } }), { name: 'NotJsonError', path: 'figures.latencyP50Ms' });
  t.throws(() => compactJson({ series: { points: [[0, 1], [5, Number.POSITIVE_INFINITY]] } }), { name: 'NotJsonError', path: 'series.points[1][1]' });
  t.throws(() => compactJson({ when: 10n }), { name: 'NotJsonError', path: 'when' });
});
