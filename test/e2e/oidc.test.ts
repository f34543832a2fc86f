import { createServer } from "node:net"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, startIdp, type TestIdp, WRITE_SCOPE } from "../support/idp.js"
import { startHttpServer, type HttpServerProcess, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { endlessBody, TestOAuthClient } from "../auth/oidc/client.js"

const WRITE_TOOLS = ["node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]

/** The proxy's public URL must be known before it starts (the IdP registers its callback): reserve a port. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** The MCP client's side of sign-in, with the real SDK: 401 → discovery → registration → consent → token. */
const signedInClient = async (mcpUrl: string, user: string): Promise<Client> => {
  const provider = new TestOAuthClient(user)
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider })
  await expect(new Client({ name: "oidc-e2e", version: "1" }).connect(first)).rejects.toThrow(/Unauthorized/i)
  expect(provider.code).toBeDefined()
  await first.finishAuth(provider.code ?? "")
  const client = new Client({ name: "oidc-e2e", version: "1" })
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }))
  return client
}

const startOidcServer = async (sandbox: TestSandbox, options: { readonly secret: boolean }) => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const idp = await startIdp({ resource: `${base}/mcp`, redirectUris: [`${base}/oauth/callback`] })
  const server = await startHttpServer(
    {
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_API_TOKEN: sandbox.token,
      INFRAHUB_MCP_AUTH_MODE: "oidc",
      INFRAHUB_MCP_OIDC_CONFIG_URL: idp.discoveryUrl,
      INFRAHUB_MCP_OIDC_CLIENT_ID: options.secret ? CONFIDENTIAL_CLIENT.id : PUBLIC_CLIENT.id,
      ...(options.secret ? { INFRAHUB_MCP_OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret } : {}),
      INFRAHUB_MCP_OIDC_BASE_URL: base,
      INFRAHUB_MCP_AUTH_SCOPES_WRITE: WRITE_SCOPE,
      INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{user}-{hex}"
    },
    ["--port", String(port)]
  )
  return { idp, server, base }
}

describe("oidc mode (confidential upstream client)", () => {
  let sandbox: TestSandbox
  let idp: TestIdp
  let server: HttpServerProcess
  let base: string
  let alice: Client
  let bob: Client

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    ;({ idp, server, base } = await startOidcServer(sandbox, { secret: true }))
    alice = await signedInClient(server.url, "alice")
    bob = await signedInClient(server.url, "bob")
  })
  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await server?.stop()
    await idp?.close()
    await sandbox?.close()
  })

  it("logs what it enabled at start-up, never a secret", () => {
    expect(server.stderr()).toContain(`oidc_auth enabled=true config_url=${idp.discoveryUrl} client_id=${CONFIDENTIAL_CLIENT.id}`)
    expect(server.stderr()).toContain(`auth_middleware enabled=true auth_mode=oidc write_scopes=[${WRITE_SCOPE}]`)
    expect(server.stderr()).not.toContain(CONFIDENTIAL_CLIENT.secret)
    expect(server.stderr()).not.toContain(sandbox.token)
  })

  it("answers an unauthenticated /mcp request with 401 and where to sign in, before any Infrahub request", async () => {
    sandbox.clearRequests()
    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"$/
    )
    expect(sandbox.requests()).toEqual([])
  })

  it("a writer sees the write tools and writes on a branch named after them", async () => {
    const tools = (await alice.listTools()).tools.map((tool) => tool.name)
    expect(tools).toEqual(expect.arrayContaining(WRITE_TOOLS))
    const result = await alice.callTool({ name: "node_upsert", arguments: { kind: "BuiltinTag", data: { name: "oidc-lab" } } })
    expect(result.isError).not.toBe(true)
    const branch = (result.structuredContent as { branch: string }).branch
    expect(branch).toMatch(/^mcp\/alice-example\.com-[0-9a-f]{8}$/)
    // The audit line may reach us after the answer: wait for it (the test timeout bounds the wait).
    await server.waitForStderr(new RegExp(`tool_call tool=node_upsert user=alice@example.com branch=${branch.replace(/[./]/g, "\\$&")} outcome=ok`))
    // Infrahub itself is reached with the server's shared token, not the user's.
    const last = sandbox.requests().at(-1)
    expect(last?.credential?.type).toBe("token")
  })

  it("a reader does not see the write tools and is refused when calling one by name", async () => {
    const tools = (await bob.listTools()).tools.map((tool) => tool.name)
    for (const name of WRITE_TOOLS) expect(tools).not.toContain(name)
    expect(tools).toContain("get_nodes")
    sandbox.clearRequests()
    const refused = await bob.callTool({ name: "node_upsert", arguments: { kind: "BuiltinTag", data: { name: "nope" } } })
    expect(refused.isError).toBe(true)
    expect(textOf(refused)).toContain(WRITE_SCOPE)
    expect(textOf(refused)).toContain("Remediation:")
    expect(sandbox.requests()).toEqual([])
    const read = await bob.callTool({ name: "get_nodes", arguments: { kind: "DcimDevice", limit: 2 } })
    expect(read.isError).not.toBe(true)
  })

  it("get_session_info names the signed-in user and whether writes are available", async () => {
    const aliceInfo = (await alice.callTool({ name: "get_session_info", arguments: {} })).structuredContent as Record<string, unknown>
    const bobInfo = (await bob.callTool({ name: "get_session_info", arguments: {} })).structuredContent as Record<string, unknown>
    expect(aliceInfo).toMatchObject({ user: "alice@example.com", auth_mode: "oidc", write_tools_available: true })
    expect(bobInfo).toMatchObject({ user: "bob@example.com", auth_mode: "oidc", write_tools_available: false })
  })

  it("serves the OAuth routes through the server's router: CORS preflight, 405 with Allow, 413 for a body that never ends", async () => {
    const preflight = await fetch(`${base}/token`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*")
    const metadata = await fetch(`${base}/.well-known/oauth-authorization-server`)
    expect(metadata.headers.get("access-control-allow-origin")).toBe("*")
    const wrongMethod = await fetch(`${base}/register`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get("allow")).toBe("POST")
    const endless = await endlessBody(`${base}/token`, "application/x-www-form-urlencoded")
    expect(endless.status).toBe(413)
    expect(JSON.parse(endless.body)).toMatchObject({ error: "invalid_request", error_description: expect.stringMatching(/larger than 16384 bytes/) })
    const elsewhere = await fetch(`${base}/nowhere`)
    expect(elsewhere.status).toBe(404)
    expect(await elsewhere.json()).toMatchObject({ error: "not_found" })
  })

  it("a forged or foreign bearer token is refused", async () => {
    for (const token of ["not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl"]) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: "{}"
      })
      expect(response.status).toBe(401)
    }
  })
})

describe("oidc mode (public upstream client, PKCE only: no client secret)", () => {
  let sandbox: TestSandbox
  let idp: TestIdp
  let server: HttpServerProcess

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    ;({ idp, server } = await startOidcServer(sandbox, { secret: false }))
  })
  afterAll(async () => {
    await server?.stop()
    await idp?.close()
    await sandbox?.close()
  })

  it("starts, warns that its signing key is per process, and signs users in", async () => {
    expect(server.stderr()).toContain("signing_key=random")
    const client = await signedInClient(server.url, "alice")
    const result = await client.callTool({ name: "get_nodes", arguments: { kind: "LocationSite" } })
    expect(result.isError).not.toBe(true)
    expect((result.structuredContent as { total_count: number }).total_count).toBeGreaterThan(0)
    await client.close()
  })
})

describe("oidc start-up fails closed", () => {
  /** Complete settings, but nothing listens at the discovery URL. */
  const UNREACHABLE_IDP = {
    INFRAHUB_ADDRESS: "http://127.0.0.1:9",
    INFRAHUB_API_TOKEN: "t",
    INFRAHUB_MCP_AUTH_MODE: "oidc",
    INFRAHUB_MCP_OIDC_CONFIG_URL: "http://127.0.0.1:9/.well-known/openid-configuration",
    INFRAHUB_MCP_OIDC_CLIENT_ID: "c",
    INFRAHUB_MCP_OIDC_BASE_URL: "http://127.0.0.1:8001"
  }

  it("an unreachable discovery document stops the server with exit code 2 and the variable to fix", async () => {
    const { runCli } = await import("../support/mcp.js")
    const result = await runCli(
      UNREACHABLE_IDP,
      ["--transport", "streamable-http", "--port", "0"]
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("INFRAHUB_MCP_OIDC_CONFIG_URL")
  })

  it("a trusted proxy that is not an address stops the server with exit code 2, naming the variable", async () => {
    const { runCli } = await import("../support/mcp.js")
    const result = await runCli(
      { ...UNREACHABLE_IDP, INFRAHUB_MCP_OIDC_TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" },
      ["--transport", "streamable-http"]
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/INFRAHUB_MCP_OIDC_TRUSTED_PROXIES contains "proxy\.internal", which is not an IP address or CIDR range/)
  })

  it("missing OIDC settings are all listed at once", async () => {
    const { runCli } = await import("../support/mcp.js")
    const result = await runCli(
      { INFRAHUB_ADDRESS: "http://127.0.0.1:9", INFRAHUB_API_TOKEN: "t", INFRAHUB_MCP_AUTH_MODE: "oidc" },
      ["--transport", "streamable-http"]
    )
    expect(result.code).toBe(2)
    for (const name of ["INFRAHUB_MCP_OIDC_CONFIG_URL", "INFRAHUB_MCP_OIDC_CLIENT_ID", "INFRAHUB_MCP_OIDC_BASE_URL"]) {
      expect(result.stderr).toContain(name)
    }
  })
})
