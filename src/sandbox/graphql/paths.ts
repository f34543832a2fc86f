import type { AttributeSchema, BaseKindSchema, RelationshipSchema, SchemaRegistry } from "../schema/types.js"
import type { AttributeRecord, NodeRecord } from "../store/records.js"
import type { StoreView } from "../store/store.js"
import { ipFields, parseInterface, parseNetwork } from "./ip.js"
import { attributeOf, relationshipOf, schemaOf } from "./model.js"
import { peersOf } from "./relations.js"
import { isTemplate, renderTemplate } from "./template.js"

/**
 * Infrahub "schema paths" (`name__value`, `prefix__prefixlen`, `location__shortname__value`,
 * `ip_namespace`) and the values they read: used by hfid, display labels, ordering, uniqueness
 * and templates.
 */

export type PathTarget =
  | { readonly type: "attribute"; readonly attribute: AttributeSchema; readonly property: string }
  | {
      readonly type: "relationship"
      readonly relationship: RelationshipSchema
      readonly attribute: AttributeSchema | undefined
      readonly property: string | undefined
    }

export const parsePath = (registry: SchemaRegistry, schema: BaseKindSchema, path: string): PathTarget | undefined => {
  const [first = "", ...rest] = path.split("__")
  const attribute = attributeOf(schema, first)
  if (attribute !== undefined) {
    if (rest.length > 1) return undefined
    return { type: "attribute", attribute, property: rest[0] ?? "value" }
  }
  const relationship = relationshipOf(schema, first)
  if (relationship === undefined) return undefined
  if (rest.length === 0) return { type: "relationship", relationship, attribute: undefined, property: undefined }
  const peerSchema = schemaOf(registry, relationship.peer)
  const peerAttribute = peerSchema === undefined ? undefined : attributeOf(peerSchema, rest[0] ?? "")
  if (peerAttribute === undefined || rest.length > 2) return undefined
  return { type: "relationship", relationship, attribute: peerAttribute, property: rest[1] ?? "value" }
}

const ipDetails = (attribute: AttributeSchema, value: unknown) => {
  if (typeof value !== "string") return undefined
  const parsed = attribute.kind === "IPNetwork" ? parseNetwork(value) : parseInterface(value)
  if (parsed === undefined) return undefined
  const fields = ipFields(parsed)
  return attribute.kind === "IPHost"
    ? { ...fields, binary_address: parsed.address.toString(2).padStart(parsed.version === 4 ? 32 : 128, "0") }
    : fields
}

/** One property of an attribute: its value, a flag, or a derived field (dropdown label, IP prefixlen, …). */
export const attributeProperty = (
  attribute: AttributeSchema,
  record: AttributeRecord | undefined,
  property: string
): unknown => {
  const value = record?.value ?? null
  switch (property) {
    case "value":
      return value
    case "is_default":
    case "is_protected":
    case "is_visible":
      return record?.[property] ?? null
    case "label":
    case "color":
    case "description": {
      const choice = attribute.choices?.find((candidate) => candidate.name === value)
      return choice === undefined ? (value === null ? null : "") : (choice[property] ?? "")
    }
  }
  if (attribute.kind === "IPHost" || attribute.kind === "IPNetwork") {
    const details = ipDetails(attribute, value)
    if (details === undefined) return null
    return (details as Record<string, unknown>)[property] ?? null
  }
  return null
}

/** The value at `path` on `node`; relationship paths follow the (first) peer. */
export const readPath = (registry: SchemaRegistry, view: StoreView, node: NodeRecord, path: string): unknown => {
  const schema = schemaOf(registry, node.kind)
  if (schema === undefined) return null
  const target = parsePath(registry, schema, path)
  if (target === undefined) return null
  if (target.type === "attribute") {
    return attributeProperty(target.attribute, node.attributes[target.attribute.name], target.property)
  }
  const peer = peersOf(view, node, target.relationship)[0]?.node
  if (peer === undefined) return null
  if (target.attribute === undefined) return peer.id
  const peerSchema = schemaOf(registry, peer.kind)
  const peerAttribute = peerSchema === undefined ? undefined : attributeOf(peerSchema, target.attribute.name)
  if (peerAttribute === undefined) return null
  return attributeProperty(peerAttribute, peer.attributes[peerAttribute.name], target.property ?? "value")
}

/** `hfid`: the values of `human_friendly_id`, missing ones dropped; null when the kind has none. */
export const computeHfid = (
  registry: SchemaRegistry,
  view: StoreView,
  node: NodeRecord
): ReadonlyArray<string> | null => {
  const paths = schemaOf(registry, node.kind)?.human_friendly_id
  if (paths === null || paths === undefined || paths.length === 0) return null
  return paths
    .map((path) => readPath(registry, view, node, path))
    .filter((value) => value !== null && value !== undefined)
    .map((value) => (typeof value === "string" ? value : String(value)))
}

/**
 * `display_label`: the ≥1.5 `display_label` template (or single path) when present, else the
 * `display_labels` values joined by a space; a blank label falls back to `<Kind>(ID: <uuid>)`.
 */
export const computeDisplayLabel = (registry: SchemaRegistry, view: StoreView, node: NodeRecord): string => {
  const schema = schemaOf(registry, node.kind)
  const fallback = `${node.kind}(ID: ${node.id})`
  if (schema === undefined) return fallback
  const resolve = (path: string): unknown => readPath(registry, view, node, path)
  let label = ""
  if (typeof schema.display_label === "string" && schema.display_label.length > 0) {
    if (isTemplate(schema.display_label)) {
      try {
        label = renderTemplate(schema.display_label, resolve)
      } catch {
        label = ""
      }
    } else {
      const value = resolve(schema.display_label)
      label = value === null || value === undefined ? "" : String(value)
    }
  } else if (schema.display_labels !== null && schema.display_labels.length > 0) {
    label = schema.display_labels
      .map(resolve)
      .filter((value) => value !== null && value !== undefined && value !== "")
      .map((value) => String(value))
      .join(" ")
  }
  label = label.trim()
  return label === "" ? fallback : label
}
