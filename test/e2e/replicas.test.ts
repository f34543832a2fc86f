// Two built server processes behind a real HAProxy (round-robin, no stickiness) sharing a real
// Valkey/Redis, one sandbox, the real SDK client: any replica serves any request of a session, a
// replica restart loses nothing, credentials never cross, and a store that goes away fails closed.
import { randomBytes } from "node:crypto"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { Redacted } from "effect"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tokenTrace } from "../../src/sandbox/http/accounts.js"
import type { LoggedRequest } from "../../src/sandbox/http/debug.js"
import { TestOAuthClient } from "../auth/oidc/client.js"
import { approveInChromium, launchChromium, type RedirectListener, startRedirectListener } from "../support/browserSignIn.js"
import { CONFIDENTIAL_CLIENT, startIdp, type TestIdp, WRITE_SCOPE } from "../support/idp.js"
import { connectHttp, runCli, textOf } from "../support/mcp.js"
import { startTestRedis, type TestRedis } from "../support/redis.js"
import { type Cluster, connectRecorded, type Exchange, type RecordedClient, startCluster, toolCallReplicas } from "../support/replicas.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { scanStore, secretsInClear } from "../support/storeScan.js"
import { adminGraphql, branchOf, callOk, type Structured } from "./write-support.js"

/** Secrets are random per run, so finding one in the store cannot be a coincidence of test data. */
const secret = (label: string) => `${label}-${randomBytes(18).toString("base64url")}`
const STATE_KEY = secret("state-key")
const SIGNING_KEY = secret("jwt-signing-key")
const ADMIN_TOKEN = secret("admin-token")
const TOKEN_A = secret("token-a")
const TOKEN_B = secret("token-b")
const ALICE_PASSWORD = secret("alice-password")
const BOB_PASSWORD = secret("bob-password")

let redis: TestRedis
let sandbox: TestSandbox

beforeAll(async () => {
  redis = await startTestRedis()
  sandbox = await startTestSandbox({
    tokens: [Redacted.make(ADMIN_TOKEN), Redacted.make(TOKEN_A), Redacted.make(TOKEN_B)],
    users: [
      { username: "alice", password: Redacted.make(ALICE_PASSWORD) },
      { username: "bob", password: Redacted.make(BOB_PASSWORD) }
    ]
  })
  for (const branch of ["branch-a", "branch-b"]) {
    await adminGraphql(sandbox, `mutation { BranchCreate(data: { name: "${branch}", sync_with_git: false }) { ok } }`)
  }
})
afterAll(async () => {
  await sandbox?.close()
  await redis?.close()
})

/** What every replica shares: the store, its key, and (per deployment) a key prefix. */
const sharedStore = (prefix: string) => ({
  INFRAHUB_ADDRESS: sandbox.url,
  INFRAHUB_MCP_STATE_STORE: redis.url,
  INFRAHUB_MCP_STATE_KEY: STATE_KEY,
  INFRAHUB_MCP_STATE_PREFIX: prefix
})

const replicaNames = (exchanges: ReadonlyArray<string | null>) => new Set(exchanges)
const BOTH = new Set(["replica1", "replica2"])

/** The session's exchanges after `initialize`: all under the one session id, none refused. */
const expectOneSession = (recorded: RecordedClient) => {
  const sessionId = recorded.transport.sessionId
  expect(sessionId).toMatch(/^[0-9a-f-]{36}$/)
  expect(recorded.exchanges.filter((e) => e.rpc === "initialize")).toHaveLength(1)
  const posts = recorded.exchanges.filter((e) => e.method === "POST" && e.rpc !== "initialize")
  expect(posts.filter((e) => e.sessionId !== sessionId)).toEqual([])
  expect(posts.filter((e) => e.status >= 300)).toEqual([])
}

/** A raw JSON-RPC POST on an open session: the status and the one message of its answer. */
const postRpc = async (url: string, headers: Record<string, string>, body: unknown) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  const data = text.split("\n").find((line) => line.startsWith("data: "))
  const message = (data === undefined ? JSON.parse(text) : JSON.parse(data.slice("data: ".length))) as {
    result?: { structuredContent?: Structured; isError?: boolean }
    error?: { message: string }
  }
  return { status: response.status, servedBy: response.headers.get("x-served-by"), message }
}

const toolCall = (name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } })

/** Waits until `check` holds, for a process coming back (bounded; polls, never a fixed sleep). */
const eventually = async (what: string, check: () => Promise<boolean>, boundMs = 30_000) => {
  const deadline = Date.now() + boundMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} did not happen within ${boundMs / 1000} s`)
}

const health = async (base: string) => {
  const response = await fetch(`${base}/health`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Tags on a branch, as the sandbox holds them. */
const tagsOn = async (branch: string): Promise<ReadonlyArray<string>> => {
  const data = await adminGraphql(sandbox, "query { BuiltinTag { edges { node { name { value } } } } }", branch)
  const edges = (data["BuiltinTag"] as { edges: ReadonlyArray<{ node: { name: { value: string } } }> }).edges
  return edges.map((edge) => edge.node.name.value).sort()
}

describe("one session across two replicas (auth mode none)", () => {
  let cluster: Cluster
  let session: RecordedClient
  let client: Client
  let branch: string

  beforeAll(async () => {
    cluster = await startCluster(2, () => ({ ...sharedStore("e2e-none:"), INFRAHUB_API_TOKEN: ADMIN_TOKEN }))
    session = await connectRecorded(cluster.url)
    client = session.client
  })
  afterAll(async () => {
    await client?.close()
    await cluster?.close()
  })

  it("keeps one session while its requests alternate between the replicas", async () => {
    // Round-robin sends consecutive requests to alternate replicas; the SDK's own background
    // requests (its GET stream) can shift the rotation by one, never keep four calls on one replica.
    const infos = []
    for (let i = 0; i < 4; i++) infos.push(await callOk(client, "get_session_info"))
    expect(replicaNames(toolCallReplicas(session.exchanges))).toEqual(BOTH)
    expect(new Set(infos.map((info) => JSON.stringify(info)))).toHaveProperty("size", 1)
    expect(infos[0]).toMatchObject({ session_branch: null, has_session_branch: false })
    expectOneSession(session)
    expect(session.errors).toEqual([])
  })

  it("serves the session on either replica when asked directly (no balancer, no chance)", async () => {
    const sessionId = session.transport.sessionId ?? ""
    for (const replica of cluster.replicas) {
      const answer = await postRpc(replica.url, { "mcp-session-id": sessionId }, toolCall("get_session_info"))
      expect(answer.status).toBe(200)
      expect(answer.message.result?.structuredContent).toMatchObject({ session_branch: null })
    }
  })

  it("writes twice on two replicas onto one session branch, then proposes the changes", async () => {
    const first = await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name: "replicas-one" } })
    const second = await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name: "replicas-two" } })
    branch = branchOf(first)
    expect(first["branch_created"]).toBe(true)
    expect(second).toMatchObject({ branch, branch_created: false })
    expect(replicaNames(toolCallReplicas(session.exchanges, "node_upsert"))).toEqual(BOTH)
    expect(await tagsOn(branch)).toEqual(expect.arrayContaining(["replicas-one", "replicas-two"]))
    expect(await tagsOn("main")).not.toContain("replicas-one")

    const proposal = await callOk(client, "propose_changes", { title: "Tags from two replicas" })
    expect(proposal).toMatchObject({ source_branch: branch, destination_branch: "main", state: "open", existing: false })
    // Asked again on the other replica: the same proposed change, not a second one.
    const again = await callOk(client, "propose_changes", { title: "Tags from two replicas" })
    expect(again).toMatchObject({ id: proposal["id"], existing: true })
    expect(replicaNames(toolCallReplicas(session.exchanges, "propose_changes"))).toEqual(BOTH)
    expectOneSession(session)
  })

  it.each([["SIGKILL (a crash)", "SIGKILL"], ["SIGTERM (a rolling restart)", "SIGTERM"]] as const)(
    "a replica stopped with %s mid-session: the session goes on, and its next writes land on the same branch",
    async (_label, signal) => {
      const [victim, survivor] = signal === "SIGKILL" ? cluster.replicas : [...cluster.replicas].reverse()
      if (victim === undefined || survivor === undefined) throw new Error("two replicas expected")
      await victim.stop(signal)
      const seen = session.exchanges.length
      // While it is down the balancer retries on the survivor: every call is answered.
      const down = await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name: `while-${signal}` } })
      expect(down).toMatchObject({ branch, branch_created: false })
      expect(toolCallReplicas(session.exchanges.slice(seen))).toEqual([survivor.name])

      await victim.start()
      const back = session.exchanges.length
      // Round-robin reaches the restarted replica within two calls; the SDK re-opening its GET stream
      // can take a turn in between, so write until it has served one (a bound, not a chance).
      const names: Array<string> = []
      while (!toolCallReplicas(session.exchanges.slice(back), "node_upsert").includes(victim.name) && names.length < 6) {
        const name = `after-${signal}-${names.length}`
        const write = await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name } })
        expect(write).toMatchObject({ branch, branch_created: false })
        names.push(name)
      }
      // The restarted replica served a write of a session it had never seen.
      expect(toolCallReplicas(session.exchanges.slice(back), "node_upsert")).toContain(victim.name)
      expect((await callOk(client, "get_session_info"))["session_branch"]).toBe(branch)
      expect(await tagsOn(branch)).toEqual(expect.arrayContaining([`while-${signal}`, ...names]))
      expectOneSession(session)
    }
  )

  it("keeps no secret in clear in the store, and every entry expires", async () => {
    const entries = await scanStore(redis.url)
    const ours = entries.filter((entry) => entry.key.startsWith("e2e-none:"))
    expect(ours.length).toBeGreaterThan(0)
    expect(entries.filter((entry) => !entry.key.startsWith("e2e-"))).toEqual([])
    expect(secretsInClear(entries, { STATE_KEY, ADMIN_TOKEN })).toEqual([])
    expect(ours.filter((entry) => entry.ttlMs <= 0).map((entry) => entry.key)).toEqual([])
  })

  describe("when the store goes away", () => {
    let storeDown = false
    // Whatever happens in between, the describes after this one get their store back.
    afterAll(async () => {
      if (storeDown) await redis.start()
    })

    it("fails closed: a call gets a clear 503, a new session is refused, /health says the store is down", async () => {
      await redis.stop()
      storeDown = true
      // The SDK client sees the HTTP status (StreamableHTTPError.code) and the server's message.
      const failed = await client.callTool({ name: "get_session_info", arguments: {} }).then(
        (result) => ({ code: undefined, message: `answered: ${textOf(result)}` }),
        (error: unknown) => ({ code: (error as { code?: unknown }).code, message: String(error) })
      )
      expect(failed.code).toBe(503)
      expect(failed.message).toContain("The server's state store failed")
      expect(failed.message).toContain("Retry in a few seconds")
      expect(failed.message).toContain("INFRAHUB_MCP_STATE_STORE")
      const fresh = await postRpc(cluster.url, {}, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
      })
      expect(fresh.status).toBe(503)
      expect(fresh.message.error?.message).toContain("state store")
      for (const replica of cluster.replicas) {
        const answer = await health(replica.base)
        expect(answer.status).toBe(503)
        expect(JSON.stringify(answer.body)).toMatch(/store/i)
      }
    })

    it("resumes once the store is back: new sessions work, a session the store forgot must initialize again", async () => {
      await redis.start()
      storeDown = false
      for (const replica of cluster.replicas) {
        await eventually(`${replica.name} reporting healthy`, async () => (await health(replica.base)).status === 200)
      }
      // The store came back empty (no persistence here): the old session is unknown to every replica.
      for (const replica of cluster.replicas) {
        const stale = await postRpc(replica.url, { "mcp-session-id": session.transport.sessionId ?? "" }, toolCall("get_session_info"))
        expect(stale.status).toBe(404)
        expect(stale.message.error?.message).toContain("Initialize a new session")
      }
      const again = await connectRecorded(cluster.url)
      const write = await callOk(again.client, "node_upsert", { kind: "BuiltinTag", data: { name: "after-store-restart" } })
      expect(write["branch_created"]).toBe(true)
      expect(await callOk(again.client, "get_session_info")).toMatchObject({ session_branch: write["branch"] })
      expectOneSession(again)
      await again.client.close()
    })
  })
})

describe("token-passthrough: two users interleaved across the replicas", () => {
  let cluster: Cluster
  let alice: RecordedClient
  let bob: RecordedClient

  beforeAll(async () => {
    cluster = await startCluster(2, () => ({ ...sharedStore("e2e-passthrough:"), INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }))
    alice = await connectRecorded(cluster.url, { requestInit: { headers: { authorization: `Bearer ${TOKEN_A}` } } })
    bob = await connectRecorded(cluster.url, { requestInit: { headers: { authorization: `Bearer ${TOKEN_B}` } } })
  })
  afterAll(async () => {
    await alice?.client.close()
    await bob?.client.close()
    await cluster?.close()
  })

  const crossCredential = (log: ReadonlyArray<LoggedRequest>) =>
    log.filter(
      (r) =>
        (r.branch === "branch-a" && JSON.stringify(r.credential) !== JSON.stringify(tokenTrace(TOKEN_A))) ||
        (r.branch === "branch-b" && JSON.stringify(r.credential) !== JSON.stringify(tokenTrace(TOKEN_B)))
    )

  it("sends each user's calls with that user's token only, whichever replica serves them", async () => {
    sandbox.clearRequests()
    const call = (who: RecordedClient) =>
      who.client.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag", branch: who === alice ? "branch-a" : "branch-b" } })
    // Sequential in pairs (alice, alice, bob, bob…), so each user's calls meet both replicas…
    const results = []
    for (let round = 0; round < 3; round++) for (const who of [alice, alice, bob, bob]) results.push(await call(who))
    // …then all at once.
    results.push(...(await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 2 === 0 ? alice : bob)))))
    expect(results.filter((result) => result.isError === true).map(textOf)).toEqual([])
    for (const who of [alice, bob]) {
      expect(replicaNames(toolCallReplicas(who.exchanges))).toEqual(BOTH)
      expectOneSession(who)
    }
    const log = sandbox.requests()
    expect(log.filter((r) => r.branch === "branch-a").length).toBeGreaterThanOrEqual(12)
    expect(log.filter((r) => r.branch === "branch-b").length).toBeGreaterThanOrEqual(12)
    expect(crossCredential(log)).toEqual([])
    // Every request Infrahub saw carried one of the two users' tokens: never the admin's, never none.
    const theirs = new Set([JSON.stringify(tokenTrace(TOKEN_A)), JSON.stringify(tokenTrace(TOKEN_B))])
    expect(log.filter((r) => !theirs.has(JSON.stringify(r.credential)))).toEqual([])
  })

  it("refuses alice's session with bob's token on every replica, before any Infrahub request", async () => {
    const sessionId = alice.transport.sessionId ?? ""
    sandbox.clearRequests()
    for (const url of [...cluster.replicas.map((replica) => replica.url), cluster.url, cluster.url]) {
      const hijack = await postRpc(url, { authorization: `Bearer ${TOKEN_B}`, "mcp-session-id": sessionId }, toolCall("get_nodes", { kind: "BuiltinTag" }))
      expect(hijack.status).toBe(403)
      expect(hijack.message.error?.message).toContain("another credential")
    }
    expect(sandbox.requests()).toEqual([])
    // Alice herself is served by either replica.
    for (const replica of cluster.replicas) {
      const own = await postRpc(replica.url, { authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": sessionId }, toolCall("get_session_info"))
      expect(own.status).toBe(200)
    }
    expect(crossCredential(sandbox.requests())).toEqual([])
  })

  it("keeps neither token in clear in the store", async () => {
    const entries = await scanStore(redis.url)
    expect(entries.filter((entry) => entry.key.startsWith("e2e-passthrough:")).length).toBeGreaterThan(0)
    expect(secretsInClear(entries, { TOKEN_A, TOKEN_B, ADMIN_TOKEN, STATE_KEY })).toEqual([])
  })
})

describe("basic-passthrough: one login per user, whichever replica a session opens on", () => {
  let cluster: Cluster
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` })
  const opened: Array<RecordedClient> = []

  beforeAll(async () => {
    cluster = await startCluster(2, () => ({ ...sharedStore("e2e-basic:"), INFRAHUB_MCP_AUTH_MODE: "basic-passthrough" }))
  })
  afterAll(async () => {
    for (const session of opened) await session.client.close()
    await cluster?.close()
  })

  it("logs each user in once for sessions on both replicas, and acts as that user only", async () => {
    sandbox.clearRequests()
    const users = [["alice", ALICE_PASSWORD], ["bob", BOB_PASSWORD]] as const
    // Each user opens a session on each replica, directly: the second replica finds the login in the store.
    for (const [user, password] of users) {
      for (const replica of cluster.replicas) opened.push(await connectRecorded(replica.url, { requestInit: { headers: basic(user, password) } }))
    }
    for (const [index, session] of opened.entries()) {
      const user = users[Math.floor(index / 2)]?.[0] ?? ""
      const result = await session.client.callTool({ name: "search_nodes", arguments: { kind: "BuiltinTag", query: "e", branch: `branch-${user === "alice" ? "a" : "b"}` } })
      expect(result.isError, textOf(result)).not.toBe(true)
    }
    const log = sandbox.requests()
    expect(log.filter((r) => r.path === "/api/auth/login").map((r) => r.status)).toEqual([200, 200])
    const credentialsOn = (branch: string) => new Set(log.filter((r) => r.branch === branch).map((r) => JSON.stringify(r.credential)))
    expect(credentialsOn("branch-a")).toEqual(new Set([JSON.stringify({ type: "user", name: "alice" })]))
    expect(credentialsOn("branch-b")).toEqual(new Set([JSON.stringify({ type: "user", name: "bob" })]))
  })

  it("keeps no password in clear in the store", async () => {
    const entries = await scanStore(redis.url)
    expect(entries.filter((entry) => entry.key.startsWith("e2e-basic:")).length).toBeGreaterThan(0)
    // Also as the Basic header carried them (`user:password`, base64).
    expect(
      secretsInClear(entries, { ALICE_PASSWORD, BOB_PASSWORD, ALICE_BASIC: `alice:${ALICE_PASSWORD}`, BOB_BASIC: `bob:${BOB_PASSWORD}`, STATE_KEY })
    ).toEqual([])
  })
})

describe("oidc: a sign-in in Chromium whose token works on both replicas", () => {
  let cluster: Cluster
  let idp: TestIdp
  let browser: Browser
  let listener: RedirectListener
  let provider: TestOAuthClient
  let signIn: Array<Exchange>
  const consent: { consentText?: string } = {}

  beforeAll(async () => {
    browser = await launchChromium()
    listener = await startRedirectListener()
    cluster = await startCluster(2, async (base) => {
      idp = await startIdp({ resource: `${base}/mcp`, redirectUris: [`${base}/oauth/callback`] })
      return {
        ...sharedStore("e2e-oidc:"),
        INFRAHUB_API_TOKEN: ADMIN_TOKEN,
        INFRAHUB_MCP_AUTH_MODE: "oidc",
        INFRAHUB_MCP_OIDC_CONFIG_URL: idp.discoveryUrl,
        INFRAHUB_MCP_OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
        INFRAHUB_MCP_OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
        INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: SIGNING_KEY,
        INFRAHUB_MCP_OIDC_BASE_URL: base,
        INFRAHUB_MCP_AUTH_SCOPES_WRITE: WRITE_SCOPE,
        INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{user}-{hex}"
      }
    })
  })
  afterAll(async () => {
    await browser?.close()
    await listener?.close()
    await cluster?.close()
    await idp?.close()
  })

  it("signs alice in through the balancer: registration, consent, callback and token exchange span both replicas", async () => {
    provider = new TestOAuthClient("alice", listener.url, approveInChromium(browser, listener.url, consent))
    signIn = []
    const first = new StreamableHTTPClientTransport(new URL(cluster.url), {
      authProvider: provider,
      fetch: async (url, init) => {
        const response = await fetch(url, init)
        signIn.push({ method: init?.method ?? "GET", rpc: undefined, tool: undefined, sessionId: null, status: response.status, servedBy: response.headers.get("x-served-by") })
        return response
      }
    })
    await expect(new Client({ name: "replicas-oidc", version: "1" }).connect(first)).rejects.toThrow(/Unauthorized/i)
    expect(provider.code).toBeDefined()
    await first.finishAuth(provider.code ?? "")
    expect(consent.consentText).toContain(WRITE_SCOPE)
    expect(listener.landed().some((path) => path.startsWith("/callback?code="))).toBe(true)
    expect(replicaNames(signIn.map((e) => e.servedBy))).toEqual(BOTH)
  })

  it("the token opens sessions on each replica and through the balancer, as alice, with her session branch", async () => {
    const token = provider.accessToken
    for (const replica of cluster.replicas) {
      const direct = await connectHttp(replica.url, { authorization: `Bearer ${token}` })
      expect(await callOk(direct, "get_session_info")).toMatchObject({ user: "alice@example.com", auth_mode: "oidc", write_tools_available: true })
      await direct.close()
    }
    const balanced = await connectRecorded(cluster.url, { authProvider: provider })
    const first = await callOk(balanced.client, "node_upsert", { kind: "BuiltinTag", data: { name: "oidc-replicas-one" } })
    const second = await callOk(balanced.client, "node_upsert", { kind: "BuiltinTag", data: { name: "oidc-replicas-two" } })
    expect(branchOf(first)).toMatch(/^mcp\/alice-example\.com-[0-9a-f]{8}$/)
    expect(second).toMatchObject({ branch: branchOf(first), branch_created: false })
    expect(replicaNames(toolCallReplicas(balanced.exchanges, "node_upsert"))).toEqual(BOTH)
    expectOneSession(balanced)
    await balanced.client.close()
  })

  it("alice stays signed in across a replica restart", async () => {
    const [restarted] = cluster.replicas
    if (restarted === undefined) throw new Error("two replicas expected")
    await restarted.stop("SIGTERM")
    await restarted.start()
    const client = await connectHttp(restarted.url, { authorization: `Bearer ${provider.accessToken}` })
    expect(await callOk(client, "get_session_info")).toMatchObject({ user: "alice@example.com" })
    await client.close()
  })

  it("keeps no token, client secret or key in clear in the store", async () => {
    const tokens = provider.tokens()
    const entries = await scanStore(redis.url)
    expect(entries.filter((entry) => entry.key.startsWith("e2e-oidc:")).length).toBeGreaterThan(0)
    expect(
      secretsInClear(entries, {
        ACCESS_TOKEN: tokens?.access_token ?? "missing",
        ...(tokens?.refresh_token === undefined ? {} : { REFRESH_TOKEN: tokens.refresh_token }),
        CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
        SIGNING_KEY,
        STATE_KEY,
        ADMIN_TOKEN
      })
    ).toEqual([])
  })
})

describe("rate limits are shared by the replicas", () => {
  let cluster: Cluster
  const sessions: Array<RecordedClient> = []

  beforeAll(async () => {
    // Two calls, then one every 100 s: no refill can happen while the test runs.
    cluster = await startCluster(2, () => ({
      ...sharedStore("e2e-rate:"),
      INFRAHUB_API_TOKEN: ADMIN_TOKEN,
      INFRAHUB_MCP_RATE_LIMIT_RPS: "0.01",
      INFRAHUB_MCP_RATE_LIMIT_BURST: "2"
    }))
  })
  afterAll(async () => {
    for (const session of sessions) await session.client.close()
    await cluster?.close()
  })

  it("a caller who spent the burst on one replica is refused on the other", async () => {
    const [first, second] = cluster.replicas
    if (first === undefined || second === undefined) throw new Error("two replicas expected")
    // Directly, not through the balancer: which replica serves each call is not left to the rotation.
    const onFirst = await connectRecorded(first.url)
    const onSecond = await connectRecorded(second.url)
    sessions.push(onFirst, onSecond)
    for (let i = 0; i < 2; i++) await callOk(onFirst.client, "get_session_info")
    const refused = await onSecond.client.callTool({ name: "get_session_info", arguments: {} })
    expect(refused.isError).toBe(true)
    expect(textOf(refused)).toContain("INFRAHUB_MCP_RATE_LIMIT_RPS")
  })
})

describe("start-up with a shared store fails closed", () => {
  const env = () => ({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: ADMIN_TOKEN, INFRAHUB_MCP_STATE_KEY: STATE_KEY })

  const unreachable = () => runCli({ ...env(), INFRAHUB_MCP_STATE_STORE: "redis://127.0.0.1:9/0" }, ["--transport", "streamable-http", "--port", "0"])

  it("an unreachable store stops the server, naming the variable and the cause, with nothing else on stderr", async () => {
    const result = await unreachable()
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain("INFRAHUB_MCP_STATE_STORE=redis://127.0.0.1:9/0 could not be reached")
    expect(result.stderr).toContain("ECONNREFUSED")
    expect(result.stderr).not.toMatch(/Unhandled error event/)
    expect(result.stdout).toBe("")
  })

  it("an unreachable store exits with code 2, as an unreachable OIDC discovery document does (README: exit code 2)", async () => {
    expect((await unreachable()).code).toBe(2)
  })

  it("a store without INFRAHUB_MCP_STATE_KEY, or with a short one, stops the server with exit code 2", async () => {
    for (const key of ["", "too-short"]) {
      const result = await runCli({ ...env(), INFRAHUB_MCP_STATE_STORE: redis.url, INFRAHUB_MCP_STATE_KEY: key }, ["--transport", "streamable-http", "--port", "0"])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain("INFRAHUB_MCP_STATE_KEY")
      expect(result.stderr).toContain("openssl rand -base64 48")
    }
  })

  it("oidc with a shared store but no INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY stops the server with exit code 2", async () => {
    const result = await runCli(
      {
        ...env(),
        INFRAHUB_MCP_STATE_STORE: redis.url,
        INFRAHUB_MCP_AUTH_MODE: "oidc",
        INFRAHUB_MCP_OIDC_CONFIG_URL: "http://127.0.0.1:9/.well-known/openid-configuration",
        INFRAHUB_MCP_OIDC_CLIENT_ID: "c",
        INFRAHUB_MCP_OIDC_BASE_URL: "http://127.0.0.1:8001"
      },
      ["--transport", "streamable-http", "--port", "0"]
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY")
  })
})
