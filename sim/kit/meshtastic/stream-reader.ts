/**
 * The firmware's reader of the client's byte stream (src/mesh/StreamAPI.cpp,
 * StreamAPI::readStream), byte by byte as it does it: look for 0x94 then
 * 0xC3 (anything else starts the search again), take the 2-byte big-endian
 * length, drop the 4 header bytes when it is over 512 (MAX_TO_FROM_RADIO_SIZE)
 * and search again after them, else hand the protobuf on once it is all in.
 */
import { MAX_PACKET_LENGTH, START1, START2 } from '../../../transports/meshtastic/stream-framing.js';

const HEADER_LEN = 4;

export class StreamReader {
  private readonly buffer = new Uint8Array(HEADER_LEN + MAX_PACKET_LENGTH);
  private pointer = 0;

  constructor(private readonly onPacket: (protobuf: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) this.take(byte);
  }

  reset(): void {
    this.pointer = 0;
  }

  private take(byte: number): void {
    const at = this.pointer++;
    this.buffer[at] = byte;
    if (at === 0) {
      if (byte !== START1) this.pointer = 0;
    } else if (at === 1) {
      if (byte !== START2) this.pointer = 0;
    } else if (at >= HEADER_LEN - 1) {
      const length = ((this.buffer[2] ?? 0) << 8) | (this.buffer[3] ?? 0);
      if (at === HEADER_LEN - 1 && length > MAX_PACKET_LENGTH) this.pointer = 0;
      if (this.pointer !== 0 && at + 1 >= length + HEADER_LEN) {
        this.pointer = 0;
        this.onPacket(this.buffer.slice(HEADER_LEN, HEADER_LEN + length));
      }
    }
  }
}
