// How the CLI reports a daemon's refusal: the field the daemon named, once
// (`handle: no channel ...`, not `handle: handle: ...`), as bad input (exit 2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ask } from '../../../../node/cli/verbs/daemon-socket.js';
import { ControlError } from '../../../../node/control/control-protocol.js';
import { ControlServer } from '../../../../node/control/control-server.js';
import { InvalidInputError } from '../../../../node/core/input.js';

t.test("a daemon's refusal reaches the user naming its field once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnmesh-ask-')); // short: a socket path fits in 107 bytes
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'control.sock');
  const server = new ControlServer(
    {
      close: () => {
        throw new InvalidInputError('handle', 'no channel 7 with 02ab (see lnmesh channels)');
      },
      chosen: () => {
        throw new ControlError('invalid_params', 'the reason alone', 'blocks');
      },
    },
    { socketPath: socket },
  );
  await server.start();
  t.teardown(() => server.stop());

  const refusal = (await ask({ socket }, 'close', { handle: 7 }).catch((error: unknown) => error)) as InvalidInputError;
  t.type(refusal, InvalidInputError, 'bad input: exit 2');
  t.equal(refusal.message, 'handle: no channel 7 with 02ab (see lnmesh channels)');
  t.equal(refusal.field, 'handle');

  const other = (await ask({ socket }, 'chosen').catch((error: unknown) => error)) as InvalidInputError;
  t.equal(other.message, 'blocks: the reason alone', 'a message without its field gets it once');
});
