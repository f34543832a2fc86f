import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { coerceAttributeValue, coerceFilterValue } from "../../src/infrahub/filterValues.js"
import type { AttributeInfo, FilterTarget } from "../../src/infrahub/schemaModel.js"

const attribute = (name: string, kind: string, extra: Partial<AttributeInfo> = {}): AttributeInfo => ({
  name,
  kind,
  label: undefined,
  description: undefined,
  optional: true,
  unique: false,
  readOnly: false,
  choices: undefined,
  enum: undefined,
  ...extra
})

const status = attribute("status", "Dropdown", { choices: ["active", "planned", "decommissioning"] })
const speed = attribute("speed", "Number", { enum: [1000, 10000] })
const position = attribute("position", "Number")
const name = attribute("name", "Text")

const value = (attr: AttributeInfo): FilterTarget => ({ type: "attribute", attribute: attr, suffix: "value" })
const values = (attr: AttributeInfo): FilterTarget => ({ type: "attribute", attribute: attr, suffix: "values" })

const problem = <A>(result: Either.Either<A, string>): string => {
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("coerceFilterValue: choices", () => {
  it("accepts a Dropdown choice and refuses anything else with the valid choices, instead of counting 0 nodes", () => {
    expect(coerceFilterValue(value(status), "planned")).toEqual(Either.right("planned"))
    expect(problem(coerceFilterValue(value(status), "Active"))).toBe(
      "has 'Active', not one of the choices of status: active, planned, decommissioning"
    )
    expect(problem(coerceFilterValue(values(status), ["active", "retired", "gone"]))).toBe(
      "has 'retired', 'gone', not one of the choices of status: active, planned, decommissioning"
    )
  })

  it("with partial_match, accepts a value that is part of a choice (any case), and refuses one that is part of none", () => {
    expect(coerceFilterValue(value(status), "Plan", true)).toEqual(Either.right("Plan"))
    expect(problem(coerceFilterValue(value(status), "retired", true))).toBe(
      "has 'retired', not part of one of the choices of status: active, planned, decommissioning"
    )
  })

  it("checks enums, numeric ones included, after coercing the value", () => {
    expect(coerceFilterValue(value(speed), "10000")).toEqual(Either.right(10000))
    expect(problem(coerceFilterValue(value(speed), 100))).toBe("has '100', not one of the choices of speed: 1000, 10000")
  })

  it("checks a peer's attribute through a relationship too", () => {
    const target: FilterTarget = {
      type: "peerAttribute",
      relationship: { name: "location", peer: "LocationSite", kind: "Attribute", label: undefined, description: undefined, cardinality: "one", optional: true, readOnly: false },
      attribute: status,
      many: false
    }
    expect(problem(coerceFilterValue(target, "closed"))).toContain("not one of the choices of status")
  })

  it("leaves attributes without choices and __isnull alone", () => {
    expect(coerceFilterValue(value(name), "anything")).toEqual(Either.right("anything"))
    expect(coerceFilterValue({ type: "attribute", attribute: status, suffix: "isnull" }, "true")).toEqual(Either.right(true))
  })
})

describe("coerceFilterValue: numbers", () => {
  it("takes numeric strings for numbers, but not ones a JavaScript number would change", () => {
    expect(coerceFilterValue(value(position), " 42 ")).toEqual(Either.right(42))
    expect(coerceFilterValue(value(attribute("vlan_id", "NumberPool")), "100")).toEqual(Either.right(100))
    expect(problem(coerceFilterValue(value(position), "12345678901234567890"))).toContain("at most 9007199254740991")
    expect(problem(coerceFilterValue(value(position), "4.5"))).toBe("expects a whole number")
  })
})

describe("coerceAttributeValue", () => {
  it("coerces what node_upsert writes as filters are coerced, and lets null clear an attribute", () => {
    expect(coerceAttributeValue(position, "42")).toEqual(Either.right(42))
    expect(coerceAttributeValue(position, null)).toEqual(Either.right(null))
    expect(coerceAttributeValue(name, 7)).toEqual(Either.right("7"))
    expect(coerceAttributeValue(attribute("enabled", "Boolean"), "false")).toEqual(Either.right(false))
    expect(problem(coerceAttributeValue(position, "forty-two"))).toBe("expects a whole number")
  })
})
