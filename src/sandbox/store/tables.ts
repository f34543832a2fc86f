/**
 * A copy-on-write table of immutable records.
 *
 * A root table (the default branch, the branch-agnostic space) owns its map. Forking hands the
 * current map to the child as a frozen base and marks it shared; the root copies it on its next
 * write. Creating many branches between two writes therefore costs nothing per branch.
 * A child table keeps only its own changes (null = deleted) on top of the frozen base.
 */
export class Table<V> {
  private own: Map<string, V | null>
  private shared = false

  private constructor(
    private base: ReadonlyMap<string, V> | undefined,
    own: Map<string, V | null>
  ) {
    this.own = own
  }

  static root<V>(): Table<V> {
    return new Table<V>(undefined, new Map())
  }

  get isRoot(): boolean {
    return this.base === undefined
  }

  /** The current content of a root table, frozen: later writes to the root copy it first. */
  private freeze(): ReadonlyMap<string, V> {
    if (!this.isRoot) throw new Error("Only a root table can be forked")
    this.shared = true
    return this.own as ReadonlyMap<string, V>
  }

  fork(): Table<V> {
    return new Table<V>(this.freeze(), new Map())
  }

  /** Re-points a child table at the root's current content, keeping the child's own changes. */
  rebaseOnto(root: Table<V>): void {
    this.base = root.freeze()
  }

  get(id: string): V | undefined {
    const mine = this.own.get(id)
    if (mine !== undefined) return mine ?? undefined
    return this.base?.get(id)
  }

  /** The value in the frozen base (what the branch started from), for merges. */
  baseGet(id: string): V | undefined {
    return this.base?.get(id)
  }

  set(id: string, value: V): void {
    this.writable().set(id, value)
  }

  delete(id: string): void {
    if (this.isRoot) this.writable().delete(id)
    else this.writable().set(id, null)
  }

  values(): Array<V> {
    const result: Array<V> = []
    if (this.base !== undefined) {
      for (const [id, value] of this.base) if (!this.own.has(id)) result.push(value)
    }
    for (const value of this.own.values()) if (value !== null) result.push(value)
    return result
  }

  /** A child's own changes: new or replaced records, and null for deletions. */
  changes(): ReadonlyArray<readonly [string, V | null]> {
    return [...this.own.entries()]
  }

  private writable(): Map<string, V | null> {
    if (this.shared) {
      this.own = new Map(this.own)
      this.shared = false
    }
    return this.own
  }
}
