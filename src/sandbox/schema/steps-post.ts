/**
 * Infrahub's `SchemaBranch.process_post_validation()`: stale inherited fields, group relationships, order
 * weights, labels, Dropdown choices, `on_delete`, and the default human-friendly ID.
 */
import { getAttribute, getRelationship, relationshipNames, type WorkBranch } from "./branch.js"
import { COLOR_SELECTION, Kinds } from "./constants.js"
import { formatLabel } from "./labels.js"
import { kindOf, newRelationship, type WorkKind } from "./model.js"
import { isAttributePath, isRelationshipPath, parseSchemaPath } from "./paths.js"
import { genericFieldsMap } from "./steps-pre.js"

/** Inherited fields whose generic no longer has them are marked absent. */
export const cleanupInheritedElements = (branch: WorkBranch): void => {
  for (const node of branch.nodes.values()) {
    const generics = node.inherit_from.flatMap((g) => branch.generics.get(g) ?? [])
    for (const attribute of node.attributes) {
      if (!attribute.inherited) continue
      const found = generics.some((g) => {
        const source = getAttribute(g, attribute.name)
        return source !== undefined && source.state !== "absent"
      })
      if (!found) attribute.state = "absent"
    }
    for (const relationship of node.relationships) {
      if (!relationship.inherited) continue
      const found = generics.some((g) => {
        const source = getRelationship(g, relationship.name)
        return source !== undefined && source.state !== "absent"
      })
      if (!found) relationship.state = "absent"
    }
  }
}

/** Every kind except groups and lineage gets `member_of_groups` and `subscriber_of_groups`. */
export const addGroups = (branch: WorkBranch): void => {
  if (!branch.has(Kinds.GENERICGROUP)) return
  for (const schema of branch.all()) {
    const kind = kindOf(schema)
    if (schema.category === "node" && schema.inherit_from.includes(Kinds.GENERICGROUP)) continue
    if (kind === Kinds.GENERICGROUP || kind === Kinds.LINEAGEOWNER || kind === Kinds.LINEAGESOURCE) continue
    if (schema.namespace === "Internal") continue
    const names = relationshipNames(schema)
    if (!names.includes("member_of_groups")) {
      schema.relationships.push(newRelationship({
        name: "member_of_groups", identifier: "group_member", peer: Kinds.GENERICGROUP, kind: "Group",
        cardinality: "many", branch: "aware"
      }))
    }
    if (!names.includes("subscriber_of_groups")) {
      schema.relationships.push(newRelationship({
        name: "subscriber_of_groups", identifier: "group_subscriber", peer: Kinds.GENERICGROUP, kind: "Group",
        cardinality: "many", branch: "aware"
      }))
    }
  }
}

/** Fields without an order weight get 1000 × their position; inherited ones their generic's weight. */
export const generateWeight = (branch: WorkBranch): void => {
  const weigh = (node: WorkKind, fromGenerics: boolean) => {
    const items = [...node.attributes, ...node.relationships]
    if (items.every((item) => item.order_weight)) return
    const fields = fromGenerics ? genericFieldsMap(branch, node) : new Map()
    let current = 0
    for (const item of items) {
      current += 1000
      if (item.order_weight) continue
      if (item.inherited) {
        const source = fields.get(item.name)
        if (source !== undefined && source.field.order_weight) item.order_weight = source.field.order_weight
      }
      if (!item.order_weight) item.order_weight = current
    }
  }
  for (const generic of branch.generics.values()) weigh(generic, false)
  for (const node of [...branch.nodes.values(), ...branch.profiles.values()]) weigh(node, true)
}

export const processLabels = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    if (!node.label) node.label = formatLabel(node.name)
    for (const item of [...node.attributes, ...node.relationships]) {
      if (!item.label) item.label = formatLabel(item.name)
    }
  }
}

/** Choices are served sorted by name, descending; missing colours, labels and descriptions are filled in. */
export const processDropdowns = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const attribute of node.attributes) {
      if (attribute.kind !== "Dropdown" || attribute.choices === null || attribute.choices.length === 0) continue
      const sorted = [...attribute.choices].sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
      const defined = sorted.flatMap((c) => (c.color ? [c.color] : []))
      for (const choice of sorted) {
        if (!choice.color) {
          const color = COLOR_SELECTION.find((c) => !defined.includes(c)) ?? "#ff0000"
          defined.push(color)
          choice.color = color
        }
        if (!choice.label) choice.label = formatLabel(choice.name)
        if (!choice.description) choice.description = ""
      }
      attribute.choices = sorted
    }
  }
}

/** `on_delete` defaults to cascade for components, no-action otherwise. */
export const processRelationships = (branch: WorkBranch): void => {
  for (const node of branch.all()) {
    for (const rel of node.relationships) {
      if (rel.on_delete === null) rel.on_delete = rel.kind === "Component" ? "cascade" : "no-action"
    }
  }
}

/** A kind without an HFID takes its first unique attribute; the HFID also becomes a uniqueness constraint. */
export const processHumanFriendlyId = (branch: WorkBranch): void => {
  for (const name of [...branch.genericNamesWithoutTemplates, ...branch.nodeNames]) {
    const node = branch.get(name)
    if (node === undefined) continue
    if (node.human_friendly_id === null || node.human_friendly_id.length === 0) {
      const [unique] = node.attributes.filter((a) => a.unique)
      if (unique !== undefined) {
        node.human_friendly_id = [`${unique.name}__value`]
      } else {
        for (const group of node.uniqueness_constraints ?? []) {
          if (group.length !== 1 || group[0] === undefined) continue
          const parsed = parseSchemaPath(node, group[0], branch)
          if ("ok" in parsed && isAttributePath(parsed.ok) && parsed.ok.property === "value" && parsed.ok.attribute) {
            node.human_friendly_id = [`${parsed.ok.attribute.name}__value`]
            break
          }
        }
      }
    }
    if (node.human_friendly_id === null) continue
    const constraint = node.human_friendly_id.flatMap((path) => {
      const parsed = parseSchemaPath(node, path, branch)
      if ("error" in parsed) return []
      if (isAttributePath(parsed.ok)) return [path]
      return isRelationshipPath(parsed.ok) && parsed.ok.relationship ? [parsed.ok.relationship.name] : []
    })
    if (constraint.length === 0) continue
    const same = (group: ReadonlyArray<string>) =>
      group.length === constraint.length && group.every((path, i) => path === constraint[i])
    if (node.uniqueness_constraints !== null && node.uniqueness_constraints.length > 0) {
      if (!node.uniqueness_constraints.some(same)) node.uniqueness_constraints.push(constraint)
    } else {
      node.uniqueness_constraints = [constraint]
    }
  }
}
