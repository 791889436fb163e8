/** Limits every channel message shares, whichever layout carries it (a CBOR map, or the compact `update`). */

/** The largest message: an `update` whose commitment carries 2 x 483 HTLC signatures, with room to spare. */
export const MAX_MESSAGE_BYTES = 65_536;
/** Message handles are per peer, small, and never reused on that link. */
export const MAX_HANDLE = 0xffffffff;
