// Streamable HTTP end to end: the built CLI listening on loopback, driven by the real SDK client and
// by plain fetch where the wire itself is the subject (statuses, JSON bodies, headers).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { CallToolResultSchema, LATEST_PROTOCOL_VERSION, type Progress } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, type HttpServerProcess, startHttpServer } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { addFault, baseOf, call, remediationOf, serverEnv, structured, toolError } from "./read-support.js"

const OAUTH_NOT_ENABLED = { error: "invalid_request", error_description: "OAuth is not enabled on this server." }
const ALLOWED_ORIGIN = "https://app.example.com"

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw-http-test", version: "1.0.0" } }
}

/** POSTs one JSON-RPC message to /mcp and reads the whole answer (an SSE stream ends with the response). */
const post = async (url: string, message: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof message === "string" ? message : JSON.stringify(message)
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

const sessionHeaders = (sessionId: string) => ({ "mcp-session-id": sessionId, "mcp-protocol-version": LATEST_PROTOCOL_VERSION })

/** Opens an MCP session with plain HTTP; returns its id. */
const openSession = async (url: string, headers: Record<string, string> = {}): Promise<string> => {
  const answer = await post(url, INITIALIZE, headers)
  expect(answer.status, answer.text).toBe(200)
  const sessionId = answer.headers.get("mcp-session-id")
  expect(sessionId).toMatch(/^[0-9a-f-]{36}$/)
  const initialized = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionHeaders(sessionId ?? ""))
  expect(initialized.status).toBe(202)
  return sessionId ?? ""
}

/** tools/list on an existing session: 200 while the session lives. */
const listTools = (url: string, sessionId: string) => post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, sessionHeaders(sessionId))

/** Resolves once the server's stderr contains `text` (the test timeout bounds the wait). */
const logged = (server: HttpServerProcess, text: string) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (!server.stderr().includes(text)) return
      server.child.stderr?.off("data", check)
      resolve()
    }
    server.child.stderr?.on("data", check)
    check()
  })

const SESSION_NOT_FOUND = {
  jsonrpc: "2.0",
  error: { code: -32001, message: "Session not found: it expired or was closed. Initialize a new session." },
  id: null
}

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})

afterAll(async () => {
  await sandbox?.close()
})

describe("a server with default session limits", () => {
  let server: HttpServerProcess
  let base: string
  const clients: Array<Client> = []

  beforeAll(async () => {
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_ALLOWED_ORIGINS: ALLOWED_ORIGIN }))
    base = baseOf(server.url)
  })

  afterAll(async () => {
    for (const client of clients) await client.close()
    await server?.stop()
  })

  it("announces its /mcp URL on stderr once it listens, and only there", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    expect(server.stderr()).toMatch(/mcp_server_ready transport=streamable-http url=\S+ auth_mode=none read_only=false/)
  })

  it("serves the tools to the real SDK client, one session per client", async () => {
    const first = await connectHttp(server.url)
    const second = await connectHttp(server.url)
    clients.push(first, second)
    const firstId = (first.transport as StreamableHTTPClientTransport).sessionId
    const secondId = (second.transport as StreamableHTTPClientTransport).sessionId
    expect(firstId).toBeDefined()
    expect(secondId).toBeDefined()
    expect(firstId).not.toBe(secondId)

    const { tools } = await first.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["get_schema", "get_nodes", "search_nodes", "query_graphql", "get_session_info"]))
    const devices = (await sandbox.graphql("query { DcimDevice { count } }")).data as { DcimDevice: { count: number } }
    const answer = structured<{ count: number; total_count: number }>(await call(second, "get_nodes", { kind: "DcimDevice" }))
    expect(answer).toMatchObject({ count: devices.DcimDevice.count, total_count: devices.DcimDevice.count })
    const error = toolError(await call(first, "get_nodes", { kind: "Nope" }))
    expect(error).toMatch(/Valid kinds: .*\bDcimDevice\b/)
    expect(remediationOf(error)).toMatch(/^Remediation: /)
  })

  it("streams a call's progress notifications as they happen, before its answer exists", async () => {
    const client = await connectHttp(server.url)
    clients.push(client)
    // Infrahub holds the first page for a minute: the announcement sent before that request can only
    // reach the client now if the POST's SSE stream carries events as they come, not with the answer.
    addFault(sandbox, { path: "^/graphql", latencyMs: 60_000, times: 1 })
    const cancel = new AbortController()
    const firstProgress = new Promise<Progress>((resolve) => {
      const pending = client.callTool({ name: "get_nodes", arguments: { kind: "InterfacePhysical", limit: -1 } }, CallToolResultSchema, {
        onprogress: (update) => {
          resolve(update)
          cancel.abort()
        },
        signal: cancel.signal
      })
      pending.catch(() => undefined)
    })
    expect(await firstProgress).toEqual({ progress: 0, message: "Fetching all InterfacePhysical" })
    // A call without notifications on the same session: its answer is the response alone, sent whole.
    expect(structured<{ count: number }>(await call(client, "get_nodes", { kind: "InterfacePhysical", limit: 1 })).count).toBe(1)
  })

  it("closes a session on DELETE (SDK terminateSession); its id is then unknown", async () => {
    const client = await connectHttp(server.url)
    const transport = client.transport as StreamableHTTPClientTransport
    const sessionId = transport.sessionId ?? ""
    expect((await listTools(server.url, sessionId)).status).toBe(200)
    await transport.terminateSession()
    await client.close()
    const after = await listTools(server.url, sessionId)
    expect(after.status).toBe(404)
    expect(JSON.parse(after.text)).toEqual(SESSION_NOT_FOUND)
    // The log line travels over another pipe than the HTTP answer: wait for it rather than race it.
    await logged(server, `mcp_session_closed session=${sessionId} reason=client`)
  })

  it("answers an unknown session id with 404 and a request without one with 400", async () => {
    const unknown = await listTools(server.url, "00000000-0000-4000-8000-000000000000")
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.text)).toEqual(SESSION_NOT_FOUND)

    const noSession = await post(server.url, { jsonrpc: "2.0", id: 2, method: "tools/list" })
    expect(noSession.status).toBe(400)
    expect(JSON.parse(noSession.text)).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } })

    const stream = await fetch(server.url, { headers: { accept: "text/event-stream" } })
    expect(stream.status).toBe(400)
    expect(await stream.json()).toEqual({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Bad Request: Mcp-Session-Id header is required; initialize a session with POST first." },
      id: null
    })
  })

  it("answers a body that is not JSON with a JSON-RPC parse error", async () => {
    const answer = await post(server.url, "{not json")
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text)).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error: the body is not valid JSON." }, id: null })
  })

  it("refuses browser origins other than loopback and INFRAHUB_MCP_ALLOWED_ORIGINS", async () => {
    const refused = await post(server.url, INITIALIZE, { origin: "https://evil.example" })
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.text)).toEqual({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Origin https://evil.example is not allowed; set INFRAHUB_MCP_ALLOWED_ORIGINS to allow it." },
      id: null
    })
    // A look-alike of the allowed origin is still refused: the comparison is exact.
    expect((await post(server.url, INITIALIZE, { origin: "https://app.example.com.evil.example" })).status).toBe(403)
    for (const origin of [ALLOWED_ORIGIN, "http://localhost:6274", "http://127.0.0.1:3000"]) {
      expect((await post(server.url, INITIALIZE, { origin })).status, origin).toBe(200)
    }
  })

  it("GET /health checks Infrahub: 200 when it answers, 503 with the reason when it does not", async () => {
    const healthy = await fetch(`${base}/health`)
    expect(healthy.status).toBe(200)
    expect(await healthy.json()).toEqual({ status: "healthy", auth_mode: "none", state_store: { backend: "memory", status: "ok" } })

    addFault(sandbox, { path: "^/graphql", status: 503, times: 1 })
    const unhealthy = await fetch(`${base}/health`)
    expect(unhealthy.status).toBe(503)
    expect(await unhealthy.json()).toEqual({
      status: "unhealthy",
      reason: "Infrahub answered HTTP 503: Injected fault: HTTP 503.",
      auth_mode: "none",
      state_store: { backend: "memory", status: "ok" }
    })

    expect((await fetch(`${base}/health`)).status).toBe(200)
  })

  it("answers OAuth discovery probes and /register with the JSON 404 clients understand", async () => {
    const probes = [
      "/.well-known/oauth-authorization-server",
      "/.well-known/oauth-authorization-server/mcp",
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/openid-configuration",
      "/mcp/.well-known/openid-configuration",
      "/register"
    ]
    for (const path of probes) {
      const response = await fetch(`${base}${path}`)
      expect(response.status, path).toBe(404)
      expect(response.headers.get("content-type"), path).toContain("application/json")
      expect(await response.json(), path).toEqual(OAUTH_NOT_ENABLED)
    }
    const register = await fetch(`${base}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    expect(register.status).toBe(404)
    expect(await register.json()).toEqual(OAUTH_NOT_ENABLED)
  })

  it("GET /metrics counts each MCP request once, by method, its errors and latency, and tool calls by outcome", async () => {
    const client = await connectHttp(server.url)
    clients.push(client)
    const metrics = async () => (await (await fetch(`${base}/metrics`)).json()) as Record<string, Record<string, unknown> | undefined>
    const value = (report: Record<string, Record<string, unknown> | undefined>, name: string, key: string) => Number(report[name]?.[key] ?? 0)
    const before = await metrics()
    await client.readResource({ uri: "infrahub://branches" })
    structured(await call(client, "get_schema", { kind: "DcimDevice" }))
    toolError(await call(client, "get_schema", { kind: "Nope" }))
    // A request the server refuses (an unknown resource) counts as a request and as an error.
    await expect(client.readResource({ uri: "infrahub://nope" })).rejects.toThrow()
    const after = await metrics()
    const delta = (name: string, key: string) => value(after, name, key) - value(before, name, key)
    const latencyCount = (report: Record<string, Record<string, unknown> | undefined>) =>
      Number((report["infrahub_mcp_latency_ms"]?.["tools/call"] as { readonly count?: number } | undefined)?.count ?? 0)
    expect(delta("infrahub_mcp_requests_total", "resources/read")).toBe(2)
    expect(delta("infrahub_mcp_errors_total", "resources/read")).toBe(1)
    expect(delta("infrahub_mcp_requests_total", "tools/call")).toBe(2)
    // A tool that answers with isError is a request that succeeded at the protocol level.
    expect(delta("infrahub_mcp_errors_total", "tools/call")).toBe(0)
    expect(latencyCount(after) - latencyCount(before)).toBe(2)
    expect(delta("infrahub_mcp_tool_calls_total", "get_schema:ok")).toBe(1)
    expect(delta("infrahub_mcp_tool_calls_total", "get_schema:error")).toBe(1)
  })

  it("answers other paths with a JSON 404 that points at /mcp", async () => {
    const response = await fetch(`${base}/sse`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: "not_found",
      error_description: "No route GET /sse. MCP clients connect to /mcp; /health and /metrics are for operators."
    })
  })
})

describe("a server with small session bounds", () => {
  const MAX_SESSIONS = 2
  let server: HttpServerProcess

  beforeAll(async () => {
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_MAX_SESSIONS: String(MAX_SESSIONS) }))
  })

  afterAll(async () => {
    await server?.stop()
  })

  // Idle expiry is driven with TestClock in test/http/McpHttp.test.ts, not by waiting here.
  it("refuses sessions beyond the maximum and frees a place on DELETE", async () => {
    const first = await openSession(server.url)
    const second = await openSession(server.url)

    const refused = await post(server.url, INITIALIZE)
    expect(refused.status).toBe(503)
    expect(JSON.parse(refused.text)).toEqual({
      jsonrpc: "2.0",
      error: { code: -32000, message: `This server already holds its maximum of ${MAX_SESSIONS} MCP sessions; retry later (idle sessions expire).` },
      id: null
    })
    expect((await listTools(server.url, first)).status).toBe(200)

    const deleted = await fetch(server.url, { method: "DELETE", headers: sessionHeaders(second) })
    expect(deleted.status).toBe(200)
    expect((await listTools(server.url, second)).status).toBe(404)
    const third = await openSession(server.url)
    expect((await listTools(server.url, third)).status).toBe(200)
  })
})

describe("a server at its session limit", () => {
  let server: HttpServerProcess

  beforeAll(async () => {
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_MAX_SESSIONS: "2" }))
  })

  afterAll(async () => {
    await server?.stop()
  })

  it("admits only one of several simultaneous new sessions for the last place, and never drops a live one for them", async () => {
    const live = await openSession(server.url)
    const answers = await Promise.all([post(server.url, INITIALIZE), post(server.url, INITIALIZE), post(server.url, INITIALIZE)])
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 503, 503])
    expect((await listTools(server.url, live)).status).toBe(200)
    expect(server.stderr()).not.toMatch(/mcp_session_closed session=\S+ reason=capacity/)
  })
})
