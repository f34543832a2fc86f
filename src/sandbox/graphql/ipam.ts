import type { RelationshipSchema, SchemaRegistry } from "../schema/types.js"
import type { AttributeRecord, NodeRecord } from "../store/records.js"
import type { StoreView, Transaction } from "../store/store.js"
import { formatAddress, type IpValue, parseInterface, parseNetwork } from "./ip.js"
import { kindSatisfies, relationshipOf, schemaOf } from "./model.js"
import { matchingRelationship, peersOf } from "./relations.js"

/**
 * IPAM as Infrahub maintains it (transcribed from opsmill/infrahub `core/ipam/reconciler.py`,
 * `core/query/ipam.py IPPrefixReconcileQuery`, `core/ipam/utilization.py`, `core/ipam/size.py`,
 * `core/node/ipam.py`): within one IP namespace of one branch, a prefix's `parent` is the most specific
 * prefix that strictly contains it, and an address's `ip_prefix` the most specific prefix (of a prefix
 * length no longer than the address's own) that contains it. Every create, update and delete of a
 * prefix or address re-parents the nodes around it, and `is_top_level` follows the parent.
 * `netmask`, `hostmask`, `network_address`, `broadcast_address` and `utilization` are computed when read.
 */

export const IP_PREFIX = "BuiltinIPPrefix"
export const IP_ADDRESS = "BuiltinIPAddress"

export type IpRole = "prefix" | "address"

export const ipRoleOf = (registry: SchemaRegistry, kind: string): IpRole | undefined =>
  kindSatisfies(registry, kind, IP_PREFIX) ? "prefix" : kindSatisfies(registry, kind, IP_ADDRESS) ? "address" : undefined

/** What the reconciliation needs to read and write; the write path's context satisfies it. */
export interface IpamWriter {
  readonly registry: SchemaRegistry
  readonly tx: Transaction
  readonly now: string
  readonly newId: () => string
}

interface IpNode {
  readonly node: NodeRecord
  readonly role: IpRole
  readonly ip: IpValue
}

const width = (version: 4 | 6): number => (version === 4 ? 32 : 128)

const networkOf = (ip: IpValue, prefixlen: number): bigint => {
  const bits = BigInt(width(ip.version))
  const shift = bits - BigInt(prefixlen)
  return (ip.address >> shift) << shift
}

/** True when `outer` (a prefix) contains `inner` as Infrahub's reconcile query decides it. */
const contains = (outer: IpNode, inner: IpNode): boolean => {
  if (outer.ip.version !== inner.ip.version || outer.node.id === inner.node.id) return false
  // A prefix holds longer prefixes; an address of the same or a longer prefix length.
  if (inner.role === "prefix" ? inner.ip.prefixlen <= outer.ip.prefixlen : inner.ip.prefixlen < outer.ip.prefixlen) return false
  return networkOf(inner.ip, outer.ip.prefixlen) === outer.ip.address
}

const ipValueOf = (registry: SchemaRegistry, node: NodeRecord): IpNode | undefined => {
  const role = ipRoleOf(registry, node.kind)
  if (role === undefined) return undefined
  const value = node.attributes[role === "prefix" ? "prefix" : "address"]?.value
  if (typeof value !== "string") return undefined
  const ip = role === "prefix" ? parseNetwork(value) : parseInterface(value)
  return ip === undefined ? undefined : { node, role, ip }
}

const relationshipNamed = (registry: SchemaRegistry, kind: string, name: string): RelationshipSchema | undefined => {
  const schema = schemaOf(registry, kind)
  return schema === undefined ? undefined : relationshipOf(schema, name)
}

/** The relationship holding a node's container: `parent` on prefixes, `ip_prefix` on addresses. */
const upwardRelationship = (registry: SchemaRegistry, ipNode: IpNode): RelationshipSchema | undefined =>
  relationshipNamed(registry, ipNode.node.kind, ipNode.role === "prefix" ? "parent" : "ip_prefix")

const namespaceIdOf = (registry: SchemaRegistry, view: StoreView, node: NodeRecord): string | undefined => {
  const rel = relationshipNamed(registry, node.kind, "ip_namespace")
  return rel === undefined ? undefined : peersOf(view, node, rel)[0]?.node.id
}

const currentParentOf = (registry: SchemaRegistry, view: StoreView, ipNode: IpNode): NodeRecord | undefined => {
  const rel = upwardRelationship(registry, ipNode)
  return rel === undefined ? undefined : peersOf(view, ipNode.node, rel)[0]?.node
}

/** The prefixes and addresses directly under a prefix (its `children` and `ip_addresses`). */
const currentChildrenOf = (registry: SchemaRegistry, view: StoreView, prefix: NodeRecord): ReadonlyArray<NodeRecord> =>
  ["children", "ip_addresses"].flatMap((name) => {
    const rel = relationshipNamed(registry, prefix.kind, name)
    return rel === undefined ? [] : peersOf(view, prefix, rel).map((peer) => peer.node)
  })

/**
 * The most specific prefix of the namespace that contains `ipNode`: one index look-up per candidate
 * prefix length, longest first (at most 33 for IPv4, 129 for IPv6), never a scan.
 */
const computedParentOf = (registry: SchemaRegistry, view: StoreView, ipNode: IpNode, namespaceId: string | undefined): NodeRecord | undefined => {
  const prefixKinds = registry.concreteKindsOf(IP_PREFIX)
  const longest = ipNode.role === "prefix" ? ipNode.ip.prefixlen - 1 : ipNode.ip.prefixlen
  for (let prefixlen = longest; prefixlen >= 0; prefixlen--) {
    const text = `${formatAddress(ipNode.ip.version, networkOf(ipNode.ip, prefixlen))}/${prefixlen}`
    const found = view
      .nodesWithValue(prefixKinds, "prefix", text)
      .find((candidate) => candidate.id !== ipNode.node.id && namespaceIdOf(registry, view, candidate) === namespaceId)
    if (found !== undefined) return found
  }
  return undefined
}

/** Every prefix and address of a namespace (used when a prefix changes value or namespace, or after a merge). */
const namespaceMembers = (registry: SchemaRegistry, view: StoreView, namespaceId: string | undefined): ReadonlyArray<IpNode> =>
  view
    .nodesOfKinds([...registry.concreteKindsOf(IP_PREFIX), ...registry.concreteKindsOf(IP_ADDRESS)])
    .filter((node) => namespaceIdOf(registry, view, node) === namespaceId)
    .flatMap((node) => {
      const ipNode = ipValueOf(registry, node)
      return ipNode === undefined ? [] : [ipNode]
    })

/** Of the nodes `prefix` contains, those with no more specific container among them: its direct children. */
const directChildren = (prefix: IpNode, candidates: ReadonlyArray<IpNode>): ReadonlyArray<IpNode> => {
  const inside = candidates.filter((candidate) => contains(prefix, candidate))
  const prefixesInside = inside.filter((candidate) => candidate.role === "prefix")
  return inside.filter((candidate) => !prefixesInside.some((other) => contains(other, candidate)))
}

/** Points `ipNode` at `parent` (or at nothing), and keeps a prefix's `is_top_level` in step. */
const setParent = (w: IpamWriter, ipNode: IpNode, parent: NodeRecord | undefined): void => {
  const rel = upwardRelationship(w.registry, ipNode)
  if (rel === undefined) return
  const current = peersOf(w.tx, ipNode.node, rel)
  if (current.length === 1 && current[0]?.node.id === parent?.id && ipNode.role === "address") return
  for (const peer of current) if (peer.node.id !== parent?.id) w.tx.removeEdge(peer.edge.id)
  if (parent !== undefined && !current.some((peer) => peer.node.id === parent.id)) {
    w.tx.putEdge({
      id: w.newId(),
      identifier: rel.identifier ?? "parent__child",
      a: ipNode.node.id,
      aRel: rel.name,
      b: parent.id,
      bRel: matchingRelationship(w.registry, parent.kind, rel, ipNode.node.kind)?.name ?? null,
      is_visible: true,
      is_protected: false,
      source: null,
      owner: null,
      updated_at: w.now,
      global: false
    })
  }
  if (ipNode.role === "prefix") {
    const latest = w.tx.getNode(ipNode.node.id) ?? ipNode.node
    const topLevel = parent === undefined
    const previous: AttributeRecord | undefined = latest.attributes["is_top_level"]
    if (previous?.value !== topLevel && schemaOf(w.registry, latest.kind)?.attributes.some((a) => a.name === "is_top_level") === true) {
      w.tx.putNode({
        ...latest,
        attributes: {
          ...latest.attributes,
          is_top_level: {
            id: previous?.id ?? w.newId(),
            value: topLevel,
            is_default: false,
            is_protected: previous?.is_protected ?? false,
            is_visible: previous?.is_visible ?? true,
            source: previous?.source ?? null,
            owner: previous?.owner ?? null,
            updated_at: w.now
          }
        }
      })
    }
  }
}

/**
 * `IpamReconciler.reconcile` after a prefix or address was created or changed (it is staged on `w.tx`):
 * the node gets its computed parent; the current children it no longer contains go to its former parent;
 * the nodes it now contains directly become its children. `changedPlace` (a new value or namespace on an
 * update) widens the search for new children from the parent's children to the whole namespace.
 */
export const reconcileIpNode = (w: IpamWriter, node: NodeRecord, changedPlace: boolean): void => {
  const ipNode = ipValueOf(w.registry, node)
  if (ipNode === undefined) return
  const namespaceId = namespaceIdOf(w.registry, w.tx, node)
  const formerParent = currentParentOf(w.registry, w.tx, ipNode)
  const parent = computedParentOf(w.registry, w.tx, ipNode, namespaceId)
  setParent(w, ipNode, parent)
  if (ipNode.role !== "prefix") return

  const current = currentChildrenOf(w.registry, w.tx, node)
  // Without a move, a new child of this prefix was a child of its parent (or top level) until now.
  const pool = changedPlace
    ? namespaceMembers(w.registry, w.tx, namespaceId)
    : (parent === undefined ? topLevelMembers(w.registry, w.tx, namespaceId) : currentChildrenOf(w.registry, w.tx, parent))
        .flatMap((member) => {
          const value = ipValueOf(w.registry, member)
          return value === undefined ? [] : [value]
        })
  const computed = directChildren(ipNode, pool)
  const computedIds = new Set(computed.map((child) => child.node.id))
  for (const child of current) {
    if (computedIds.has(child.id)) continue
    const value = ipValueOf(w.registry, child)
    if (value !== undefined) setParent(w, value, changedPlace ? computedParentOf(w.registry, w.tx, value, namespaceId) : formerParent)
  }
  const currentIds = new Set(current.map((child) => child.id))
  for (const child of computed) if (!currentIds.has(child.node.id)) setParent(w, child, node)
}

/** Prefixes and addresses of the namespace with no container (what a new top-level prefix may adopt). */
const topLevelMembers = (registry: SchemaRegistry, view: StoreView, namespaceId: string | undefined): ReadonlyArray<NodeRecord> =>
  namespaceMembers(registry, view, namespaceId)
    .filter((member) => currentParentOf(registry, view, member) === undefined)
    .map((member) => member.node)

/** `update_children_for_delete`: before a prefix goes, its children move to its own parent. */
export const releaseChildren = (w: IpamWriter, node: NodeRecord, doomed: ReadonlySet<string>): void => {
  const ipNode = ipValueOf(w.registry, node)
  if (ipNode?.role !== "prefix") return
  let parent = currentParentOf(w.registry, w.tx, ipNode)
  // A parent deleted in the same cascade hands its children further up.
  while (parent !== undefined && doomed.has(parent.id)) {
    const above = ipValueOf(w.registry, parent)
    parent = above === undefined ? undefined : currentParentOf(w.registry, w.tx, above)
  }
  for (const child of currentChildrenOf(w.registry, w.tx, node)) {
    if (doomed.has(child.id)) continue
    const value = ipValueOf(w.registry, child)
    if (value !== undefined) setParent(w, value, parent)
  }
}

/**
 * Infrahub's IPAM reconciliation after a merge or rebase: every prefix's and address's parent on the
 * branch recomputed, in one transaction (the two histories may each have been consistent, not together).
 */
export const reconcileBranch = (
  state: { readonly registry: SchemaRegistry; readonly store: { begin: (branch: string) => Transaction }; readonly newId: () => string },
  branch: string,
  now: string
): void => {
  const tx = state.store.begin(branch)
  reconcileAll({ registry: state.registry, tx, now, newId: state.newId })
  tx.commit()
}

/** Recomputes every prefix's and address's parent on a branch (after a merge brought two histories together). */
export const reconcileAll = (w: IpamWriter): void => {
  const namespaces = new Set<string | undefined>()
  const all = [...w.registry.concreteKindsOf(IP_PREFIX), ...w.registry.concreteKindsOf(IP_ADDRESS)]
  for (const node of w.tx.nodesOfKinds(all)) namespaces.add(namespaceIdOf(w.registry, w.tx, node))
  for (const namespaceId of namespaces) {
    const members = namespaceMembers(w.registry, w.tx, namespaceId)
    for (const member of members) setParent(w, member, computedParentOf(w.registry, w.tx, member, namespaceId))
  }
}

// ---------------------------------------------------------------------------------------------
// Values computed when read (`BuiltinIPPrefix.to_graphql`)
// ---------------------------------------------------------------------------------------------

/** `get_prefix_space`: addresses a prefix offers; IPv4 address pools below /31 lose network and broadcast. */
const prefixSpace = (prefix: IpNode, memberType: unknown, isPool: unknown): bigint => {
  const space = 1n << BigInt(width(prefix.ip.version) - prefix.ip.prefixlen)
  return memberType === "address" && prefix.ip.version === 4 && prefix.ip.prefixlen < 31 && isPool !== true ? space - 2n : space
}

/**
 * `PrefixUtilizationGetter.get_use_percentage`, truncated to an integer as `to_graphql` does: a prefix
 * of member type `address` counts its addresses against its space, one of type `prefix` the space
 * its child prefixes cover.
 */
export const utilizationOf = (registry: SchemaRegistry, view: StoreView, node: NodeRecord): number | null => {
  const prefix = ipValueOf(registry, node)
  if (prefix?.role !== "prefix") return null
  const memberType = node.attributes["member_type"]?.value ?? "address"
  const space = prefixSpace(prefix, memberType, node.attributes["is_pool"]?.value)
  if (space <= 0n) return 0
  const children = currentChildrenOf(registry, view, node).flatMap((child) => {
    const value = ipValueOf(registry, child)
    return value === undefined ? [] : [value]
  })
  const used =
    memberType === "address"
      ? BigInt(children.filter((child) => child.role === "address").length)
      : children
          .filter((child) => child.role === "prefix")
          .reduce((sum, child) => sum + (1n << BigInt(width(child.ip.version) - child.ip.prefixlen)), 0n)
  // Percent with integer arithmetic (IPv6 spaces exceed a double's precision), truncated like int().
  return Number((used * 100n) / space)
}

/** `netmask`, `hostmask`, `network_address`, `broadcast_address` of a prefix, from its `prefix` value. */
export const prefixDerived = (registry: SchemaRegistry, node: NodeRecord, name: string): string | null => {
  const prefix = ipValueOf(registry, node)
  if (prefix?.role !== "prefix") return null
  const bits = BigInt(width(prefix.ip.version))
  const all = (1n << bits) - 1n
  const netmask = (all << (bits - BigInt(prefix.ip.prefixlen))) & all
  const hostmask = ~netmask & all
  switch (name) {
    case "netmask":
      return formatAddress(prefix.ip.version, netmask)
    case "hostmask":
      return formatAddress(prefix.ip.version, hostmask)
    case "network_address":
      return formatAddress(prefix.ip.version, prefix.ip.address)
    case "broadcast_address":
      return formatAddress(prefix.ip.version, prefix.ip.address | hostmask)
    default:
      return null
  }
}

/** The read-only prefix attributes Infrahub fills in when a prefix is read. */
export const COMPUTED_PREFIX_ATTRIBUTES: ReadonlySet<string> = new Set([
  "netmask", "hostmask", "network_address", "broadcast_address", "utilization"
])
