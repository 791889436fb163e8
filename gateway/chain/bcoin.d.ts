// bcoin ships no types. The embedded backend converts what it reads from
// bcoin to our own types at once (see embedded-chain.ts and regtest-miner.ts).
declare module 'bcoin';
// bdb, bcoin's database layer, likewise (level-iterators.ts repairs it; its test opens one).
declare module 'bdb';
