import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  adminGraphql,
  branchNames,
  branchOf,
  callError,
  callOk,
  createBranch,
  deleteBranch,
  listBranches,
  mergeBranch,
  requestsRunning,
  serverEnv,
  sessionBranch,
  tagNames
} from "./write-support.js"

/**
 * reset_session_branch (forget, switch, create, and what it refuses) and propose_changes (create
 * from the session branch, reuse an open one, refusals), over stdio with one server process. The
 * tests run in order; each states the session branch it starts from.
 */

let sandbox: TestSandbox
let session: StdioSession

const upsertTag = (name: string) => callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name } })

interface ProposedChangeRow {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly source_branch: string
  readonly destination_branch: string
  readonly state: string
}

const proposedChanges = async (source: string): Promise<ReadonlyArray<ProposedChangeRow>> => {
  const data = await adminGraphql(
    sandbox,
    `query { CoreProposedChange(source_branch__value: ${JSON.stringify(source)}) { edges { node { id name { value } description { value } source_branch { value } destination_branch { value } state { value } } } } }`
  )
  type Edge = { node: { id: string } & Record<"name" | "description" | "source_branch" | "destination_branch" | "state", { value: string | null }> }
  return (data["CoreProposedChange"] as { edges: ReadonlyArray<Edge> }).edges.map(({ node }) => ({
    id: node.id,
    name: String(node.name.value),
    description: node.description.value,
    source_branch: String(node.source_branch.value),
    destination_branch: String(node.destination_branch.value),
    state: String(node.state.value)
  }))
}

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

describe("reset_session_branch without a branch", () => {
  it("is safe when there is nothing to reset, and creates nothing", async () => {
    sandbox.clearRequests()
    expect(await callOk(session.client, "reset_session_branch")).toEqual({ action: "reset", session_branch: null, previous_branch: null, created: false })
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
    expect(await branchNames(sandbox)).toEqual(["main"])
  })

  it("forgets the branch (which stays in Infrahub); the next write starts a new one", async () => {
    const first = branchOf(await upsertTag("reset-1"))
    expect(await callOk(session.client, "reset_session_branch")).toEqual({ action: "reset", session_branch: null, previous_branch: first, created: false })
    expect(await sessionBranch(session.client)).toBeNull()
    expect(await branchNames(sandbox)).toContain(first)
    const next = await upsertTag("reset-2")
    expect(next).toMatchObject({ branch_created: true, recovered_from: null })
    expect(branchOf(next)).not.toBe(first)
    expect(await tagNames(sandbox, branchOf(next))).not.toContain("reset-1")
  })
})

describe("reset_session_branch with a branch", () => {
  it("switches to an existing branch, and the writes land there", async () => {
    const previous = await sessionBranch(session.client)
    await createBranch(sandbox, "e2e-feature")
    expect(await callOk(session.client, "reset_session_branch", { branch: "e2e-feature" })).toEqual({
      action: "switched",
      session_branch: "e2e-feature",
      previous_branch: previous,
      created: false
    })
    expect(await sessionBranch(session.client)).toBe("e2e-feature")
    expect(await upsertTag("on-feature")).toMatchObject({ branch: "e2e-feature", branch_created: false })
    expect(await tagNames(sandbox, "e2e-feature")).toContain("on-feature")
    expect(await tagNames(sandbox)).not.toContain("on-feature")
  })

  it("creates a missing branch whose name matches the pattern", async () => {
    const name = "mcp/session-20260101-0a1b2c3d"
    expect(await callOk(session.client, "reset_session_branch", { branch: name })).toEqual({
      action: "created",
      session_branch: name,
      previous_branch: "e2e-feature",
      created: true
    })
    expect((await listBranches(sandbox)).find((branch) => branch.name === name)).toMatchObject({ status: "OPEN", is_default: false })
    expect(await upsertTag("on-created")).toMatchObject({ branch: name, branch_created: false })
  })

  it("refuses the default branch", async () => {
    const text = await callError(session.client, "reset_session_branch", { branch: "main" })
    expect(text).toContain("Cannot use 'main' as the session branch: it is the default branch")
    expect(text).toContain("propose_changes")
    expect(await sessionBranch(session.client)).toBe("mcp/session-20260101-0a1b2c3d")
  })

  it("refuses a merged branch", async () => {
    await createBranch(sandbox, "e2e-merged")
    await mergeBranch(sandbox, "e2e-merged")
    const text = await callError(session.client, "reset_session_branch", { branch: "e2e-merged" })
    expect(text).toContain("it was merged and is read-only")
    expect(text).toContain("Omit `branch`")
    expect(await sessionBranch(session.client)).toBe("mcp/session-20260101-0a1b2c3d")
  })

  it("refuses to create a missing branch whose name does not match the pattern", async () => {
    const text = await callError(session.client, "reset_session_branch", { branch: "someone-elses-idea" })
    expect(text).toContain("it does not exist")
    expect(text).toContain("mcp/session-{date}-{hex}")
    expect(text).toContain("infrahub://branches")
    // Near misses of the pattern are not created either.
    await callError(session.client, "reset_session_branch", { branch: "mcp/session-20260101-0A1B2C3D" })
    await callError(session.client, "reset_session_branch", { branch: "mcp/session-2026011-0a1b2c3d" })
    expect(await branchNames(sandbox)).not.toEqual(expect.arrayContaining(["someone-elses-idea"]))
    expect((await branchNames(sandbox)).filter((name) => /0A1B2C3D|2026011-/.test(name))).toEqual([])
    expect(await sessionBranch(session.client)).toBe("mcp/session-20260101-0a1b2c3d")
  })

  it("refuses names Infrahub would refuse, and an empty name", async () => {
    const text = await callError(session.client, "reset_session_branch", { branch: "mcp/bad..name" })
    expect(text).toContain("invalid patterns or characters")
    const empty = await callError(session.client, "reset_session_branch", { branch: "" })
    expect(empty).toContain("Invalid arguments for reset_session_branch: branch: branch must not be empty: leave it out to start a fresh session branch")
    expect(empty).not.toContain("Expected")
    expect(await sessionBranch(session.client)).toBe("mcp/session-20260101-0a1b2c3d")
  })
})

describe("propose_changes", () => {
  let branch: string
  let proposalId: string

  it("opens a proposed change from the session branch to the default branch", async () => {
    await callOk(session.client, "reset_session_branch")
    branch = branchOf(await upsertTag("proposed-1"))
    sandbox.clearRequests()
    const proposal = await callOk(session.client, "propose_changes", { title: "  Add tag proposed-1  ", description: "From an e2e test." })
    proposalId = String(proposal["id"])
    expect(proposal).toEqual({
      id: proposalId,
      title: "Add tag proposed-1",
      source_branch: branch,
      destination_branch: "main",
      state: "open",
      existing: false
    })
    expect(await proposedChanges(branch)).toEqual([
      { id: proposalId, name: "Add tag proposed-1", description: "From an e2e test.", source_branch: branch, destination_branch: "main", state: "open" }
    ])
    // It does not merge anything, nor create a branch.
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
    expect(await tagNames(sandbox)).not.toContain("proposed-1")
  })

  it("returns the open proposed change instead of failing when asked again", async () => {
    sandbox.clearRequests()
    const again = await callOk(session.client, "propose_changes", { title: "Another title" })
    expect(again).toEqual({ id: proposalId, title: "Add tag proposed-1", source_branch: branch, destination_branch: "main", state: "open", existing: true })
    expect(requestsRunning(sandbox.requests(), "CoreProposedChangeCreate")).toEqual([])
    expect(await proposedChanges(branch)).toHaveLength(1)
  })

  it("returns an open proposed change someone else opened for the session branch", async () => {
    await callOk(session.client, "reset_session_branch")
    const other = branchOf(await upsertTag("proposed-2"))
    const made = await adminGraphql(
      sandbox,
      `mutation { CoreProposedChangeCreate(data: { name: { value: "Opened by a human" }, source_branch: { value: ${JSON.stringify(other)} }, destination_branch: { value: "main" } }) { object { id } } }`
    )
    const id = (made["CoreProposedChangeCreate"] as { object: { id: string } }).object.id
    expect(await callOk(session.client, "propose_changes", { title: "Mine" })).toMatchObject({ id, title: "Opened by a human", existing: true })
  })

  it("passes destination_branch on, and reports Infrahub's refusal with advice", async () => {
    await callOk(session.client, "reset_session_branch")
    const source = branchOf(await upsertTag("proposed-3"))
    const text = await callError(session.client, "propose_changes", { title: "Elsewhere", destination_branch: "e2e-feature" })
    expect(text).toContain("Infrahub refused the proposed change")
    expect(text).toContain("only the 'main' branch is supported")
    expect(text).toMatch(/Remediation: Check destination_branch/)
    expect(await proposedChanges(source)).toEqual([])
    expect(await callOk(session.client, "propose_changes", { title: "To main", destination_branch: "main" })).toMatchObject({
      source_branch: source,
      destination_branch: "main",
      existing: false
    })
  })

  it("refuses a blank title and an empty destination_branch, saying what to pass", async () => {
    const text = await callError(session.client, "propose_changes", { title: "   " })
    expect(text).toContain("title must not be blank")
    const destination = await callError(session.client, "propose_changes", { title: "x", destination_branch: "" })
    expect(destination).toContain("destination_branch must not be empty: leave it out to target the default branch")
    expect(destination).not.toContain("Expected")
  })

  it("says so when the session branch was merged meanwhile, and the next write moves on", async () => {
    await callOk(session.client, "reset_session_branch")
    const merged = branchOf(await upsertTag("proposed-4"))
    await mergeBranch(sandbox, merged)
    const text = await callError(session.client, "propose_changes", { title: "Too late" })
    expect(text).toContain(`your session branch '${merged}' was already merged`)
    expect(text).toMatch(/Remediation: .*get_nodes.*fresh branch.*propose_changes again/)
    expect(await proposedChanges(merged)).toEqual([])
    const next = await upsertTag("proposed-5")
    expect(next["recovered_from"]).toEqual({ branch: merged, reason: "was merged" })
    expect(await callOk(session.client, "propose_changes", { title: "After the merge" })).toMatchObject({ source_branch: branchOf(next), existing: false })
  })

  it("says so when the session branch was deleted meanwhile", async () => {
    await callOk(session.client, "reset_session_branch")
    const deleted = branchOf(await upsertTag("proposed-6"))
    await deleteBranch(sandbox, deleted)
    const text = await callError(session.client, "propose_changes", { title: "Gone" })
    expect(text).toContain(`your session branch '${deleted}' no longer exists in Infrahub`)
    expect(text).toContain("reset_session_branch()")
  })
})
