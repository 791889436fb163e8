import type { SerialPort } from 'serialport';

/**
 * Writes `bytes` and waits until they have left for the device; fails rather
 * than hangs when the port closes meanwhile.
 *
 * serialport waits for a busy line on a poll handle that does not hold Node's
 * event loop open (uv_unref in its poller), so a write pending on a vanished pty
 * could let an otherwise idle process end under it. A timer holds the loop open
 * until the write settles.
 */
export function writeToPort(port: SerialPort, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!port.isOpen) {
      reject(new Error('the port is not open'));
      return;
    }
    const holdLoopOpen = setInterval(() => {}, 60_000);
    const onClose = (): void => settle(new Error('the port closed'));
    port.once('close', onClose);
    let settled = false;
    function settle(error?: Error | null): void {
      if (settled) return;
      settled = true;
      clearInterval(holdLoopOpen);
      port.off('close', onClose);
      if (error) reject(error);
      else resolve();
    }
    port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (error) => {
      if (error) settle(error);
      // serialport's drain on a closed port waits for it to reopen, forever.
      else if (!port.isOpen) settle(new Error('the port closed'));
      else port.drain(settle);
    });
  });
}
