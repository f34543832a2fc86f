import {
  GraphQLBoolean,
  type GraphQLFieldConfigArgumentMap,
  GraphQLID,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLString
} from "graphql"
import type { AttributeKind, AttributeSchema, BaseKindSchema, SchemaRegistry } from "../schema/types.js"
import type { NodeRecord } from "../store/records.js"
import type { StoreView } from "../store/store.js"
import { validationError } from "./errors.js"
import { isInternal, relationshipOf, schemaOf, attributeOf } from "./model.js"
import { attributeProperty, computeDisplayLabel, computeHfid, parsePath, readPath } from "./paths.js"
import { peersOf } from "./relations.js"
import { BigIntScalar, DateTimeScalar, GenericScalar } from "./scalars.js"

/**
 * Filter arguments exactly as Infrahub's `GraphQLSchemaManager.generate_filters` builds them, and
 * their evaluation on stored nodes (`core/query/attribute.py default_attribute_query_filter`).
 */

/** The GraphQL scalar of `<attr>__value` for an attribute kind (`infrahub/types.py graphql_filter`). */
export const filterScalar = (kind: AttributeKind): GraphQLInputType => {
  switch (kind) {
    case "Number":
    case "NumberPool":
      return BigIntScalar
    case "Bandwidth":
      return GraphQLInt
    case "Boolean":
    case "Checkbox":
      return GraphQLBoolean
    case "DateTime":
      return DateTimeScalar
    case "List":
    case "JSON":
    case "Any":
      return GenericScalar
    default:
      return GraphQLString
  }
}

const attributeFilterArgs = (
  name: string,
  scalar: GraphQLInputType,
  includeProperties: boolean,
  includeIsnull: boolean
): GraphQLFieldConfigArgumentMap => ({
  [`${name}__value`]: { type: scalar },
  [`${name}__values`]: { type: new GraphQLList(scalar) },
  ...(includeIsnull ? { [`${name}__isnull`]: { type: GraphQLBoolean } } : {}),
  ...(includeProperties
    ? {
        [`${name}__source__id`]: { type: GraphQLID },
        [`${name}__owner__id`]: { type: GraphQLID },
        [`${name}__is_visible`]: { type: GraphQLBoolean },
        [`${name}__is_protected`]: { type: GraphQLBoolean }
      }
    : {})
})

const paginationArgs = ["offset", "limit", "order"]

export const filterArgs = (
  registry: SchemaRegistry,
  schema: BaseKindSchema,
  topLevel: boolean,
  orderInput: GraphQLInputType,
  includeProperties = true
): GraphQLFieldConfigArgumentMap => {
  const args: GraphQLFieldConfigArgumentMap = {
    offset: { type: GraphQLInt },
    limit: { type: GraphQLInt },
    order: { type: orderInput },
    ids: { type: new GraphQLList(GraphQLID) }
  }
  if (!topLevel) args["isnull"] = { type: GraphQLBoolean }
  if (topLevel) {
    // Infrahub >= 1.7: filters on the rendered display label (CHANGELOG 1.7.0, "display label based GraphQL filters").
    args["display_label__value"] = { type: GraphQLString }
    args["display_label__values"] = { type: new GraphQLList(GraphQLString) }
    args["display_label__isnull"] = { type: GraphQLBoolean }
  }
  if (topLevel && schema.human_friendly_id !== null && schema.human_friendly_id.length > 0) {
    args["hfid"] = { type: new GraphQLList(GraphQLString) }
  }
  for (const attribute of schema.attributes) {
    Object.assign(args, attributeFilterArgs(attribute.name, filterScalar(attribute.kind), includeProperties, topLevel))
  }
  if (!topLevel) return args
  Object.assign(args, attributeFilterArgs("any", GraphQLString, true, false))
  args["partial_match"] = { type: GraphQLBoolean }
  for (const relationship of schema.relationships) {
    const peer = schemaOf(registry, relationship.peer)
    if (peer === undefined || isInternal(peer)) continue
    const peerArgs = filterArgs(registry, peer, false, orderInput, relationship.kind !== "Group")
    for (const [key, value] of Object.entries(peerArgs)) {
      if (!paginationArgs.includes(key)) args[`${relationship.name}__${key}`] = value
    }
  }
  return args
}

type Args = Readonly<Record<string, unknown>>

/** Type-strict equality, as Neo4j compares values; DateTime values compare as instants. */
const sameValue = (stored: unknown, wanted: unknown, kind: AttributeKind): boolean => {
  if (stored === null || stored === undefined) return false
  if (typeof stored === "object" || typeof wanted === "object") return JSON.stringify(stored) === JSON.stringify(wanted)
  if (kind === "DateTime" && typeof stored === "string" && typeof wanted === "string") {
    const left = Date.parse(stored)
    return !Number.isNaN(left) && left === Date.parse(wanted)
  }
  return stored === wanted
}

const contains = (stored: unknown, wanted: unknown): boolean =>
  stored !== null && stored !== undefined && String(stored).toLowerCase().includes(String(wanted).toLowerCase())

/** Whether one attribute record satisfies one filter operation (`value`, `values`, flags, …). */
const attributeMatches = (
  attribute: AttributeSchema,
  node: NodeRecord,
  op: string,
  wanted: unknown,
  partialMatch: boolean
): boolean => {
  const record = node.attributes[attribute.name]
  const value = attributeProperty(attribute, record, "value")
  switch (op) {
    case "value":
      return partialMatch ? contains(value, wanted) : sameValue(value, wanted, attribute.kind)
    case "values":
      return Array.isArray(wanted) && wanted.some((item) => sameValue(value, item, attribute.kind))
    case "isnull":
      return wanted === (value === null || value === undefined)
    case "is_visible":
    case "is_protected":
      return record?.[op] === wanted
    case "source__id":
      return record?.source === wanted
    case "owner__id":
      return record?.owner === wanted
    default:
      return false
  }
}

const attributeOps = ["value", "values", "isnull", "is_visible", "is_protected", "source__id", "owner__id"]

/** Filters one level of nodes (top level, or the peers of a many relationship) by the given arguments. */
export const filterNodes = (
  registry: SchemaRegistry,
  view: StoreView,
  schema: BaseKindSchema,
  nodes: ReadonlyArray<NodeRecord>,
  args: Args,
  partialMatch: boolean
): ReadonlyArray<NodeRecord> => {
  const checks: Array<(node: NodeRecord) => boolean> = []
  for (const [key, wanted] of Object.entries(args)) {
    if (wanted === null || wanted === undefined) continue
    if (["offset", "limit", "order", "partial_match", "include_descendants"].includes(key)) continue
    if (key === "ids") {
      const ids = new Set((wanted as ReadonlyArray<unknown>).map(String))
      checks.push((node) => ids.has(node.id))
    } else if (key === "isnull") {
      // Nested level: `isnull: true` asks for an empty relationship, handled by the caller.
    } else if (key === "hfid") {
      const hfid = (wanted as ReadonlyArray<unknown>).map(String)
      checks.push((node) => {
        const actual = computeHfid(registry, view, node)
        return actual !== null && actual.length === hfid.length && actual.every((part, index) => part === hfid[index])
      })
    } else if (key.startsWith("display_label__")) {
      const op = key.slice("display_label__".length)
      checks.push((node) => {
        const label = computeDisplayLabel(registry, view, node)
        if (op === "isnull") return wanted === false
        if (op === "values") return Array.isArray(wanted) && wanted.some((item) => item === label)
        return partialMatch ? contains(label, wanted) : label === wanted
      })
    } else if (key.startsWith("any__")) {
      const op = key.slice("any__".length)
      checks.push((node) => {
        const nodeSchema = schemaOf(registry, node.kind) ?? schema
        return nodeSchema.attributes.some((attribute) => attributeMatches(attribute, node, op, wanted, partialMatch))
      })
    } else {
      checks.push(fieldCheck(registry, view, schema, key, wanted, partialMatch))
    }
  }
  return checks.length === 0 ? nodes : nodes.filter((node) => checks.every((check) => check(node)))
}

const fieldCheck = (
  registry: SchemaRegistry,
  view: StoreView,
  schema: BaseKindSchema,
  key: string,
  wanted: unknown,
  partialMatch: boolean
): ((node: NodeRecord) => boolean) => {
  const separator = key.indexOf("__")
  const name = key.slice(0, separator)
  const rest = key.slice(separator + 2)
  const attribute = attributeOf(schema, name)
  if (attribute !== undefined && attributeOps.includes(rest)) {
    return (node) => {
      const concrete = attributeOf(schemaOf(registry, node.kind) ?? schema, name) ?? attribute
      return attributeMatches(concrete, node, rest, wanted, partialMatch)
    }
  }
  const relationship = relationshipOf(schema, name)
  if (relationship === undefined) return () => false
  const peerSchema = schemaOf(registry, relationship.peer)
  return (node) => {
    const concreteRel = relationshipOf(schemaOf(registry, node.kind) ?? schema, name) ?? relationship
    const peers = peersOf(view, node, concreteRel).map((peer) => peer.node)
    if (rest === "isnull") return wanted === (peers.length === 0)
    if (rest === "ids") {
      const ids = new Set((wanted as ReadonlyArray<unknown>).map(String))
      return peers.some((peer) => ids.has(peer.id))
    }
    if (peerSchema === undefined) return false
    const peerSeparator = rest.indexOf("__")
    const peerAttributeName = rest.slice(0, peerSeparator)
    const op = rest.slice(peerSeparator + 2)
    return peers.some((peer) => {
      const peerAttribute = attributeOf(schemaOf(registry, peer.kind) ?? peerSchema, peerAttributeName)
      return peerAttribute !== undefined && attributeMatches(peerAttribute, peer, op, wanted, partialMatch)
    })
  }
}

type Direction = "ASC" | "DESC"

interface SortKey {
  readonly read: (node: NodeRecord) => unknown
  readonly direction: Direction
}

const typeRank = (value: unknown): number =>
  typeof value === "boolean" ? 0 : typeof value === "number" ? 1 : typeof value === "string" ? 2 : 3

/** Neo4j ordering: nulls sort last ascending (first descending); mixed types by type. */
const compareValues = (left: unknown, right: unknown): number => {
  const leftNull = left === null || left === undefined
  const rightNull = right === null || right === undefined
  if (leftNull || rightNull) return leftNull === rightNull ? 0 : leftNull ? 1 : -1
  if (typeRank(left) !== typeRank(right)) return typeRank(left) - typeRank(right)
  if (typeof left === "string" && typeof right === "string") return left < right ? -1 : left > right ? 1 : 0
  if (typeof left === "number" && typeof right === "number") return left - right
  if (typeof left === "boolean" && typeof right === "boolean") return Number(left) - Number(right)
  return JSON.stringify(left).localeCompare(JSON.stringify(right))
}

interface OrderArg {
  readonly disable?: boolean | null
  readonly node_metadata?: { readonly created_at?: Direction | null; readonly updated_at?: Direction | null } | null
  readonly by?: ReadonlyArray<{ readonly field: string; readonly direction?: Direction | null }> | null
}

const metadataKey = (field: string, direction: Direction): SortKey | undefined =>
  field === "created_at" || field === "updated_at" ? { read: (node) => node[field], direction } : undefined

const pathKey = (
  registry: SchemaRegistry,
  view: StoreView,
  schema: BaseKindSchema,
  path: string,
  direction: Direction
): SortKey | undefined => {
  if (path.startsWith("node_metadata__")) return metadataKey(path.slice("node_metadata__".length), direction)
  const target = parsePath(registry, schema, path)
  if (target === undefined) return undefined
  if (target.type === "relationship" && (target.attribute === undefined || target.relationship.cardinality !== "one")) {
    return undefined
  }
  return { read: (node) => readPath(registry, view, node, path), direction }
}

/**
 * Orders nodes as Infrahub does: `order.by`, else `order.node_metadata`, else the schema's
 * `order_by`; ties (and `order: {disable: true}`) fall back to id order, i.e. creation order.
 */
export const sortNodes = (
  registry: SchemaRegistry,
  view: StoreView,
  schema: BaseKindSchema,
  nodes: ReadonlyArray<NodeRecord>,
  order: OrderArg | null | undefined
): ReadonlyArray<NodeRecord> => {
  const keys: Array<SortKey> = []
  const by = order?.by ?? []
  const metadata = order?.node_metadata ?? undefined
  if (by.length > 0 && metadata !== undefined && (metadata.created_at != null || metadata.updated_at != null)) {
    throw validationError("'by' cannot be combined with the deprecated 'node_metadata' in the same order input")
  }
  if (order?.disable === true) {
    // Infrahub returns unordered results; the sandbox keeps creation order so pages are stable.
  } else if (by.length > 0) {
    for (const entry of by) {
      const key = pathKey(registry, view, schema, entry.field, entry.direction ?? "ASC")
      if (key === undefined) throw validationError(`Invalid order field '${entry.field}' for ${schema.kind}`)
      keys.push(key)
    }
  } else if (metadata !== undefined && (metadata.created_at != null || metadata.updated_at != null)) {
    if (metadata.created_at != null) keys.push({ read: (node) => node.created_at, direction: metadata.created_at })
    if (metadata.updated_at != null) keys.push({ read: (node) => node.updated_at, direction: metadata.updated_at })
  } else {
    for (const path of schema.order_by ?? []) {
      const key = pathKey(registry, view, schema, path, "ASC")
      if (key !== undefined) keys.push(key)
    }
  }
  if (keys.length === 0) return [...nodes].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
  const decorated = nodes.map((node) => ({ node, values: keys.map((key) => key.read(node)) }))
  decorated.sort((left, right) => {
    for (const [index, key] of keys.entries()) {
      const compared = compareValues(left.values[index], right.values[index])
      if (compared !== 0) return key.direction === "DESC" ? -compared : compared
    }
    return left.node.id < right.node.id ? -1 : left.node.id > right.node.id ? 1 : 0
  })
  return decorated.map((entry) => entry.node)
}

/** `offset`/`limit` after filtering and ordering; `count` is taken before this. */
export const paginate = <T>(items: ReadonlyArray<T>, offset: unknown, limit: unknown): ReadonlyArray<T> => {
  if (typeof offset === "number" && offset < 0) throw validationError("offset must be a non-negative integer")
  if (typeof limit === "number" && limit < 0) throw validationError("limit must be a non-negative integer")
  const start = typeof offset === "number" ? offset : 0
  return typeof limit === "number" ? items.slice(start, start + limit) : items.slice(start)
}
