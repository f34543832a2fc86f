import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, connectStdio, startHttpServer, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { branchNames, callError, callOk, endHttpSession, serverEnv } from "./write-support.js"

/**
 * INFRAHUB_MCP_READ_ONLY: the write tools are absent from tools/list, refused at call time when
 * called by name anyway (before any Infrahub request), and the agent prompt says writes are off.
 * Each accepted spelling is tried on one transport; the last test shows the default is writable.
 */

const READ_TOOLS = ["get_nodes", "get_schema", "get_session_info", "query_graphql", "search_nodes"]
const WRITE_CALLS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["node_upsert", { kind: "BuiltinTag", data: { name: "ro-attempt" } }],
  ["node_delete", { kind: "BuiltinTag", hfid: ["edge"] }],
  ["mutate_graphql", { query: 'mutation { BuiltinTagCreate(data: { name: { value: "ro-attempt" } }) { ok } }' }],
  ["propose_changes", { title: "ro-attempt" }],
  ["reset_session_branch", { branch: "ro-attempt-branch" }],
  // Refused before the arguments are even looked at.
  ["node_upsert", { nonsense: true }]
]

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})

afterAll(async () => {
  await sandbox?.close()
})

const expectReadOnly = async (client: Client) => {
  const { tools } = await client.listTools()
  expect(tools.map((tool) => tool.name).sort()).toEqual(READ_TOOLS)

  sandbox.clearRequests()
  for (const [name, args] of WRITE_CALLS) {
    const text = await callError(client, name, args)
    expect(text).toContain(`${name} is not available: this server runs in read-only mode (INFRAHUB_MCP_READ_ONLY)`)
    expect(text).toMatch(/Remediation: Use the read tools/)
  }
  // Refused before anything reached Infrahub.
  expect(sandbox.requests()).toEqual([])
  expect(await branchNames(sandbox)).toEqual(["main"])

  const info = await callOk(client, "get_session_info")
  expect(info).toMatchObject({ session_branch: null, has_session_branch: false, write_tools_available: false })

  const prompt = await client.getPrompt({ name: "infrahub_agent" })
  const text = prompt.messages.map((message) => (message.content.type === "text" ? message.content.text : "")).join("\n")
  expect(text).toContain("read-only mode")
  expect(text).toContain("Writes are unavailable")
  expect(text).not.toContain("node_upsert(")
  expect(text).not.toContain("propose_changes(")

  // Reads still work.
  const nodes = await client.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag" } })
  expect(nodes.isError).not.toBe(true)
  expect(textOf(nodes)).toContain("edge")
}

describe("read-only mode", () => {
  it("INFRAHUB_MCP_READ_ONLY=true over stdio", async () => {
    const session = await connectStdio(serverEnv(sandbox, { INFRAHUB_MCP_READ_ONLY: "true" }))
    try {
      await expectReadOnly(session.client)
    } finally {
      await session.close()
    }
  })

  for (const value of ["1", "yes"]) {
    it(`INFRAHUB_MCP_READ_ONLY=${value} over HTTP`, async () => {
      const server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_READ_ONLY: value }))
      try {
        const client = await connectHttp(server.url)
        try {
          await expectReadOnly(client)
        } finally {
          await endHttpSession(client)
        }
      } finally {
        await server.stop()
      }
    })
  }

  it("INFRAHUB_MCP_READ_ONLY=false lists the write tools, and the prompt teaches the write workflow", async () => {
    const session = await connectStdio(serverEnv(sandbox, { INFRAHUB_MCP_READ_ONLY: "false" }))
    try {
      const { tools } = await session.client.listTools()
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]))
      const prompt = await session.client.getPrompt({ name: "infrahub_agent" })
      const text = prompt.messages.map((message) => (message.content.type === "text" ? message.content.text : "")).join("\n")
      expect(text).not.toContain("read-only mode")
      expect(text).toContain("node_upsert(")
      expect(text).toContain("propose_changes(")
    } finally {
      await session.close()
    }
  })
})
