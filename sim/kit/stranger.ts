/** A stranger's handshake act one, from a fresh key each time (see `sim/stranger.ts`). */
import { strangerActOne as actOneFromAStranger } from '../stranger.js';
import { randomBytes } from './random.js';

/** A fresh act one from a stranger's key, to `responderId`. */
export function strangerActOne(responderId: string, sessionId: number): Uint8Array {
  return actOneFromAStranger(randomBytes, responderId, sessionId);
}
