import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  branchNames,
  branchOf,
  callError,
  callOk,
  collectLogMessages,
  deleteBranch,
  listBranches,
  mergeBranch,
  requestsRunning,
  serverEnv,
  sessionBranch,
  tagNames
} from "./write-support.js"

/**
 * Session-branch recovery over stdio: the session branch is merged or deleted behind the server's
 * back, and the next write notices it (from Infrahub's answer, so the happy path pays nothing),
 * moves to a fresh branch and says so; an unrelated error that merely mentions "read-only" does
 * not move a healthy branch; a failed branch creation leaves no half state. One sandbox and one
 * server process (one workspace) for the file: each test starts from whatever branch the session has.
 */

let sandbox: TestSandbox
let session: StdioSession
let messages: Array<{ level: string; data: unknown }>

const upsertTag = (name: string) => callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name } })

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  messages = collectLogMessages(session.client)
})

beforeEach(() => {
  messages.length = 0
})

afterEach(() => {
  sandbox.running.debug.clearFaults()
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

describe("a session branch merged between writes", () => {
  it("is noticed by the next node_upsert, which lands on a new branch and names the old and new branch", async () => {
    const old = branchOf(await upsertTag("rec-merge-1"))
    await mergeBranch(sandbox, old)

    sandbox.clearRequests()
    const moved = await upsertTag("rec-merge-2")
    const fresh = branchOf(moved)
    expect(fresh).not.toBe(old)
    expect(moved).toMatchObject({ action: "created", branch_created: true, recovered_from: { branch: old, reason: "was merged" } })
    // The model is told too, with both names.
    expect(messages).toContainEqual({
      level: "warning",
      data: expect.stringMatching(new RegExp(`'${old}' was merged.*'${fresh}'`))
    })

    // Infrahub's refusal, one status check, the new branch, the replayed write: nothing else.
    expect(sandbox.requests().map((r) => [r.branch, r.operations])).toEqual([
      [old, ["BuiltinTagCreate"]],
      [null, ["Branch"]],
      [null, ["BranchCreate"]],
      [fresh, ["BuiltinTagCreate"]]
    ])
    expect(await tagNames(sandbox, fresh)).toContain("rec-merge-2")
    // The merged branch took nothing new (its first tag reached main through the merge).
    expect(await tagNames(sandbox, old)).not.toContain("rec-merge-2")
    expect(await tagNames(sandbox)).not.toContain("rec-merge-2")
    expect(await sessionBranch(session.client)).toBe(fresh)

    // And the session stays there.
    sandbox.clearRequests()
    expect(await upsertTag("rec-merge-3")).toMatchObject({ branch: fresh, branch_created: false, recovered_from: null })
    expect(requestsRunning(sandbox.requests(), "Branch")).toEqual([])
  })

  it("is noticed by mutate_graphql too, which reports the move in its result", async () => {
    const old = branchOf(await upsertTag("rec-merge-gql-1"))
    await mergeBranch(sandbox, old)
    const result = await session.client.callTool({
      name: "mutate_graphql",
      arguments: {
        query: 'mutation { one: BuiltinTagCreate(data: { name: { value: "rec-merge-gql-2" } }) { ok } two: BuiltinTagCreate(data: { name: { value: "rec-merge-gql-3" } }) { ok } }'
      }
    })
    // The result is Infrahub's data; the move is in _meta and in the note after it.
    expect(result.structuredContent).toEqual({ one: { ok: true }, two: { ok: true } })
    const fresh = String(result._meta?.["infrahub-mcp/branch"])
    expect(fresh).not.toBe(old)
    expect(result._meta).toMatchObject({ "infrahub-mcp/recovered_from": { branch: old, reason: "was merged" }, "infrahub-mcp/branch_created": true })
    expect(textOf(result)).toContain(`Written to your session branch '${fresh}' (created for this session); your previous session branch '${old}' was merged.`)
    expect(await tagNames(sandbox, fresh)).toEqual(expect.arrayContaining(["rec-merge-gql-2", "rec-merge-gql-3"]))
  })

  it("moves concurrent writes of the session to one new branch", async () => {
    const old = branchOf(await upsertTag("rec-merge-conc-0"))
    await mergeBranch(sandbox, old)
    sandbox.clearRequests()
    const results = await Promise.all([1, 2, 3, 4].map((n) => upsertTag(`rec-merge-conc-${n}`)))
    const landed = new Set(results.map(branchOf))
    expect(landed.size).toBe(1)
    const [fresh] = [...landed]
    expect(fresh).not.toBe(old)
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(1)
    expect(await tagNames(sandbox, fresh)).toEqual(expect.arrayContaining(["rec-merge-conc-1", "rec-merge-conc-2", "rec-merge-conc-3", "rec-merge-conc-4"]))
    for (const result of results) expect(result["recovered_from"]).toEqual({ branch: old, reason: "was merged" })
  })
})

describe("a session branch deleted between writes", () => {
  it("is noticed by the next node_delete, which deletes on a new branch and names both", async () => {
    const old = branchOf(await upsertTag("rec-delete-1"))
    await deleteBranch(sandbox, old)
    expect(await branchNames(sandbox)).not.toContain(old)

    const deleted = await callOk(session.client, "node_delete", { kind: "BuiltinTag", hfid: ["oob"] })
    const fresh = branchOf(deleted)
    expect(fresh).not.toBe(old)
    expect(deleted).toMatchObject({ deleted_hfid: ["oob"], branch_created: true, recovered_from: { branch: old, reason: "was deleted" } })
    expect(messages).toContainEqual({ level: "warning", data: expect.stringMatching(new RegExp(`'${old}' was deleted.*'${fresh}'`)) })
    expect(await tagNames(sandbox, fresh)).not.toContain("oob")
    expect(await tagNames(sandbox)).toContain("oob")
  })

  it("is noticed by mutate_graphql too", async () => {
    const old = branchOf(await upsertTag("rec-delete-gql-1"))
    await deleteBranch(sandbox, old)
    const result = await session.client.callTool({
      name: "mutate_graphql",
      arguments: { query: 'mutation { BuiltinTagCreate(data: { name: { value: "rec-delete-gql-2" } }) { ok } }' }
    })
    expect(result.structuredContent).toEqual({ BuiltinTagCreate: { ok: true } })
    expect(result._meta).toMatchObject({ "infrahub-mcp/recovered_from": { branch: old, reason: "was deleted" }, "infrahub-mcp/branch_created": true })
    expect(await tagNames(sandbox, String(result._meta?.["infrahub-mcp/branch"]))).toContain("rec-delete-gql-2")
  })
})

describe("an error that only mentions read-only", () => {
  it("does not move a healthy session branch", async () => {
    const branch = branchOf(await upsertTag("rec-healthy-1"))
    sandbox.clearRequests()
    // Infrahub's answer contains "read-only" (the refused value), but the branch is fine.
    const text = await callError(session.client, "node_upsert", { kind: "LocationSite", hfid: ["atl1"], data: { status: "read-only" } })
    expect(text).toContain("read-only must be one of")
    expect(text).toContain("infrahub://schema/LocationSite")
    // It paid for one status check, and kept the branch.
    expect(requestsRunning(sandbox.requests(), "Branch")).toHaveLength(1)
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
    expect(await sessionBranch(session.client)).toBe(branch)
    expect(await upsertTag("rec-healthy-2")).toMatchObject({ branch, branch_created: false, recovered_from: null })
    expect((await listBranches(sandbox)).find((row) => row.name === branch)?.status).toBe("OPEN")
  })

  it("from mutate_graphql does not move it either", async () => {
    const branch = branchOf(await upsertTag("rec-healthy-gql-1"))
    const text = await callError(session.client, "mutate_graphql", {
      query: 'mutation { LocationSiteUpdate(data: { hfid: ["atl1"], status: { value: "read only" } }) { ok } }'
    })
    expect(text).toContain("read only must be one of")
    expect(await sessionBranch(session.client)).toBe(branch)
  })
})

describe("when Infrahub cannot create the session branch", () => {
  it("the write fails with advice, nothing is remembered, and the next write creates the branch", async () => {
    await callOk(session.client, "reset_session_branch")
    sandbox.running.debug.addFault({ path: "^/graphql$", status: 503, times: 1 })
    const text = await callError(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "rec-fault-1" } })
    expect(text).toContain("503")
    expect(text).toMatch(/Remediation: .*retry/i)
    expect(await sessionBranch(session.client)).toBeNull()

    const created = await upsertTag("rec-fault-2")
    expect(created).toMatchObject({ branch_created: true, recovered_from: null })
    expect(await tagNames(sandbox, branchOf(created))).toContain("rec-fault-2")
  })
})

describe("with Infrahub's error catalogue (newer Infrahub versions word the refusals differently)", () => {
  it("recovers from a merged and from a deleted session branch alike", async () => {
    const catalogue = await startTestSandbox({ errorFormat: "catalogue" })
    const client = await connectStdio(serverEnv(catalogue))
    try {
      const upsert = (name: string) => callOk(client.client, "node_upsert", { kind: "BuiltinTag", data: { name } })
      const first = branchOf(await upsert("cat-1"))
      await mergeBranch(catalogue, first)
      const second = await upsert("cat-2")
      expect(second["recovered_from"]).toEqual({ branch: first, reason: "was merged" })
      await deleteBranch(catalogue, branchOf(second))
      const third = await upsert("cat-3")
      expect(third["recovered_from"]).toEqual({ branch: branchOf(second), reason: "was deleted" })
      expect(await tagNames(catalogue, branchOf(third))).toContain("cat-3")
    } finally {
      await client.close()
      await catalogue.close()
    }
  })
})
