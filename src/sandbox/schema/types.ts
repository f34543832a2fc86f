/**
 * The processed schema as Infrahub's `GET /api/schema` serves it: every kind already carries its
 * inherited attributes and relationships, auto-generated relationships, identifiers and hashes.
 * Field names follow the real dump (`test/fixtures/infrahub/schema_05.json`) exactly, because
 * clients (the Python SDK, our own SchemaCatalog) parse them by name.
 */

export type AttributeKind =
  | "ID" | "Text" | "String" | "TextArea" | "DateTime" | "Number" | "Dropdown" | "Email" | "Password"
  | "HashedPassword" | "URL" | "File" | "MacAddress" | "Color" | "Bandwidth" | "IPHost" | "IPNetwork"
  | "Boolean" | "Checkbox" | "List" | "JSON" | "Any" | "NumberPool"

export type RelationshipKind =
  | "Generic" | "Attribute" | "Component" | "Parent" | "Group" | "Hierarchy" | "Profile" | "Template"

export type Cardinality = "one" | "many"
export type Direction = "bidirectional" | "outbound" | "inbound"
export type BranchSupport = "aware" | "agnostic" | "local"

export interface DropdownChoice {
  readonly id: string | null
  readonly state: "present" | "absent"
  readonly name: string
  readonly description: string | null
  readonly color: string | null
  readonly label: string | null
}

export interface AttributeSchema {
  readonly id: string | null
  readonly state: "present" | "absent"
  readonly name: string
  readonly kind: AttributeKind
  readonly enum: ReadonlyArray<unknown> | null
  readonly computed_attribute: unknown
  readonly choices: ReadonlyArray<DropdownChoice> | null
  readonly regex: string | null
  readonly max_length: number | null
  readonly min_length: number | null
  readonly label: string | null
  readonly description: string | null
  readonly read_only: boolean
  readonly unique: boolean
  readonly optional: boolean
  readonly branch: BranchSupport | null
  readonly order_weight: number | null
  readonly default_value: unknown
  readonly inherited: boolean
  readonly allow_override: "any" | "none"
  readonly deprecation: string | null
  /**
   * Kind-specific `parameters` (Infrahub >= 1.5: Text/TextArea regex and lengths, Number bounds, List regex);
   * served only when a schema file gives some, so the recorded built-in kinds keep their exact shape.
   */
  readonly parameters?: Readonly<Record<string, unknown>>
}

export interface RelationshipSchema {
  readonly id: string | null
  readonly state: "present" | "absent"
  readonly name: string
  readonly peer: string
  readonly kind: RelationshipKind
  readonly label: string | null
  readonly description: string | null
  readonly identifier: string | null
  readonly cardinality: Cardinality
  readonly min_count: number
  readonly max_count: number
  readonly order_weight: number | null
  readonly optional: boolean
  readonly branch: BranchSupport | null
  readonly inherited: boolean
  readonly direction: Direction
  readonly hierarchical: string | null
  readonly on_delete: "no-action" | "cascade" | null
  readonly allow_override: "any" | "none"
  readonly read_only: boolean
  readonly deprecation: string | null
}

/** Fields every kind shares, in the dump's key order. */
export interface BaseKindSchema {
  readonly id: string | null
  readonly state: "present" | "absent"
  readonly name: string
  readonly namespace: string
  readonly description: string | null
  readonly label: string | null
  readonly branch: BranchSupport
  readonly default_filter: string | null
  readonly human_friendly_id: ReadonlyArray<string> | null
  /** Deprecated list form (Infrahub < 1.5), still served. */
  readonly display_labels: ReadonlyArray<string> | null
  /** Infrahub >= 1.5: a Jinja2-style template or a single `attr__value` path. */
  readonly display_label?: string | null
  readonly include_in_menu: boolean | null
  readonly menu_placement: string | null
  readonly icon: string | null
  readonly order_by: ReadonlyArray<string> | null
  readonly uniqueness_constraints: ReadonlyArray<ReadonlyArray<string>> | null
  readonly documentation: string | null
  readonly attributes: ReadonlyArray<AttributeSchema>
  readonly relationships: ReadonlyArray<RelationshipSchema>
  readonly kind: string
  readonly hash: string
}

export interface NodeSchema extends BaseKindSchema {
  readonly inherit_from: ReadonlyArray<string>
  readonly generate_profile: boolean
  readonly generate_template: boolean
  readonly hierarchy: string | null
  readonly parent: string | null
  readonly children: string | null
}

export interface GenericSchema extends BaseKindSchema {
  readonly hierarchical: boolean
  readonly generate_profile: boolean
  readonly generate_template: boolean
  readonly used_by: ReadonlyArray<string>
}

export interface ProfileSchema extends BaseKindSchema {
  readonly inherit_from: ReadonlyArray<string>
}

export interface TemplateSchema extends BaseKindSchema {
  readonly inherit_from: ReadonlyArray<string>
}

export interface SchemaNamespace {
  readonly name: string
  readonly user_editable: boolean
}

/** The body of `GET /api/schema`. */
export interface SchemaDump {
  readonly main: string
  readonly nodes: ReadonlyArray<NodeSchema>
  readonly generics: ReadonlyArray<GenericSchema>
  readonly profiles: ReadonlyArray<ProfileSchema>
  readonly templates: ReadonlyArray<TemplateSchema>
  readonly namespaces: ReadonlyArray<SchemaNamespace>
}

export type KindCategory = "node" | "generic" | "profile" | "template"

export type KindSchema =
  | { readonly category: "node"; readonly schema: NodeSchema }
  | { readonly category: "generic"; readonly schema: GenericSchema }
  | { readonly category: "profile"; readonly schema: ProfileSchema }
  | { readonly category: "template"; readonly schema: TemplateSchema }

/** A processed schema with lookups; immutable once built. */
export interface SchemaRegistry {
  readonly dump: SchemaDump
  readonly byKind: ReadonlyMap<string, KindSchema>
  /** Concrete kinds (nodes, profiles, templates) that a generic kind resolves to. */
  readonly concreteKindsOf: (kind: string) => ReadonlyArray<string>
}

const concreteCategories = new Set<KindCategory>(["node", "profile", "template"])

/** Wraps an already-processed dump (e.g. the recorded fixture, or the loader's output) with lookups. */
export const registryFromDump = (dump: SchemaDump): SchemaRegistry => {
  const byKind = new Map<string, KindSchema>()
  for (const schema of dump.nodes) byKind.set(schema.kind, { category: "node", schema })
  for (const schema of dump.generics) byKind.set(schema.kind, { category: "generic", schema })
  for (const schema of dump.profiles) byKind.set(schema.kind, { category: "profile", schema })
  for (const schema of dump.templates) byKind.set(schema.kind, { category: "template", schema })
  const concreteKindsOf = (kind: string): ReadonlyArray<string> => {
    const entry = byKind.get(kind)
    if (entry === undefined) return []
    if (concreteCategories.has(entry.category)) return [kind]
    if (entry.category === "generic") {
      return entry.schema.used_by.filter((used) => concreteCategories.has(byKind.get(used)?.category ?? "generic"))
    }
    return []
  }
  return { dump, byKind, concreteKindsOf }
}
