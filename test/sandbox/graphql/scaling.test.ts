import { describe, expect, it } from "vitest"
import { makeServer, type TestServer } from "./helpers.js"

/**
 * How the sandbox's work grows with its data, counted in stored records walked through (never timed):
 * a create must not look at every node of its kind (uniqueness, HFID and default-filter look-ups go
 * through value indexes kept current on each write), and reading a result page by page must filter and
 * sort it once, not once per page.
 */

const createPeople = (server: TestServer, from: number, count: number): void => {
  const batch = 200
  for (let start = from; start < from + count; start += batch) {
    const fields = Array.from({ length: Math.min(batch, from + count - start) }, (_, index) => {
      const n = start + index
      return `p${n}: TestPersonCreate(data: {name: {value: "Person ${n}"}, height: {value: ${n}}}) { ok }`
    })
    server.ok(`mutation { ${fields.join(" ")} }`)
  }
}

/** Records walked through by one create (with its uniqueness checks) once `existing` people exist. */
const costOfOneCreate = (server: TestServer, n: number): number => {
  const before = server.engine.work.visited
  server.ok(`mutation { TestPersonCreate(data: {name: {value: "Person ${n}"}}) { ok } }`)
  return server.engine.work.visited - before
}

describe("work per operation", () => {
  it("a create costs the same with 3 000 nodes of its kind as with 300", () => {
    const server = makeServer()
    createPeople(server, 0, 300)
    // Reads build the indexes once; from then on they are kept current.
    server.ok("query { TestPerson { count } }")
    const small = costOfOneCreate(server, 300)
    createPeople(server, 301, 2_700)
    server.ok("query { TestPerson { count } }")
    const large = costOfOneCreate(server, 3_001)
    expect(large).toBeLessThanOrEqual(small)
    // A duplicate is still found through the index.
    const duplicate = server.gql(`mutation { TestPersonCreate(data: {name: {value: "Person 42"}}) { ok } }`)
    expect(duplicate.body.errors?.[0]?.message).toContain("Violates uniqueness constraint")
  })

  it("an update and an upsert by HFID cost the same with 3 000 nodes as with 300", () => {
    const server = makeServer()
    createPeople(server, 0, 300)
    server.ok("query { TestPerson { count } }")
    const measure = (n: number): number => {
      const before = server.engine.work.visited
      server.ok(`mutation { TestPersonUpdate(data: {hfid: ["Person ${n}"], height: {value: 1}}) { ok } }`)
      server.ok(`mutation { TestPersonUpsert(data: {hfid: ["Person ${n}"], name: {value: "Person ${n}"}, height: {value: 2}}) { ok } }`)
      return server.engine.work.visited - before
    }
    const small = measure(7)
    createPeople(server, 300, 2_700)
    server.ok("query { TestPerson { count } }")
    expect(measure(2_999)).toBeLessThanOrEqual(small)
  })

  it("paging through 2 000 nodes 50 at a time filters and sorts them once, not once per page", () => {
    const server = makeServer()
    createPeople(server, 0, 2_000)
    const before = server.engine.work.visited
    const seen: Array<string> = []
    for (let offset = 0; offset < 2_000; offset += 50) {
      const data = server.ok(`query { TestPerson(offset: ${offset}, limit: 50) { count edges { node { name { value } } } } }`)
      const page = data["TestPerson"] as { count: number; edges: ReadonlyArray<{ node: { name: { value: string } } }> }
      expect(page.count).toBe(2_000)
      seen.push(...page.edges.map((edge) => edge.node.name.value))
    }
    const visited = server.engine.work.visited - before
    // 40 pages: once through the data (plus building the index), where a per-page sort would walk 80 000 records.
    expect(visited).toBeLessThanOrEqual(2 * 2_000 + 100)
    expect(new Set(seen).size).toBe(2_000)
    // Ordered by the schema's order_by (name), the same order on every page.
    expect(seen.slice(0, 3)).toEqual(["Person 0", "Person 1", "Person 10"])
  })

  it("a write between two pages is seen by the next page (the cache follows the data)", () => {
    const server = makeServer()
    createPeople(server, 0, 100)
    const first = server.ok(`query { TestPerson(offset: 0, limit: 10) { count } }`)
    expect(first).toEqual({ TestPerson: { count: 100 } })
    server.ok(`mutation { TestPersonCreate(data: {name: {value: "Aaron"}}) { ok } }`)
    const next = server.ok(`query { TestPerson(offset: 0, limit: 1) { count edges { node { name { value } } } } }`)
    expect(next).toEqual({ TestPerson: { count: 101, edges: [{ node: { name: { value: "Aaron" } } }] } })
  })
})
