import * as Schema from "effect/Schema"
import { type BranchSchema, filtersOf, type KindInfo } from "../infrahub/schemaModel.js"

/**
 * The model-facing views of Infrahub's schema, shared by `get_schema` and the `infrahub://schema`
 * resources so both always say the same thing.
 */

export const KindCatalog = Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
  description: "Kind name → label, for every user-facing kind"
})

/** `{kind: label}` for every user-facing kind (Internal, Profile and Template namespaces left out). */
export const kindCatalog = (schema: BranchSchema): Record<string, string> =>
  Object.fromEntries(schema.catalog.map((kind) => [kind.kind, kind.label]))

export const KindDetail = Schema.Struct({
  kind: Schema.String,
  label: Schema.String,
  namespace: Schema.String,
  category: Schema.Literal("node", "generic", "profile", "template"),
  description: Schema.NullOr(Schema.String),
  human_friendly_id: Schema.NullOr(Schema.Array(Schema.String)),
  implemented_by: Schema.Array(Schema.String).annotations({ description: "For generic kinds: the kinds implementing it." }),
  attributes: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      kind: Schema.String,
      optional: Schema.Boolean,
      unique: Schema.Boolean,
      read_only: Schema.Boolean,
      choices: Schema.NullOr(Schema.String).annotations({ description: "Allowed values, `|`-separated (Dropdown/enum)." }),
      description: Schema.NullOr(Schema.String)
    })
  ),
  relationships: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      peer: Schema.String,
      cardinality: Schema.Literal("one", "many"),
      kind: Schema.String,
      optional: Schema.Boolean,
      description: Schema.NullOr(Schema.String)
    })
  ),
  filters: Schema.Array(Schema.String).annotations({ description: "Filter names get_nodes accepts for this kind." })
})
export type KindDetail = typeof KindDetail.Type

/** Relationships Infrahub adds to every kind (groups, profiles): noise for a model exploring data. */
const PLUMBING_RELATIONSHIPS = new Set(["Group", "Profile", "Template"])

export const kindDetail = (schema: BranchSchema, kind: KindInfo): KindDetail => ({
  kind: kind.kind,
  label: kind.label,
  namespace: kind.namespace,
  category: kind.category,
  description: kind.description ?? null,
  human_friendly_id: kind.humanFriendlyId ?? null,
  implemented_by: kind.category === "generic" ? kind.usedBy.filter((k) => schema.kinds.get(k)?.category === "node") : [],
  attributes: kind.attributes.map((a) => {
    const allowed = a.choices ?? a.enum?.map(String)
    return {
      name: a.name,
      kind: a.kind,
      optional: a.optional,
      unique: a.unique,
      read_only: a.readOnly,
      choices: allowed === undefined || allowed.length === 0 ? null : allowed.join("|"),
      description: a.description ?? null
    }
  }),
  relationships: kind.relationships
    .filter((r) => !PLUMBING_RELATIONSHIPS.has(r.kind))
    .map((r) => ({
      name: r.name,
      peer: r.peer,
      cardinality: r.cardinality,
      kind: r.kind,
      optional: r.optional,
      description: r.description ?? null
    })),
  filters: [...filtersOf(schema, kind).keys()]
})
