/**
 * The device bundle's `readable-stream` (see device-substitutes.ts): Node's
 * own stream module under that package's names, which is what
 * readable-stream itself exports when READABLE_STREAM=disable. The package
 * is a copy of Node 18's streams for browsers; mqtt and its bl each carry
 * one (119 kB of source each, and their classes and closures once loaded),
 * where Node's, already in memory, serves.
 */
import Stream from 'node:stream';

/** Exports of Node's stream module that @types/node does not declare. */
const untyped = Stream as unknown as Record<'destroy' | 'compose' | 'isDisturbed' | '_uint8ArrayToBuffer' | '_isUint8Array', unknown>;

export const { Readable, Writable, Duplex, Transform, PassThrough, addAbortSignal, finished, pipeline, isErrored, isReadable, promises } = Stream;
export const { destroy, compose, isDisturbed, _uint8ArrayToBuffer, _isUint8Array } = untyped;
export { Stream };
export default Stream;
