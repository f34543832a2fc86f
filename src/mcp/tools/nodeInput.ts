import * as Either from "effect/Either"
import { coerceAttributeValue } from "../../infrahub/filterValues.js"
import type { LiteralValue } from "../../infrahub/graphqlLiteral.js"
import type { BranchSchema, KindInfo, RelationshipInfo } from "../../infrahub/schemaModel.js"
import { ToolError } from "../ToolError.js"

/**
 * `node_upsert`'s `data` → the `data` of Infrahub's `<Kind>Create`/`<Kind>Update` input, checked
 * against the kind's schema first, so a write is either sent whole in one mutation or refused with
 * everything that is wrong and nothing sent. Relationships are given as the Infrahub SDK takes
 * them: an id, an hfid list, `{"hfid": [...], "kind": ...}`, or a list of those for cardinality many.
 */

const VALUE_FORMS =
  'A relationship takes an id ("<uuid>", or the peer\'s default-filter value), an hfid list (["atl1"]), or {"hfid": [...], "kind": "<concrete kind>"} when the peer kind is generic; cardinality many takes a list of those, which replaces the current peers.'

const MUTATE_GRAPHQL_ADVICE =
  "For what node_upsert cannot express (adding peers without replacing them, relationship properties, resource pools, several objects at once) use mutate_graphql."

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Relationships a mutation input has no field for: read-only ones and those to Infrahub's internals. */
const settable = (schema: BranchSchema, relationship: RelationshipInfo): boolean =>
  !relationship.readOnly && schema.kinds.get(relationship.peer)?.namespace !== "Internal"

/** Whether objects of `kind` can be peers of `relationship` (the peer itself, or a kind implementing it). */
const fitsPeer = (schema: BranchSchema, relationship: RelationshipInfo, kind: KindInfo): boolean =>
  kind.kind === relationship.peer || (schema.kinds.get(relationship.peer)?.usedBy.includes(kind.kind) ?? false)

const concretePeers = (schema: BranchSchema, relationship: RelationshipInfo): ReadonlyArray<string> => {
  const peer = schema.kinds.get(relationship.peer)
  if (peer === undefined || peer.category !== "generic") return [relationship.peer]
  return peer.usedBy.filter((kind) => schema.kinds.get(kind)?.category === "node")
}

const hfidReference = (
  schema: BranchSchema,
  relationship: RelationshipInfo,
  parts: ReadonlyArray<unknown>,
  kindName: unknown
): Either.Either<LiteralValue, string> => {
  if (parts.length === 0 || !parts.every((part) => typeof part === "string" || typeof part === "number")) {
    return Either.left("has an hfid that is not a non-empty list of strings")
  }
  let target = schema.kinds.get(relationship.peer)
  if (kindName !== undefined) {
    const named = typeof kindName === "string" ? schema.kinds.get(kindName) : undefined
    if (named === undefined) return Either.left(`names the kind ${JSON.stringify(kindName)}, which does not exist`)
    if (!fitsPeer(schema, relationship, named)) {
      return Either.left(`names the kind ${named.kind}, which is not a ${relationship.peer} (use one of: ${concretePeers(schema, relationship).join(", ")})`)
    }
    target = named
  }
  const fields = target?.humanFriendlyId ?? []
  if (fields.length === 0) {
    return target?.category === "generic"
      ? Either.left(`has an hfid, but ${target.kind} has no human-friendly id of its own: give {"hfid": [...], "kind": one of ${concretePeers(schema, relationship).join(", ")}}, or an id`)
      : Either.left(`has an hfid, but ${target?.kind ?? relationship.peer} has no human-friendly id: give its id`)
  }
  if (fields.length !== parts.length) {
    return Either.left(`has an hfid of ${parts.length} part(s); one of ${target?.kind ?? relationship.peer} has ${fields.length} (${fields.join(", ")})`)
  }
  const hfid = parts.map(String)
  return Either.right(kindName === undefined ? { hfid } : { hfid, kind: String(kindName) })
}

/** One peer: an id, an hfid list, or `{id}` / `{hfid, kind?}`. */
const peerReference = (schema: BranchSchema, relationship: RelationshipInfo, value: unknown): Either.Either<LiteralValue, string> => {
  if (typeof value === "string") return value.length > 0 ? Either.right({ id: value }) : Either.left("has an empty id")
  if (Array.isArray(value)) return hfidReference(schema, relationship, value, undefined)
  if (isPlainObject(value)) {
    const extra = Object.keys(value).filter((key) => key !== "id" && key !== "hfid" && key !== "kind")
    if (extra.length > 0) return Either.left(`has ${extra.map((key) => `"${key}"`).join(", ")}; a peer is {"id": ...} or {"hfid": [...], "kind": ...}`)
    const { id, hfid, kind } = value
    if (typeof id === "string" && id.length > 0 && hfid === undefined && kind === undefined) return Either.right({ id })
    if (Array.isArray(hfid) && id === undefined) return hfidReference(schema, relationship, hfid, kind)
    return Either.left('needs either "id" (a string) or "hfid" (a list, with "kind" for a generic peer)')
  }
  return Either.left(`has ${JSON.stringify(value)}, not an id, an hfid list or {"hfid": [...], "kind": ...}`)
}

/** The mutation input of one relationship: one peer (null clears it), or a list for cardinality many. */
const relationshipValue = (schema: BranchSchema, relationship: RelationshipInfo, value: unknown): Either.Either<LiteralValue, string> => {
  if (relationship.cardinality === "one") {
    if (value === null) return Either.right(null)
    return peerReference(schema, relationship, value)
  }
  if (value === null) return Either.right([])
  // As in the Infrahub SDK, a list of strings is several ids; one hfid goes in a nested list.
  const items: ReadonlyArray<unknown> = Array.isArray(value) ? value : [value]
  return Either.all(items.map((item) => peerReference(schema, relationship, item))).pipe(Either.map((peers): LiteralValue => peers))
}

const describeRelationship = (relationship: RelationshipInfo) =>
  `${relationship.name} (${relationship.cardinality === "one" ? "one" : "many"} ${relationship.peer})`

/**
 * The checked mutation input for `data`, or a {@link ToolError} listing every problem of the first
 * kind found (unknown names, read-only names, bad values, missing mandatory relationships on create).
 */
export const nodeInput = (
  schema: BranchSchema,
  kind: KindInfo,
  data: Readonly<Record<string, unknown>>,
  creating: boolean
): Either.Either<Record<string, LiteralValue>, ToolError> => {
  const attributes = new Map(kind.attributes.map((a) => [a.name, a]))
  const relationships = new Map(kind.relationships.map((r) => [r.name, r]))
  const writableAttributes = kind.attributes.filter((a) => !a.readOnly).map((a) => a.name)
  const writableRelationships = kind.relationships.filter((r) => settable(schema, r))
  const names = Object.keys(data)
  const guide = `get_schema("${kind.kind}") lists them with attribute kinds, choices and relationship peers`

  const unknown = names.filter((name) => !attributes.has(name) && !relationships.has(name))
  if (unknown.length > 0) {
    return Either.left(
      new ToolError({
        message: `${kind.kind} has no attribute or relationship ${unknown.map((n) => `'${n}'`).join(", ")}; nothing was written. Writable attributes: ${writableAttributes.join(", ") || "(none)"}. Writable relationships: ${writableRelationships.map((r) => r.name).join(", ") || "(none)"}.`,
        remediation: `Use the names above (${guide}).`
      })
    )
  }

  const readOnly = names.filter((name) => {
    const relationship = relationships.get(name)
    return attributes.get(name)?.readOnly === true || (relationship !== undefined && !settable(schema, relationship))
  })
  if (readOnly.length > 0) {
    return Either.left(
      new ToolError({
        message: `${readOnly.join(", ")} ${readOnly.length === 1 ? "is" : "are"} read-only on ${kind.kind} (computed or managed by Infrahub); nothing was written.`,
        remediation: `Leave them out. Writable attributes: ${writableAttributes.join(", ") || "(none)"}; writable relationships: ${writableRelationships.map((r) => r.name).join(", ") || "(none)"}.`
      })
    )
  }

  const input: Record<string, LiteralValue> = {}
  const problems: Array<string> = []
  for (const [name, value] of Object.entries(data)) {
    const attribute = attributes.get(name)
    const relationship = relationships.get(name)
    const encoded =
      attribute !== undefined
        ? Either.map(coerceAttributeValue(attribute, value), (coerced): LiteralValue => ({ value: coerced }))
        : relationship !== undefined
          ? relationshipValue(schema, relationship, value)
          : Either.left("is unknown")
    Either.match(encoded, {
      onLeft: (problem) => problems.push(`${relationship === undefined ? name : describeRelationship(relationship)} ${problem}`),
      onRight: (literal) => {
        input[name] = literal
      }
    })
  }
  if (problems.length > 0) {
    return Either.left(
      new ToolError({
        message: `Invalid value(s) for ${kind.kind}: ${problems.join("; ")}. Nothing was written.`,
        remediation: `Fix the values (${guide}). ${VALUE_FORMS} ${MUTATE_GRAPHQL_ADVICE}`
      })
    )
  }

  const missing = creating
    ? writableRelationships.filter((r) => !r.optional && (input[r.name] === undefined || input[r.name] === null || (Array.isArray(input[r.name]) && (input[r.name] as ReadonlyArray<unknown>).length === 0)))
    : []
  if (missing.length > 0) {
    const first = missing[0] as RelationshipInfo
    return Either.left(
      new ToolError({
        message: `Creating a ${kind.kind} needs ${missing.map(describeRelationship).join(", ")}; nothing was written.`,
        remediation: `Add ${missing.length === 1 ? "it" : "them"} to data, e.g. "${first.name}": "<id of a ${first.peer}>" (get_nodes(kind="${first.peer}") lists candidates with their ids). ${VALUE_FORMS} ${MUTATE_GRAPHQL_ADVICE}`
      })
    )
  }
  return Either.right(input)
}
