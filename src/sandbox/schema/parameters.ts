/**
 * Reading an attribute's constraints the way Infrahub's attribute classes do: `parameters` (Infrahub >= 1.5)
 * first, the deprecated top-level `regex`/`min_length`/`max_length` otherwise.
 */
import type { AttributeSchema } from "./types.js"

/** The `a-b` ranges of an `excluded_values` string (`NumberAttributeParameters.get_excluded_ranges`). */
export const excludedRanges = (excluded: string): Array<[number, number]> =>
  excluded.split(",").filter((part) => part.includes("-")).map((part) => {
    const [start = "0", end = "0"] = part.split("-")
    return [Number(start), Number(end)]
  })

/** The single values of an `excluded_values` string (`get_excluded_single_values`). */
export const excludedSingles = (excluded: string): Array<number> =>
  excluded.split(",").filter((part) => part !== "" && !part.includes("-")).map(Number)

const parameter = (attribute: AttributeSchema, name: string): unknown => attribute.parameters?.[name] ?? null

export const regexOf = (attribute: AttributeSchema): string | null => {
  const value = parameter(attribute, "regex")
  return typeof value === "string" && value !== "" ? value : attribute.regex
}

export const minLengthOf = (attribute: AttributeSchema): number | null => {
  const value = parameter(attribute, "min_length")
  return typeof value === "number" ? value : attribute.min_length
}

export const maxLengthOf = (attribute: AttributeSchema): number | null => {
  const value = parameter(attribute, "max_length")
  return typeof value === "number" ? value : attribute.max_length
}

export const numberBoundsOf = (attribute: AttributeSchema) => {
  const min = parameter(attribute, "min_value")
  const max = parameter(attribute, "max_value")
  const excluded = parameter(attribute, "excluded_values")
  return {
    min: typeof min === "number" ? min : null,
    max: typeof max === "number" ? max : null,
    excluded: typeof excluded === "string" ? excluded : null
  }
}
