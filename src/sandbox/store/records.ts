/**
 * What the store keeps. Records are immutable: every change replaces a record, which is what makes
 * copy-on-write branches cheap and merges computable.
 */

export interface AttributeRecord {
  readonly id: string
  readonly value: unknown
  readonly is_default: boolean
  readonly is_protected: boolean
  readonly is_visible: boolean
  readonly source: string | null
  readonly owner: string | null
  readonly updated_at: string
}

export interface NodeRecord {
  readonly id: string
  readonly kind: string
  readonly attributes: Readonly<Record<string, AttributeRecord>>
  readonly created_at: string
  readonly updated_at: string
  readonly created_by: string | null
  readonly updated_by: string | null
}

/**
 * One relationship between two nodes. `aRel` is the relationship (on node `a`) that created it;
 * `bRel` is the matching relationship on node `b` (same identifier, opposite direction), or null
 * when the peer's schema has no matching side. Storing both names keeps pairs such as a group's
 * `members` and its own `member_of_groups` (same identifier) apart.
 */
export interface EdgeRecord {
  readonly id: string
  readonly identifier: string
  readonly a: string
  readonly aRel: string
  readonly b: string
  readonly bRel: string | null
  readonly is_visible: boolean
  readonly is_protected: boolean
  readonly source: string | null
  readonly owner: string | null
  readonly updated_at: string
  /** Branch-agnostic relationships live once, outside every branch. */
  readonly global: boolean
}
