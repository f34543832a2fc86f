/**
 * Infrahub's `SchemaBranch.process_validate()`: every check, in Infrahub's order, reporting every problem
 * instead of stopping at the first. Two checks also edit the schema, as in Infrahub:
 * `sync_uniqueness_constraints_and_unique_attributes` and `validate_display_labels`.
 */
import {
  attributeNames, getAttribute, getRelationship, relationshipNames, type Reporter, type WorkBranch
} from "./branch.js"
import { RESERVED_ATTR_GEN_NAMES, RESERVED_ATTR_REL_NAMES } from "./constants.js"
import { kindOf, type WorkAttribute, type WorkKind, type WorkRelationship } from "./model.js"
import {
  isAttributePath, isRelationshipPath, isTemplate, parseSchemaPath, PathType, templateVariables, validateSchemaPath
} from "./paths.js"

const COMPUTED_ATTRIBUTE_KINDS = ["Text", "URL"]

const nodesAndGenerics = (branch: WorkBranch): Array<WorkKind> =>
  [...branch.genericNamesWithoutTemplates, ...branch.nodeNames].flatMap((name) => branch.get(name) ?? [])

const PATH_HINT = "Paths are attribute paths like name__value, or go through a relationship like device__name__value."

const checkPath = (
  branch: WorkBranch, reporter: Reporter, node: WorkKind, element: string, path: string, allowed: number
): ReturnType<typeof validateSchemaPath> => {
  const result = validateSchemaPath(node, path, allowed, branch)
  if ("error" in result) {
    reporter.report({ kind: kindOf(node) }, `${element} "${path}" does not resolve: ${result.error}.`, `Fix or remove that path. ${PATH_HINT}`)
  }
  return result
}

export const validateNames = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    const kind = kindOf(node)
    const names = [...attributeNames(node), ...relationshipNames(node)]
    const duplicates = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))]
    if (duplicates.length > 0) {
      reporter.report({ kind }, `has more than one attribute or relationship named ${duplicates.map((d) => `"${d}"`).join(", ")}.`,
        "Names of attributes and relationships must be unique within a kind (inherited ones included); rename or remove the duplicate.")
    }
    const isGeneric = node.category === "generic"
    for (const item of [...node.attributes, ...node.relationships]) {
      if (RESERVED_ATTR_REL_NAMES.has(item.name) || (isGeneric && RESERVED_ATTR_GEN_NAMES.has(item.name))) {
        const what = "peer" in item ? "relationship" : "attribute"
        reporter.report({ kind, field: item.name }, `"${item.name}" isn't allowed as ${what === "attribute" ? "an attribute" : "a relationship"} name (reserved by Infrahub).`,
          `Rename it; reserved names are ${[...RESERVED_ATTR_REL_NAMES].join(", ")}${isGeneric ? ", and type on generics" : ""}.`)
      }
    }
  }
}

/** The parts of `validate_kinds` not already checked when files were merged: `common_parent`, `common_relatives`. */
export const validateKinds = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.nodes.values()) {
    const kind = kindOf(node)
    for (const rel of node.relationships) {
      const peer = branch.get(rel.peer)
      if (peer === undefined) continue
      if (rel.common_parent !== null) {
        const parent = getRelationship(peer, rel.common_parent)
        if (!node.relationships.some((r) => r.kind === "Parent")) {
          reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" defines common_parent but ${kind} has no relationship of kind Parent.`, "Remove common_parent or give the node a Parent relationship.")
        } else if (parent === undefined) {
          reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" defines common_parent "${rel.common_parent}", which ${rel.peer} does not have.`, `Name a relationship of ${rel.peer}.`)
        } else if (parent.kind !== "Parent") {
          reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" defines common_parent "${rel.common_parent}", which is not of kind Parent on ${rel.peer}.`, "Name a Parent relationship of the peer.")
        }
      }
      for (const relative of rel.common_relatives ?? []) {
        if (!relationshipNames(peer).includes(relative)) {
          reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" sets common_relatives "${relative}", which ${rel.peer} does not have.`, `Name relationships of ${rel.peer}.`)
        }
      }
    }
  }
}

export const validateComputedAttributes = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.nodes.values()) {
    const kind = kindOf(node)
    for (const attribute of node.attributes) {
      const computed = attribute.computed_attribute
      if (computed === null || computed.kind === "User") continue
      const at = { kind, field: attribute.name }
      if (!attribute.read_only) {
        reporter.report(at, `attribute "${attribute.name}" is a computed attribute but not marked as read_only.`, "Add `read_only: true` to it.")
      }
      if (!COMPUTED_ATTRIBUTE_KINDS.includes(attribute.kind)) {
        reporter.report(at, `attribute "${attribute.name}" is a computed attribute of kind ${attribute.kind}; only Text and URL can be computed.`, "Change its kind to Text or URL.")
      }
      if (computed.kind === "Jinja2") {
        if (computed.jinja2_template === null || computed.jinja2_template === "") {
          reporter.report(at, `attribute "${attribute.name}" is a computed jinja2 attribute but no logic is defined.`, "Set computed_attribute.jinja2_template.")
          continue
        }
        for (const variable of templateVariables(computed.jinja2_template)) {
          const allowed = PathType.ATTR_WITH_PROP | PathType.REL_ONE_MANDATORY_ATTR_WITH_PROP | PathType.REL_ONE_ATTR_WITH_PROP
          const result = validateSchemaPath(node, variable, allowed, branch)
          if ("error" in result) {
            reporter.report(at, `attribute "${attribute.name}": the '${variable}' variable is not found within the schema path (${result.error}).`, `Use variables that are paths of ${kind}. ${PATH_HINT}`)
          } else if (isAttributePath(result.ok) && result.ok.attribute?.name === attribute.name) {
            reporter.report(at, `attribute "${attribute.name}": the '${variable}' variable is a reference to itself.`, "A computed attribute cannot use its own value.")
          }
        }
      } else if (computed.kind === "TransformPython" && !attribute.optional) {
        reporter.report(at, `attribute "${attribute.name}" is a computed transform, it can't be mandatory.`, "Add `optional: true` to it.")
      }
    }
  }
}

export const validateAttributeParameters = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.nodes.values()) {
    for (const attribute of node.attributes) {
      if (attribute.kind !== "NumberPool") continue
      const at = { kind: kindOf(node), field: attribute.name }
      if (attribute.optional) reporter.report(at, `attribute "${attribute.name}" is a NumberPool, it can't be optional.`, "Remove `optional: true`.")
      if (!attribute.read_only) reporter.report(at, `attribute "${attribute.name}" is a NumberPool, it has to be a read_only attribute.`, "Add `read_only: true`.")
    }
  }
}

const isInteger = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value)

/** Why `value` is not acceptable for `attribute` (Infrahub's `validate_format`/`validate_content`), or undefined. */
const defaultValueProblem = (attribute: WorkAttribute, value: unknown): string | undefined => {
  const show = JSON.stringify(value)
  switch (attribute.kind) {
    case "Number": case "NumberPool": case "Bandwidth":
      return isInteger(value) ? undefined : `${show} is not a valid ${attribute.kind}`
    case "Boolean": case "Checkbox":
      return typeof value === "boolean" ? undefined : `${show} is not a valid ${attribute.kind}`
    case "Any":
      return undefined
    case "List":
      return Array.isArray(value) ? undefined : `${show} is not a valid List`
    case "JSON":
      return typeof value === "object" && value !== null ? undefined : `${show} is not valid JSON`
    default:
      break
  }
  if (typeof value !== "string") return `${show} is not a valid ${attribute.kind}`
  if (attribute.kind === "Dropdown") {
    const names = (attribute.choices ?? []).map((c) => c.name)
    return names.includes(value) ? undefined : `${value} must be one of '${[...names].sort().join(", ")}'`
  }
  if (attribute.kind === "DateTime" && Number.isNaN(Date.parse(value))) return `${value} is not a valid DateTime`
  if (attribute.kind === "URL" && !URL.canParse(value)) return `${value} is not a valid URL`
  if (attribute.regex !== null && !new RegExp(attribute.regex).test(value)) return `${value} must conform with the regex: '${attribute.regex}'`
  if (attribute.min_length !== null && value.length < attribute.min_length) return `${value} must have a minimum length of ${attribute.min_length}`
  if (attribute.max_length !== null && value.length > attribute.max_length) return `${value} must have a maximum length of ${attribute.max_length}`
  if (attribute.enum !== null && !attribute.enum.includes(value)) return `${value} must be one of ${JSON.stringify(attribute.enum)}`
  return undefined
}

export const validateDefaultValues = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of nodesAndGenerics(branch)) {
    for (const attribute of node.attributes) {
      if (attribute.inherited || attribute.default_value === null || attribute.default_value === undefined) continue
      const problem = defaultValueProblem(attribute, attribute.default_value)
      if (problem !== undefined) {
        reporter.report({ kind: kindOf(node), field: attribute.name }, `attribute "${attribute.name}" has an invalid default value: ${problem}.`,
          attribute.kind === "Dropdown" ? "Use the name of one of its choices as default_value." : `Use a default_value valid for a ${attribute.kind}, or remove it.`)
      }
    }
  }
}

export const validateCountAgainstCardinality = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    for (const rel of node.relationships) {
      const at = { kind: kindOf(node), field: rel.name }
      if (rel.cardinality === "one") {
        if (!rel.optional && (rel.min_count !== 1 || rel.max_count !== 1)) {
          reporter.report(at, `relationship "${rel.name}" is defined as cardinality one but min_count or max_count are not 1.`, "Remove min_count/max_count or set both to 1.")
        }
      } else {
        if (rel.max_count !== 0 && rel.min_count > rel.max_count) {
          reporter.report(at, `relationship "${rel.name}" has a min_count greater than its max_count.`, "Make min_count lower than max_count (0 means no maximum).")
        }
        if (rel.max_count === 1) {
          reporter.report(at, `relationship "${rel.name}" has max_count 1 but cardinality many.`, "Use cardinality one, or a max_count of 0 or greater than 1.")
        }
      }
    }
  }
}

export const validateIdentifiers = (branch: WorkBranch, reporter: Reporter): void => {
  const perIdentifier = new Map<string, Map<string, Array<WorkRelationship>>>()
  for (const name of branch.allNames) {
    for (const rel of branch.get(name)?.relationships ?? []) {
      const identifier = rel.identifier ?? ""
      const perKind = perIdentifier.get(identifier) ?? new Map<string, Array<WorkRelationship>>()
      perKind.set(name, [...(perKind.get(name) ?? []), rel])
      perIdentifier.set(identifier, perKind)
    }
  }
  const fix = "Give the relationships distinct `identifier`s, or make the two ends agree (one outbound and one inbound, or both bidirectional)."
  for (const [identifier, perKind] of perIdentifier) {
    for (const [kind, rels] of perKind) {
      const directions = rels.map((r) => r.direction).sort()
      if (!(rels.length === 1 || (rels.length === 2 && directions[0] === "inbound" && directions[1] === "outbound"))) {
        reporter.report({ kind }, `relationships ${rels.map((r) => `"${r.name}" (${r.direction})`).join(", ")} share the identifier "${identifier}"; identifiers must be unique for a given direction.`, fix)
        continue
      }
      if (perKind.size === 1) continue
      if (rels.length === 2) {
        for (const rel of rels) {
          const peerRels = perKind.get(rel.peer)
          if (peerRels?.length === 1 && peerRels[0]?.direction === "bidirectional") {
            reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" ("${identifier}") is directional but its reverse on ${rel.peer} is bidirectional.`, fix)
          }
        }
      } else if (rels.length === 1) {
        const rel = rels[0]
        const peerRels = rel === undefined ? undefined : perKind.get(rel.peer)
        const peerDirection = peerRels?.length === 1 ? peerRels[0]?.direction : undefined
        if (rel !== undefined && peerDirection !== undefined) {
          const pair = [peerDirection, rel.direction].sort().join(",")
          if (pair !== "bidirectional,bidirectional" && pair !== "inbound,outbound") {
            reporter.report({ kind, field: rel.name }, `relationship "${rel.name}" ("${identifier}") is ${rel.direction} but its reverse on ${rel.peer} is ${peerDirection}.`, fix)
          }
        }
      }
    }
  }
}

/**
 * Infrahub's strict-mode rule (on by default, `INFRAHUB_SCHEMA_STRICT_MODE`; reported for existing schemas by
 * migration 074 `check_optional_hfid_uniqueness`): an attribute named in `human_friendly_id` or
 * `uniqueness_constraints` must be mandatory or have a `default_value`, or objects could lack their identity.
 */
export const validateOptionalIdentityAttributes = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of nodesAndGenerics(branch)) {
    const named = new Set([
      ...(node.human_friendly_id ?? []).map((path) => path.split("__")[0] ?? path),
      ...(node.uniqueness_constraints ?? []).flat().map((path) => path.split("__")[0] ?? path)
    ])
    for (const attribute of node.attributes) {
      if (!named.has(attribute.name) || !attribute.optional || attribute.default_value !== null) continue
      reporter.report(
        { kind: kindOf(node), field: attribute.name },
        `attribute '${attribute.name}' of '${kindOf(node)}' is optional with no default_value but is referenced in human_friendly_id or uniqueness_constraints.`,
        "Make it mandatory (optional: false) or give it a default_value: Infrahub 1.10 refuses this in its default strict mode."
      )
    }
  }
}

export const syncUniquenessConstraintsAndUniqueAttributes = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of nodesAndGenerics(branch)) {
    const unique = node.attributes.filter((a) => a.unique)
    if (unique.length === 0 && (node.uniqueness_constraints ?? []).length === 0) continue
    const inConstraints = new Set<string>()
    for (const group of node.uniqueness_constraints ?? []) {
      if (group.length !== 1 || group[0] === undefined) continue
      const parsed = parseSchemaPath(node, group[0], branch)
      if ("error" in parsed) {
        reporter.report({ kind: kindOf(node) }, `uniqueness constraint "${group[0]}" is not found within the node (${parsed.error}).`, `Fix or remove that constraint. ${PATH_HINT}`)
        continue
      }
      if (isAttributePath(parsed.ok) && parsed.ok.property === "value" && parsed.ok.attribute !== undefined) {
        inConstraints.add(parsed.ok.attribute.name)
      }
    }
    const inAttributes = new Set(unique.filter((a) => !a.inherited).map((a) => a.name))
    const toMakeUnique = [...inConstraints].filter((name) => !inAttributes.has(name))
    const toConstrain = [...inAttributes].filter((name) => !inConstraints.has(name))
    for (const name of toMakeUnique) {
      const attribute = getAttribute(node, name)
      if (attribute !== undefined) attribute.unique = true
    }
    if (toConstrain.length > 0) {
      node.uniqueness_constraints = [
        ...(node.uniqueness_constraints ?? []),
        ...toConstrain.map((name) => `${name}__value`).sort().map((path) => [path])
      ]
    }
  }
}

export const validateUniquenessConstraints = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    for (const group of node.uniqueness_constraints ?? []) {
      for (const path of group) {
        checkPath(branch, reporter, node, "uniqueness_constraints path", path,
          PathType.ATTR_WITH_PROP | PathType.REL_ONE_MANDATORY_NO_ATTR)
      }
    }
  }
}

export const validateDisplayLabels = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    if (node.display_labels !== null && node.display_labels.length > 0) {
      for (const path of node.display_labels) checkPath(branch, reporter, node, "display_labels path", path, PathType.ATTR)
    } else if (node.category === "node") {
      const fromGenerics = node.inherit_from.flatMap((g) => {
        const labels = branch.generics.get(g)?.display_labels
        return labels !== null && labels !== undefined && labels.length > 0 ? [labels] : []
      })
      if (fromGenerics.length === 1 && fromGenerics[0] !== undefined) node.display_labels = [...fromGenerics[0]]
    }
    // Infrahub >= 1.5: a Jinja2 template, or a single path.
    if (node.display_label !== null && node.display_label !== "") {
      const paths = isTemplate(node.display_label) ? templateVariables(node.display_label) : [node.display_label]
      for (const path of paths) {
        checkPath(branch, reporter, node, "display_label variable", path, PathType.ATTR_WITH_PROP | PathType.REL_ONE_ATTR_WITH_PROP)
      }
    }
  }
}

export const validateOrderBy = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    for (const path of node.order_by ?? []) {
      checkPath(branch, reporter, node, "order_by path", path, PathType.ATTR_WITH_PROP | PathType.REL_ONE_ATTR_WITH_PROP)
    }
  }
}

export const validateDefaultFilters = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of branch.all()) {
    if (node.default_filter === null || node.default_filter === "") continue
    checkPath(branch, reporter, node, "default_filter", node.default_filter, PathType.ATTR)
  }
}

/** Kahn's algorithm, as `infrahub_sdk.topological_sort`; returns the kinds left in cycles. */
const kindsInCycles = (dependencies: Map<string, Set<string>>): Array<string> => {
  const remaining = new Map<string, Set<string>>()
  for (const [key, deps] of dependencies) {
    remaining.set(key, new Set(deps))
    for (const dep of deps) if (!dependencies.has(dep)) remaining.set(dep, new Set())
  }
  for (;;) {
    const free = [...remaining].filter(([, deps]) => deps.size === 0).map(([key]) => key)
    if (free.length === 0) return [...remaining.keys()]
    for (const key of free) remaining.delete(key)
    for (const deps of remaining.values()) for (const key of free) deps.delete(key)
    if (remaining.size === 0) return []
  }
}

export const validateParentComponent = (branch: WorkBranch, reporter: Reporter): void => {
  const dependencies = new Map<string, Set<string>>()
  const depend = (from: string, to: string) => dependencies.set(from, (dependencies.get(from) ?? new Set()).add(to))
  for (const node of nodesAndGenerics(branch)) {
    const kind = kindOf(node)
    const parents: Array<WorkRelationship> = []
    let components = 0
    for (const rel of node.relationships) {
      if (rel.kind === "Parent" && !rel.inherited) {
        parents.push(rel)
        depend(rel.peer, kind)
      } else if (rel.kind === "Component") {
        components++
        depend(kind, rel.peer)
      }
    }
    if (node.category === "node") {
      for (const genericKind of node.inherit_from) {
        const generic = branch.generics.get(genericKind)
        for (const rel of generic?.relationships ?? []) {
          if (rel.kind === "Parent") {
            depend(rel.peer, kind)
            parents.push(rel)
          } else if (rel.kind === "Component") {
            depend(kind, rel.peer)
          }
        }
      }
    }
    if (parents.length === 0 && components === 0) continue
    const [parent] = parents
    if (parents.length > 1) {
      reporter.report({ kind }, `has more than one relationship of kind Parent (${parents.map((p) => p.name).join(", ")}).`, "Only one relationship of kind Parent is allowed per kind; change the others to kind Attribute or Generic.")
    } else if (parent !== undefined) {
      if (parent.cardinality !== "one") {
        reporter.report({ kind, field: parent.name }, `relationship "${parent.name}" is of kind Parent but cardinality many.`, "A Parent relationship must have cardinality one.")
      }
      if (parent.optional) {
        reporter.report({ kind, field: parent.name }, `relationship "${parent.name}" is of kind Parent but optional.`, "A Parent relationship must be mandatory: set `optional: false`.")
      }
    }
  }
  const cycle = kindsInCycles(dependencies)
  if (cycle.length > 0) {
    reporter.report({ kind: cycle[0] ?? "" }, `parent and component relationships form a cycle among ${cycle.join(", ")}.`, "Break the cycle: a kind cannot be, directly or not, a component of its own components.")
  }
}

/** Whether some combination of `paths` is unique on `peer` (`_is_attr_combination_unique`). */
const isCombinationUnique = (paths: ReadonlyArray<string>, peer: WorkKind): boolean => {
  const unique = peer.attributes.filter((a) => a.unique).map((a) => a.name)
  if (paths.some((path) => unique.some((name) => path.startsWith(name)))) return true
  const groups = (peer.uniqueness_constraints ?? []).map((g) => new Set(g))
  const subsets = (items: ReadonlyArray<string>): Array<Array<string>> =>
    items.reduce<Array<Array<string>>>((acc, item) => [...acc, ...acc.map((s) => [...s, item])], [[]]).slice(1)
  return subsets(paths).some((combo) => groups.some((g) => g.size === combo.length && combo.every((c) => g.has(c))))
}

export const validateHumanFriendlyId = (branch: WorkBranch, reporter: Reporter): void => {
  for (const node of nodesAndGenerics(branch)) {
    if (node.human_friendly_id === null || node.human_friendly_id.length === 0) continue
    const throughRelationships = new Map<string, { peer: WorkKind; paths: Array<string> }>()
    for (const path of node.human_friendly_id) {
      const result = checkPath(branch, reporter, node, "human_friendly_id path", path,
        PathType.ATTR_WITH_PROP | PathType.REL_ONE_MANDATORY_ATTR)
      if ("error" in result || !isRelationshipPath(result.ok)) continue
      const { relationship, related, attribute, property } = result.ok
      if (relationship === undefined || related === undefined || attribute === undefined) continue
      const entry = throughRelationships.get(relationship.identifier ?? relationship.name) ?? { peer: related, paths: [] }
      entry.paths.push(`${attribute.name}__${property ?? ""}`)
      throughRelationships.set(relationship.identifier ?? relationship.name, entry)
    }
    // Infrahub's default `schema_strict_mode`: an HFID through a relationship must identify the peer uniquely.
    for (const { peer, paths } of throughRelationships.values()) {
      if (!isCombinationUnique(paths, peer)) {
        reporter.report({ kind: kindOf(node) }, `human_friendly_id refers to peer ${kindOf(peer)} with a non-unique combination of attributes ${JSON.stringify(paths)}.`,
          `Use attributes that are unique on ${kindOf(peer)} (unique: true, or a uniqueness constraint).`)
      }
    }
  }
}

export const validateRequiredRelationships = (branch: WorkBranch, reporter: Reporter): void => {
  const reverse = new Map<string, Set<string>>()
  for (const name of [...branch.nodeNames, ...branch.genericNamesWithoutTemplates]) {
    const node = branch.get(name)
    if (node === undefined) continue
    for (const rel of node.relationships) {
      if (rel.optional) continue
      if (reverse.get(name)?.has(rel.peer) === true) {
        reporter.report({ kind: name, field: rel.name }, `'${name}' and '${rel.peer}' cannot both have required relationships to one another.`,
          `Make "${rel.name}" (or the reverse relationship on ${rel.peer}) optional.`)
      }
      reverse.set(rel.peer, (reverse.get(rel.peer) ?? new Set()).add(name))
    }
  }
}

/** `process_validate()`, in Infrahub's order. */
export const processValidate = (branch: WorkBranch, reporter: Reporter): void => {
  validateNames(branch, reporter)
  validateKinds(branch, reporter)
  validateComputedAttributes(branch, reporter)
  validateAttributeParameters(branch, reporter)
  validateDefaultValues(branch, reporter)
  validateCountAgainstCardinality(branch, reporter)
  validateIdentifiers(branch, reporter)
  validateOptionalIdentityAttributes(branch, reporter)
  syncUniquenessConstraintsAndUniqueAttributes(branch, reporter)
  validateUniquenessConstraints(branch, reporter)
  validateDisplayLabels(branch, reporter)
  validateOrderBy(branch, reporter)
  validateDefaultFilters(branch, reporter)
  validateParentComponent(branch, reporter)
  validateHumanFriendlyId(branch, reporter)
  validateRequiredRelationships(branch, reporter)
}
