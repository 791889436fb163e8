// The WebAssembly is loaded once per process; its version line goes to our
// logger, not to stdout.
import t from 'tap';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import type { LogLevel } from '../../../node/core/logger.js';

t.test('loads once, and the version line goes to the logger of the first call', async (t) => {
  const lines: [LogLevel, string][] = [];
  const [first, second] = await Promise.all([loadLdk({ log: (level, message) => lines.push([level, message]) }), loadLdk()]);
  t.equal(first, second, 'one module');
  t.equal(await loadLdk(), first, 'and the same afterwards');
  t.equal(lines.length, 1, 'one line logged');
  t.match(lines[0], ['info', /^Loaded LDK-Java Bindings with LDK v0\.1/]);
  const keys = first.KeysManager.constructor_new(new Uint8Array(32).fill(1), 0n, 0);
  t.equal(keys.get_node_secret_key().length, 32, 'and it works');
});
