import type { BaseKindSchema, SchemaRegistry } from "../schema/types.js"
import type { NodeRecord } from "../store/records.js"
import type { StoreView } from "../store/store.js"
import { entryOf, inheritFrom, schemaOf } from "./model.js"
import { parsePath, readPath } from "./paths.js"

/**
 * Grouped uniqueness as Infrahub's `NodeGroupedUniquenessConstraint` checks it: each constraint of
 * the kind (and of any parent generic that declares constraints, across all of its kinds) must not
 * match another node. The human-friendly id counts as a constraint of type HFID, which is how an
 * upsert recognises "this object already exists".
 */

export type ConstraintType = "HFID" | "SUBSET_OF_HFID" | "STANDARD"

export interface Violation {
  readonly fields: ReadonlyArray<string>
  readonly values: ReadonlyArray<unknown>
  readonly type: ConstraintType
  readonly nodeIds: ReadonlyArray<string>
}

/** Reads a schema path on the node being written (which is not in the store yet). */
export type CandidateReader = (path: string) => unknown

const fieldOf = (path: string): string => path.split("__")[0] ?? path

const constraintsOf = (schema: BaseKindSchema): ReadonlyArray<ReadonlyArray<string>> => {
  const result: Array<ReadonlyArray<string>> = [...(schema.uniqueness_constraints ?? [])]
  const covered = (fields: ReadonlyArray<string>) =>
    result.some((existing) => {
      const names = new Set(existing.map(fieldOf))
      return names.size === fields.length && fields.every((field) => names.has(field))
    })
  for (const attribute of schema.attributes) {
    if (attribute.unique && !covered([attribute.name])) result.push([`${attribute.name}__value`])
  }
  const hfid = schema.human_friendly_id ?? []
  if (hfid.length > 0 && !covered(hfid.map(fieldOf))) result.push(hfid)
  return result
}

const typeOf = (schema: BaseKindSchema, paths: ReadonlyArray<string>): ConstraintType => {
  const hfid = new Set((schema.human_friendly_id ?? []).map(fieldOf))
  if (hfid.size === 0) return "STANDARD"
  const fields = new Set(paths.map(fieldOf))
  const subset = [...fields].every((field) => hfid.has(field))
  if (subset && fields.size === hfid.size) return "HFID"
  return subset ? "SUBSET_OF_HFID" : "STANDARD"
}

/** Relationship components compare by peer id, attribute components by value; nulls compare equal. */
const componentPath = (registry: SchemaRegistry, schema: BaseKindSchema, path: string): string => {
  const target = parsePath(registry, schema, path)
  return target?.type === "relationship" && target.attribute === undefined ? target.relationship.name : path
}

const frozen = (schema: BaseKindSchema): ReadonlySet<string> =>
  new Set((schema.uniqueness_constraints ?? []).map((constraint) => [...constraint].sort().join("|")))

/**
 * The nodes that could match a constraint: those sharing the value of one of its own attributes (an
 * index look-up), else those linked to the same peer; only a constraint made of peer attributes alone
 * needs every node of the kinds. Each candidate is then compared on every component.
 */
const candidatesFor = (
  registry: SchemaRegistry,
  view: StoreView,
  scope: BaseKindSchema,
  kinds: ReadonlyArray<string>,
  components: ReadonlyArray<string>,
  values: ReadonlyArray<unknown>
): ReadonlyArray<NodeRecord> => {
  for (const [index, path] of components.entries()) {
    const target = parsePath(registry, scope, path)
    if (target?.type === "attribute" && target.property === "value") {
      return view.nodesWithValue(kinds, target.attribute.name, values[index])
    }
  }
  for (const [index, path] of components.entries()) {
    const target = parsePath(registry, scope, path)
    const peerId = values[index]
    if (target?.type === "relationship" && target.attribute === undefined && typeof peerId === "string") {
      const wanted = new Set(kinds)
      const linked = new Map<string, NodeRecord>()
      for (const edge of view.edgesOf(peerId)) {
        const node = view.getNode(edge.a === peerId ? edge.b : edge.a)
        if (node !== undefined && wanted.has(node.kind)) linked.set(node.id, node)
      }
      return [...linked.values()]
    }
  }
  return view.nodesOfKinds(kinds)
}

export const findViolations = (
  registry: SchemaRegistry,
  view: StoreView,
  schema: BaseKindSchema,
  candidate: { readonly id: string; readonly read: CandidateReader },
  /** The fields being written (updates); undefined checks every constraint (creates). */
  fields: ReadonlySet<string> | undefined
): ReadonlyArray<Violation> => {
  const scopes: Array<BaseKindSchema> = []
  let includeOwn = true
  const own = frozen(schema)
  for (const parentName of inheritFrom(entryOf(registry, schema.kind))) {
    const parent = schemaOf(registry, parentName)
    if (parent === undefined || (parent.uniqueness_constraints ?? []).length === 0) continue
    scopes.push(parent)
    const parentSet = frozen(parent)
    if ([...own].every((constraint) => parentSet.has(constraint))) includeOwn = false
  }
  if (includeOwn) scopes.push(schema)

  const violations: Array<Violation> = []
  for (const scope of scopes) {
    const filter = fields === undefined
      ? undefined
      : new Set([...fields, ...scope.attributes.filter((attribute) => attribute.unique && attribute.optional).map((attribute) => attribute.name)])
    const kinds = registry.concreteKindsOf(scope.kind)
    for (const paths of constraintsOf(scope)) {
      const names = paths.map(fieldOf)
      if (filter !== undefined && !names.some((name) => filter.has(name))) continue
      const components = paths.map((path) => componentPath(registry, scope, path))
      const values = components.map((path) => candidate.read(path) ?? null)
      const others = candidatesFor(registry, view, scope, kinds, components, values).filter((node) => node.id !== candidate.id)
      const matching = others.filter((other) =>
        components.every(
          (path, index) => JSON.stringify(readPath(registry, view, other, path) ?? null) === JSON.stringify(values[index])
        )
      )
      if (matching.length > 0) {
        violations.push({ fields: names, values, type: typeOf(scope, paths), nodeIds: matching.map((node) => node.id) })
      }
    }
  }
  return violations
}

export type UniquenessOutcome =
  | { readonly type: "ok" }
  | { readonly type: "violation"; readonly violation: Violation }
  | { readonly type: "hfid"; readonly violation: Violation }

/**
 * Picks the violation Infrahub reports: other violations first, except those implied by an HFID
 * match (subsets of the HFID, or the same single node), which an upsert turns into an update.
 */
export const judge = (violations: ReadonlyArray<Violation>): UniquenessOutcome => {
  const hfid = violations.find((violation) => violation.type === "HFID")
  for (const violation of violations) {
    if (violation.type === "HFID") continue
    if (hfid !== undefined) {
      if (violation.type === "SUBSET_OF_HFID") continue
      if (violation.nodeIds.length === 1 && violation.nodeIds[0] === hfid.nodeIds[0]) continue
    }
    return { type: "violation", violation }
  }
  return hfid === undefined ? { type: "ok" } : { type: "hfid", violation: hfid }
}
