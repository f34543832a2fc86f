/**
 * The mutable working model the processing pipeline edits in place (Infrahub's pydantic schema objects),
 * and its conversion to and from the served, immutable shapes in `types.ts`.
 */
import type {
  AttributeKind, AttributeSchema, BranchSupport, Cardinality, Direction, DropdownChoice, GenericSchema, KindCategory,
  NodeSchema, ProfileSchema, RelationshipKind, RelationshipSchema, TemplateSchema
} from "./types.js"

export type State = "present" | "absent"
export type AllowOverride = "any" | "none"
export type OnDelete = "no-action" | "cascade"

export interface ComputedAttribute {
  kind: "Jinja2" | "TransformPython" | "User"
  jinja2_template: string | null
  transform: string | null
}

export interface WorkChoice {
  id: string | null
  state: State
  name: string
  description: string | null
  color: string | null
  label: string | null
}

export interface WorkAttribute {
  id: string | null
  state: State
  name: string
  kind: AttributeKind
  enum: Array<unknown> | null
  computed_attribute: ComputedAttribute | null
  choices: Array<WorkChoice> | null
  regex: string | null
  max_length: number | null
  min_length: number | null
  label: string | null
  description: string | null
  read_only: boolean
  unique: boolean
  optional: boolean
  branch: BranchSupport | null
  order_weight: number | null
  default_value: unknown
  inherited: boolean
  allow_override: AllowOverride
  deprecation: string | null
  parameters: Record<string, unknown> | null
}

export interface WorkRelationship {
  id: string | null
  state: State
  name: string
  peer: string
  kind: RelationshipKind
  label: string | null
  description: string | null
  identifier: string | null
  cardinality: Cardinality
  min_count: number
  max_count: number
  order_weight: number | null
  optional: boolean
  branch: BranchSupport | null
  inherited: boolean
  direction: Direction
  hierarchical: string | null
  on_delete: OnDelete | null
  allow_override: AllowOverride
  read_only: boolean
  deprecation: string | null
  /** Accepted in schema files like Infrahub does; not part of the served dump this sandbox mirrors. */
  common_parent: string | null
  common_relatives: Array<string> | null
}

/** One kind of any category; fields a category does not serve are ignored when it is serialised. */
export interface WorkKind {
  category: KindCategory
  id: string | null
  state: State
  name: string
  namespace: string
  description: string | null
  label: string | null
  branch: BranchSupport
  default_filter: string | null
  human_friendly_id: Array<string> | null
  display_labels: Array<string> | null
  display_label: string | null
  include_in_menu: boolean | null
  menu_placement: string | null
  icon: string | null
  order_by: Array<string> | null
  uniqueness_constraints: Array<Array<string>> | null
  documentation: string | null
  attributes: Array<WorkAttribute>
  relationships: Array<WorkRelationship>
  inherit_from: Array<string>
  generate_profile: boolean
  generate_template: boolean
  hierarchy: string | null
  parent: string | null
  children: string | null
  hierarchical: boolean
  used_by: Array<string>
}

/** `BaseNodeSchema.kind`. */
export const kindOf = (schema: { readonly namespace: string; readonly name: string }): string =>
  schema.namespace === "Attribute" ? schema.name : schema.namespace + schema.name

export const newAttribute = (fields: Pick<WorkAttribute, "name" | "kind"> & Partial<WorkAttribute>): WorkAttribute => ({
  id: null, state: "present", enum: null, computed_attribute: null, choices: null, regex: null, max_length: null,
  min_length: null, label: null, description: null, read_only: false, unique: false, optional: false, branch: null,
  order_weight: null, default_value: null, inherited: false, allow_override: "any", deprecation: null, parameters: null,
  ...fields
})

export const newRelationship = (
  fields: Pick<WorkRelationship, "name" | "peer"> & Partial<WorkRelationship>
): WorkRelationship => ({
  id: null, state: "present", kind: "Generic", label: null, description: null, identifier: null, cardinality: "many",
  min_count: 0, max_count: 0, order_weight: null, optional: true, branch: null, inherited: false,
  direction: "bidirectional", hierarchical: null, on_delete: null, allow_override: "any", read_only: false,
  deprecation: null, common_parent: null, common_relatives: null, ...fields
})

export const newKind = (
  fields: Pick<WorkKind, "category" | "name" | "namespace"> & Partial<WorkKind>
): WorkKind => ({
  id: null, state: "present", description: null, label: null, branch: "aware", default_filter: null,
  human_friendly_id: null, display_labels: null, display_label: null, include_in_menu: null, menu_placement: null,
  icon: null, order_by: null, uniqueness_constraints: null, documentation: null, attributes: [], relationships: [],
  inherit_from: [], generate_profile: true, generate_template: false, hierarchy: null, parent: null, children: null,
  hierarchical: false, used_by: [], ...fields
})

export const cloneKind = (kind: WorkKind): WorkKind => structuredClone(kind)
export const cloneAttribute = (attribute: WorkAttribute): WorkAttribute => structuredClone(attribute)
export const cloneRelationship = (relationship: WorkRelationship): WorkRelationship => structuredClone(relationship)

// ---------------------------------------------------------------------------------------------------------------
// Served shapes, with the exact key order of a real `/api/schema` response.

const toChoice = (choice: WorkChoice): DropdownChoice => ({
  id: choice.id, state: choice.state, name: choice.name, description: choice.description, color: choice.color,
  label: choice.label
})

export const toAttributeSchema = (a: WorkAttribute): AttributeSchema => ({
  id: a.id, state: a.state, name: a.name, kind: a.kind, enum: a.enum, computed_attribute: a.computed_attribute,
  choices: a.choices === null ? null : a.choices.map(toChoice), regex: a.regex, max_length: a.max_length,
  min_length: a.min_length, label: a.label, description: a.description, read_only: a.read_only, unique: a.unique,
  optional: a.optional, branch: a.branch, order_weight: a.order_weight, default_value: a.default_value,
  inherited: a.inherited, allow_override: a.allow_override, deprecation: a.deprecation,
  ...(a.parameters === null ? {} : { parameters: a.parameters })
})

export const toRelationshipSchema = (r: WorkRelationship): RelationshipSchema => ({
  id: r.id, state: r.state, name: r.name, peer: r.peer, kind: r.kind, label: r.label, description: r.description,
  identifier: r.identifier, cardinality: r.cardinality, min_count: r.min_count, max_count: r.max_count,
  order_weight: r.order_weight, optional: r.optional, branch: r.branch, inherited: r.inherited,
  direction: r.direction, hierarchical: r.hierarchical, on_delete: r.on_delete, allow_override: r.allow_override,
  read_only: r.read_only, deprecation: r.deprecation
})

/** The fields every category serves before `attributes`, in dump order; `display_label` only when set (>= 1.5). */
const baseHead = (k: WorkKind) => ({
  id: k.id, state: k.state, name: k.name, namespace: k.namespace, description: k.description, label: k.label,
  branch: k.branch, default_filter: k.default_filter, human_friendly_id: k.human_friendly_id,
  display_labels: k.display_labels, ...(k.display_label === null ? {} : { display_label: k.display_label }),
  include_in_menu: k.include_in_menu, menu_placement: k.menu_placement, icon: k.icon, order_by: k.order_by,
  uniqueness_constraints: k.uniqueness_constraints, documentation: k.documentation,
  attributes: k.attributes.map(toAttributeSchema), relationships: k.relationships.map(toRelationshipSchema)
})

export const toNodeSchema = (k: WorkKind, hash: string): NodeSchema => ({
  ...baseHead(k), inherit_from: k.inherit_from, generate_profile: k.generate_profile,
  generate_template: k.generate_template, hierarchy: k.hierarchy, parent: k.parent, children: k.children,
  kind: kindOf(k), hash
})

export const toGenericSchema = (k: WorkKind, hash: string): GenericSchema => ({
  ...baseHead(k), hierarchical: k.hierarchical, generate_profile: k.generate_profile,
  generate_template: k.generate_template, used_by: k.used_by, kind: kindOf(k), hash
})

export const toProfileOrTemplateSchema = (k: WorkKind, hash: string): ProfileSchema | TemplateSchema => ({
  ...baseHead(k), inherit_from: k.inherit_from, kind: kindOf(k), hash
})

// ---------------------------------------------------------------------------------------------------------------
// Served shapes back to working ones (built-in kinds are stored already processed).

const fromChoice = (c: DropdownChoice): WorkChoice => ({ ...c })

export const fromAttributeSchema = (a: AttributeSchema): WorkAttribute => ({
  ...a,
  enum: a.enum === null ? null : [...a.enum],
  computed_attribute: a.computed_attribute === null || a.computed_attribute === undefined
    ? null
    : structuredClone(a.computed_attribute as ComputedAttribute),
  choices: a.choices === null ? null : a.choices.map(fromChoice),
  default_value: structuredClone(a.default_value),
  parameters: a.parameters === undefined ? null : structuredClone(a.parameters) as Record<string, unknown>
})

export const fromRelationshipSchema = (r: RelationshipSchema): WorkRelationship => ({
  ...r, common_parent: null, common_relatives: null
})

export const fromServedKind = (
  category: KindCategory,
  schema: NodeSchema | GenericSchema | ProfileSchema | TemplateSchema
): WorkKind => {
  const s = schema as Partial<NodeSchema> & Partial<GenericSchema> & ProfileSchema
  return newKind({
    category, id: s.id, state: s.state, name: s.name, namespace: s.namespace, description: s.description,
    label: s.label, branch: s.branch, default_filter: s.default_filter,
    human_friendly_id: s.human_friendly_id === null ? null : [...s.human_friendly_id],
    display_labels: s.display_labels === null ? null : [...s.display_labels],
    display_label: s.display_label ?? null, include_in_menu: s.include_in_menu, menu_placement: s.menu_placement,
    icon: s.icon, order_by: s.order_by === null ? null : [...s.order_by],
    uniqueness_constraints: s.uniqueness_constraints === null ? null : s.uniqueness_constraints.map((c) => [...c]),
    documentation: s.documentation,
    attributes: s.attributes.map(fromAttributeSchema),
    relationships: s.relationships.map(fromRelationshipSchema),
    inherit_from: [...(s.inherit_from ?? [])],
    generate_profile: s.generate_profile ?? true,
    generate_template: s.generate_template ?? false,
    hierarchy: s.hierarchy ?? null,
    parent: s.parent ?? null,
    children: s.children ?? null,
    hierarchical: s.hierarchical ?? false,
    used_by: [...(s.used_by ?? [])]
  })
}
