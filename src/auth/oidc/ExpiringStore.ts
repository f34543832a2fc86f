/**
 * An in-memory map whose entries expire and whose size is capped, for the proxy's transactions,
 * codes, clients and sessions. Plain synchronous code: every read and write happens between two
 * yields of one fiber, so a check-and-take (a one-time code) cannot interleave with another.
 *
 * When full, expired entries are swept first, then the oldest entry is dropped: a flood of
 * registrations or abandoned sign-ins costs the oldest pending work, never unbounded memory.
 * Time is passed in (epoch milliseconds) so the caller decides which clock is authoritative.
 */
export class ExpiringStore<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly expiresAt: number }>()

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size
  }

  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Reads and removes the entry in one step: the basis of every single-use value. */
  take(key: K, now: number): V | undefined {
    const value = this.get(key, now)
    if (value !== undefined) this.entries.delete(key)
    return value
  }

  set(key: K, value: V, expiresAt: number, now: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.capacity) this.sweep(now)
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expiresAt })
  }

  delete(key: K): boolean {
    return this.entries.delete(key)
  }

  /** Removes every entry the predicate selects (for revoking everything bound to one grant). */
  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key)
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}
