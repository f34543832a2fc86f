import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * The parts of Infrahub's `GET /api/schema` answer this server uses. Decoding is lenient about
 * fields we do not read (Infrahub adds fields between versions) and strict about the ones we do.
 */

const Nullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

const Choice = Schema.Struct({
  name: Schema.String,
  label: Nullable(Schema.String),
  description: Nullable(Schema.String)
})

const AttributeEntry = Schema.Struct({
  name: Schema.String,
  kind: Schema.String,
  label: Nullable(Schema.String),
  description: Nullable(Schema.String),
  optional: Schema.optional(Schema.Boolean),
  unique: Schema.optional(Schema.Boolean),
  read_only: Schema.optional(Schema.Boolean),
  choices: Nullable(Schema.Array(Choice)),
  enum: Nullable(Schema.Array(Schema.Unknown)),
  default_value: Schema.optional(Schema.Unknown)
})

const RelationshipEntry = Schema.Struct({
  name: Schema.String,
  peer: Schema.String,
  kind: Schema.optional(Schema.String),
  label: Nullable(Schema.String),
  description: Nullable(Schema.String),
  cardinality: Schema.optional(Schema.Literal("one", "many")),
  optional: Schema.optional(Schema.Boolean),
  read_only: Schema.optional(Schema.Boolean)
})

const KindEntry = Schema.Struct({
  name: Schema.String,
  namespace: Schema.String,
  branch: Nullable(Schema.String),
  kind: Schema.optional(Schema.String),
  label: Nullable(Schema.String),
  description: Nullable(Schema.String),
  default_filter: Nullable(Schema.String),
  human_friendly_id: Nullable(Schema.Array(Schema.String)),
  display_labels: Nullable(Schema.Array(Schema.String)),
  display_label: Nullable(Schema.String),
  order_by: Nullable(Schema.Array(Schema.String)),
  attributes: Schema.optionalWith(Schema.Array(AttributeEntry), { default: () => [] }),
  relationships: Schema.optionalWith(Schema.Array(RelationshipEntry), { default: () => [] }),
  inherit_from: Nullable(Schema.Array(Schema.String)),
  used_by: Nullable(Schema.Array(Schema.String))
})

export const SchemaResponse = Schema.Struct({
  main: Schema.optional(Schema.String),
  nodes: Schema.Array(KindEntry),
  generics: Schema.optionalWith(Schema.Array(KindEntry), { default: () => [] }),
  profiles: Schema.optionalWith(Schema.Array(KindEntry), { default: () => [] }),
  templates: Schema.optionalWith(Schema.Array(KindEntry), { default: () => [] })
})

export const SchemaSummaryResponse = Schema.Struct({ main: Schema.String })

export type KindCategory = "node" | "generic" | "profile" | "template"

export interface AttributeInfo {
  readonly name: string
  readonly kind: string
  readonly label: string | undefined
  readonly description: string | undefined
  readonly optional: boolean
  readonly unique: boolean
  readonly readOnly: boolean
  readonly choices: ReadonlyArray<string> | undefined
  readonly enum: ReadonlyArray<unknown> | undefined
}

export interface RelationshipInfo {
  readonly name: string
  readonly peer: string
  readonly kind: string
  readonly label: string | undefined
  readonly description: string | undefined
  readonly cardinality: "one" | "many"
  readonly optional: boolean
  readonly readOnly: boolean
}

export interface KindInfo {
  readonly kind: string
  readonly name: string
  readonly namespace: string
  readonly label: string
  readonly description: string | undefined
  readonly category: KindCategory
  /**
   * Infrahub's branch support: `agnostic` kinds (accounts, permissions, proposed changes, …) exist
   * once for all branches, so a "branch" write to them changes the default branch at once.
   */
  readonly branchSupport: "aware" | "agnostic" | "local"
  readonly attributes: ReadonlyArray<AttributeInfo>
  readonly relationships: ReadonlyArray<RelationshipInfo>
  readonly humanFriendlyId: ReadonlyArray<string> | undefined
  readonly defaultFilter: string | undefined
  readonly usedBy: ReadonlyArray<string>
}

/** Namespaces whose kinds are Infrahub's plumbing, not infrastructure data: kept out of catalogs. */
const HIDDEN_NAMESPACES = new Set(["Internal", "Profile", "Template"])

export interface BranchSchema {
  /** Infrahub's schema hash (`main`); changes whenever the branch's schema changes. */
  readonly hash: string
  readonly kinds: ReadonlyMap<string, KindInfo>
  /** User-facing kinds, sorted: what `infrahub://schema` and unknown-kind errors list. */
  readonly catalog: ReadonlyArray<KindInfo>
  /** The kind's filter map (see {@link filtersOf}), computed on first use. */
  readonly filters: (kind: KindInfo) => ReadonlyMap<string, FilterTarget>
}

const orUndefined = <A>(value: A | null | undefined): A | undefined => (value === null ? undefined : value)

const toKindInfo = (entry: typeof KindEntry.Type, category: KindCategory): KindInfo => ({
  kind: entry.kind ?? `${entry.namespace}${entry.name}`,
  name: entry.name,
  namespace: entry.namespace,
  label: orUndefined(entry.label) ?? entry.name,
  description: orUndefined(entry.description),
  category,
  branchSupport: entry.branch === "agnostic" || entry.branch === "local" ? entry.branch : "aware",
  attributes: entry.attributes.map((a) => ({
    name: a.name,
    kind: a.kind,
    label: orUndefined(a.label),
    description: orUndefined(a.description),
    optional: a.optional ?? true,
    unique: a.unique ?? false,
    readOnly: a.read_only ?? false,
    choices: a.choices === null || a.choices === undefined ? undefined : a.choices.map((c) => c.name),
    enum: orUndefined(a.enum)
  })),
  relationships: entry.relationships.map((r) => ({
    name: r.name,
    peer: r.peer,
    kind: r.kind ?? "Generic",
    label: orUndefined(r.label),
    description: orUndefined(r.description),
    cardinality: r.cardinality ?? "many",
    optional: r.optional ?? true,
    readOnly: r.read_only ?? false
  })),
  humanFriendlyId: orUndefined(entry.human_friendly_id),
  defaultFilter: orUndefined(entry.default_filter),
  usedBy: orUndefined(entry.used_by) ?? []
})

export const decodeBranchSchema = (json: unknown): Either.Either<BranchSchema, string> =>
  Schema.decodeUnknownEither(SchemaResponse)(json).pipe(
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error)),
    Either.map((response) => {
      const kinds = new Map<string, KindInfo>()
      const add = (entries: ReadonlyArray<typeof KindEntry.Type>, category: KindCategory) => {
        for (const entry of entries) {
          const info = toKindInfo(entry, category)
          kinds.set(info.kind, info)
        }
      }
      add(response.nodes, "node")
      add(response.generics, "generic")
      add(response.profiles, "profile")
      add(response.templates, "template")
      const catalog = [...kinds.values()]
        .filter((k) => !HIDDEN_NAMESPACES.has(k.namespace) && (k.category === "node" || k.category === "generic"))
        .sort((a, b) => a.kind.localeCompare(b.kind))
      const computed = new Map<string, ReadonlyMap<string, FilterTarget>>()
      const schema: BranchSchema = {
        hash: response.main ?? "",
        kinds,
        catalog,
        filters: (kind) => {
          const known = computed.get(kind.kind)
          if (known !== undefined) return known
          const filters = computeFilters(schema, kind)
          computed.set(kind.kind, filters)
          return filters
        }
      }
      return schema
    })
  )

/**
 * Keys a caller may not pass in `filters`: the tools set them themselves (the Python server's
 * `_RESERVED_FILTER_KEYS`, same set so behaviour matches).
 */
export const RESERVED_FILTER_KEYS: ReadonlySet<string> = new Set([
  "kind", "branch", "partial_match", "parallel", "order", "populate_store", "prefetch_relationships", "at",
  "timeout", "offset", "limit", "include", "exclude", "fragment", "property", "include_metadata"
])

export type FilterTarget =
  | { readonly type: "ids" }
  | { readonly type: "hfid" }
  | { readonly type: "any"; readonly many: boolean }
  | { readonly type: "attribute"; readonly attribute: AttributeInfo; readonly suffix: "value" | "values" | "isnull" }
  | { readonly type: "relationshipIds"; readonly relationship: RelationshipInfo }
  | { readonly type: "relationshipIsNull"; readonly relationship: RelationshipInfo }
  | {
      readonly type: "peerAttribute"
      readonly relationship: RelationshipInfo
      readonly attribute: AttributeInfo
      readonly many: boolean
    }

const computeFilters = (schema: BranchSchema, info: KindInfo): ReadonlyMap<string, FilterTarget> => {
  const filters = new Map<string, FilterTarget>()
  filters.set("ids", { type: "ids" })
  if (info.humanFriendlyId !== undefined && info.humanFriendlyId.length > 0) filters.set("hfid", { type: "hfid" })
  filters.set("any__value", { type: "any", many: false })
  filters.set("any__values", { type: "any", many: true })
  for (const attribute of info.attributes) {
    filters.set(`${attribute.name}__value`, { type: "attribute", attribute, suffix: "value" })
    filters.set(`${attribute.name}__values`, { type: "attribute", attribute, suffix: "values" })
    filters.set(`${attribute.name}__isnull`, { type: "attribute", attribute, suffix: "isnull" })
  }
  for (const relationship of info.relationships) {
    const peer = schema.kinds.get(relationship.peer)
    if (peer === undefined || peer.namespace === "Internal") continue
    filters.set(`${relationship.name}__ids`, { type: "relationshipIds", relationship })
    filters.set(`${relationship.name}__isnull`, { type: "relationshipIsNull", relationship })
    for (const attribute of peer.attributes) {
      filters.set(`${relationship.name}__${attribute.name}__value`, { type: "peerAttribute", relationship, attribute, many: false })
      filters.set(`${relationship.name}__${attribute.name}__values`, { type: "peerAttribute", relationship, attribute, many: true })
    }
  }
  return filters
}

/**
 * Every filter argument Infrahub generates for a kind (infrahub-api.md §3.2), named as Infrahub
 * names them: what `get_nodes` accepts and what `get_schema(kind)` advertises. Computed once per kind
 * of a fetched schema (every get_nodes call needs it), and kept with that schema.
 */
export const filtersOf = (schema: BranchSchema, info: KindInfo): ReadonlyMap<string, FilterTarget> => schema.filters(info)
