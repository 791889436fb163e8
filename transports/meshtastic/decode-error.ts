/**
 * The one error a Meshtastic decoder throws for bytes it will not accept: a
 * frame or a message that is malformed, or whose fields are out of range.
 * Whatever the radio (or a stranger on the serial line) sends, a receiver
 * sees either a value or this, never a protobuf library's own error.
 */
export class MeshtasticDecodeError extends Error {
  override name = 'MeshtasticDecodeError';
  constructor(
    /** The message being decoded (`FromRadio`, `ToRadio`, `Routing`). */
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what}: ${reason}`);
  }
}
