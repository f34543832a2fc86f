/**
 * What the REST layer serves from a registry: `GET /api/schema`, `GET /api/schema/{kind}`,
 * `GET /api/schema/summary`. Pure lookups; the HTTP routes live elsewhere.
 */
import * as Either from "effect/Either"
import { SchemaKindNotFound } from "./errors.js"
import type { GenericSchema, NodeSchema, ProfileSchema, SchemaDump, SchemaRegistry, TemplateSchema } from "./types.js"

/** The `/api/schema` body. `Internal` kinds are never served; `namespaces` narrows to those namespaces (`?namespaces=`). */
export const schemaDump = (registry: SchemaRegistry, namespaces?: ReadonlyArray<string>): SchemaDump => {
  const keep = <T extends { readonly namespace: string }>(kinds: ReadonlyArray<T>): ReadonlyArray<T> =>
    kinds.filter((k) => k.namespace !== "Internal" && (namespaces === undefined || namespaces.length === 0 || namespaces.includes(k.namespace)))
  const { dump } = registry
  return {
    main: dump.main,
    nodes: keep(dump.nodes),
    generics: keep(dump.generics),
    profiles: keep(dump.profiles),
    templates: keep(dump.templates),
    namespaces: dump.namespaces
  }
}

/** The `/api/schema/{kind}` body, or Infrahub's not-found (served as HTTP 422). */
export const kindSchema = (
  registry: SchemaRegistry,
  kind: string
): Either.Either<NodeSchema | GenericSchema | ProfileSchema | TemplateSchema, SchemaKindNotFound> => {
  const entry = registry.byKind.get(kind)
  return entry === undefined || entry.schema.namespace === "Internal"
    ? Either.left(new SchemaKindNotFound({ kind }))
    : Either.right(entry.schema)
}

/** The `/api/schema/summary` body (`SchemaBranchHash`): the main hash and each node's and generic's hash. */
export interface SchemaSummary {
  readonly main: string
  readonly nodes: Readonly<Record<string, string>>
  readonly generics: Readonly<Record<string, string>>
}

export const schemaSummary = (registry: SchemaRegistry): SchemaSummary => ({
  main: registry.dump.main,
  nodes: Object.fromEntries(registry.dump.nodes.map((n) => [n.kind, n.hash])),
  generics: Object.fromEntries(registry.dump.generics.map((g) => [g.kind, g.hash]))
})
