import type { BaseKindSchema, RelationshipSchema } from "../schema/types.js"
import type { EdgeRecord, NodeRecord } from "../store/records.js"
import type { RequestContext } from "./context.js"
import { nodeNotFound } from "./errors.js"
import { filterNodes, paginate, sortNodes } from "./filters.js"
import { listKey } from "./list-cache.js"
import { relationshipOf, schemaOf } from "./model.js"
import { type Peer, peersOf } from "./relations.js"

/** Read resolvers: node lists, relationship pages, hierarchy walks, permissions. */

type Args = Readonly<Record<string, unknown>>

export interface Edge {
  readonly node: NodeRecord
  readonly properties?: EdgeRecord
}

export interface Page {
  readonly count: number
  readonly edges: ReadonlyArray<Edge>
  /** The queried kind, for `permissions`. */
  readonly kind: string
}

const requireSchema = (ctx: RequestContext, kind: string): BaseKindSchema => {
  const schema = schemaOf(ctx.state.registry, kind)
  if (schema === undefined) throw new Error(`The schema has no kind ${kind}`)
  return schema
}

/** `<Kind>(filters…)`: every node of the kind (or of a generic's kinds) matching the filters. */
export const listNodes = (ctx: RequestContext, kind: string, args: Args): Page => {
  const { registry } = ctx.state
  const schema = requireSchema(ctx, kind)
  const view = ctx.view()
  const sorted = ctx.state.lists.getOrCompute(listKey(ctx.branchName, view.revision, kind, args), () => {
    const nodes = view.nodesOfKinds(registry.concreteKindsOf(kind))
    const filtered = filterNodes(registry, view, schema, nodes, args, args["partial_match"] === true)
    return sortNodes(registry, view, schema, filtered, args["order"] as never)
  })
  return { count: sorted.length, edges: paginate(sorted, args["offset"], args["limit"]).map((node) => ({ node })), kind }
}

/** The relationship schema as the node's own kind declares it (generic queries resolve concrete nodes). */
const concreteRelationship = (ctx: RequestContext, node: NodeRecord, name: string): RelationshipSchema | undefined => {
  const schema = schemaOf(ctx.state.registry, node.kind)
  return schema === undefined ? undefined : relationshipOf(schema, name)
}

const peersByName = (ctx: RequestContext, node: NodeRecord, name: string): ReadonlyArray<Peer> => {
  const rel = concreteRelationship(ctx, node, name)
  return rel === undefined ? [] : peersOf(ctx.view(), node, rel)
}

export const descendantsOf = (ctx: RequestContext, node: NodeRecord): ReadonlyArray<Peer> => {
  const result: Array<Peer> = []
  const seen = new Set<string>([node.id])
  const queue: Array<NodeRecord> = [node]
  while (queue.length > 0) {
    const current = queue.shift()
    if (current === undefined) break
    for (const child of peersByName(ctx, current, "children")) {
      if (seen.has(child.node.id)) continue
      seen.add(child.node.id)
      result.push(child)
      queue.push(child.node)
    }
  }
  return result
}

export const ancestorsOf = (ctx: RequestContext, node: NodeRecord): ReadonlyArray<Peer> => {
  const result: Array<Peer> = []
  const seen = new Set<string>([node.id])
  let current: Peer | undefined = peersByName(ctx, node, "parent")[0]
  while (current !== undefined && !seen.has(current.node.id)) {
    seen.add(current.node.id)
    result.push(current)
    current = peersByName(ctx, current.node, "parent")[0]
  }
  return result
}

/** A page of peers, filtered and ordered with the peer kind's rules; `count` ignores offset/limit. */
const pageOf = (ctx: RequestContext, peerKind: string, peers: ReadonlyArray<Peer>, args: Args): Page => {
  const { registry } = ctx.state
  const schema = requireSchema(ctx, peerKind)
  const view = ctx.view()
  const edgeOf = new Map(peers.map((peer) => [peer.node.id, peer.edge]))
  const filtered = filterNodes(registry, view, schema, peers.map((peer) => peer.node), args, false)
  const sorted = sortNodes(registry, view, schema, filtered, args["order"] as never)
  const edges = paginate(sorted, args["offset"], args["limit"]).map((node) => {
    const properties = edgeOf.get(node.id)
    return properties === undefined ? { node } : { node, properties }
  })
  return { count: sorted.length, edges, kind: peerKind }
}

/** A cardinality-many relationship field (`include_descendants` adds the descendants' peers). */
export const manyRelationship = (ctx: RequestContext, node: NodeRecord, name: string, peerKind: string, args: Args): Page => {
  const peers = [...peersByName(ctx, node, name)]
  if (args["include_descendants"] === true) {
    const seen = new Set(peers.map((peer) => peer.node.id))
    for (const descendant of descendantsOf(ctx, node)) {
      for (const peer of peersByName(ctx, descendant.node, name)) {
        if (!seen.has(peer.node.id)) {
          seen.add(peer.node.id)
          peers.push(peer)
        }
      }
    }
  }
  return pageOf(ctx, peerKind, peers, args)
}

export const hierarchyPage = (ctx: RequestContext, peers: ReadonlyArray<Peer>, hierarchy: string, args: Args): Page =>
  pageOf(ctx, hierarchy, peers, args)

/** A cardinality-one relationship field: `{node, properties}`, both null without a peer. */
export const oneRelationship = (ctx: RequestContext, node: NodeRecord, name: string): { node: NodeRecord | null; properties: EdgeRecord | null } => {
  const peer = peersByName(ctx, node, name)[0]
  return { node: peer?.node ?? null, properties: peer?.edge ?? null }
}

/** `AccountProfile`: the caller's account; anonymous callers have none. */
export const accountProfile = (ctx: RequestContext): NodeRecord => {
  const accountId = ctx.actor?.accountId ?? "anonymous"
  const node = ctx.view().getNode(accountId)
  if (node === undefined) throw nodeNotFound("CoreGenericAccount", accountId)
  return node
}

export type Decision = "DENY" | "ALLOW_DEFAULT" | "ALLOW_OTHER" | "ALLOW"

/** `permissions` of a paginated result: one entry per concrete kind. */
export const permissionsFor = (ctx: RequestContext, kind: string) => {
  const { registry, roles } = ctx.state
  const kinds = schemaOf(registry, kind) === undefined ? [] : registry.byKind.get(kind)?.category === "generic" ? registry.concreteKindsOf(kind) : [kind]
  const canWrite = ctx.actor !== null && roles.get(ctx.actor.accountId) !== "read-only"
  const write: Decision = canWrite ? "ALLOW" : "DENY"
  return {
    count: kinds.length,
    edges: kinds.map((each) => ({ node: { kind: each, view: "ALLOW" as Decision, create: write, update: write, delete: write } }))
  }
}
