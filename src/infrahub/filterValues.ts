import * as Either from "effect/Either"
import type { LiteralValue } from "./graphqlLiteral.js"
import type { AttributeInfo, FilterTarget } from "./schemaModel.js"

/**
 * Coerces a caller's filter value to what Infrahub's filter argument accepts (infrahub-api.md §3.2:
 * `String` for text-like kinds, `BigInt` for numbers, `Boolean`, lists for `__values`). Models often
 * send `"1500"` for a number or a single string for a list; accepting the obvious intent is kinder
 * than a GraphQL type error, and anything ambiguous is refused with the expected type.
 */

const NUMERIC_KINDS = new Set(["Number", "Bandwidth", "NumberPool"])
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
    if (typeof value === "string" && /^-?\d+$/.test(value.trim())) {
      const number = Number(value.trim())
      // Beyond 2^53 a JavaScript number is no longer the integer that was written.
      return Number.isSafeInteger(number) ? Either.right(number) : Either.left("expects a whole number this server can send exactly (at most 9007199254740991)")
    }
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

/** The values an attribute accepts (Dropdown choices, or an enum), if it restricts them. */
export const allowedValues = (attribute: AttributeInfo): ReadonlyArray<string> | undefined => {
  const allowed = attribute.choices ?? attribute.enum?.map(String)
  return allowed === undefined || allowed.length === 0 ? undefined : allowed
}

/**
 * Refuses a filter value outside an attribute's choices: Infrahub would answer `count: 0`, which
 * reads as "there are none" rather than "that is not a value". With partial matching a value is
 * accepted when it is part of some choice.
 */
const withinChoices = (
  attribute: AttributeInfo,
  coerced: Either.Either<LiteralValue, string>,
  partialMatch: boolean
): Either.Either<LiteralValue, string> =>
  Either.flatMap(coerced, (value) => {
    const allowed = allowedValues(attribute)
    if (allowed === undefined) return Either.right(value)
    const values = Array.isArray(value) ? value : [value]
    const fits = (candidate: LiteralValue) =>
      partialMatch
        ? allowed.some((choice) => choice.toLowerCase().includes(String(candidate).toLowerCase()))
        : allowed.includes(String(candidate))
    const outside = values.filter((candidate) => !fits(candidate))
    return outside.length === 0
      ? Either.right(value)
      : Either.left(`has ${outside.map((v) => `'${String(v)}'`).join(", ")}, not ${partialMatch ? "part of " : ""}one of the choices of ${attribute.name}: ${allowed.join(", ")}`)
  })

/** A value written to an attribute (node_upsert): coerced like a filter value; null clears it. */
export const coerceAttributeValue = (attribute: AttributeInfo, value: unknown): Either.Either<LiteralValue, string> =>
  value === null ? Either.right(null) : scalarFor(attribute, value)

/** `Left` carries the problem, e.g. `expects a whole number`; the caller names the filter. */
export const coerceFilterValue = (target: FilterTarget, value: unknown, partialMatch = false): Either.Either<LiteralValue, string> => {
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
      return withinChoices(
        target.attribute,
        target.suffix === "values" ? listOf(value, (entry) => scalarFor(target.attribute, entry)) : scalarFor(target.attribute, value),
        partialMatch
      )
    case "peerAttribute":
      return withinChoices(
        target.attribute,
        target.many ? listOf(value, (entry) => scalarFor(target.attribute, entry)) : scalarFor(target.attribute, value),
        partialMatch
      )
  }
}
