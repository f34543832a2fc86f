import type { AttributeSchema } from "../schema/types.js"
import {
  attributeConstraint,
  attributeInvalidType,
  attributeRequired,
  type InfrahubError,
  pyList,
  pyRepr,
  pyStr,
  validationError
} from "./errors.js"
import { formatAddress, parseInterface, parseNetwork } from "./ip.js"
import { excludedRanges, excludedSingles, maxLengthOf, minLengthOf, numberBoundsOf, regexOf } from "../schema/parameters.js"
import { parseMac } from "./mac.js"

/**
 * Attribute value validation as Infrahub's attribute classes do it (`core/attribute.py`:
 * `validate_format`, then `validate_content`), with Infrahub's legacy wording and the catalogue codes.
 * Returns the value to store (IP values are normalized to `with_prefixlen`).
 */

const stringKinds = new Set([
  "ID", "Text", "String", "TextArea", "Email", "Password", "HashedPassword", "File", "Color", "Dropdown", "URL",
  "DateTime", "IPHost", "IPNetwork", "MacAddress"
])
/** Kinds backed by Infrahub's `String` class, whose values must stay indexable (< 4096 bytes). */
const indexedStringKinds = new Set(["ID", "Text", "String", "Email", "Password", "File", "Color"])
const integerKinds = new Set(["Number", "Bandwidth", "NumberPool"])

const pythonTypeName = (value: unknown): string => {
  if (typeof value === "string") return "String"
  if (typeof value === "boolean") return "Boolean"
  if (typeof value === "number") return Number.isInteger(value) ? "Integer" : "Float"
  if (Array.isArray(value)) return "List"
  return "Dict"
}

const expectedTypeName = (kind: string): string => {
  if (integerKinds.has(kind)) return "Integer"
  if (kind === "Boolean" || kind === "Checkbox") return "Boolean"
  if (["URL", "DateTime", "IPHost", "IPNetwork", "MacAddress", "List", "JSON"].includes(kind)) return kind
  return "String"
}

const invalid = (nodeKind: string, attribute: AttributeSchema, value: unknown): InfrahubError =>
  attributeInvalidType(
    nodeKind,
    attribute.name,
    expectedTypeName(attribute.kind),
    pythonTypeName(value),
    `${pyStr(value)} is not a valid ${attribute.kind} at ${attribute.name}`
  )

/** Infrahub's `is_valid_url`: a relative path, or a URL with a scheme and a host. */
const isValidUrl = (value: string): boolean => {
  if (value.startsWith("/")) return true
  if (!value.includes("://")) return false
  try {
    const url = new URL(value)
    return url.protocol.length > 1 && url.host.length > 0
  } catch {
    return false
  }
}

const isTimestamp = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value))

/** Checks the type of a value and returns it normalized; throws an InfrahubError otherwise. */
const checkFormat = (nodeKind: string, attribute: AttributeSchema, value: unknown): unknown => {
  const kind = attribute.kind
  if (kind === "Any") return value
  if (stringKinds.has(kind)) {
    if (typeof value !== "string") throw invalid(nodeKind, attribute, value)
    if (kind === "URL" && !isValidUrl(value)) throw invalid(nodeKind, attribute, value)
    if (kind === "DateTime" && !(value === "" && attribute.optional) && !isTimestamp(value)) throw invalid(nodeKind, attribute, value)
    if (kind === "MacAddress" && parseMac(value) === undefined) throw invalid(nodeKind, attribute, value)
    if (kind === "IPHost") {
      const parsed = parseInterface(value)
      if (parsed === undefined) throw invalid(nodeKind, attribute, value)
      return `${formatAddress(parsed.version, parsed.address)}/${parsed.prefixlen}`
    }
    if (kind === "IPNetwork") {
      const parsed = parseNetwork(value)
      if (parsed === undefined) throw invalid(nodeKind, attribute, value)
      return `${formatAddress(parsed.version, parsed.address)}/${parsed.prefixlen}`
    }
    return value
  }
  if (integerKinds.has(kind)) {
    if (typeof value !== "number" || !Number.isInteger(value)) throw invalid(nodeKind, attribute, value)
    return value
  }
  if (kind === "Boolean" || kind === "Checkbox") {
    if (typeof value !== "boolean") throw invalid(nodeKind, attribute, value)
    return value
  }
  if (kind === "List") {
    if (!Array.isArray(value)) throw invalid(nodeKind, attribute, value)
    return value
  }
  if (kind === "JSON") {
    if (typeof value !== "object" || value === null) throw invalid(nodeKind, attribute, value)
    return value
  }
  return value
}

/** Python regexes are close enough to JavaScript's once named groups are rewritten. */
const pythonRegex = (pattern: string): RegExp => new RegExp(`^(?:${pattern.replaceAll("(?P<", "(?<")})`, "u")

const constraint = (
  nodeKind: string,
  attribute: AttributeSchema,
  name: string,
  detail: string,
  legacy: string,
  catalogue: string
): InfrahubError =>
  attributeConstraint(nodeKind, attribute.name, name, detail, `${legacy} at ${attribute.name}`, `Value for ${nodeKind}.${attribute.name} ${catalogue}`)

/** `NumberAttributeParameters.check_valid_value`: bounds and excluded values, in Infrahub's words. */
const checkNumberParameters = (nodeKind: string, attribute: AttributeSchema, value: unknown): void => {
  if (typeof value !== "number") return
  const { min, max, excluded } = numberBoundsOf(attribute)
  const fail = (name: string, detail: string, text: string) => constraint(nodeKind, attribute, name, detail, `${value} ${text}`, text)
  if (min !== null && value < min) throw fail("min_value", String(min), `is lower than the minimum allowed value ${min}`)
  if (max !== null && value > max) throw fail("max_value", String(max), `is higher than the maximum allowed value ${max}`)
  if (excluded === null) return
  if (excludedSingles(excluded).includes(value)) throw fail("excluded_values", excluded, "is in the excluded values")
  for (const [start, end] of excludedRanges(excluded)) {
    if (start <= value && value <= end) throw fail("excluded_values", excluded, `is in an the excluded range ${start}-${end}`)
  }
}

const checkContent = (nodeKind: string, attribute: AttributeSchema, value: unknown): void => {
  if (indexedStringKinds.has(attribute.kind) && typeof value === "string" && 3 + Buffer.byteLength(value, "utf8") >= 4096) {
    throw validationError("Text attribute length should be less than 4096 characters.")
  }
  if (attribute.kind === "Number") checkNumberParameters(nodeKind, attribute, value)
  const pattern = regexOf(attribute)
  if (pattern !== null && pattern !== "") {
    let regex: RegExp
    try {
      regex = pythonRegex(pattern)
    } catch {
      throw validationError(`The regex defined in the schema is not valid (${pyRepr(pattern)}) at ${attribute.name}`)
    }
    const candidates = attribute.kind === "List" && Array.isArray(value) ? value.map((item) => pyStr(item)) : [pyStr(value)]
    for (const candidate of candidates) {
      if (!regex.test(candidate)) {
        throw constraint(
          nodeKind,
          attribute,
          "regex",
          pattern,
          `${candidate} must conform with the regex: ${pyRepr(pattern)}`,
          `does not conform to the regex ${pyRepr(pattern)}`
        )
      }
    }
  }
  const length = typeof value === "string" ? [...value].length : Array.isArray(value) ? value.length : undefined
  const minLength = minLengthOf(attribute)
  const maxLength = maxLengthOf(attribute)
  if (minLength !== null && minLength > 0 && length !== undefined && length < minLength) {
    throw constraint(
      nodeKind,
      attribute,
      "min_length",
      String(minLength),
      `${pyStr(value)} must have a minimum length of ${minLength}`,
      `must have a minimum length of ${minLength}`
    )
  }
  if (maxLength !== null && maxLength > 0 && length !== undefined && length > maxLength) {
    throw constraint(
      nodeKind,
      attribute,
      "max_length",
      String(maxLength),
      `${pyStr(value)} must have a maximum length of ${maxLength}`,
      `must have a maximum length of ${maxLength}`
    )
  }
  if (attribute.enum !== null && attribute.enum.length > 0 && !attribute.enum.some((option) => option === value)) {
    throw constraint(
      nodeKind,
      attribute,
      "enum",
      attribute.enum.map((option) => pyStr(option)).join(", "),
      `${pyStr(value)} must be one of ${pyList(attribute.enum)}`,
      `must be one of ${pyList(attribute.enum)}`
    )
  }
  if (attribute.kind === "Dropdown") {
    const names = (attribute.choices ?? []).map((choice) => choice.name)
    if (!names.includes(String(value))) {
      const sorted = [...names].sort().join(", ")
      throw constraint(
        nodeKind,
        attribute,
        "choices",
        sorted,
        `${pyStr(value)} must be one of ${pyRepr(sorted)}`,
        `must be one of ${pyRepr(sorted)}`
      )
    }
  }
}

/** Validates a non-null value for an attribute and returns what to store. */
export const validateAttributeValue = (nodeKind: string, attribute: AttributeSchema, value: unknown): unknown => {
  const normalized = checkFormat(nodeKind, attribute, value)
  checkContent(nodeKind, attribute, normalized)
  return normalized
}

/** A required attribute saved without a value (`BaseAttribute.validate`). */
export const valueRequired = (nodeKind: string, name: string): InfrahubError =>
  attributeRequired(nodeKind, name, `A value must be provided for ${name} at ${name}`)

/** A mandatory field missing from a create payload (`Node._validate_mandatory_*`). */
export const fieldMandatory = (nodeKind: string, name: string): InfrahubError =>
  attributeRequired(nodeKind, name, `${name} is mandatory for ${nodeKind} at ${name}`)
