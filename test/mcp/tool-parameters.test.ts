import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { toJsonSchema } from "../../src/mcp/jsonSchema.js"
import { formatIssues } from "../../src/mcp/pipeline.js"
import { allTools } from "../../src/mcp/tools/index.js"

const tool = (name: string) => {
  const found = allTools.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`no tool ${name}`)
  return found
}

/** The messages a client sees for bad arguments (the pipeline prefixes them with the path). */
const problems = (name: string, args: unknown): string => {
  const result = Schema.decodeUnknownEither(tool(name).parameters)(args, { errors: "all", onExcessProperty: "error" })
  return result._tag === "Right" ? "" : formatIssues(result.left)
}

describe("read tool parameters", () => {
  it("say what to pass instead of echoing the schema", () => {
    expect(problems("get_nodes", { kind: "" })).toBe("kind: kind must not be empty; get_schema() lists the kinds")
    expect(problems("get_nodes", { kind: "DcimDevice", branch: "" })).toMatch(/^branch: branch must not be empty: /)
    expect(problems("get_nodes", { kind: "DcimDevice", limit: 0 })).toBe("limit: limit must be a whole number of at least 1, or -1 for all nodes")
    expect(problems("get_nodes", { kind: "DcimDevice", offset: -5 })).toBe("offset: offset must be a whole number of at least 0")
    expect(problems("get_nodes", { kind: "DcimDevice", offset: "x" })).toBe("offset: Expected number, actual \"x\"")
    expect(problems("search_nodes", { kind: "DcimDevice", query: "x", limit: 101 })).toBe("limit: limit must be a whole number from 1 to 100")
    expect(problems("query_graphql", { query: "" })).toBe("query: query must not be empty: pass a GraphQL query document")
    expect(problems("get_schema", { kind: "" })).toBe("kind: kind must not be empty: leave it out for the catalog of kinds")
    expect(problems("get_nodes", { kind: "DcimDevice", limit: 10 })).toBe("")
  })

  it("keep the Python server's defaults and bounds in the published input schemas", () => {
    const schema = toJsonSchema(tool("get_nodes").parameters) as {
      required: ReadonlyArray<string>
      properties: Record<string, { default?: unknown }>
    }
    expect(schema.required).toEqual(["kind"])
    expect(schema.properties["limit"]?.default).toBe(50)
    expect(schema.properties["offset"]?.default).toBe(0)
    expect(schema.properties["partial_match"]?.default).toBe(false)
    expect(schema.properties["include_attributes"]?.default).toBe(false)
    const search = toJsonSchema(tool("search_nodes").parameters) as { properties: Record<string, { default?: unknown }> }
    expect(search.properties["limit"]).toMatchObject({ default: 10, minimum: 1, maximum: 100 })
  })
})
