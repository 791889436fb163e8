// The lifecycle both daemons share: the data directory locked, the control
// socket answering, and a stop (or a failed start) that undoes everything in
// reverse: the socket, the service, the stores last opened first, the lock.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { callControl } from '../../../node/control/control-client.js';
import { DaemonHost } from '../../../node/daemon/daemon-host.js';
import { createLogger } from '../../../node/daemon/logger.js';

function setting(t: Test) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lnmesh-host-')); // short: the socket path fits in 107 bytes
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const logger = createLogger({ level: 'warn', format: 'json' }, { destination: new PassThrough() });
  return { dataDir, controlSocket: join(dataDir, 'control.sock'), logger };
}

/** Records what happens to it, in one list shared by every part. */
function recorder(events: string[]) {
  return {
    store: (name: string) => ({ close: async () => void events.push(`close ${name}`) }),
    service: { start: async () => void events.push('start'), stop: async () => void events.push('stop') },
  };
}

t.test('a running daemon answers its socket, and stops in reverse order once', async (t) => {
  const init = setting(t);
  const events: string[] = [];
  const parts = recorder(events);
  const daemon = await DaemonHost.start(init, async (host) => {
    host.open(parts.store('first'));
    host.open(parts.store('second'));
    await host.run(parts.service);
    await host.listen({ status: () => ({ daemon: 'test' }) });
    return host;
  });
  t.ok(existsSync(join(init.dataDir, 'lock')), 'the data directory is locked');
  t.same(await callControl(init.controlSocket, 'status'), { daemon: 'test' }, 'the control socket answers');

  await Promise.all([daemon.stop(), daemon.stop()]);
  t.same(events, ['start', 'stop', 'close second', 'close first'], 'the service stops, then the stores close, last opened first');
  await t.rejects(callControl(init.controlSocket, 'status'), { name: 'DaemonNotRunningError' }, 'the socket is gone');
  t.notOk(existsSync(join(init.dataDir, 'lock')), 'the lock is released');
});

t.test('a start that fails undoes what it did, and the error goes on', async (t) => {
  const init = setting(t);
  const events: string[] = [];
  const parts = recorder(events);
  const failure = new Error('the chain would not open');
  await t.rejects(
    DaemonHost.start(init, async (host) => {
      host.open(parts.store('first'));
      await host.run(parts.service);
      host.open(parts.store('second'));
      throw failure;
    }),
    failure,
  );
  t.same(events, ['start', 'stop', 'close second', 'close first']);
  t.notOk(existsSync(join(init.dataDir, 'lock')), 'the lock is released');
});
