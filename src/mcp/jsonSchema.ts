import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const isObject = (value: Json): value is { readonly [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * JSON Schema for MCP `inputSchema`/`outputSchema`, derived from Effect Schema. Cleaned for the
 * widest client support: `$ref`s inlined (several clients cannot follow them), and the generated
 * `$id`/`title` noise dropped (a repeated `$id` makes some validators, ajv included, refuse the
 * whole schema).
 */
export const toJsonSchema = <A, I>(schema: Schema.Schema<A, I>): Record<string, unknown> => {
  const generated = JSONSchema.make(schema) as unknown as { readonly [key: string]: Json }
  const definitions = isObject(generated["$defs"] ?? null) ? (generated["$defs"] as { readonly [key: string]: Json }) : {}

  const clean = (node: Json, depth: number): Json => {
    if (depth > 64) return node
    if (Array.isArray(node)) return node.map((item: Json) => clean(item, depth + 1))
    if (!isObject(node)) return node
    const ref = node["$ref"]
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
      const target = definitions[ref.slice("#/$defs/".length)]
      const { $ref: _ignored, ...rest } = node
      return clean({ ...(isObject(target ?? null) ? (target as object) : {}), ...rest }, depth + 1)
    }
    const allOf = node["allOf"]
    if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0] ?? null)) {
      // Effect wraps an annotated refinement as `{allOf: [inner], description, default}`: flatten it,
      // the outer keys (the property's own description and default) winning.
      const { allOf: _single, ...outer } = node
      return clean({ ...(allOf[0] as object), ...outer }, depth + 1)
    }
    const result: Record<string, Json> = {}
    for (const [key, value] of Object.entries(node)) {
      if (key === "$id" || key === "$schema" || key === "$defs" || key === "title") continue
      result[key] = key === "properties" && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, clean(inner, depth + 1)]))
        : clean(value, depth + 1)
    }
    return result
  }
  const cleaned = clean(generated, 0) as Record<string, unknown>
  // MCP requires `type: "object"`; Effect renders an empty struct as "object or array".
  return cleaned["type"] === "object" ? cleaned : { type: "object", properties: {}, additionalProperties: false }
}
