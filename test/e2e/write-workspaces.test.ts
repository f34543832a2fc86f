import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, connectStdio, type HttpServerProcess, startHttpServer } from "../support/mcp.js"
import { startTestRedis } from "../support/redis.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  branchNames,
  branchOf,
  callOk,
  createBranch,
  endHttpSession,
  mergeBranch,
  requestsRunning,
  serverEnv,
  sessionBranch,
  tagNames
} from "./write-support.js"

/**
 * Which calls share a session branch: one per MCP session over stateful HTTP, one per process over
 * stdio, one per principal over stateless HTTP; never shared between sessions, and one branch
 * however many first writes of a session race.
 */

const upsertTag = (client: Client, name: string) => callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name } })

describe("stateful HTTP: the MCP session is the workspace", () => {
  let sandbox: TestSandbox
  let server: HttpServerProcess
  const clients: Array<Client> = []
  const open = async () => {
    const client = await connectHttp(server.url)
    clients.push(client)
    return client
  }

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    server = await startHttpServer(serverEnv(sandbox))
  })

  afterAll(async () => {
    for (const client of clients) await endHttpSession(client)
    await server?.stop()
    await sandbox?.close()
  })

  it("concurrent first writes of one session create exactly one branch", async () => {
    const client = await open()
    sandbox.clearRequests()
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => upsertTag(client, `ws-race-${n}`)))
    const landed = new Set(results.map(branchOf))
    expect(landed.size).toBe(1)
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(1)
    expect(results.filter((result) => result["branch_created"] === true)).toHaveLength(1)
    const [branch] = [...landed]
    expect(await tagNames(sandbox, branch)).toEqual(expect.arrayContaining(["ws-race-1", "ws-race-2", "ws-race-3", "ws-race-4", "ws-race-5", "ws-race-6"]))
    expect(await sessionBranch(client)).toBe(branch)
  })

  it("two sessions at once get two branches, each sees only its own, and a reset or recovery in one leaves the other alone", async () => {
    const [alice, bob] = await Promise.all([open(), open()])
    const [a1, b1] = await Promise.all([upsertTag(alice, "ws-alice-1"), upsertTag(bob, "ws-bob-1")])
    const aliceBranch = branchOf(a1)
    const bobBranch = branchOf(b1)
    expect(aliceBranch).not.toBe(bobBranch)
    expect(await sessionBranch(alice)).toBe(aliceBranch)
    expect(await sessionBranch(bob)).toBe(bobBranch)
    expect(await tagNames(sandbox, aliceBranch)).not.toContain("ws-bob-1")
    expect(await tagNames(sandbox, bobBranch)).not.toContain("ws-alice-1")

    // Alice's reset forgets her branch only.
    expect(await callOk(alice, "reset_session_branch")).toMatchObject({ action: "reset", previous_branch: aliceBranch, session_branch: null })
    expect(await sessionBranch(alice)).toBeNull()
    expect(await sessionBranch(bob)).toBe(bobBranch)
    expect(await upsertTag(bob, "ws-bob-2")).toMatchObject({ branch: bobBranch, branch_created: false })

    // Alice's branch merged: her recovery does not touch Bob's branch.
    const aliceNext = branchOf(await upsertTag(alice, "ws-alice-2"))
    await mergeBranch(sandbox, aliceNext)
    const recovered = await upsertTag(alice, "ws-alice-3")
    expect(recovered["recovered_from"]).toEqual({ branch: aliceNext, reason: "was merged" })
    expect(await upsertTag(bob, "ws-bob-3")).toMatchObject({ branch: bobBranch, recovered_from: null, branch_created: false })
  })

  it("switching one session to another branch leaves the other sessions where they are", async () => {
    const [alice, bob] = await Promise.all([open(), open()])
    const [a, b] = await Promise.all([upsertTag(alice, "ws-switch-alice"), upsertTag(bob, "ws-switch-bob")])
    await createBranch(sandbox, "ws-switch-target")
    expect(await callOk(alice, "reset_session_branch", { branch: "ws-switch-target" })).toMatchObject({
      action: "switched",
      session_branch: "ws-switch-target",
      previous_branch: branchOf(a),
      created: false
    })
    expect(await sessionBranch(bob)).toBe(branchOf(b))
    expect(await upsertTag(alice, "ws-switch-alice-2")).toMatchObject({ branch: "ws-switch-target", branch_created: false })
    expect(await upsertTag(bob, "ws-switch-bob-2")).toMatchObject({ branch: branchOf(b), branch_created: false })
    expect(await tagNames(sandbox, "ws-switch-target")).toContain("ws-switch-alice-2")
  })

  it("a new session after the old one ended starts without a branch", async () => {
    const first = await open()
    const firstBranch = branchOf(await upsertTag(first, "ws-ended"))
    await endHttpSession(first)
    const second = await open()
    expect(await sessionBranch(second)).toBeNull()
    const secondBranch = branchOf(await upsertTag(second, "ws-after-end"))
    expect(secondBranch).not.toBe(firstBranch)
    // The old branch stays in Infrahub for review.
    expect(await branchNames(sandbox)).toContain(firstBranch)
  })
})

describe("stdio: the process is the workspace", () => {
  let sandbox: TestSandbox

  beforeAll(async () => {
    sandbox = await startTestSandbox()
  })

  afterAll(async () => {
    await sandbox?.close()
  })

  const twoProcesses = async (env: Readonly<Record<string, string>>, prefix: string) => {
    const [one, two] = await Promise.all([connectStdio(env), connectStdio(env)])
    try {
      const first = branchOf(await upsertTag(one.client, `${prefix}-1a`))
      expect(branchOf(await upsertTag(one.client, `${prefix}-1b`))).toBe(first)
      const second = branchOf(await upsertTag(two.client, `${prefix}-2`))
      expect(second).not.toBe(first)
      expect(await tagNames(sandbox, first)).toEqual(expect.arrayContaining([`${prefix}-1a`, `${prefix}-1b`]))
      expect(await tagNames(sandbox, first)).not.toContain(`${prefix}-2`)
    } finally {
      await one.close()
      await two.close()
    }
  }

  it("two server processes get two branches; calls within one process share its branch", async () => {
    await twoProcesses(serverEnv(sandbox), "ws-stdio")
  })

  it("so do two processes sharing one Valkey/Redis state store", async () => {
    const redis = await startTestRedis()
    try {
      await twoProcesses(
        { ...serverEnv(sandbox), INFRAHUB_MCP_STATE_STORE: redis.url, INFRAHUB_MCP_STATE_KEY: "a shared state key of at least 32 characters" },
        "ws-stdio-shared"
      )
    } finally {
      await redis.close()
    }
  })
})

describe("stateless HTTP: the principal is the workspace", () => {
  const tokens = ["ws-token-alice-0123456789", "ws-token-bob-0123456789"]
  let sandbox: TestSandbox
  let server: HttpServerProcess
  const clients: Array<Client> = []

  beforeAll(async () => {
    sandbox = await startTestSandbox({ tokens: tokens.map((token) => Redacted.make(token)) })
    server = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }, ["--stateless"])
  })

  afterAll(async () => {
    for (const client of clients) await client.close()
    await server?.stop()
    await sandbox?.close()
  })

  const open = async (token: string) => {
    const client = await connectHttp(server.url, { authorization: `Bearer ${token}` })
    clients.push(client)
    return client
  }

  it("requests of one principal share its branch across connections; another principal gets its own", async () => {
    const alice1 = await open(tokens[0] ?? "")
    const alice2 = await open(tokens[0] ?? "")
    const bob = await open(tokens[1] ?? "")

    sandbox.clearRequests()
    const [first, second] = await Promise.all([upsertTag(alice1, "ws-stateless-a1"), upsertTag(alice2, "ws-stateless-a2")])
    expect(branchOf(first)).toBe(branchOf(second))
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(1)
    expect(await sessionBranch(alice2)).toBe(branchOf(first))

    const bobs = await upsertTag(bob, "ws-stateless-b")
    expect(branchOf(bobs)).not.toBe(branchOf(first))
    expect(await sessionBranch(bob)).toBe(branchOf(bobs))
    // Each branch was created and written with its principal's own credential.
    const creators = requestsRunning(sandbox.requests(), "BranchCreate").map((request) => request.credential)
    expect(new Set(creators.map((credential) => JSON.stringify(credential))).size).toBe(2)
  })
})
