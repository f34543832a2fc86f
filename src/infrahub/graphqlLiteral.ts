/**
 * Renders JSON-like values as GraphQL literals, so documents can carry filter values inline without
 * declaring variable types (whose names, e.g. `BigInt` or `GenericScalar`, differ between servers).
 */
export type LiteralValue =
  | string
  | number
  | boolean
  | null
  | ReadonlyArray<LiteralValue>
  | { readonly [key: string]: LiteralValue }

/** GraphQL names: object keys become field names, so anything else is refused rather than injected. */
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/

export class UnrenderableValue extends Error {}

export const renderLiteral = (value: LiteralValue): string => {
  if (value === null) return "null"
  if (typeof value === "string") return JSON.stringify(value) // JSON string escapes are valid GraphQL escapes
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new UnrenderableValue(`${value} is not a finite number`)
    return String(value)
  }
  if (typeof value === "boolean") return value ? "true" : "false"
  if (Array.isArray(value)) return `[${value.map(renderLiteral).join(", ")}]`
  const entries = Object.entries(value as { readonly [key: string]: LiteralValue }).map(([key, inner]) => {
    if (!NAME.test(key)) throw new UnrenderableValue(`'${key}' is not a valid GraphQL name`)
    return `${key}: ${renderLiteral(inner)}`
  })
  return `{${entries.join(", ")}}`
}

/** `name: literal` pairs for an argument list; keys are checked like object keys. */
export const renderArguments = (args: ReadonlyArray<readonly [string, LiteralValue]>): string =>
  args
    .map(([key, value]) => {
      if (!NAME.test(key)) throw new UnrenderableValue(`'${key}' is not a valid GraphQL argument name`)
      return `${key}: ${renderLiteral(value)}`
    })
    .join(", ")
