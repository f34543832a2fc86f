// Over stdio, stdout is the protocol: every line the server writes there must be a JSON-RPC message.
// The server is spawned by hand (not through the SDK transport, which would skip what it cannot parse).
import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js"
import { BIN } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { serverEnv } from "./read-support.js"

interface JsonRpcMessage {
  readonly jsonrpc: string
  readonly id?: number | string
  readonly method?: string
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string }
  readonly params?: Record<string, unknown>
}

/** The requests sent, in order; each gets a response. Calls that fail and calls that log are included on purpose. */
const REQUESTS: ReadonlyArray<{ readonly method: string; readonly params?: Record<string, unknown> }> = [
  { method: "tools/list" },
  { method: "tools/call", params: { name: "get_schema", arguments: {} } },
  { method: "tools/call", params: { name: "get_nodes", arguments: { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } } } },
  { method: "tools/call", params: { name: "get_nodes", arguments: { kind: "InterfacePhysical", limit: -1 }, _meta: { progressToken: "all-interfaces" } } },
  { method: "tools/call", params: { name: "get_nodes", arguments: { kind: "Nope" } } },
  { method: "tools/call", params: { name: "query_graphql", arguments: { query: "mutation { BuiltinTagDelete(data: {id: \"x\"}) { ok } }" } } },
  { method: "tools/call", params: { name: "search_nodes", arguments: { query: "edge", kind: "DcimGenericDevice" } } },
  { method: "resources/read", params: { uri: "infrahub://schema/DcimDevice" } },
  { method: "resources/read", params: { uri: "infrahub://nowhere" } },
  { method: "prompts/get", params: { name: "infrahub_agent" } },
  { method: "no/such/method" }
]

let sandbox: TestSandbox
let stdoutLines: ReadonlyArray<string>
let stderr: string
let exitCode: number | null

beforeAll(async () => {
  sandbox = await startTestSandbox()
  const child = spawn(process.execPath, [BIN], { env: { PATH: process.env["PATH"] ?? "", ...serverEnv(sandbox) }, stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let errors = ""
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`)

  // Each request is sent once the previous one is answered, so the transcript is deterministic.
  let waiting: { readonly id: number; readonly resolve: () => void } | undefined
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
    if (waiting !== undefined && stdout.split("\n").some((line) => line.includes(`"id":${waiting?.id}`) && /"(result|error)"/.test(line))) {
      const done = waiting
      waiting = undefined
      done.resolve()
    }
  })
  const request = (id: number, method: string, params?: Record<string, unknown>) =>
    new Promise<void>((resolve) => {
      waiting = { id, resolve }
      send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })
    })

  await request(1, "initialize", { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "purity-test", version: "1.0.0" } })
  send({ jsonrpc: "2.0", method: "notifications/initialized" })
  // The client asks for debug-level log notifications: they must arrive as JSON-RPC too.
  await request(2, "logging/setLevel", { level: "debug" })
  for (const [index, { method, params }] of REQUESTS.entries()) await request(index + 3, method, params)
  child.stdin.end()
  exitCode = await exited
  stdoutLines = stdout.split("\n")
  stderr = errors
})

afterAll(async () => {
  await sandbox?.close()
})

describe("stdio", () => {
  it("writes nothing but newline-delimited JSON-RPC 2.0 messages to stdout", () => {
    expect(stdoutLines.at(-1)).toBe("")
    const lines = stdoutLines.slice(0, -1)
    expect(lines.length).toBeGreaterThanOrEqual(REQUESTS.length + 2)
    for (const line of lines) {
      let message: JsonRpcMessage | undefined
      expect(() => (message = JSON.parse(line) as JsonRpcMessage), line).not.toThrow()
      expect(message?.jsonrpc, line).toBe("2.0")
      const isResponse = message?.id !== undefined && (message.result !== undefined || message.error !== undefined)
      const isNotification = message?.id === undefined && typeof message?.method === "string"
      expect(isResponse || isNotification, line).toBe(true)
    }
  })

  it("answers every request exactly once, in order, including the ones that fail", () => {
    const responses = stdoutLines
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as JsonRpcMessage)
      .filter((message) => message.id !== undefined)
    expect(responses.map((message) => message.id)).toEqual(Array.from({ length: REQUESTS.length + 2 }, (_, index) => index + 1))
    const byId = new Map(responses.map((message) => [message.id, message]))
    expect(byId.get(7)?.result).toMatchObject({ isError: true })
    expect(byId.get(11)?.error?.code).toBe(-32602)
    expect(byId.get(REQUESTS.length + 2)?.error?.code).toBe(-32601)
  })

  it("sends progress as JSON-RPC notifications on stdout", () => {
    const progress = stdoutLines
      .filter((line) => line.includes("notifications/progress"))
      .map((line) => JSON.parse(line) as JsonRpcMessage)
    expect(progress.length).toBeGreaterThan(0)
    for (const message of progress) expect(message.params?.["progressToken"]).toBe("all-interfaces")
  })

  it("logs to stderr, and stops with exit code 0 when the client closes stdin", () => {
    expect(stderr).toContain("mcp_server_ready transport=stdio")
    expect(stderr).toContain("tool_call tool=get_nodes")
    expect(stderr).toContain("mcp_server_stopping reason=stdin-closed")
    expect(stdoutLines.join("\n")).not.toContain("mcp_server_ready")
    expect(exitCode).toBe(0)
  })
})
