// "Latest" means latest completed (DESIGN.md): the one ordering of snapshots by completion time, for the
// coordinator's records and for catalog listings.

/** Oldest completion first; within one millisecond the lower snapshot id (ids of one job increase). */
export function byCompletion(a: { completedAt: number; id: number }, b: { completedAt: number; id: number }): number {
  return a.completedAt - b.completedAt || a.id - b.id;
}

/** Newest completion first (the reverse of byCompletion). */
export function byNewestCompletion(a: { completedAt: number; id: number }, b: { completedAt: number; id: number }): number {
  return byCompletion(b, a);
}

/** Listings: newest completion first, entries without a time last, the path breaking ties (a stable order). */
export function byNewestListed(a: { completedAt?: number; path: string }, b: { completedAt?: number; path: string }): number {
  return (b.completedAt ?? -Infinity) - (a.completedAt ?? -Infinity) || a.path.localeCompare(b.path);
}
