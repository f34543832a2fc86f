import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, type HttpServerProcess, startHttpServer } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { branchNames, branchOf, callError, callOk, createBranch, endHttpSession, sessionBranch, tagNames } from "./write-support.js"

/**
 * Who may take a branch with reset_session_branch, with two principals end to end (passthrough: each
 * client sends its own Infrahub credential): never a branch another principal created, never one
 * another principal's live session holds, and never a name made for another user's `{user}`.
 */

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({
    tokens: [Redacted.make("admin-token"), Redacted.make("token-a"), Redacted.make("token-b")],
    users: [
      { username: "alice", password: Redacted.make("alice-pw") },
      { username: "bob", password: Redacted.make("bob-pw") }
    ]
  })
})

afterAll(async () => {
  await sandbox?.close()
})

describe("token-passthrough: two principals", () => {
  let server: HttpServerProcess
  const clients: Array<Client> = []
  const open = async (token: string) => {
    const client = await connectHttp(server.url, { authorization: `Bearer ${token}` })
    clients.push(client)
    return client
  }

  beforeAll(async () => {
    server = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "token-passthrough" })
  })

  afterAll(async () => {
    for (const client of clients) await endHttpSession(client)
    await server?.stop()
  })

  it("cannot take the session branch another principal created, even after that session ended; its creator can", async () => {
    const a = await open("token-a")
    const branch = branchOf(await callOk(a, "node_upsert", { kind: "BuiltinTag", data: { name: "claim-a-1" } }))
    const b = await open("token-b")
    const refused = await callError(b, "reset_session_branch", { branch })
    expect(refused).toBe(
      `Cannot use '${branch}' as the session branch: another user created it as their session branch, and only they may write to it.\n\n` +
        "Remediation: Omit `branch` to start a fresh session branch of your own; to build on their work, ask them to propose it (propose_changes) and review it in Infrahub."
    )
    expect(await sessionBranch(b)).toBeNull()
    // B's writes go to a branch of its own.
    const own = branchOf(await callOk(b, "node_upsert", { kind: "BuiltinTag", data: { name: "claim-b-1" } }))
    expect(own).not.toBe(branch)
    expect(await tagNames(sandbox, branch)).not.toContain("claim-b-1")

    await endHttpSession(a)
    expect(await callError(b, "reset_session_branch", { branch })).toContain("another user created it")
    // The same principal from a new session may continue on it.
    const again = await open("token-a")
    expect(await callOk(again, "reset_session_branch", { branch })).toMatchObject({ action: "switched", session_branch: branch })
    expect(await callOk(again, "node_upsert", { kind: "BuiltinTag", data: { name: "claim-a-2" } })).toMatchObject({ branch })
  })

  it("a branch made in Infrahub is refused while another principal's live session holds it, and free once that session ends", async () => {
    await createBranch(sandbox, "claim-team")
    const a = await open("token-a")
    const b = await open("token-b")
    expect(await callOk(a, "reset_session_branch", { branch: "claim-team" })).toMatchObject({ action: "switched", session_branch: "claim-team" })
    const refused = await callError(b, "reset_session_branch", { branch: "claim-team" })
    expect(refused).toContain("Cannot use 'claim-team' as the session branch: it is another user's session branch right now.")
    await endHttpSession(a)
    expect(await callOk(b, "reset_session_branch", { branch: "claim-team" })).toMatchObject({ action: "switched", session_branch: "claim-team" })
    await callOk(b, "node_upsert", { kind: "BuiltinTag", data: { name: "claim-team-b" } })
    expect(await tagNames(sandbox, "claim-team")).toContain("claim-team-b")
  })
})

describe("basic-passthrough: {user} in a branch name", () => {
  let server: HttpServerProcess
  const clients: Array<Client> = []

  beforeAll(async () => {
    server = await startHttpServer({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_MCP_AUTH_MODE: "basic-passthrough",
      INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{user}-{hex}"
    })
  })

  afterAll(async () => {
    for (const client of clients) await endHttpSession(client)
    await server?.stop()
  })

  it("must be the caller's own user: bob cannot create alice's, and creates his own", async () => {
    const bob = await connectHttp(server.url, { authorization: basic("bob", "bob-pw") })
    clients.push(bob)
    const forged = await callError(bob, "reset_session_branch", { branch: "mcp/alice-0a1b2c3d" })
    expect(forged).toContain(
      "Cannot use 'mcp/alice-0a1b2c3d' as the session branch: it is named for another user: INFRAHUB_MCP_BRANCH_PATTERN ('mcp/{user}-{hex}') puts the user in the name, and yours is 'bob'."
    )
    expect(await branchNames(sandbox)).not.toContain("mcp/alice-0a1b2c3d")
    expect(await callOk(bob, "reset_session_branch", { branch: "mcp/bob-0a1b2c3d" })).toMatchObject({ action: "created", session_branch: "mcp/bob-0a1b2c3d" })
    // A first write names the branch for its own user.
    const alice = await connectHttp(server.url, { authorization: basic("alice", "alice-pw") })
    clients.push(alice)
    expect(branchOf(await callOk(alice, "node_upsert", { kind: "BuiltinTag", data: { name: "claim-alice-user" } }))).toMatch(/^mcp\/alice-[0-9a-f]{8}$/)
  })
})
