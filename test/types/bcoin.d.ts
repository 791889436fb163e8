// bcoin ships no types; the tests use only Script.verify and TX.fromRaw (see test/node/bolt3/interpreter.ts).
declare module 'bcoin';
