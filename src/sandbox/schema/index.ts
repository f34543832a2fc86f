/**
 * The sandbox's schema layer: Infrahub's built-in kinds, the schema-file loader and processing
 * (`SchemaBranch.process()`), and the bodies of the schema REST endpoints.
 */
export { buildRegistry, buildRegistryFromDocuments, builtinRegistry } from "./build.js"
export { type BuiltinSchema, builtinSchema } from "./builtins.js"
export { type SourceRoot, decodeSchemaDocument } from "./decode.js"
export { renderProblem, SchemaKindNotFound, SchemaLoadError, type SchemaProblem } from "./errors.js"
export { parseSchemaText, type SchemaDocument } from "./files.js"
export { loadSchemaFiles } from "./load.js"
export { kindSchema, schemaDump, type SchemaSummary, schemaSummary } from "./registry.js"
export * from "./types.js"
