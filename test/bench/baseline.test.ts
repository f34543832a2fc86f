import { readFileSync } from "node:fs"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { type FilterValue, nodesDocument, pageOf } from "../../bench/baseline/documents.js"
import { buildNodeQuery, decodeNodePage } from "../../src/infrahub/nodeQuery.js"
import { decodeBranchSchema } from "../../src/infrahub/schemaModel.js"

// The bench's bare SDK baseline must send infrahub-mcp's documents and decode answers into the same
// rows, or its ratios compare unlike work. `npm run bench` checks this against the live servers;
// this catches a drift in nodeQuery.ts without running the bench.
const schema = Either.getOrThrow(decodeBranchSchema(JSON.parse(readFileSync(new URL("../fixtures/infrahub/schema_05.json", import.meta.url), "utf8"))))
const tag = schema.kinds.get("BuiltinTag")

const ours = (filters: Readonly<Record<string, FilterValue>>, offset: number, limit: number) => {
  if (tag === undefined) throw new Error("the recorded schema has no BuiltinTag")
  const entries = Object.entries(filters).map(([name, value]) => [name, typeof value === "string" ? value : [...value]] as const)
  return buildNodeQuery({ kind: tag, filters: entries, partialMatch: false, offset, limit, detail: "labels" }, schema)
}

describe("the bench's bare SDK baseline", () => {
  it.each([
    [{ name__value: "red" }, 0, 50],
    [{ name__value: 'with "quotes" and \\ backslash' }, 0, 50],
    [{ description__value: "bench-q1" }, 500, 500],
    [{ description__values: ["bench-q1", "bench-q2"] }, 1000, 500],
    [{}, 0, 500]
  ] as const)("builds infrahub-mcp's get_nodes document for filters %j, offset %i, limit %i", (filters, offset, limit) => {
    expect(nodesDocument("BuiltinTag", Object.entries(filters), offset, limit)).toBe(ours(filters, offset, limit))
  })

  it("labels nodes as infrahub-mcp does: display_label, else the kind and hfid, else the id", () => {
    const data = {
      BuiltinTag: {
        count: 3,
        edges: [
          { node: { id: "1", hfid: ["red"], display_label: "Red", __typename: "BuiltinTag" } },
          { node: { id: "2", hfid: ["blue"], display_label: " ", __typename: "BuiltinTag" } },
          { node: { id: "3", hfid: null, display_label: null, __typename: "BuiltinTag" } }
        ]
      }
    }
    if (tag === undefined) throw new Error("the recorded schema has no BuiltinTag")
    const reference = decodeNodePage(data, { kind: tag, filters: [], partialMatch: false, offset: 0, limit: 50, detail: "labels" }, schema)
    expect(pageOf(data, "BuiltinTag")).toEqual({
      count: reference?.count,
      rows: reference?.rows.map((row) => ({ id: row.id, kind: row.kind, label: row.label }))
    })
    expect(pageOf(data, "BuiltinTag").rows.map((row) => row.label)).toEqual(["Red", "BuiltinTag__blue", "3"])
  })
})
