/**
 * A `Transport` moves frames between this node and its neighbours over one
 * medium: a LoRa radio, a serial line, an MQTT broker, or memory. It knows
 * nothing of channels or sessions: a frame is bytes, no larger than `mtu`,
 * and delivery is best effort (frames may be lost; the link layer above
 * acknowledges and retransmits).
 *
 * A broadcast medium (LoRa, a serial line) has one neighbour per port or
 * hears everyone; MQTT and memory address a neighbour by name. `send` takes
 * the neighbour's address on that medium (`undefined`: whoever is on the
 * other end), and each incoming frame says where it came from when the
 * medium tells.
 */
import type { EventEmitter } from 'node:events';

/** Thrown for a frame the transport cannot carry (too large, or sent while closed). */
export class TransportError extends Error {
  override name = 'TransportError';
}

export interface TransportEvents {
  /** A frame arrived; `from` is the sender's address when the medium tells it. */
  frame: [frame: Uint8Array, from: string | undefined];
  /** The medium came up (`true`) or went down (`false`): a broker lost, a port unplugged. */
  link: [up: boolean];
}

export interface Transport extends EventEmitter<TransportEvents> {
  /** The largest frame `send` accepts, in bytes. */
  readonly mtu: number;
  /** Opens the medium; resolves once frames can be sent. */
  open(): Promise<void>;
  /**
   * Queues a frame for sending. Resolves when the frame has left (for LoRa:
   * when the radio was handed it, duty cycle permitting). Throws
   * `TransportError` for a frame over `mtu` or a closed transport.
   */
  send(frame: Uint8Array, to?: string): Promise<void>;
  /** Closes the medium; frames still queued are dropped. */
  close(): Promise<void>;
}
