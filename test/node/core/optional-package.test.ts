// Packages loaded on first use: a missing one is a MissingPackageError naming it and what needs it.
import t from 'tap';
import { MissingPackageError, exportOf, loadOptionalPackage } from '../../../node/core/optional-package.js';

t.test('a package that is there loads', async (t) => {
  const module = await loadOptionalPackage('yaml', 'a test', () => import('yaml'));
  t.equal(typeof exportOf(module, 'parse', 'yaml', 'a test'), 'function');
});

t.test('a missing package: MissingPackageError, naming the package and what needs it, with the cause', async (t) => {
  const specifier = 'lnmesh-no-such-package';
  const error = await loadOptionalPackage(specifier, 'an MQTT link', () => import(specifier)).catch((caught: unknown) => caught);
  t.ok(error instanceof MissingPackageError);
  const missing = error as MissingPackageError;
  t.equal(missing.name, 'MissingPackageError');
  t.equal(missing.packageName, specifier);
  t.match(missing.message, /^the package lnmesh-no-such-package \(needed for an MQTT link\) cannot be loaded: Cannot find package 'lnmesh-no-such-package'/);
  t.equal((missing.cause as { code?: string }).code, 'ERR_MODULE_NOT_FOUND');
});

t.test("exportOf: a named export, one under default (a bundle's CommonJS chunk), or an error", async (t) => {
  const connect = () => 'connected';
  t.equal(exportOf({ connect }, 'connect', 'mqtt', 'an MQTT link'), connect);
  t.equal(exportOf({ default: { connect } } as { connect?: typeof connect; default: { connect: typeof connect } }, 'connect', 'mqtt', 'an MQTT link'), connect);
  t.throws(() => exportOf({} as { connect?: typeof connect }, 'connect', 'mqtt', 'an MQTT link'), new MissingPackageError('mqtt', 'an MQTT link', new Error('it has no export connect')));
  t.throws(() => exportOf({} as { connect?: typeof connect }, 'connect', 'mqtt', 'an MQTT link'), { message: 'the package mqtt (needed for an MQTT link) cannot be loaded: it has no export connect' });
});
