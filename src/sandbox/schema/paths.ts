/**
 * Schema paths (`name__value`, `device__name__value`, `ip_namespace`) as Infrahub parses and checks them
 * (`BaseNodeSchema.parse_schema_path`, `SchemaBranch.validate_schema_path`, `SchemaElementPathType`).
 */
import { attributeNames, getAttribute, getRelationship, relationshipNames, type WorkBranch } from "./branch.js"
import { allowedPathProperties, Kinds } from "./constants.js"
import { kindOf, newRelationship, type WorkAttribute, type WorkKind, type WorkRelationship } from "./model.js"

/** `SchemaElementPathType` flags. */
export const PathType = (() => {
  const ATTR_WITH_PROP = 1
  const ATTR_NO_PROP = 2
  const REL_MANY_NO_ATTR = 4
  const REL_MANY_ATTR = 8
  const REL_ONE_MANDATORY_NO_ATTR = 16
  const REL_ONE_MANDATORY_ATTR_WITH_PROP = 32
  const REL_ONE_MANDATORY_ATTR_NO_PROP = 64
  const REL_ONE_OPTIONAL_ATTR_WITH_PROP = 128
  const REL_ONE_OPTIONAL_ATTR_NO_PROP = 256
  const REL_ONE_OPTIONAL_NO_ATTR = 512
  const REL_ONE_MANDATORY_ATTR = REL_ONE_MANDATORY_ATTR_WITH_PROP | REL_ONE_MANDATORY_ATTR_NO_PROP
  const REL_ONE_MANDATORY = REL_ONE_MANDATORY_ATTR | REL_ONE_MANDATORY_NO_ATTR
  const REL_ONE_OPTIONAL_ATTR = REL_ONE_OPTIONAL_ATTR_WITH_PROP | REL_ONE_OPTIONAL_ATTR_NO_PROP
  const REL_ONE_OPTIONAL = REL_ONE_OPTIONAL_ATTR | REL_ONE_OPTIONAL_NO_ATTR
  const REL_ONE = REL_ONE_MANDATORY | REL_ONE_OPTIONAL
  const REL_MANY = REL_MANY_NO_ATTR | REL_MANY_ATTR
  return {
    ATTR_WITH_PROP,
    ATTR_NO_PROP,
    ATTR: ATTR_WITH_PROP | ATTR_NO_PROP,
    REL_MANY,
    REL_ONE_MANDATORY_NO_ATTR,
    REL_ONE_MANDATORY_ATTR,
    REL_ONE_MANDATORY_ATTR_WITH_PROP,
    REL_ONE_OPTIONAL,
    REL_ONE,
    REL_ONE_ATTR_WITH_PROP: REL_ONE_MANDATORY_ATTR_WITH_PROP | REL_ONE_OPTIONAL_ATTR_WITH_PROP,
    REL: REL_ONE | REL_MANY,
    REL_ATTR: REL_ONE_MANDATORY_ATTR | REL_ONE_OPTIONAL_ATTR | REL_MANY_ATTR,
    RELS_NO_ATTR: REL_ONE_MANDATORY_NO_ATTR | REL_ONE_OPTIONAL_NO_ATTR | REL_MANY_NO_ATTR
  } as const
})()

export interface SchemaPath {
  readonly relationship?: WorkRelationship
  readonly related?: WorkKind
  readonly attribute?: WorkAttribute
  readonly property?: string
}

export const isAttributePath = (p: SchemaPath): boolean =>
  p.attribute !== undefined && p.related === undefined && p.relationship === undefined
export const isRelationshipPath = (p: SchemaPath): boolean => p.relationship !== undefined && p.related !== undefined

export type PathResult = { readonly ok: SchemaPath } | { readonly error: string }

/** `BaseNodeSchema.parse_schema_path`. */
export const parseSchemaPath = (node: WorkKind, path: string, branch: WorkBranch): PathResult => {
  const parts = path.split("__")
  const head = parts[0] ?? ""
  let relationship: WorkRelationship | undefined
  let related: WorkKind | undefined
  let attributePiece: string | undefined
  let propertyPiece: string | undefined
  if (relationshipNames(node).includes(head)) {
    relationship = getRelationship(node, head)
    attributePiece = parts[1]
    propertyPiece = parts[2]
  } else if (attributeNames(node).includes(head)) {
    attributePiece = head
    propertyPiece = parts[1]
  } else if (head === "parent" && node.category === "node" && node.parent !== null && node.parent !== "") {
    // Before the hierarchy relationships exist, `parent` resolves through the node's `parent` kind.
    relationship = newRelationship({ name: "parent", peer: node.parent, cardinality: "one", optional: true })
    attributePiece = parts[1]
    propertyPiece = parts[2]
  } else {
    return { error: `${path} is invalid on schema ${kindOf(node)}: "${head}" is neither an attribute nor a relationship of it` }
  }
  if (relationship !== undefined) {
    related = branch.get(relationship.peer)
    if (related === undefined) {
      return { error: `${path} goes through "${relationship.name}", whose peer ${relationship.peer} does not exist` }
    }
  }
  let attribute: WorkAttribute | undefined
  let property: string | undefined
  if (attributePiece !== undefined) {
    const target = related ?? node
    attribute = getAttribute(target, attributePiece)
    if (attribute === undefined) {
      return { error: `${attributePiece} is not a valid attribute of ${kindOf(target)}` }
    }
    if (propertyPiece !== undefined) {
      if (!allowedPathProperties(attribute.kind).includes(propertyPiece)) {
        return { error: `${propertyPiece} is not a valid property of ${attribute.name}` }
      }
      property = propertyPiece
    }
  }
  return {
    ok: {
      ...(relationship === undefined ? {} : { relationship }),
      ...(related === undefined ? {} : { related }),
      ...(attribute === undefined ? {} : { attribute }),
      ...(property === undefined ? {} : { property })
    }
  }
}

const isIpKind = (node: WorkKind): boolean =>
  node.category === "node" && (node.inherit_from.includes(Kinds.IPADDRESS) || node.inherit_from.includes(Kinds.IPPREFIX))

/** `SchemaBranch.validate_schema_path`: resolves the path, then checks it is of an allowed type. */
export const validateSchemaPath = (node: WorkKind, path: string, allowed: number, branch: WorkBranch): PathResult => {
  const parsed = parseSchemaPath(node, path, branch)
  if ("error" in parsed) return parsed
  const p = parsed.ok
  const isAttr = isAttributePath(p)
  const isRel = isRelationshipPath(p)
  if ((allowed & PathType.ATTR) === 0 && isAttr) {
    return { error: `${path} is an attribute path, but this property only supports relationships` }
  }
  if ((allowed & PathType.REL) === 0 && isRel) {
    return { error: `${path} goes through a relationship, but this property only supports attributes` }
  }
  if ((allowed & PathType.ATTR_NO_PROP) === 0 && isAttr && p.attribute !== undefined) {
    const properties = allowedPathProperties(p.attribute.kind)
    if (p.property === undefined || !properties.includes(p.property)) {
      return { error: `${path} is invalid: an attribute path must end with one of the following properties: ${properties.join(", ")}` }
    }
  }
  if (isRel && p.relationship !== undefined) {
    const rel = p.relationship
    if (rel.cardinality === "one") {
      if ((allowed & PathType.REL_ONE) === 0) {
        return { error: `${path} cannot use the ${rel.name} relationship: it must be of cardinality many` }
      }
      if ((allowed & PathType.REL_ONE_OPTIONAL) === 0 && rel.optional && !(rel.name === "ip_namespace" && isIpKind(node))) {
        return { error: `${path} cannot use the ${rel.name} relationship: it must be mandatory (optional: false)` }
      }
    }
    if (rel.cardinality === "many" && (allowed & PathType.REL_MANY) === 0) {
      return { error: `${path} cannot use the ${rel.name} relationship: it must be of cardinality one` }
    }
    const hasProperty = p.property !== undefined
    if (hasProperty && (allowed & PathType.REL_ATTR) === 0) {
      return { error: `${path} cannot use attributes of the related node, only the relationship itself (e.g. ${rel.name})` }
    }
    if (!hasProperty && (allowed & PathType.RELS_NO_ATTR) === 0) {
      return { error: `${path} must use an attribute of the related node (e.g. ${rel.name}__name__value)` }
    }
  }
  return parsed
}

const JINJA_KEYWORDS = new Set([
  "and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "endfor", "true", "false", "none", "True",
  "False", "None", "loop", "set", "with", "endwith", "block", "endblock", "macro", "endmacro", "recursive", "as"
])

/**
 * The undeclared variables of a Jinja2 template (what `Jinja2Template.get_variables` returns for the simple
 * templates schemas use): identifiers inside `{{ }}`/`{% %}` that are not string literals, filters, attribute
 * accesses, calls or keywords.
 */
export const templateVariables = (template: string): Array<string> => {
  const variables: Array<string> = []
  for (const block of template.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) {
    const expression = (block[1] ?? block[2] ?? "").replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, " ")
    for (const match of expression.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
      const before = expression.slice(0, match.index).trimEnd()
      const after = expression.slice(match.index + match[0].length).trimStart()
      if (before.endsWith("|") || before.endsWith(".") || after.startsWith("(") || JINJA_KEYWORDS.has(match[0])) continue
      if (!variables.includes(match[0])) variables.push(match[0])
    }
  }
  return variables
}

/** Whether a `display_label` is a Jinja2 template rather than a single attribute path. */
export const isTemplate = (value: string): boolean => value.includes("{{") || value.includes("{%")
