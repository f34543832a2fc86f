// Infrahub round trips, counted in the sandbox's request log. With a warm schema cache a read costs
// exactly one request (the page and its total travel in one GraphQL document); what can be refused
// locally costs none; concurrent cold reads share one schema fetch.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { call, callWithProgress, serverEnv, structured, toolError } from "./read-support.js"

let sandbox: TestSandbox
let session: StdioSession

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  // Warm the schema cache.
  structured(await call(session.client, "get_schema"))
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

/** The Infrahub requests one action costs, as `METHOD path [operations]`. */
const requestsOf = async (action: () => Promise<unknown>): Promise<ReadonlyArray<string>> => {
  sandbox.clearRequests()
  await action()
  return sandbox.requests().map((request) => `${request.method} ${request.path}${request.operations.length > 0 ? ` [${request.operations.join(",")}]` : ""}`)
}

const tool = (client: Client, name: string, args: Record<string, unknown>) => async () => structured(await call(client, name, args))

describe("with a warm schema cache", () => {
  it("get_nodes with filters and totals costs one GraphQL request", async () => {
    let answer: unknown
    const requests = await requestsOf(async () => {
      answer = structured(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { location__shortname__value: "atl1" }, limit: 1 }))
    })
    expect(requests).toEqual(["POST /graphql [DcimDevice]"])
    expect(answer).toMatchObject({ count: 1, total_count: 2, has_more: true })
  })

  it("get_nodes with include_attributes costs one GraphQL request", async () => {
    expect(await requestsOf(tool(session.client, "get_nodes", { kind: "DcimDevice", include_attributes: true }))).toEqual(["POST /graphql [DcimDevice]"])
  })

  it("get_nodes with limit=-1 costs one request per page of up to 500 nodes", async () => {
    expect(await requestsOf(tool(session.client, "get_nodes", { kind: "InterfacePhysical", limit: -1 }))).toEqual(["POST /graphql [InterfacePhysical]"])
  })

  it("search_nodes costs one GraphQL request, on a generic kind too", async () => {
    expect(await requestsOf(tool(session.client, "search_nodes", { query: "edge", kind: "DcimDevice" }))).toEqual(["POST /graphql [DcimDevice]"])
    expect(await requestsOf(tool(session.client, "search_nodes", { query: "edge", kind: "CoreNode" }))).toEqual(["POST /graphql [CoreNode]"])
  })

  it("get_schema(kind) and infrahub://schema/{kind} cost one cheap hash check", async () => {
    expect(await requestsOf(tool(session.client, "get_schema", { kind: "DcimDevice" }))).toEqual(["GET /api/schema/summary"])
    expect(await requestsOf(() => session.client.readResource({ uri: "infrahub://schema/DcimDevice" }))).toEqual(["GET /api/schema/summary"])
  })

  it("query_graphql costs one request", async () => {
    expect(await requestsOf(tool(session.client, "query_graphql", { query: "query { DcimDevice { count } }" }))).toEqual(["POST /graphql [DcimDevice]"])
  })

  it("refusals found locally cost nothing: unknown filter, reserved key, bad value, a value outside the choices, bad arguments, mutation", async () => {
    for (const [name, args] of [
      ["get_nodes", { kind: "DcimDevice", filters: { hostname__value: "x" } }],
      ["get_nodes", { kind: "DcimDevice", filters: { offset: 3 } }],
      ["get_nodes", { kind: "DcimDevice", filters: { position__value: "top" } }],
      ["get_nodes", { kind: "DcimDevice", filters: { status__value: "retired" } }],
      ["get_nodes", { kind: "DcimDevice", limit: 0 }],
      ["search_nodes", { query: " ", kind: "DcimDevice" }],
      ["query_graphql", { query: "mutation { BuiltinTagDelete(data: {id: \"x\"}) { ok } }" }]
    ] as const) {
      const requests = await requestsOf(async () => toolError(await call(session.client, name, args)))
      expect(requests, JSON.stringify(args)).toEqual([])
    }
  })
})

describe("limit=-1 over more than one page", () => {
  const BRANCH = "e2e-many-tags"
  const EXTRA = 505

  beforeAll(async () => {
    expect((await sandbox.graphql(`mutation { BranchCreate(data: {name: "${BRANCH}"}) { ok } }`)).errors).toBeUndefined()
    const creates = Array.from({ length: EXTRA }, (_, index) => `t${index}: BuiltinTagCreate(data: {name: {value: "bulk-${index}"}}) { ok }`)
    expect((await sandbox.graphql(`mutation { ${creates.join(" ")} }`, BRANCH)).errors).toBeUndefined()
    // Warm the branch's schema.
    structured(await call(session.client, "get_nodes", { kind: "BuiltinTag", branch: BRANCH, limit: 1 }))
  })

  it("fetches every page once, returns every node once and reports progress between pages", async () => {
    const total = ((await sandbox.graphql("query { BuiltinTag { count } }", BRANCH)).data as { BuiltinTag: { count: number } }).BuiltinTag.count
    expect(total).toBeGreaterThan(500)
    let outcome: Awaited<ReturnType<typeof callWithProgress>> | undefined
    const requests = await requestsOf(async () => {
      outcome = await callWithProgress(session.client, "get_nodes", { kind: "BuiltinTag", branch: BRANCH, limit: -1 })
    })
    expect(requests).toEqual([`POST /graphql/${BRANCH} [BuiltinTag]`, `POST /graphql/${BRANCH} [BuiltinTag]`])
    const answer = structured<{ nodes: ReadonlyArray<{ id: string }>; count: number; total_count: number; has_more: boolean }>(outcome?.result ?? { content: [] })
    expect(answer).toMatchObject({ count: total, total_count: total, has_more: false })
    expect(new Set(answer.nodes.map((node) => node.id)).size).toBe(total)
    // The first page's update arrives while the second page is fetched.
    expect(outcome?.progress).toContainEqual({ progress: 500, total, message: `Fetched 500 of ${total} BuiltinTag` })
  })
})

describe("with a cold schema cache", () => {
  let cold: StdioSession

  beforeAll(async () => {
    cold = await connectStdio(serverEnv(sandbox))
  })

  afterAll(async () => {
    await cold?.close()
  })

  it("concurrent first reads share one schema fetch, then cost one request each", async () => {
    const requests = await requestsOf(() =>
      Promise.all([
        tool(cold.client, "get_nodes", { kind: "DcimDevice" })(),
        tool(cold.client, "get_nodes", { kind: "LocationSite" })(),
        tool(cold.client, "search_nodes", { query: "atl1", kind: "DcimDevice" })()
      ])
    )
    expect(requests.filter((request) => request.startsWith("GET /api/schema"))).toEqual(["GET /api/schema"])
    expect(requests.filter((request) => request.startsWith("POST /graphql")).sort()).toEqual([
      "POST /graphql [DcimDevice]",
      "POST /graphql [DcimDevice]",
      "POST /graphql [LocationSite]"
    ])
    expect(requests).toHaveLength(4)
  })
})

describe("every request", () => {
  it("carries the server's INFRAHUB_API_TOKEN", async () => {
    sandbox.clearRequests()
    structured(await call(session.client, "get_nodes", { kind: "DcimDevice" }))
    structured(await call(session.client, "get_schema", { kind: "DcimDevice" }))
    const credentials = sandbox.requests().map((request) => request.credential)
    expect(credentials.length).toBeGreaterThan(0)
    for (const credential of credentials) expect(credential).toMatchObject({ type: "token" })
    expect(new Set(credentials.map((credential) => JSON.stringify(credential))).size).toBe(1)
  })
})
