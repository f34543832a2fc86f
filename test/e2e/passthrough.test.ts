import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tokenTrace } from "../../src/sandbox/http/accounts.js"
import { connectHttp, runCli, startHttpServer, type HttpServerProcess } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
}

const postMcp = (url: string, headers: Record<string, string>, body: unknown = INIT) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body)
  })

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({
    tokens: [Redacted.make("admin-token"), Redacted.make("token-a"), Redacted.make("token-b")],
    users: [
      { username: "alice", password: Redacted.make("alice:pw") },
      { username: "bob", password: Redacted.make("bob-pw") }
    ]
  })
  for (const branch of ["branch-a", "branch-b", "branch-alice", "branch-bob"]) {
    await sandbox.graphql(`mutation { BranchCreate(data: { name: "${branch}", sync_with_git: false }) { ok } }`)
  }
})
afterAll(() => sandbox.close())

describe("token-passthrough", () => {
  let server: HttpServerProcess
  beforeAll(async () => {
    server = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "token-passthrough" })
  })
  afterAll(() => server.stop())

  it("refuses a request without a credential with 401 JSON before any Infrahub request", async () => {
    sandbox.clearRequests()
    const response = await postMcp(server.url, {})
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/)
    const body = (await response.json()) as { error: string; error_description: string }
    expect(body.error_description).toContain("Authorization")
    expect(sandbox.requests()).toEqual([])
  })

  it("carries exactly each caller's own token, even under concurrency", async () => {
    const a = await connectHttp(server.url, { authorization: "Bearer token-a" })
    const b = await connectHttp(server.url, { authorization: "token-b" })
    sandbox.clearRequests()
    const calls = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).callTool({
        name: "get_nodes",
        arguments: { kind: "BuiltinTag", branch: i % 2 === 0 ? "branch-a" : "branch-b" }
      })
    )
    const results = await Promise.all(calls)
    expect(results.every((result) => result.isError !== true)).toBe(true)
    const log = sandbox.requests()
    expect(log.length).toBeGreaterThanOrEqual(12)
    const byBranch = (branch: string) => new Set(log.filter((r) => r.branch === branch).map((r) => JSON.stringify(r.credential)))
    expect(byBranch("branch-a")).toEqual(new Set([JSON.stringify(tokenTrace("token-a"))]))
    expect(byBranch("branch-b")).toEqual(new Set([JSON.stringify(tokenTrace("token-b"))]))
    // Never the admin token, never anonymous.
    expect(log.every((r) => r.credential !== null && JSON.stringify(r.credential) !== JSON.stringify(tokenTrace("admin-token")))).toBe(true)
    await a.close()
    await b.close()
  })

  it("an MCP session is bound to the credential that opened it", async () => {
    const init = await postMcp(server.url, { authorization: "Bearer token-a" })
    expect(init.status).toBe(200)
    const sessionId = init.headers.get("mcp-session-id")
    expect(sessionId).toBeTruthy()
    await init.text()
    sandbox.clearRequests()
    const hijack = await postMcp(
      server.url,
      { authorization: "Bearer token-b", "mcp-session-id": sessionId ?? "" },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_nodes", arguments: { kind: "BuiltinTag" } } }
    )
    expect(hijack.status).toBe(403)
    expect(((await hijack.json()) as { error: { message: string } }).error.message).toContain("another credential")
    expect(sandbox.requests()).toEqual([])
  })

  it("a token Infrahub rejects gets 401 at initialize: no session, one Infrahub request, and the server keeps serving", async () => {
    sandbox.clearRequests()
    const response = await postMcp(server.url, { authorization: "Bearer not-a-valid-token" })
    expect(response.status).toBe(401)
    expect(response.headers.get("mcp-session-id")).toBeNull()
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="infrahub-mcp", error="invalid_token"/)
    expect(await response.json()).toEqual({
      error: "invalid_token",
      error_description: "Infrahub rejected your API token (Invalid token). Send a valid Infrahub API token: this one is mistyped, expired or revoked."
    })
    expect(sandbox.requests().map((r) => [r.path, r.status])).toEqual([["/graphql", 401]])
    // The real SDK client is told the same.
    await expect(connectHttp(server.url, { authorization: "Bearer not-a-valid-token" })).rejects.toThrow(/Infrahub rejected your API token/)
    const healthy = await connectHttp(server.url, { authorization: "Bearer token-a" })
    expect((await healthy.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag" } })).isError).not.toBe(true)
    await healthy.close()
  })

  it("proves a token once, then trusts it for new sessions without asking Infrahub again", async () => {
    sandbox.clearRequests()
    const first = await postMcp(server.url, { authorization: "Bearer admin-token" })
    expect(first.status).toBe(200)
    await first.text()
    expect(sandbox.requests().map((r) => r.operations)).toEqual([["AccountProfile"]])
    sandbox.clearRequests()
    const second = await postMcp(server.url, { authorization: "Bearer admin-token" })
    expect(second.status).toBe(200)
    await second.text()
    expect(sandbox.requests()).toEqual([])
  })

  it.each([
    ["a bare scheme name", "Basic"],
    ["Bearer glued to the token", "Bearer:token-a"],
    ["another scheme", `Basic ${Buffer.from("alice:alice:pw").toString("base64")}`],
    ["two words after Bearer", "Bearer token-a token-b"]
  ])("a malformed Authorization header (%s) gets 401 and causes no Infrahub request", async (_label, header) => {
    sandbox.clearRequests()
    const response = await postMcp(server.url, { authorization: header })
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error_description: string }).error_description).toContain("the header holds something else")
    expect(sandbox.requests()).toEqual([])
  })
})

describe("token-passthrough under a junk-token flood", () => {
  let server: HttpServerProcess
  beforeAll(async () => {
    server = await startHttpServer({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_MCP_AUTH_MODE: "token-passthrough",
      INFRAHUB_MCP_MAX_SESSIONS: "10",
      INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL: "2",
      INFRAHUB_MCP_RATE_LIMIT_RPS: "0.01",
      INFRAHUB_MCP_RATE_LIMIT_BURST: "1"
    })
  })
  afterAll(() => server.stop())

  // The 1000-token flood runs in-process (test/http/junk-flood.test.ts); here the wire and the CLI.
  it("a flood of junk-token initializes is refused with 401 and a real user still opens a session", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const response = await postMcp(server.url, { authorization: `Bearer junk-${i}` })
        return { status: response.status, session: response.headers.get("mcp-session-id"), body: await response.text() }
      })
    )
    // Each is refused without a session: 401 from Infrahub's answer, or (should the loaded machine
    // drop a connection to Infrahub) 503 "could not be checked"; never a session, never anything else.
    expect(answers.filter((answer) => answer.session !== null)).toEqual([])
    expect(answers.filter((answer) => answer.status !== 401 && !(answer.status === 503 && answer.body.includes("could not be checked")))).toEqual([])
    expect(answers.filter((answer) => answer.status === 401).length).toBeGreaterThan(0)
    const client = await connectHttp(server.url, { authorization: "Bearer token-a" })
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await client.close()
  })

  it("caps the sessions of one token (429) without keeping other tokens out", async () => {
    const opened: Array<Response> = []
    for (let i = 0; i < 2; i++) opened.push(await postMcp(server.url, { authorization: "Bearer token-b" }))
    const refused = await postMcp(server.url, { authorization: "Bearer token-b" })
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL")
    const other = await postMcp(server.url, { authorization: "Bearer admin-token" })
    expect(other.status).toBe(200)
    await Promise.all([...opened, other].map((response) => response.arrayBuffer()))
  })

  it("rate-limits each token on its own: one caller's spent bucket does not refuse another", async () => {
    const a = await connectHttp(server.url, { authorization: "Bearer token-a" })
    const b = await connectHttp(server.url, { authorization: "Bearer admin-token" })
    // The flood above spent no bucket: refused before any tool call.
    expect((await a.callTool({ name: "get_session_info", arguments: {} })).isError).not.toBe(true)
    const limited = await a.callTool({ name: "get_session_info", arguments: {} })
    expect(limited.isError).toBe(true)
    expect((limited.content as Array<{ text: string }>)[0]?.text).toContain("INFRAHUB_MCP_RATE_LIMIT_RPS")
    expect((await b.callTool({ name: "get_session_info", arguments: {} })).isError).not.toBe(true)
    await a.close()
    await b.close()
  })
})

describe("token-passthrough with a custom header", () => {
  let server: HttpServerProcess
  beforeAll(async () => {
    server = await startHttpServer({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_MCP_AUTH_MODE: "token-passthrough",
      INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER: "X-Infrahub-Token"
    })
  })
  afterAll(() => server.stop())

  it("reads the token from the configured header only", async () => {
    sandbox.clearRequests()
    const refused = await postMcp(server.url, { authorization: "Bearer token-a" })
    expect(refused.status).toBe(401)
    expect(sandbox.requests()).toEqual([])
    const client = await connectHttp(server.url, { "x-infrahub-token": "token-a" })
    const result = await client.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag" } })
    expect(result.isError).not.toBe(true)
    expect(new Set(sandbox.requests().map((r) => JSON.stringify(r.credential)))).toEqual(new Set([JSON.stringify(tokenTrace("token-a"))]))
    await client.close()
  })
})

describe("basic-passthrough", () => {
  let server: HttpServerProcess
  beforeAll(async () => {
    server = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough" })
  })
  afterAll(() => server.stop())

  it("logs each user in with their own password and acts as them, concurrently", async () => {
    sandbox.clearRequests()
    // Each session's initialize proves the password with one login; its token is reused afterwards.
    const alice = await connectHttp(server.url, { authorization: basic("alice", "alice:pw") })
    const bob = await connectHttp(server.url, { authorization: basic("bob", "bob-pw") })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? alice : bob).callTool({
          name: "search_nodes",
          arguments: { kind: "BuiltinTag", query: "e", branch: i % 2 === 0 ? "branch-alice" : "branch-bob" }
        })
      )
    )
    expect(results.every((result) => result.isError !== true)).toBe(true)
    const log = sandbox.requests()
    const credentialsOn = (branch: string) => new Set(log.filter((r) => r.branch === branch).map((r) => JSON.stringify(r.credential)))
    expect(credentialsOn("branch-alice")).toEqual(new Set([JSON.stringify({ type: "user", name: "alice" })]))
    expect(credentialsOn("branch-bob")).toEqual(new Set([JSON.stringify({ type: "user", name: "bob" })]))
    // One login per user (at initialize); every call after it reuses that token.
    const logins = log.filter((r) => r.path === "/api/auth/login")
    expect(logins.map((r) => r.status)).toEqual([200, 200])
    await alice.close()
    await bob.close()
  })

  it("a wrong password gets 401 at initialize after one login attempt, never retried with another credential", async () => {
    sandbox.clearRequests()
    const response = await postMcp(server.url, { authorization: basic("alice", "wrong") })
    expect(response.status).toBe(401)
    expect(response.headers.get("mcp-session-id")).toBeNull()
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm="infrahub-mcp"/)
    expect(((await response.json()) as { error_description: string }).error_description).toBe(
      "Infrahub rejected your username and password (Incorrect password). Send a valid Infrahub username and password: check both, and that the account is active."
    )
    expect(sandbox.requests().map((r) => [r.path, r.status])).toEqual([["/api/auth/login", 401]])
  })

  it.each([
    ["no colon", `Basic ${Buffer.from("alice").toString("base64")}`],
    ["not base64", "Basic %%%"],
    ["a bearer token", "Bearer token-a"],
    ["nothing", ""]
  ])("malformed Basic credentials (%s) get 401 and cause no Infrahub request", async (_label, header) => {
    sandbox.clearRequests()
    const response = await postMcp(server.url, header === "" ? {} : { authorization: header })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic/)
    expect(sandbox.requests()).toEqual([])
  })
})

describe("passthrough modes need HTTP", () => {
  it.each(["token-passthrough", "basic-passthrough", "OIDC"])("%s with --transport stdio stops with exit code 2", async (mode) => {
    const result = await runCli({ INFRAHUB_ADDRESS: "http://127.0.0.1:1", INFRAHUB_MCP_AUTH_MODE: mode }, ["--transport", "stdio"])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`Auth mode '${mode.toLowerCase()}' requires --transport streamable-http: stdio has no HTTP headers.`)
    expect(result.stdout).toBe("")
  })
})
