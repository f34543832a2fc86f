import type { NodeRecord } from "../store/records.js"

/**
 * The filtered, ordered matches of recent top-level list queries, so paging through a result with
 * `offset`/`limit` filters and sorts once rather than once per page (which made reading everything
 * quadratic). Keyed by branch, data revision, kind and the arguments other than offset and limit: any
 * write changes the revision, so an entry never outlives the data it was computed from.
 */
export class ListCache {
  private readonly entries = new Map<string, ReadonlyArray<NodeRecord>>()

  constructor(private readonly capacity = 32) {}

  getOrCompute(key: string, compute: () => ReadonlyArray<NodeRecord>): ReadonlyArray<NodeRecord> {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      // Most recently used last, so the oldest entry is the first one evicted.
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit
    }
    const value = compute()
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    return value
  }
}

/** The cache key of a list query: everything that decides its matches and their order. */
export const listKey = (branch: string, revision: string, kind: string, args: Readonly<Record<string, unknown>>): string => {
  const { offset: _offset, limit: _limit, ...rest } = args
  return JSON.stringify([branch, revision, kind, rest])
}
