import type {
  AttributeSchema,
  BaseKindSchema,
  KindSchema,
  RelationshipSchema,
  SchemaRegistry
} from "../schema/types.js"

/** Small, pure lookups over the processed schema that every part of the engine needs. */

export const schemaOf = (registry: SchemaRegistry, kind: string): BaseKindSchema | undefined =>
  registry.byKind.get(kind)?.schema

export const entryOf = (registry: SchemaRegistry, kind: string): KindSchema | undefined => registry.byKind.get(kind)

export const attributeOf = (schema: BaseKindSchema, name: string): AttributeSchema | undefined =>
  schema.attributes.find((attribute) => attribute.name === name)

export const relationshipOf = (schema: BaseKindSchema, name: string): RelationshipSchema | undefined =>
  schema.relationships.find((relationship) => relationship.name === name)

export const isConcrete = (entry: KindSchema | undefined): boolean => entry !== undefined && entry.category !== "generic"

/** The generics a concrete kind inherits from (empty for generics). */
export const inheritFrom = (entry: KindSchema | undefined): ReadonlyArray<string> =>
  entry === undefined || entry.category === "generic" ? [] : entry.schema.inherit_from

/** True when a node of `kind` may sit where `expected` (a kind or a generic) is required. */
export const kindSatisfies = (registry: SchemaRegistry, kind: string, expected: string): boolean =>
  kind === expected || inheritFrom(entryOf(registry, kind)).includes(expected) ||
  registry.concreteKindsOf(expected).includes(kind)

/** The hierarchy (a generic) a kind takes part in, for `parent`/`children`/`ancestors`/`descendants`. */
export const hierarchyOf = (entry: KindSchema | undefined): string | undefined => {
  if (entry === undefined) return undefined
  if (entry.category === "node") return entry.schema.hierarchy ?? undefined
  if (entry.category === "generic") return entry.schema.hierarchical ? entry.schema.kind : undefined
  return undefined
}

export const isInternal = (schema: BaseKindSchema | undefined): boolean => schema?.namespace === "Internal"
