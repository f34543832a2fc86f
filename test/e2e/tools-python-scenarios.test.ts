import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { type CallToolResult, McpError } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { adminGraphql, createBranch, deleteBranch, mergeBranch, serverEnv } from "./write-support.js"

/**
 * The Python server's integration scenarios (opsmill/infrahub-mcp tests/integration: branches
 * resource, failure modes, GraphQL tool, live session branch, node tools, schema resource, write
 * tool, read-only), run against this server with the real SDK client over stdio, asserting what the
 * Python client asserts, read the way its helpers read results:
 * - `tool_text`: the text blocks joined (our results are objects, never bare strings);
 * - `_data`: the structured content (FastMCP's `result.data`), else the first text block as JSON;
 * - `resource_json`: the first content's text as JSON;
 * - `pytest.raises((ToolError, McpError))`: an `isError` result or a JSON-RPC error.
 * The seed is theirs: a minimal TestingWidget schema and three widgets on main.
 */

const WIDGET_KIND = "TestingWidget"

const SCHEMA_MINIMAL = `---
version: "1.0"
nodes:
  - name: Widget
    namespace: Testing
    label: Widget
    description: Test-only node used by the MCP integration suite.
    default_filter: name__value
    display_labels:
      - name__value
    human_friendly_id:
      - name__value
    attributes:
      - name: name
        kind: Text
        unique: true
      - name: color
        kind: Text
        optional: true
      - name: quantity
        kind: Number
        optional: true
`

const SEED_WIDGETS = `---
apiVersion: infrahub.app/v1
kind: Object
spec:
  kind: TestingWidget
  data:
    - name: alpha
      color: red
      quantity: 1
    - name: beta
      color: blue
      quantity: 2
    - name: gamma
      color: red
      quantity: 3
`

const toolText = (result: CallToolResult): string =>
  result.content.map((block) => (block.type === "text" ? block.text : "")).join("")

const data = (result: CallToolResult): Record<string, unknown> => {
  if (result.structuredContent !== undefined) return result.structuredContent
  const [first] = result.content
  return JSON.parse(first !== undefined && first.type === "text" ? first.text : "null") as Record<string, unknown>
}

const resourceJson = async (client: Client, uri: string): Promise<Record<string, Record<string, unknown>>> => {
  const [first] = (await client.readResource({ uri })).contents
  return JSON.parse(first !== undefined && "text" in first ? first.text : "null") as Record<string, Record<string, unknown>>
}

const callTool = (client: Client, name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }) as Promise<CallToolResult>

/** `pytest.raises((ToolError, McpError))`: the call failed as a tool error or a protocol error. */
const raises = async (client: Client, name: string, args: Record<string, unknown>): Promise<void> => {
  const outcome = await callTool(client, name, args).then(
    (result) => result.isError === true,
    (error: unknown) => error instanceof McpError
  )
  expect(outcome, `${name} ${JSON.stringify(args)} should raise`).toBe(true)
}

const tag = () => `mcp-live-${randomBytes(4).toString("hex")}`

const dir = mkdtempSync(join(tmpdir(), "python-scenarios-"))
let sandbox: TestSandbox
let session: StdioSession
let testBranch: string

beforeAll(async () => {
  writeFileSync(join(dir, "schema_minimal.yml"), SCHEMA_MINIMAL)
  writeFileSync(join(dir, "seed.yml"), SEED_WIDGETS)
  sandbox = await startTestSandbox({ schemas: [join(dir, "schema_minimal.yml")], data: [join(dir, "seed.yml")] })
  session = await connectStdio(serverEnv(sandbox))
  // The `test_branch` fixture: a fresh branch off main per test file.
  testBranch = `test-${randomBytes(4).toString("hex")}`
  await createBranch(sandbox, testBranch)
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("test_branches_resource", () => {
  it("includes main and the test branch", async () => {
    const branches = await resourceJson(session.client, "infrahub://branches")
    expect(branches).toHaveProperty("main")
    expect(branches).toHaveProperty(testBranch)
    expect(branches["main"]?.["is_default"]).toBe(true)
  })
})

describe("test_failure_modes", () => {
  it("rejects malformed input before any SDK call", async () => {
    sandbox.clearRequests()
    await raises(session.client, "get_nodes", {})
    expect(sandbox.requests()).toEqual([])
  })

  it("surfaces a bad request as a clean error, without a traceback", async () => {
    const result = await callTool(session.client, "get_nodes", { kind: "ThisKindDoesNotExist" })
    expect(result.isError).toBe(true)
    expect(toolText(result)).not.toContain("Traceback (most recent call last)")
  })
})

describe("test_graphql_tool", () => {
  it("query_graphql reads seeded data", async () => {
    const result = await callTool(session.client, "query_graphql", { query: "query { TestingWidget { edges { node { name { value } } } } }" })
    expect(result.isError).not.toBe(true)
    expect(toolText(result)).toContain("alpha")
  })

  it("query_graphql rejects a mutation", async () => {
    await raises(session.client, "query_graphql", { query: 'mutation { CoreAccountCreate(data: {name: {value: "x"}}) { ok } }' })
  })
})

describe("test_node_tools", () => {
  it("get_nodes returns the seeded widgets", async () => {
    const result = await callTool(session.client, "get_nodes", { kind: WIDGET_KIND })
    expect(result.isError).not.toBe(true)
    const text = toolText(result)
    expect(text).toContain("alpha")
    expect(text).toContain("gamma")
  })

  it("get_nodes filters by color", async () => {
    const result = await callTool(session.client, "get_nodes", { kind: WIDGET_KIND, filters: { color__value: "blue" } })
    expect(result.isError).not.toBe(true)
    const text = toolText(result)
    expect(text).toContain("beta")
    expect(text).not.toContain("alpha")
  })

  it("get_nodes pagination limits the page size", async () => {
    const page = await callTool(session.client, "get_nodes", { kind: WIDGET_KIND, limit: 2 })
    expect(page.isError).not.toBe(true)
    const text = toolText(page)
    expect(["alpha", "beta", "gamma"].filter((name) => text.includes(name))).toHaveLength(2)
  })
})

describe("test_schema_resource", () => {
  it("infrahub://schema lists the seeded kind", async () => {
    const catalog = await resourceJson(session.client, "infrahub://schema")
    expect(catalog).toHaveProperty(WIDGET_KIND)
  })
})

describe("test_write_tool", () => {
  it("node_upsert does not touch main", async () => {
    const result = await callTool(session.client, "node_upsert", { kind: WIDGET_KIND, data: { name: "delta", color: "green" } })
    expect(result.isError).not.toBe(true)
    const onMain = await adminGraphql(sandbox, 'query { TestingWidget(name__value: "delta") { edges { node { id } } } }', "main")
    expect((onMain["TestingWidget"] as { edges: ReadonlyArray<unknown> }).edges).toEqual([])
  })

  it("a write tool is blocked in read-only mode", async () => {
    const readOnly = await connectStdio(serverEnv(sandbox, { INFRAHUB_MCP_READ_ONLY: "true" }))
    try {
      await raises(readOnly.client, "node_upsert", { kind: WIDGET_KIND, data: { name: "epsilon", color: "black" } })
    } finally {
      await readOnly.close()
    }
  })
})

describe("test_live_session_branch", () => {
  /** `async with Client(mcp) as cl`: a fresh client, hence a fresh session, per scenario. */
  const withClient = async (body: (client: Client) => Promise<void>) => {
    const fresh = await connectStdio(serverEnv(sandbox))
    try {
      await body(fresh.client)
    } finally {
      await fresh.close()
    }
  }

  it("recovers after the session branch was merged: the next write lands on a new branch", async () => {
    await withClient(async (client) => {
      const b1 = String(data(await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name: tag() } }))["branch"])
      expect(b1.startsWith("mcp/session-")).toBe(true)
      await mergeBranch(sandbox, b1)
      const b2 = String(data(await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name: tag() } }))["branch"])
      expect(b2).not.toBe(b1)
      expect(b2.startsWith("mcp/session-")).toBe(true)
    })
  })

  it("recovers after the session branch was deleted", async () => {
    await withClient(async (client) => {
      const b1 = String(data(await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name: tag() } }))["branch"])
      await deleteBranch(sandbox, b1)
      const b2 = String(data(await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name: tag() } }))["branch"])
      expect(b2).not.toBe(b1)
    })
  })

  it("resets, switches to a conformant new branch, and rejects the default branch", async () => {
    const conformant = `mcp/session-20990101-${randomBytes(4).toString("hex")}`
    await withClient(async (client) => {
      const b1 = String(data(await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name: tag() } }))["branch"])
      const reset = data(await callTool(client, "reset_session_branch", {}))
      expect(reset["action"]).toBe("reset")
      expect(reset["previous_branch"]).toBe(b1)
      expect(reset["session_branch"]).toBeNull()
      const created = data(await callTool(client, "reset_session_branch", { branch: conformant }))
      expect(created["action"]).toBe("created")
      expect(created["session_branch"]).toBe(conformant)
      await raises(client, "reset_session_branch", { branch: "main" })
    })
  })

  it("blocks privileged mutations in mutate_graphql, even in an inline fragment, and runs data mutations", async () => {
    await withClient(async (client) => {
      await raises(client, "mutate_graphql", { query: 'mutation { BranchMerge(data: {name: "main"}) { ok } }' })
      await raises(client, "mutate_graphql", { query: 'mutation { ... on Mutation { BranchMerge(data: {name: "main"}) { ok } } }' })
      const res = data(await callTool(client, "mutate_graphql", { query: `mutation { BuiltinTagCreate(data: {name: {value: "${tag()}"}}) { ok } }` }))
      // The Python client reads res["BuiltinTagCreate"]["ok"]: the data object is the result.
      expect((res["BuiltinTagCreate"] as { ok?: unknown } | undefined)?.ok).toBe(true)
      const info = data(await callTool(client, "get_session_info", {}))
      expect(info["has_session_branch"]).toBe(true)
      expect(typeof info["session_branch"]).toBe("string")
    })
  })
})
