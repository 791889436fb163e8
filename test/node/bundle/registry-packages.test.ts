// Platform packages from the npm registry: fetched once, then from the cache, checked against package-lock.json.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchRegistryPackages } from '../../../node/bundle/registry-packages.js';
import { ROOT } from '../cli/run-cli.js';

// The smallest of the platform packages lnmesh ships (11 kB), pinned in package-lock.json.
const SPEC = { name: '@cbor-extract/cbor-extract-linux-arm', version: '2.2.2' };

const dir = mkdtempSync(join(tmpdir(), 'lnmesh-registry-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cacheDir = join(dir, 'cache');

function fetch(workName: string): { lines: string[]; unpacked: string } {
  const lines: string[] = [];
  const unpacked = fetchRegistryPackages([SPEC], { root: ROOT, cacheDir, workDir: join(dir, workName), onStep: (line) => lines.push(line) });
  return { lines, unpacked: unpacked.get(`${SPEC.name}@${SPEC.version}`) ?? '' };
}

t.test('the first fetch goes to the registry, the second to the cache', async (t) => {
  const first = fetch('work1');
  t.same(first.lines, [`fetching ${SPEC.name} ${SPEC.version} from the npm registry`]);
  t.equal(JSON.parse(readFileSync(join(first.unpacked, 'package.json'), 'utf8')).name, SPEC.name, 'unpacked without its package/ folder');
  t.ok(existsSync(join(first.unpacked, 'node.napi.glibc.node')));
  t.ok(existsSync(join(cacheDir, '@cbor-extract+cbor-extract-linux-arm@2.2.2.tgz')), 'the tarball is kept');

  const second = fetch('work2');
  t.same(second.lines, [`fetching ${SPEC.name} ${SPEC.version} (cached)`]);
  t.ok(existsSync(join(second.unpacked, 'node.napi.glibc.node')));
});

t.test('a cached tarball that does not match package-lock.json is refused', async (t) => {
  const tarball = join(cacheDir, '@cbor-extract+cbor-extract-linux-arm@2.2.2.tgz');
  const original = readFileSync(tarball);
  const tampered = Buffer.from(original);
  tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0xff;
  writeFileSync(tarball, tampered);
  t.throws(() => fetch('work3'), { name: 'BundleError', message: /does not match the integrity package-lock\.json records for @cbor-extract\/cbor-extract-linux-arm@2\.2\.2: delete it/ });
  writeFileSync(tarball, original);
});

t.test('an unreachable registry: the reason, and nothing in the cache', async (t) => {
  const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries };
  process.env.npm_config_registry = 'http://127.0.0.1:9/';
  process.env.npm_config_fetch_retries = '0';
  t.teardown(() => {
    for (const [name, value] of [['npm_config_registry', saved.registry], ['npm_config_fetch_retries', saved.retries]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const emptyCache = join(dir, 'empty-cache');
  t.throws(
    () => fetchRegistryPackages([SPEC], { root: ROOT, cacheDir: emptyCache, workDir: join(dir, 'work4'), onStep: () => {} }),
    { name: 'BundleError', message: /^npm pack @cbor-extract\/cbor-extract-linux-arm@2\.2\.2 failed \(the npm registry is needed to fetch them once\): .*127\.0\.0\.1:9/ },
  );
  t.same(readdirSync(emptyCache), [], 'no partial tarball left');
});
