import { describe, expect, it } from "@effect/vitest"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import { Option } from "effect"
import { invalidParams, MAX_ARGUMENT_DEPTH, nestedDeeperThan } from "../../src/mcp/requestGuard.js"

const nested = (depth: number): unknown => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value }
  return value
}

const request = (method: string, params?: unknown): JSONRPCMessage =>
  ({ jsonrpc: "2.0", id: 7, method, ...(params === undefined ? {} : { params }) }) as JSONRPCMessage

describe("nestedDeeperThan", () => {
  it("counts containers, not scalars, and survives depths that overflow recursive code", () => {
    expect(nestedDeeperThan(1, 0)).toBe(false)
    expect(nestedDeeperThan({ a: 1 }, 1)).toBe(false)
    expect(nestedDeeperThan({ a: { b: 1 } }, 1)).toBe(true)
    expect(nestedDeeperThan(nested(MAX_ARGUMENT_DEPTH), MAX_ARGUMENT_DEPTH)).toBe(false)
    expect(nestedDeeperThan(nested(MAX_ARGUMENT_DEPTH + 1), MAX_ARGUMENT_DEPTH)).toBe(true)
    expect(nestedDeeperThan(nested(200_000), MAX_ARGUMENT_DEPTH)).toBe(true)
  })
})

describe("invalidParams", () => {
  it("lets well-formed requests, notifications and unknown methods through", () => {
    expect(invalidParams(request("tools/call", { name: "get_schema", arguments: { kind: "DcimDevice" } }))).toEqual(Option.none())
    expect(invalidParams(request("tools/call", { name: "get_schema" }))).toEqual(Option.none())
    expect(invalidParams(request("tools/list"))).toEqual(Option.none())
    expect(invalidParams({ jsonrpc: "2.0", method: "notifications/initialized" })).toEqual(Option.none())
    expect(invalidParams(request("custom/method", 42))).toEqual(Option.none())
  })
  it("explains a tools/call without params", () => {
    expect(invalidParams(request("tools/call"))).toEqual(Option.some(`Invalid params: tools/call needs "params" with the tool's "name" and its "arguments", e.g. {"name": "get_schema", "arguments": {}}.`))
  })
  it("names the field of other malformed params instead of dumping the schema error", () => {
    const message = Option.getOrElse(invalidParams(request("resources/read", {})), () => "")
    expect(message).toMatch(/^Invalid params for resources\/read: params\.uri: /)
    expect(message).not.toContain("[")
    expect(Option.getOrElse(invalidParams(request("tools/call", { name: 1 })), () => "")).toMatch(/^Invalid params for tools\/call: params\.name: /)
    expect(Option.getOrElse(invalidParams(request("logging/setLevel", { level: "loud" })), () => "")).toMatch(/^Invalid params for logging\/setLevel: params\.level: /)
  })
  it("refuses tool arguments nested deeper than the limit", () => {
    expect(invalidParams(request("tools/call", { name: "query_graphql", arguments: { variables: nested(MAX_ARGUMENT_DEPTH - 2) } }))).toEqual(Option.none())
    expect(invalidParams(request("tools/call", { name: "query_graphql", arguments: { variables: nested(MAX_ARGUMENT_DEPTH) } }))).toEqual(
      Option.some(`Invalid params: tools/call arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels, which no tool accepts; send flatter arguments.`)
    )
  })
})
