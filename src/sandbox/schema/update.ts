/**
 * A kind defined again by a later schema document updates the first definition, as Infrahub's
 * `SchemaBranch.load_schema` does with `HashableModel.update`: every field the new definition gives a value
 * (anything but null) replaces the old one; lists of named items (attributes, relationships, Dropdown
 * choices) merge by name, an item in both is updated the same way and an item marked `state: absent`
 * is dropped; any other list is replaced; a nested object (computed_attribute) is only filled in when missing.
 * schema-library relies on it: base/ipam.yml declares the `IpamVLANGroupScope` stub that extensions/vlan
 * completes, and extensions/location_minimal and extensions/location_site both define `LocationSite`.
 */
import type { WorkAttribute, WorkKind, WorkRelationship } from "./model.js"

type Item = Record<string, unknown> & { name: string; state?: string }

/** Lists Infrahub merges item by item (`_sort_by = ["name"]` models). */
const NAMED_LISTS = new Set(["attributes", "relationships", "choices"])

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const isScalar = (value: unknown): boolean => ["string", "number", "boolean"].includes(typeof value)

/** `update_list_hashable_model`: the old-only items, then the new-only ones, then those in both (updated). */
const mergeNamed = (local: ReadonlyArray<Item>, other: ReadonlyArray<Item>): Array<Item> => {
  const otherByName = new Map(other.map((item) => [item.name, item]))
  const localNames = new Set(local.map((item) => item.name))
  const shared: Array<Item> = []
  for (const item of local) {
    const update = otherByName.get(item.name)
    if (update !== undefined && update.state !== "absent") shared.push(updateFields(item, update))
  }
  return [
    ...local.filter((item) => !otherByName.has(item.name)),
    ...other.filter((item) => !localNames.has(item.name) && item.state !== "absent"),
    ...shared
  ]
}

const updateFields = <T extends Record<string, unknown>>(local: T, other: Readonly<Record<string, unknown>>): T => {
  const target: Record<string, unknown> = local
  for (const [field, value] of Object.entries(other)) {
    const current = target[field]
    if (value === null || value === undefined || equal(current, value)) continue
    if (current === null || current === undefined || isScalar(value)) {
      target[field] = structuredClone(value)
    } else if (Array.isArray(current) && Array.isArray(value)) {
      target[field] = NAMED_LISTS.has(field)
        ? mergeNamed(current as Array<Item>, structuredClone(value) as Array<Item>)
        : structuredClone(value)
    }
  }
  return local
}

/** Applies a later definition of the same kind to the loaded one, in place. */
export const updateKind = (loaded: WorkKind, again: WorkKind): void => {
  updateFields(loaded as unknown as Record<string, unknown>, again as unknown as Record<string, unknown>)
}

/** Applies a node extension (`extensions: {nodes: [...]}`) to its kind, in place. */
export const updateMembers = (
  target: WorkKind,
  extension: { readonly attributes: ReadonlyArray<WorkAttribute>; readonly relationships: ReadonlyArray<WorkRelationship> }
): void => {
  updateFields(target as unknown as Record<string, unknown>, {
    attributes: structuredClone(extension.attributes),
    relationships: structuredClone(extension.relationships)
  })
}
