/**
 * bcoin 1.0.2 reads its on-disk databases through bdb 0.2.3, written for
 * leveldown 5; the leveldown 6.1.1 it must be given on Node 20 (see
 * PITFALLS) takes bdb's unset range bounds (`gte: null`, ...) as real
 * bounds, and every range read on disk then finds nothing: the chain's
 * `getHashes`, every coin and transaction list of bcoin's wallet. In memory
 * (bdb's own tree) all is well. Dropping the unset bounds before leveldown
 * sees them fixes it; keyed reads and writes never went wrong.
 */

/** Makes range reads of bdb database `db` (not yet open) work on leveldown 6. */
export function repairLevelIterators(db: any): void {
  const binding = db.binding;
  // bdb's memory tree, or the leveldown bdb was written for (whose lower binding it drives itself): nothing to do.
  if (!binding || db.leveldown || binding.constructor?.name === 'MemDB' || typeof binding.iterator !== 'function') return;
  const iterator = binding.iterator.bind(binding);
  binding.iterator = (options: Record<string, unknown>) => {
    const bounded = { ...options };
    for (const key of ['gt', 'gte', 'lt', 'lte', 'limit']) if (bounded[key] === null || bounded[key] === undefined) delete bounded[key];
    return iterator(bounded);
  };
}
