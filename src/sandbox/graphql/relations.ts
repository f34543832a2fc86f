import type { Direction, RelationshipSchema, SchemaRegistry } from "../schema/types.js"
import type { EdgeRecord, NodeRecord } from "../store/records.js"
import type { StoreView } from "../store/store.js"
import { kindSatisfies, schemaOf } from "./model.js"

/** How relationships are read and paired on top of the store's edges. */

export interface Peer {
  readonly node: NodeRecord
  readonly edge: EdgeRecord
}

/** The edges that carry relationship `rel` of `node`, from either end. */
export const edgesFor = (view: StoreView, node: NodeRecord, rel: RelationshipSchema): ReadonlyArray<EdgeRecord> =>
  view
    .edgesOf(node.id)
    .filter((edge) => (edge.a === node.id && edge.aRel === rel.name) || (edge.b === node.id && edge.bRel === rel.name))

export const otherEnd = (edge: EdgeRecord, nodeId: string): string => (edge.a === nodeId ? edge.b : edge.a)

/** The peers of `node` over `rel`, oldest edge first; peers that no longer exist are skipped. */
export const peersOf = (view: StoreView, node: NodeRecord, rel: RelationshipSchema): ReadonlyArray<Peer> => {
  const result: Array<Peer> = []
  for (const edge of edgesFor(view, node, rel)) {
    const peer = view.getNode(otherEnd(edge, node.id))
    if (peer !== undefined) result.push({ node: peer, edge })
  }
  return result
}

const complementary: Record<Direction, Direction> = {
  outbound: "inbound",
  inbound: "outbound",
  bidirectional: "bidirectional"
}

/**
 * The relationship on the peer's side of `rel` (same identifier, opposite direction, accepting the
 * source's kind). When several qualify (a group's `members` and `member_of_groups`), the one with a
 * different name wins, since a relationship rarely pairs with itself.
 */
export const matchingRelationship = (
  registry: SchemaRegistry,
  peerKind: string,
  rel: RelationshipSchema,
  sourceKind: string
): RelationshipSchema | undefined => {
  const peerSchema = schemaOf(registry, peerKind)
  if (peerSchema === undefined || rel.identifier === null) return undefined
  const candidates = peerSchema.relationships.filter(
    (candidate) =>
      candidate.identifier === rel.identifier &&
      candidate.direction === complementary[rel.direction] &&
      kindSatisfies(registry, sourceKind, candidate.peer)
  )
  return candidates.find((candidate) => candidate.name !== rel.name) ?? candidates[0]
}
