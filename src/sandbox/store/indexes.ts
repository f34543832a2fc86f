import type { EdgeRecord, NodeRecord } from "./records.js"

/**
 * Look-ups over one space of records (a branch's own nodes and edges, or the branch-agnostic ones),
 * kept current on every change instead of being rebuilt: a write costs the same whether the space
 * holds a thousand nodes or a million, and so does a read that needs only the matching nodes.
 */

/** Counts records the store walks through (index builds, sorts, lists handed out), so tests can assert how work grows. */
export interface WorkCounter {
  visited: number
}

const compareIds = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0)

/** Where `id` is, or would go, in a list sorted by id. */
const positionOf = (list: ReadonlyArray<NodeRecord>, id: string): number => {
  let low = 0
  let high = list.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareIds(list[middle]?.id ?? "", id) < 0) low = middle + 1
    else high = middle
  }
  return low
}

/**
 * The nodes of one kind in id order, i.e. creation order (ids are time-ordered). New ids almost always
 * sort last, so a create appends; anything else is a binary search.
 */
class KindList {
  readonly sorted: Array<NodeRecord> = []

  put(node: NodeRecord): void {
    const last = this.sorted[this.sorted.length - 1]
    if (last === undefined || compareIds(last.id, node.id) < 0) {
      this.sorted.push(node)
      return
    }
    const at = positionOf(this.sorted, node.id)
    if (this.sorted[at]?.id === node.id) this.sorted[at] = node
    else this.sorted.splice(at, 0, node)
  }

  remove(id: string): void {
    const at = positionOf(this.sorted, id)
    if (this.sorted[at]?.id === id) this.sorted.splice(at, 1)
  }
}

/** JSON of a stored value: values compare as Infrahub compares them in a uniqueness check (nulls alike). */
export const valueKey = (value: unknown): string => JSON.stringify(value ?? null)

export class SpaceIndex {
  private readonly kinds = new Map<string, KindList>()
  private readonly edges = new Map<string, Map<string, EdgeRecord>>()
  /** kind → attribute → value key → node ids; built per (kind, attribute) on first use, then kept current. */
  private readonly values = new Map<string, Map<string, Map<string, Set<string>>>>()

  constructor(private readonly work: WorkCounter) {}

  static build(nodes: Iterable<NodeRecord>, edges: Iterable<EdgeRecord>, work: WorkCounter): SpaceIndex {
    const index = new SpaceIndex(work)
    for (const node of nodes) {
      work.visited += 1
      index.listOf(node.kind).put(node)
    }
    for (const edge of edges) {
      work.visited += 1
      index.putEdge(edge)
    }
    return index
  }

  nodesOfKind(kind: string): ReadonlyArray<NodeRecord> {
    return this.kinds.get(kind)?.sorted ?? []
  }

  edgesOf(nodeId: string): Iterable<EdgeRecord> {
    return this.edges.get(nodeId)?.values() ?? []
  }

  /** Ids of the nodes of `kind` whose attribute `attribute` holds `value`. */
  idsWithValue(kind: string, attribute: string, value: unknown): ReadonlySet<string> | undefined {
    let byAttribute = this.values.get(kind)
    if (byAttribute === undefined) {
      byAttribute = new Map()
      this.values.set(kind, byAttribute)
    }
    let byValue = byAttribute.get(attribute)
    if (byValue === undefined) {
      byValue = new Map()
      byAttribute.set(attribute, byValue)
      for (const node of this.nodesOfKind(kind)) {
        this.work.visited += 1
        addTo(byValue, valueKey(node.attributes[attribute]?.value), node.id)
      }
    }
    return byValue.get(valueKey(value))
  }

  putNode(previous: NodeRecord | undefined, node: NodeRecord): void {
    if (previous !== undefined && previous.kind !== node.kind) this.removeNode(previous)
    this.listOf(node.kind).put(node)
    for (const [attribute, byValue] of this.values.get(node.kind) ?? []) {
      const before = previous === undefined || previous.kind !== node.kind ? undefined : valueKey(previous.attributes[attribute]?.value)
      const after = valueKey(node.attributes[attribute]?.value)
      if (before === after) continue
      if (before !== undefined) deleteFrom(byValue, before, node.id)
      addTo(byValue, after, node.id)
    }
  }

  removeNode(previous: NodeRecord): void {
    this.kinds.get(previous.kind)?.remove(previous.id)
    for (const [attribute, byValue] of this.values.get(previous.kind) ?? []) {
      deleteFrom(byValue, valueKey(previous.attributes[attribute]?.value), previous.id)
    }
  }

  putEdge(edge: EdgeRecord): void {
    for (const end of edge.a === edge.b ? [edge.a] : [edge.a, edge.b]) {
      let own = this.edges.get(end)
      if (own === undefined) {
        own = new Map()
        this.edges.set(end, own)
      }
      own.set(edge.id, edge)
    }
  }

  removeEdge(edge: EdgeRecord): void {
    for (const end of [edge.a, edge.b]) {
      const own = this.edges.get(end)
      own?.delete(edge.id)
      if (own?.size === 0) this.edges.delete(end)
    }
  }

  private listOf(kind: string): KindList {
    let list = this.kinds.get(kind)
    if (list === undefined) {
      list = new KindList()
      this.kinds.set(kind, list)
    }
    return list
  }
}

const addTo = (map: Map<string, Set<string>>, key: string, id: string): void => {
  const ids = map.get(key)
  if (ids === undefined) map.set(key, new Set([id]))
  else ids.add(id)
}

const deleteFrom = (map: Map<string, Set<string>>, key: string, id: string): void => {
  const ids = map.get(key)
  ids?.delete(id)
  if (ids?.size === 0) map.delete(key)
}

/** Merges lists each sorted by id into one sorted list. */
export const mergeById = (lists: ReadonlyArray<ReadonlyArray<NodeRecord>>): ReadonlyArray<NodeRecord> => {
  const nonEmpty = lists.filter((list) => list.length > 0)
  if (nonEmpty.length === 0) return []
  if (nonEmpty.length === 1) return nonEmpty[0] ?? []
  return nonEmpty.flat().sort((left, right) => compareIds(left.id, right.id))
}
