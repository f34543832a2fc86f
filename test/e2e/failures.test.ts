// Infrahub failing in every way a network service fails: each becomes a clear tool error with a
// Remediation line, and the server keeps serving the next request.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type HttpServerProcess, startHttpServer, type StdioSession, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { addFault, baseOf, call, remediationOf, serverEnv, structured, toolError } from "./read-support.js"

interface NodesResult {
  readonly count: number
  readonly total_count: number | null
}

let sandbox: TestSandbox
let deviceCount: number

beforeAll(async () => {
  sandbox = await startTestSandbox()
  deviceCount = ((await sandbox.graphql("query { DcimDevice { count } }")).data as { DcimDevice: { count: number } }).DcimDevice.count
})

afterAll(async () => {
  await sandbox?.close()
})

describe("with a working credential", () => {
  let session: StdioSession

  const devicesStillServed = async () => {
    const answer = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice" }))
    expect(answer).toMatchObject({ count: deviceCount, total_count: deviceCount })
  }

  beforeAll(async () => {
    // Far above what any request takes on a loaded machine (a 1 s timeout failed ordinary requests
    // under load), and far below the injected delay that must trip it.
    session = await connectStdio(serverEnv(sandbox, { INFRAHUB_TIMEOUT: "10" }))
    // Warm the schema cache, so each fault below hits the one request the call under test makes.
    await devicesStillServed()
  })

  afterAll(async () => {
    sandbox.running.debug.clearFaults()
    await session?.close()
  })

  it("an HTTP 5xx from Infrahub becomes an error that says to retry", async () => {
    addFault(sandbox, { path: "^/graphql", status: 503, times: 1 })
    const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice" }))
    expect(text).toBe(
      "Infrahub answered HTTP 503: Injected fault: HTTP 503.\n\nRemediation: Infrahub had an internal problem; retry shortly, and if it persists tell the operator."
    )
    await devicesStillServed()
  })

  it("an HTTP 403 from Infrahub says the account lacks the permission", async () => {
    addFault(sandbox, { path: "^/graphql", status: 403, times: 1 })
    const text = toolError(await call(session.client, "query_graphql", { query: "query { DcimDevice { count } }" }))
    expect(text).toBe(
      "Infrahub refused the request (403 Forbidden): Injected fault: HTTP 403.\n\nRemediation: The account lacks the permission for this operation in Infrahub; ask an Infrahub administrator, or do something else."
    )
    await devicesStillServed()
  })

  it("a 5xx while reading the schema fails get_schema the same way", async () => {
    addFault(sandbox, { path: "^/api/schema", status: 500, times: 1 })
    const text = toolError(await call(session.client, "get_schema", { kind: "DcimDevice" }))
    expect(text).toMatch(/^Infrahub answered HTTP 500: /)
    expect(structured<{ detail: { kind: string } }>(await call(session.client, "get_schema", { kind: "DcimDevice" })).detail.kind).toBe("DcimDevice")
  })

  it("an answer slower than INFRAHUB_TIMEOUT becomes a timeout error naming the limit", async () => {
    addFault(sandbox, { path: "^/graphql", latencyMs: 60_000, times: 1 })
    const text = toolError(await call(session.client, "search_nodes", { query: "edge", kind: "DcimDevice" }))
    expect(text).toContain(`Infrahub at ${sandbox.url} did not answer within 10 s.`)
    expect(remediationOf(text)).toContain("INFRAHUB_TIMEOUT")
    await devicesStillServed()
  })

  it("a dropped connection becomes an unreachable error", async () => {
    addFault(sandbox, { path: "^/graphql", drop: true, times: 1 })
    const text = toolError(await call(session.client, "query_graphql", { query: "query { DcimDevice { count } }" }))
    expect(text).toContain(`Infrahub at ${sandbox.url} is unreachable: `)
    expect(remediationOf(text)).toContain("INFRAHUB_ADDRESS")
    await devicesStillServed()
  })

  it("a resource read that fails at Infrahub is refused with the reason, and the next read works", async () => {
    addFault(sandbox, { path: "^/schema.graphql", status: 502, times: 1 })
    const failure = await session.client.readResource({ uri: "infrahub://graphql-schema/DcimDevice" }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(String(failure)).toContain("Infrahub answered HTTP 502")
    // The server's side failed, not the request: an internal error, not "invalid params".
    expect((failure as { code?: number }).code).toBe(-32603)
    expect(String(failure)).not.toMatch(/MCP error -?\d+: MCP error/)
    const [content] = (await session.client.readResource({ uri: "infrahub://graphql-schema/DcimDevice" })).contents
    expect(content !== undefined && "text" in content ? content.text : "").toMatch(/\btype DcimDevice\b/)
  })
})

describe("with a token Infrahub does not accept", () => {
  let session: StdioSession

  beforeAll(async () => {
    session = await connectStdio({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: "not-a-valid-token" })
  })

  afterAll(async () => {
    await session?.close()
  })

  it("every Infrahub call fails with 401 and a hint to check the credentials", async () => {
    for (const [tool, args] of [
      ["get_schema", {}],
      ["get_nodes", { kind: "DcimDevice" }],
      ["query_graphql", { query: "query { DcimDevice { count } }" }]
    ] as const) {
      const text = toolError(await call(session.client, tool, args))
      expect(text, tool).toBe(
        "Infrahub rejected the credentials (401 Unauthorized): Invalid token.\n\nRemediation: Check your credentials: the Infrahub API token (or username/password) is missing, expired or revoked."
      )
    }
  })

  it("the server keeps answering what does not need Infrahub", async () => {
    const info = structured<{ default_branch: string | null; infrahub_address: string }>(await call(session.client, "get_session_info"))
    expect(info).toMatchObject({ default_branch: null, infrahub_address: sandbox.url })
    expect((await session.client.listPrompts()).prompts).toHaveLength(4)
  })
})

describe("with Infrahub not running", () => {
  let stopped: TestSandbox
  let session: StdioSession
  let http: HttpServerProcess

  beforeAll(async () => {
    stopped = await startTestSandbox({ seed: "none" })
    await stopped.close()
    session = await connectStdio({ INFRAHUB_ADDRESS: stopped.url, INFRAHUB_API_TOKEN: stopped.token })
    http = await startHttpServer({ INFRAHUB_ADDRESS: stopped.url, INFRAHUB_API_TOKEN: stopped.token })
  })

  afterAll(async () => {
    await session?.close()
    await http?.stop()
  })

  it("tool calls fail as unreachable, naming the address, and the server stays up", async () => {
    for (const [tool, args] of [
      ["get_schema", {}],
      ["get_nodes", { kind: "DcimDevice" }],
      ["search_nodes", { query: "atl1", kind: "DcimDevice" }]
    ] as const) {
      const text = toolError(await call(session.client, tool, args))
      expect(text, tool).toMatch(new RegExp(`^Infrahub at ${stopped.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is unreachable: .*ECONNREFUSED`))
    }
    expect(textOf(await call(session.client, "get_session_info"))).toContain(`"infrahub_address":"${stopped.url}"`)
  })

  it("GET /health answers 503 with the reason", async () => {
    const response = await fetch(`${baseOf(http.url)}/health`)
    expect(response.status).toBe(503)
    const body = (await response.json()) as { status: string; reason: string }
    expect(body.status).toBe("unhealthy")
    expect(body.reason).toContain(`Infrahub at ${stopped.url} is unreachable`)
  })
})

describe("GET /health with a token Infrahub does not accept", () => {
  let http: HttpServerProcess

  beforeAll(async () => {
    http = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: "not-a-valid-token" })
  })

  afterAll(async () => {
    await http?.stop()
  })

  it("answers 503 saying the credentials were rejected", async () => {
    const response = await fetch(`${baseOf(http.url)}/health`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ status: "unhealthy", reason: "Infrahub rejected the credentials (401 Unauthorized): Invalid token." })
  })
})
