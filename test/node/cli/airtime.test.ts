// `lnmesh airtime`, run as a user runs it: a child process, its output and exit status.
import t from 'tap';
import { TTN_SHEET_37_BYTES } from '../../transports/lora/published-airtime.js';
import { lnmesh } from './run-cli.js';

/** SF7 to SF12 of the published 37-byte table (see its source there). */
const PUBLISHED_37_BYTES = TTN_SHEET_37_BYTES.filter(([sf]) => sf >= 7);

t.test('prints the time on air, then the symbol time and whether LDRO applied', async (t) => {
  const run = lnmesh('airtime', '--sf', '7', '--bw', '125', '--cr', '4/5', '--bytes', '10');
  t.equal(run.status, 0);
  t.equal(run.stderr, '');
  t.equal(run.stdout, '41.216 ms\nsymbol 1.024 ms, 8 preamble + 4.25 sync + 28 payload symbols, low data rate optimisation off\n');
});

t.test('SF7 to SF12 at 125 kHz match the published calculator within 1 ms', async (t) => {
  for (const [sf, published] of PUBLISHED_37_BYTES) {
    const run = lnmesh('airtime', '--sf', String(sf), '--bw', '125', '--bytes', '37');
    t.equal(run.status, 0, `SF${sf} exits 0`);
    const printed = Number(/^([\d.]+) ms$/m.exec(run.stdout)?.[1]);
    t.ok(Math.abs(printed - published) < 1, `SF${sf}: printed ${printed} ms, published ${published} ms`);
    t.match(run.stdout, sf >= 11 ? /optimisation on/ : /optimisation off/);
  }
});

t.test('every option changes the figure as the formula says', async (t) => {
  // SF12, CR 4/8, 18 preamble symbols, implicit header, no CRC, optimisation forced off, 20 bytes:
  // 8 + ceil((160 - 48 + 28 - 20) / 48) * 8 = 32 payload symbols; (18 + 4.25 + 32) * 32.768 ms = 1777.664 ms.
  const run = lnmesh('airtime', '--sf', '12', '--bw', '125', '--cr', '4/8', '--bytes', '20', '--preamble', '18', '--implicit-header', '--no-crc', '--ldro', 'off');
  t.equal(run.status, 0);
  t.equal(run.stdout.split('\n')[0], '1777.664 ms');
  t.match(run.stdout, /32 payload symbols, low data rate optimisation off/);
});

t.test('bad values name the option and exit with status 2, without a stack trace', async (t) => {
  const cases: ReadonlyArray<[args: string[], option: string]> = [
    [['--sf', '13', '--bw', '125', '--bytes', '10'], '--sf'],
    [['--sf', '7', '--bw', '600', '--bytes', '10'], '--bw'],
    [['--sf', '7', '--bw', '125', '--cr', '5/4', '--bytes', '10'], '--cr'],
    [['--sf', '7', '--bw', '125', '--bytes', '256'], '--bytes'],
    [['--sf', '7', '--bw', '125', '--bytes', '10', '--ldro', 'maybe'], '--ldro'],
  ];
  for (const [args, option] of cases) {
    const run = lnmesh('airtime', ...args);
    t.equal(run.status, 2, `${option}: exit status 2`);
    t.equal(run.stdout, '', 'nothing on stdout');
    t.match(run.stderr, new RegExp(`^lnmesh: ${option}: .+\\n$`), `one line naming ${option}: ${run.stderr.trim()}`);
    t.notMatch(run.stderr, /^\s+at /m, 'no stack trace');
  }
});
