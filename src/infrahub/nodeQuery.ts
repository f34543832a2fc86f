import { type LiteralValue, renderArguments } from "./graphqlLiteral.js"
import { asRecord } from "./responses.js"
import type { BranchSchema, KindInfo, RelationshipInfo } from "./schemaModel.js"

/**
 * GraphQL documents for node reads, built the way Infrahub names things (infrahub-api.md §3), and
 * the decoding of their answers. One document carries both the page and the total `count`, so a
 * read costs one Infrahub request.
 */

export type NodeDetail = "labels" | "attributes"

export interface NodeQueryInput {
  readonly kind: KindInfo
  readonly filters: ReadonlyArray<readonly [string, LiteralValue]>
  readonly partialMatch: boolean
  readonly offset: number
  /** `undefined` = no limit argument (Infrahub's own page size does not apply to the top-level field). */
  readonly limit: number | undefined
  readonly detail: NodeDetail
}

const NODE_HEADER = "id hfid display_label __typename"

/** Many-relationships are expanded only for kinds Infrahub's SDK expands too: the small ones. */
const expandsMany = (relationship: RelationshipInfo): boolean =>
  relationship.kind === "Attribute" || relationship.kind === "Parent"

const selectedRelationships = (kind: KindInfo, schema: BranchSchema): ReadonlyArray<RelationshipInfo> =>
  kind.relationships.filter((relationship) => {
    const peer = schema.kinds.get(relationship.peer)
    if (peer === undefined || peer.namespace === "Internal") return false
    if (relationship.kind === "Group" || relationship.kind === "Profile" || relationship.kind === "Template") return false
    return relationship.cardinality === "one" || expandsMany(relationship)
  })

const selection = (input: NodeQueryInput, schema: BranchSchema): string => {
  if (input.detail === "labels") return NODE_HEADER
  const attributes = input.kind.attributes.map((a) => `${a.name} { value }`)
  const relationships = selectedRelationships(input.kind, schema).map((r) =>
    r.cardinality === "one" ? `${r.name} { node { ${NODE_HEADER} } }` : `${r.name} { count edges { node { ${NODE_HEADER} } } }`
  )
  return [NODE_HEADER, ...attributes, ...relationships].join(" ")
}

export const buildNodeQuery = (input: NodeQueryInput, schema: BranchSchema): string => {
  const args: Array<readonly [string, LiteralValue]> = [...input.filters]
  if (input.partialMatch) args.push(["partial_match", true])
  if (input.offset > 0) args.push(["offset", input.offset])
  if (input.limit !== undefined) args.push(["limit", input.limit])
  const rendered = args.length > 0 ? `(${renderArguments(args)})` : ""
  return `query { ${input.kind.kind}${rendered} { count edges { node { ${selection(input, schema)} } } } }`
}

export interface NodeRow {
  readonly id: string
  readonly kind: string
  readonly label: string
  readonly fields: Readonly<Record<string, unknown>>
}

export interface NodePage {
  readonly count: number | undefined
  readonly rows: ReadonlyArray<NodeRow>
}


/** display_label, else the hfid with its kind (`LocationSite__atl1`), else the id — as the Python server labels nodes. */
export const labelOf = (node: Readonly<Record<string, unknown>>, fallbackKind: string): string => {
  const display = node["display_label"]
  if (typeof display === "string" && display.trim().length > 0) return display
  const hfid = node["hfid"]
  const kind = typeof node["__typename"] === "string" ? node["__typename"] : fallbackKind
  if (Array.isArray(hfid) && hfid.length > 0 && hfid.every((part) => typeof part === "string" || typeof part === "number")) {
    return [kind, ...hfid.map(String)].join("__")
  }
  return typeof node["id"] === "string" ? node["id"] : "(unknown)"
}

const peerLabel = (edge: unknown, fallbackKind: string): string | null => {
  const node = asRecord(asRecord(edge)?.["node"])
  return node === undefined ? null : labelOf(node, fallbackKind)
}

const fieldsOf = (node: Readonly<Record<string, unknown>>, input: NodeQueryInput, schema: BranchSchema) => {
  if (input.detail === "labels") return {}
  const fields: Record<string, unknown> = {}
  for (const attribute of input.kind.attributes) {
    const value = asRecord(node[attribute.name])?.["value"]
    fields[attribute.name] = value === undefined ? null : value
  }
  for (const relationship of selectedRelationships(input.kind, schema)) {
    const payload = asRecord(node[relationship.name])
    if (relationship.cardinality === "one") {
      fields[relationship.name] = peerLabel(payload, relationship.peer)
    } else {
      const edges = Array.isArray(payload?.["edges"]) ? (payload["edges"] as ReadonlyArray<unknown>) : []
      fields[relationship.name] = edges.map((edge) => peerLabel(edge, relationship.peer))
    }
  }
  return fields
}

/** Reads `data[<Kind>]`; `undefined` when the answer does not have the expected shape. */
export const decodeNodePage = (
  data: Readonly<Record<string, unknown>>,
  input: NodeQueryInput,
  schema: BranchSchema
): NodePage | undefined => {
  const root = asRecord(data[input.kind.kind])
  if (root === undefined || !Array.isArray(root["edges"])) return undefined
  const rows: Array<NodeRow> = []
  for (const edge of root["edges"] as ReadonlyArray<unknown>) {
    const node = asRecord(asRecord(edge)?.["node"])
    if (node === undefined || typeof node["id"] !== "string") continue
    rows.push({
      id: node["id"],
      kind: typeof node["__typename"] === "string" ? node["__typename"] : input.kind.kind,
      label: labelOf(node, input.kind.kind),
      fields: fieldsOf(node, input, schema)
    })
  }
  const count = typeof root["count"] === "number" ? root["count"] : undefined
  return { count, rows }
}
