import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { addFault } from "./read-support.js"
import { branchNames, branchOf, callError, callOk, serverEnv, sessionBranch } from "./write-support.js"

/**
 * What a write reports when its answer never comes (a timeout, a dropped connection): Infrahub may
 * have applied it, so the outcome is unknown, the model is told to check before retrying, and the
 * audit line names the session branch; and what the next result says after a first write failed.
 */

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})

afterAll(async () => {
  await sandbox?.close()
})

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

describe("a write whose answer never came", () => {
  let session: StdioSession
  let branch: string

  beforeAll(async () => {
    // Far above what any request takes on a loaded machine (a 1 s timeout failed ordinary requests
    // under load), and far below the injected delay that must trip it.
    session = await connectStdio(serverEnv(sandbox, { INFRAHUB_TIMEOUT: "10" }))
    branch = branchOf(await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "out-setup" } }))
  })

  afterAll(async () => {
    sandbox.running.debug.clearFaults()
    await session?.close()
  })

  it("after a timeout: the outcome is unknown, check with get_nodes on the session branch before retrying; audited as outcome=unknown", async () => {
    addFault(sandbox, { path: `^/graphql/${escaped(branch)}$`, latencyMs: 60_000, times: 1 })
    const text = await callError(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "out-slow" } })
    expect(text).toBe(
      `The write to your session branch '${branch}' may or may not have been applied: Infrahub did not answer within 10 s after the request was sent, so its outcome is unknown.\n\n` +
        `Remediation: Do not retry blindly. First check whether the change is there: get_nodes (or query_graphql) with branch="${branch}". Retry only what is missing; if Infrahub is slow, narrow the write (fewer objects per mutation).`
    )
    await session.waitForStderr(new RegExp(`tool_call tool=node_upsert user=anonymous branch=${escaped(branch)} outcome=unknown duration_ms=\\d+`))
    // What the remediation asks for works, and the session keeps its branch.
    const check = await callOk(session.client, "get_nodes", { kind: "BuiltinTag", branch, filters: { name__value: "out-slow" } })
    expect(typeof check["total_count"]).toBe("number")
    expect(await sessionBranch(session.client)).toBe(branch)
  })

  it("after a dropped connection, mutate_graphql says the same", async () => {
    addFault(sandbox, { path: `^/graphql/${escaped(branch)}$`, drop: true, times: 1 })
    const text = await callError(session.client, "mutate_graphql", { query: 'mutation { BuiltinTagCreate(data: { name: { value: "out-dropped" } }) { ok } }' })
    expect(text).toMatch(new RegExp(`^The write to your session branch '${escaped(branch)}' may or may not have been applied: the connection to Infrahub broke \\(`))
    expect(text).toContain(`get_nodes (or query_graphql) with branch="${branch}"`)
    await session.waitForStderr(new RegExp(`tool_call tool=mutate_graphql user=anonymous branch=${escaped(branch)} outcome=unknown`))
  })

  it("a write refused by Infrahub is audited on the session branch too (not branch=default)", async () => {
    await callError(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "edge" } })
    await session.waitForStderr(new RegExp(`tool_call tool=node_upsert user=anonymous branch=${escaped(branch)} outcome=error`))
  })
})

describe("a first write that fails after its branch was created", () => {
  it("keeps the branch for the session, and the next result says it was created for this session", async () => {
    const session = await connectStdio(serverEnv(sandbox))
    try {
      const before = await branchNames(sandbox)
      // "edge" exists already: Infrahub refuses the create, on the branch just made for it.
      const text = await callError(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "edge" } })
      expect(text).toContain("uniqueness")
      const branch = await sessionBranch(session.client)
      expect(branch).not.toBeNull()
      expect(before).not.toContain(branch)
      const next = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "out-after-failure" } })
      expect(next).toMatchObject({ branch, branch_created: true })
      const third = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "out-after-failure-2" } })
      expect(third).toMatchObject({ branch, branch_created: false })
    } finally {
      await session.close()
    }
  })
})
