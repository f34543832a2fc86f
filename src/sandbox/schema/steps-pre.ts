/**
 * The first half of Infrahub's `SchemaBranch.process_pre_validation()`: identifiers, defaults, cardinality
 * counts, inheritance, hierarchy, branch support, and the hierarchy relationships. Each step edits the
 * branch in place, in the same order and with the same rules as Infrahub.
 */
import {
  getAttribute, getRelationship, localNames, relationshipNames, type Reporter, type WorkBranch
} from "./branch.js"
import { Kinds, PARENT_CHILD_IDENTIFIER, RESTRICTED_NAMESPACES } from "./constants.js"
import {
  cloneAttribute, cloneRelationship, kindOf, newRelationship, type WorkAttribute, type WorkKind, type WorkRelationship
} from "./model.js"
import type { BranchSupport } from "./types.js"

/** `_generate_identifier_string`. */
export const identifierFor = (kind: string, peer: string): string => [kind, peer].sort().join("__").toLowerCase()

export const generateIdentifiers = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const rel of node.relationships) {
      if (rel.identifier === null || rel.identifier === "") rel.identifier = identifierFor(kindOf(node), rel.peer)
    }
  }
}

/** Attributes with a default value are optional. */
export const processDefaultValues = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const attr of node.attributes) {
      if (attr.default_value !== null && attr.default_value !== undefined && !attr.optional) attr.optional = true
    }
  }
}

/** Deprecated attributes and relationships are optional. */
export const processDeprecations = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const item of [...node.attributes, ...node.relationships]) {
      if (item.deprecation !== null && item.deprecation !== "" && !item.optional) item.optional = true
    }
  }
}

/** Cardinality `one` relationships count 0..1 when optional, 1..1 when mandatory. */
export const processCardinalityCounts = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const rel of node.relationships) {
      if (rel.cardinality !== "one") continue
      if (rel.optional && rel.min_count !== 0) rel.min_count = 0
      if (rel.optional && rel.max_count !== 1) rel.max_count = 1
      if (!rel.optional && rel.min_count === 0) rel.min_count = 1
      if (!rel.optional && rel.max_count === 0) rel.max_count = 1
    }
  }
}

const truthy = (value: unknown): boolean =>
  value !== null && value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0)

/** Node-level properties a node takes from the first generic that has them (`inherit_from_interface`). */
const PROPERTIES_TO_INHERIT = [
  "human_friendly_id", "display_label", "display_labels", "default_filter", "menu_placement",
  "uniqueness_constraints", "icon", "order_by"
] as const

const FIELDS_KEPT_ON_UPDATE = new Set(["id", "order_weight", "branch", "inherited"])

/** `update_from_generic`: an already inherited field follows its generic, except id, order weight and branch. */
const updateFromGeneric = <T extends WorkAttribute | WorkRelationship>(target: T, source: T): void => {
  for (const key of Object.keys(source) as Array<keyof T & string>) {
    if (!FIELDS_KEPT_ON_UPDATE.has(key)) target[key] = structuredClone(source[key])
  }
}

const inheritFromInterface = (node: WorkKind, generic: WorkKind): void => {
  const inheritedAttributes = new Map(node.attributes.flatMap((a, i) => (a.inherited ? [[a.name, i] as const] : [])))
  const inheritedRelationships = new Map(node.relationships.flatMap((r, i) => (r.inherited ? [[r.name, i] as const] : [])))
  const inheritedFields = new Set([...inheritedAttributes.keys(), ...inheritedRelationships.keys()])
  for (const property of PROPERTIES_TO_INHERIT) {
    if (truthy(generic[property]) && !truthy(node[property])) {
      ;(node as unknown as Record<string, unknown>)[property] = structuredClone(generic[property])
    }
  }
  const local = new Set(localNames(node))
  for (const attribute of generic.attributes) {
    if (local.has(attribute.name)) continue
    const copy = { ...cloneAttribute(attribute), id: null, inherited: true }
    const index = inheritedAttributes.get(attribute.name)
    const existing = index === undefined ? undefined : node.attributes[index]
    if (!inheritedFields.has(attribute.name) || existing === undefined) node.attributes.push(copy)
    else updateFromGeneric(existing, copy)
  }
  for (const relationship of generic.relationships) {
    if (local.has(relationship.name)) continue
    const copy = { ...cloneRelationship(relationship), id: null, inherited: true }
    const index = inheritedRelationships.get(relationship.name)
    const existing = index === undefined ? undefined : node.relationships[index]
    if (!inheritedFields.has(relationship.name) || existing === undefined) node.relationships.push(copy)
    else updateFromGeneric(existing, copy)
  }
}

/** `NodeSchema.validate_inheritance`. */
const validateInheritance = (node: WorkKind, generic: WorkKind, reporter: Reporter): void => {
  const kind = kindOf(node)
  const genericKind = kindOf(generic)
  for (const attribute of node.attributes) {
    const inherited = getAttribute(generic, attribute.name)
    if (inherited === undefined) continue
    if (!attribute.inherited && inherited.allow_override === "none") {
      reporter.report({ kind, field: attribute.name },
        `attribute "${attribute.name}" redefines the one inherited from ${genericKind}, which does not allow overrides (allow_override: none).`,
        `Remove "${attribute.name}" from ${kind} and use the inherited one.`)
    }
    if (attribute.kind !== inherited.kind) {
      reporter.report({ kind, field: attribute.name },
        `attribute "${attribute.name}" is of kind ${attribute.kind}, but the one inherited from ${genericKind} is ${inherited.kind}.`,
        `Use kind ${inherited.kind}, or rename the attribute.`)
    }
  }
  for (const relationship of node.relationships) {
    const inherited = getRelationship(generic, relationship.name)
    if (inherited === undefined || relationship.inherited) continue
    if (inherited.allow_override === "none") {
      reporter.report({ kind, field: relationship.name },
        `relationship "${relationship.name}" redefines the one inherited from ${genericKind}, which does not allow overrides (allow_override: none).`,
        `Remove "${relationship.name}" from ${kind} and use the inherited one.`)
    }
    if (relationship.kind !== "Hierarchy" && relationship.peer !== inherited.peer) {
      reporter.report({ kind, field: relationship.name },
        `relationship "${relationship.name}" points to ${relationship.peer}, but the one inherited from ${genericKind} points to ${inherited.peer}.`,
        `Use peer ${inherited.peer}, or rename the relationship.`)
    }
  }
}

/** Copies generics' attributes and relationships into the nodes that inherit them; computes `used_by`. */
export const processInheritance = (branch: WorkBranch, reporter: Reporter): void => {
  const usedBy = new Map<string, Array<string>>()
  const addUse = (generic: string, kind: string) => usedBy.set(generic, [...(usedBy.get(generic) ?? []), kind])
  for (const node of branch.nodes.values()) {
    const kind = kindOf(node)
    if (node.inherit_from.length > 0 || !RESTRICTED_NAMESPACES.has(node.namespace)) addUse(Kinds.NODE, kind)
    if (node.inherit_from.length === 0) continue
    if (node.inherit_from.includes(Kinds.IPPREFIX) && node.inherit_from.includes(Kinds.IPADDRESS)) {
      reporter.report({ kind }, `inherits from both ${Kinds.IPPREFIX} and ${Kinds.IPADDRESS}.`,
        "Inherit from only one of them: a kind is either an IP prefix or an IP address.")
      continue
    }
    const hierarchical: Array<string> = []
    for (const genericKind of node.inherit_from) {
      const generic = branch.generics.get(genericKind)
      if (generic === undefined) continue
      if (generic.hierarchical) hierarchical.push(genericKind)
      validateInheritance(node, generic, reporter)
      if (node.namespace !== "Internal") addUse(genericKind, kind)
      inheritFromInterface(node, generic)
    }
    if (hierarchical.length > 1) {
      reporter.report({ kind }, `inherits from more than one hierarchical generic (${hierarchical.join(", ")}).`,
        "Keep a single hierarchical generic in inherit_from.")
    }
    if (hierarchical.length === 1 && node.hierarchy === null) node.hierarchy = hierarchical[0] ?? null
  }
  for (const [name, generic] of branch.generics) generic.used_by = [...(usedBy.get(name) ?? [])].sort()
}

/** Resolves `hierarchy`, `parent` and `children` of hierarchical nodes. */
export const processHierarchy = (branch: WorkBranch, reporter: Reporter): void => {
  const known = (name: string) => branch.nodes.has(name) || branch.generics.has(name)
  for (const node of branch.nodes.values()) {
    const kind = kindOf(node)
    if (!truthy(node.hierarchy) && !truthy(node.parent) && !truthy(node.children)) continue
    if (!truthy(node.hierarchy)) {
      reporter.report({ kind }, "defines parent or children but belongs to no hierarchy.",
        "Inherit from a generic with `hierarchical: true` (or set `hierarchy:` to one).")
      continue
    }
    const hierarchy = node.hierarchy ?? ""
    if (!branch.generics.has(hierarchy)) {
      reporter.report({ kind }, `has hierarchy ${hierarchy}, which is not a generic.`,
        "Set `hierarchy:` to a generic with `hierarchical: true`.")
      continue
    }
    if (!node.inherit_from.includes(hierarchy)) node.inherit_from.push(hierarchy)
    if (node.parent === null) node.parent = hierarchy
    else if (node.parent !== "" && !known(node.parent)) {
      reporter.report({ kind }, `has parent ${node.parent}, which is neither a node nor a generic.`,
        "Set `parent:` to an existing kind of the same hierarchy, or to \"\" for a top-level kind.")
    }
    if (node.children === null) node.children = hierarchy
    else if (node.children !== "" && !known(node.children)) {
      reporter.report({ kind }, `has children ${node.children}, which is neither a node nor a generic.`,
        "Set `children:` to an existing kind of the same hierarchy, or to \"\" for a leaf kind.")
    }
  }
}

/** The generic attribute or relationship each inherited field of a node comes from (last generic wins). */
export const genericFieldsMap = (
  branch: WorkBranch,
  node: WorkKind
): Map<string, { generic: WorkKind; field: WorkAttribute | WorkRelationship }> => {
  const map = new Map<string, { generic: WorkKind; field: WorkAttribute | WorkRelationship }>()
  if (node.category !== "node") return map
  const attributes = new Set(node.attributes.map((a) => a.name))
  const relationships = new Set(node.relationships.map((r) => r.name))
  for (const genericKind of node.inherit_from) {
    const generic = branch.generics.get(genericKind)
    if (generic === undefined) continue
    for (const field of generic.attributes) if (attributes.has(field.name)) map.set(field.name, { generic, field })
    for (const field of generic.relationships) if (relationships.has(field.name)) map.set(field.name, { generic, field })
  }
  return map
}

/** Attributes take the node's branch support; relationships the stricter of their two ends. */
export const processBranchSupport = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    const fields = genericFieldsMap(branch, node)
    for (const attr of node.attributes) {
      const source = attr.inherited ? fields.get(attr.name) : undefined
      if (source !== undefined && attr.branch === source.generic.branch && attr.branch === source.field.branch &&
        attr.branch !== node.branch) {
        attr.branch = node.branch
      }
      if (attr.branch === null) attr.branch = node.branch
    }
    for (const rel of node.relationships) {
      if (!rel.inherited && rel.branch !== null) continue
      let needsUpdate = rel.branch === null
      const source = rel.inherited ? fields.get(rel.name) : undefined
      if (!needsUpdate && source !== undefined && rel.branch === source.generic.branch &&
        rel.branch === source.field.branch && rel.branch !== node.branch) {
        needsUpdate = true
      }
      if (!needsUpdate) continue
      const peer = branch.get(rel.peer)
      const peerBranch: BranchSupport = peer?.branch ?? "aware"
      rel.branch = node.branch === peerBranch
        ? node.branch
        : node.branch === "local" || peerBranch === "local" ? "local" : "aware"
    }
  }
}

const hierarchyParent = (peer: string, hierarchical: string | null, readOnly: boolean, optional: boolean): WorkRelationship =>
  newRelationship({
    name: "parent", identifier: PARENT_CHILD_IDENTIFIER, peer, kind: "Hierarchy", cardinality: "one",
    min_count: optional ? 0 : 1, max_count: 1, branch: "aware", direction: "outbound", hierarchical,
    read_only: readOnly, optional
  })

const hierarchyChildren = (peer: string, hierarchical: string | null, readOnly: boolean): WorkRelationship =>
  newRelationship({
    name: "children", identifier: PARENT_CHILD_IDENTIFIER, peer, kind: "Hierarchy", cardinality: "many",
    branch: "aware", direction: "inbound", hierarchical, read_only: readOnly
  })

/** Hierarchical generics get `parent` and `children` pointing to themselves. */
export const addHierarchyGeneric = (branch: WorkBranch): void => {
  for (const [name, generic] of branch.generics) {
    if (!generic.hierarchical) continue
    const readOnly = name === Kinds.IPPREFIX
    const names = relationshipNames(generic)
    if (!names.includes("parent")) generic.relationships.push(hierarchyParent(name, name, readOnly, true))
    if (!names.includes("children")) generic.relationships.push(hierarchyChildren(name, name, readOnly))
  }
}

/** Hierarchical nodes get `parent`/`children` pointing to their `parent`/`children` kinds. */
export const addHierarchyNode = (branch: WorkBranch): void => {
  for (const [name, node] of branch.nodes) {
    if (node.parent === null && node.children === null) continue
    const readOnly = node.inherit_from.includes(Kinds.IPPREFIX)
    if (node.parent !== null && node.parent !== "") {
      const existing = getRelationship(node, "parent")
      if (existing === undefined) {
        const optional = node.parent === name || branch.generics.has(node.parent)
        node.relationships.push(hierarchyParent(node.parent, node.hierarchy, readOnly, optional))
      } else if (existing.peer !== node.parent) {
        existing.peer = node.parent
      }
    }
    if (node.children !== null && node.children !== "") {
      const existing = getRelationship(node, "children")
      if (existing === undefined) node.relationships.push(hierarchyChildren(node.children, node.hierarchy, readOnly))
      else if (existing.peer !== node.children) existing.peer = node.children
    }
  }
}
