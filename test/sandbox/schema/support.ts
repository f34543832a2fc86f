import { Either } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { buildRegistryFromDocuments } from "../../../src/sandbox/schema/build.js"
import type { BuiltinSchema } from "../../../src/sandbox/schema/builtins.js"
import type { SchemaLoadError } from "../../../src/sandbox/schema/errors.js"
import { parseSchemaText } from "../../../src/sandbox/schema/files.js"
import type { SchemaDump, SchemaRegistry } from "../../../src/sandbox/schema/types.js"

export const repoPath = (relative: string): string => fileURLToPath(new URL(`../../../${relative}`, import.meta.url))

export const readJson = <T>(relative: string): T => JSON.parse(readFileSync(repoPath(relative), "utf8")) as T

/** The complete real `/api/schema` response the built-in kinds come from. */
export const recordedDump = (): SchemaDump => readJson<SchemaDump>("test/fixtures/infrahub/schema_05.json")

export const BASE_SCHEMA_FILES = ["location", "organization", "dcim", "ipam"].map((name) =>
  repoPath(`src/sandbox/data/schemas/base/${name}.yml`)
)

/** Builds a registry from schema texts given inline, keyed by a file name used in messages. */
export const buildFrom = (
  files: Readonly<Record<string, string>>,
  builtins?: BuiltinSchema
): Either.Either<SchemaRegistry, SchemaLoadError> => {
  const documents = Object.entries(files).flatMap(([file, text]) => {
    const parsed = parseSchemaText(file, text)
    if (parsed.problems.length > 0) throw new Error(parsed.problems.map((p) => p.problem).join("; "))
    return parsed.documents
  })
  return buildRegistryFromDocuments(documents, builtins)
}

export const buildFromFiles = (paths: ReadonlyArray<string>, builtins?: BuiltinSchema) =>
  buildFrom(Object.fromEntries(paths.map((path) => [path, readFileSync(path, "utf8")])), builtins)

export const expectRight = <A, E extends { readonly message: string }>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got: ${result.left.message}`)
  return result.right
}

export const expectLeft = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error("expected the load to be refused, but it succeeded")
  return result.left
}

type AnyKind = SchemaDump["nodes"][number] | SchemaDump["generics"][number] | SchemaDump["profiles"][number]

export const kindOf = (registry: SchemaRegistry, kind: string): AnyKind => {
  const entry = registry.byKind.get(kind)
  if (entry === undefined) throw new Error(`${kind} is not in the registry`)
  return entry.schema
}
