import * as Either from "effect/Either"
import type { LiteralValue } from "./graphqlLiteral.js"
import type { AttributeInfo, FilterTarget } from "./schemaModel.js"

/**
 * Coerces a caller's filter value to what Infrahub's filter argument accepts (infrahub-api.md §3.2:
 * `String` for text-like kinds, `BigInt` for numbers, `Boolean`, lists for `__values`). Models often
 * send `"1500"` for a number or a single string for a list; accepting the obvious intent is kinder
 * than a GraphQL type error, and anything ambiguous is refused with the expected type.
 */

const NUMERIC_KINDS = new Set(["Number", "Bandwidth"])
const BOOLEAN_KINDS = new Set(["Boolean", "Checkbox"])
const FREE_KINDS = new Set(["List", "JSON", "Any"])

const isLiteral = (value: unknown): value is LiteralValue => {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true
  if (typeof value === "number") return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(isLiteral)
  if (typeof value === "object") return Object.values(value).every(isLiteral)
  return false
}

const toBoolean = (value: unknown): Either.Either<boolean, string> => {
  if (typeof value === "boolean") return Either.right(value)
  if (value === "true" || value === "false") return Either.right(value === "true")
  return Either.left("expects true or false")
}

const scalarFor = (attribute: AttributeInfo | undefined, value: unknown): Either.Either<LiteralValue, string> => {
  const kind = attribute?.kind ?? "Text"
  if (NUMERIC_KINDS.has(kind)) {
    if (typeof value === "number" && Number.isInteger(value)) return Either.right(value)
    if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Either.right(Number(value.trim()))
    return Either.left("expects a whole number")
  }
  if (BOOLEAN_KINDS.has(kind)) return toBoolean(value)
  if (FREE_KINDS.has(kind)) return isLiteral(value) ? Either.right(value) : Either.left("expects a JSON value")
  if (typeof value === "string") return Either.right(value)
  if (typeof value === "number" || typeof value === "boolean") return Either.right(String(value))
  return Either.left("expects a string")
}

const listOf = (
  value: unknown,
  item: (entry: unknown) => Either.Either<LiteralValue, string>
): Either.Either<LiteralValue, string> => {
  const entries = Array.isArray(value) ? value : [value]
  return Either.all(entries.map(item)).pipe(
    Either.mapLeft((problem) => `${problem} in every list entry`),
    Either.map((items): LiteralValue => items)
  )
}

const idString = (value: unknown): Either.Either<LiteralValue, string> =>
  typeof value === "string" && value.length > 0 ? Either.right(value) : Either.left("expects ids (strings)")

/** `Left` carries the problem, e.g. `expects a whole number`; the caller names the filter. */
export const coerceFilterValue = (target: FilterTarget, value: unknown): Either.Either<LiteralValue, string> => {
  switch (target.type) {
    case "ids":
    case "relationshipIds":
      return listOf(value, idString)
    case "hfid":
      return listOf(value, (entry) =>
        typeof entry === "string" || typeof entry === "number" ? Either.right(String(entry)) : Either.left("expects strings")
      )
    case "any":
      return target.many ? listOf(value, (entry) => scalarFor(undefined, entry)) : scalarFor(undefined, value)
    case "relationshipIsNull":
      return toBoolean(value)
    case "attribute":
      if (target.suffix === "isnull") return toBoolean(value)
      return target.suffix === "values"
        ? listOf(value, (entry) => scalarFor(target.attribute, entry))
        : scalarFor(target.attribute, value)
    case "peerAttribute":
      return target.many
        ? listOf(value, (entry) => scalarFor(target.attribute, entry))
        : scalarFor(target.attribute, value)
  }
}
