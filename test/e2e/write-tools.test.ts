import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  adminGraphql,
  branchNames,
  branchOf,
  callError,
  callOk,
  listBranches,
  readBranchesResource,
  requestsRunning,
  serverEnv,
  sessionBranch,
  tagNames,
  tags,
  utcDate
} from "./write-support.js"

/**
 * The write tools over stdio, one server process for the file (the process is the workspace): what
 * they advertise, that reads never create the session branch, that every write lands on the session
 * branch and never on the default branch, and what each write costs in Infrahub round trips.
 * The tests run in order and share the session; each says what it expects to find.
 */

const WRITE_TOOLS = ["node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]
const DEFAULT_PATTERN = /^mcp\/session-(\d{8})-([0-9a-f]{8})$/

let sandbox: TestSandbox
let session: StdioSession
let mainTagsAtStart: ReadonlyArray<string>

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  mainTagsAtStart = await tagNames(sandbox)
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

describe("tools/list", () => {
  it("advertises the five write tools with the Python names and parameters, a title, annotations and schemas", async () => {
    const { tools } = await session.client.listTools()
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    for (const name of WRITE_TOOLS) {
      const tool = byName.get(name)
      expect(tool, name).toBeDefined()
      expect(tool?.title, name).toMatch(/\S/)
      expect(tool?.annotations?.readOnlyHint, name).toBe(false)
      expect(tool?.annotations?.idempotentHint, name).toBe(false)
      expect(tool?.annotations?.destructiveHint, name).toBe(name === "node_delete" || name === "mutate_graphql")
      expect(tool?.outputSchema?.type, name).toBe("object")
      if (name !== "mutate_graphql") expect(Object.keys(tool?.outputSchema?.properties ?? {}).length, name).toBeGreaterThan(0)
    }
    const params = (name: string) => ({
      properties: Object.keys(byName.get(name)?.inputSchema.properties ?? {}).sort(),
      required: [...(byName.get(name)?.inputSchema.required ?? [])].sort()
    })
    expect(params("node_upsert")).toEqual({ properties: ["data", "hfid", "id", "kind"], required: ["data", "kind"] })
    expect(params("node_delete")).toEqual({ properties: ["hfid", "id", "kind"], required: ["kind"] })
    expect(params("mutate_graphql")).toEqual({ properties: ["query", "variables"], required: ["query"] })
    expect(params("propose_changes")).toEqual({ properties: ["description", "destination_branch", "title"], required: ["title"] })
    expect(params("reset_session_branch")).toEqual({ properties: ["branch"], required: [] })
    // Where a write lands is part of the node write results; mutate_graphql returns Infrahub's data
    // object itself (an open object), its landing goes to _meta.
    for (const name of ["node_upsert", "node_delete"]) {
      expect(Object.keys(byName.get(name)?.outputSchema?.properties ?? {}), name).toEqual(
        expect.arrayContaining(["branch", "branch_created", "recovered_from"])
      )
    }
    expect(byName.get("mutate_graphql")?.outputSchema).toMatchObject({ type: "object", properties: {}, additionalProperties: {} })
  })
})

describe("before the first write", () => {
  it("reads, get_session_info, infrahub://branches and propose_changes create no session branch", async () => {
    sandbox.clearRequests()
    expect(await sessionBranch(session.client)).toBeNull()
    await callOk(session.client, "get_nodes", { kind: "BuiltinTag" })
    await callOk(session.client, "search_nodes", { query: "edge", kind: "BuiltinTag" })
    await callOk(session.client, "query_graphql", { query: "query { BuiltinTag { count } }" })
    await callOk(session.client, "get_schema", { kind: "BuiltinTag" })
    const view = await readBranchesResource(session.client)
    expect(Object.values(view).some((branch) => branch.is_session_branch)).toBe(false)

    const proposed = await callError(session.client, "propose_changes", { title: "Nothing yet" })
    expect(proposed).toContain("no branch yet")
    expect(proposed).toMatch(/node_upsert, node_delete or mutate_graphql/)

    expect(await branchNames(sandbox)).toEqual(["main"])
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
    expect(await sessionBranch(session.client)).toBeNull()
  })
})

describe("writes land on the session branch", () => {
  let branch: string
  let createdId: string

  it("node_upsert without id/hfid creates the object on a new session branch named by the default pattern; main is unchanged", async () => {
    const before = utcDate()
    const created = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "e2e-first", description: "made by a test" } })
    const after = utcDate()
    branch = branchOf(created)
    createdId = String(created["id"])
    expect(created).toMatchObject({ action: "created", kind: "BuiltinTag", display_label: "e2e-first", branch_created: true, recovered_from: null })
    const match = DEFAULT_PATTERN.exec(branch)
    expect(match, branch).not.toBeNull()
    expect([before, after]).toContain(match?.[1])

    expect(await tagNames(sandbox, branch)).toContain("e2e-first")
    expect(await tagNames(sandbox)).toEqual(mainTagsAtStart)
    const row = (await listBranches(sandbox)).find((candidate) => candidate.name === branch)
    expect(row).toMatchObject({ status: "OPEN", is_default: false })
  })

  it("get_session_info and infrahub://branches show the session branch", async () => {
    const info = await callOk(session.client, "get_session_info")
    expect(info).toMatchObject({ session_branch: branch, has_session_branch: true, default_branch: "main", write_tools_available: true })
    const view = await readBranchesResource(session.client)
    expect(view[branch]).toMatchObject({ is_session_branch: true, is_default: false })
    expect(view["main"]).toMatchObject({ is_session_branch: false, is_default: true })
  })

  it("a second write reuses the branch", async () => {
    const second = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "e2e-second" } })
    expect(second).toMatchObject({ action: "created", branch, branch_created: false, recovered_from: null })
    expect(await tagNames(sandbox, branch)).toEqual(expect.arrayContaining(["e2e-first", "e2e-second"]))
    expect(await branchNames(sandbox)).toEqual(["main", branch].sort())
  })

  it("node_upsert with id updates the object on the session branch", async () => {
    const updated = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", id: createdId, data: { description: "updated by id" } })
    expect(updated).toMatchObject({ action: "updated", id: createdId, branch, branch_created: false })
    expect((await tags(sandbox, branch)).find((tag) => tag.id === createdId)?.description).toBe("updated by id")
  })

  it("node_upsert with hfid updates an object of the default branch on the session branch only", async () => {
    const mainEdge = (await tags(sandbox)).find((tag) => tag.name === "edge")
    expect(mainEdge).toBeDefined()
    const updated = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", hfid: ["edge"], data: { description: "changed on the branch" } })
    expect(updated).toMatchObject({ action: "updated", id: mainEdge?.id, branch })
    expect((await tags(sandbox, branch)).find((tag) => tag.name === "edge")?.description).toBe("changed on the branch")
    expect((await tags(sandbox)).find((tag) => tag.name === "edge")?.description).toBe(mainEdge?.description)
  })

  it("node_delete by id and by hfid deletes on the session branch only", async () => {
    const byId = await callOk(session.client, "node_delete", { kind: "BuiltinTag", id: createdId })
    expect(byId).toMatchObject({ deleted_id: createdId, deleted_hfid: null, kind: "BuiltinTag", branch, branch_created: false })
    const byHfid = await callOk(session.client, "node_delete", { kind: "BuiltinTag", hfid: ["oob"] })
    // deleted_id is the id or, as the Python server reports it, the hfid.
    expect(byHfid).toMatchObject({ deleted_id: ["oob"], deleted_hfid: ["oob"], branch })
    const onBranch = await tagNames(sandbox, branch)
    expect(onBranch).not.toContain("e2e-first")
    expect(onBranch).not.toContain("oob")
    expect(await tagNames(sandbox)).toEqual(mainTagsAtStart)
    expect(mainTagsAtStart).toContain("oob")
  })

  it("mutate_graphql runs on the session branch, with variables, and returns the data object itself; the branch is in _meta and a note", async () => {
    const result = await session.client.callTool({
      name: "mutate_graphql",
      arguments: {
        query: "mutation AddTag($name: String!) { made: BuiltinTagCreate(data: { name: { value: $name } }) { ok object { id name { value } } } }",
        variables: { name: "e2e-from-graphql" }
      }
    })
    expect(result.isError).toBeUndefined()
    const data = result.structuredContent as Record<string, { ok: boolean; object: { id: string; name: { value: string } } }>
    // A client reads result["made"]["ok"], as from the Python server.
    expect(data).toEqual({ made: { ok: true, object: { id: expect.any(String), name: { value: "e2e-from-graphql" } } } })
    expect(result._meta).toEqual({ "infrahub-mcp/branch": branch, "infrahub-mcp/branch_created": false, "infrahub-mcp/recovered_from": null })
    const content = result.content as ReadonlyArray<{ type: string; text: string }>
    expect(content).toHaveLength(2)
    expect(JSON.parse(content[0]?.text ?? "")).toEqual(data)
    expect(content[1]?.text).toBe(`Written to your session branch '${branch}'. The default branch changes only through propose_changes and review.`)
    expect(await tagNames(sandbox, branch)).toContain("e2e-from-graphql")
    expect(await tagNames(sandbox)).not.toContain("e2e-from-graphql")
  })

  it("mutate_graphql has no branch parameter: it always writes the session branch", async () => {
    const text = await callError(session.client, "mutate_graphql", {
      query: 'mutation { BuiltinTagCreate(data: { name: { value: "e2e-on-main" } }) { ok } }',
      branch: "main"
    })
    expect(text).toContain("Invalid arguments for mutate_graphql")
    expect(text).toContain("branch")
    expect(await tagNames(sandbox)).not.toContain("e2e-on-main")
    expect(await tagNames(sandbox, branch)).not.toContain("e2e-on-main")
  })
})

describe("bad input writes nothing and says what to do", () => {
  it("node_upsert reports unknown attributes instead of dropping them, on create and on update", async () => {
    const branch = await sessionBranch(session.client)
    const before = await tags(sandbox, branch ?? undefined)
    const onCreate = await callError(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "e2e-typo", colour: "red", lable: "x" } })
    expect(onCreate).toContain("'colour'")
    expect(onCreate).toContain("'lable'")
    expect(onCreate).toContain("nothing was written")
    expect(onCreate).toMatch(/Writable attributes: .*name.*description/)
    const onUpdate = await callError(session.client, "node_upsert", { kind: "BuiltinTag", hfid: ["core"], data: { description: "x", colour: "red" } })
    expect(onUpdate).toContain("'colour'")
    expect(await tags(sandbox, branch ?? undefined)).toEqual(before)
  })

  it("node_upsert refuses malformed relationship values, empty data, generic kinds and unknown kinds", async () => {
    const relationship = await callError(session.client, "node_upsert", { kind: "LocationSite", hfid: ["atl1"], data: { tags: [{ name: "edge" }] } })
    expect(relationship).toContain('Invalid value(s) for LocationSite: tags (many BuiltinTag) has "name"')
    expect(relationship).toContain("mutate_graphql")
    const empty = await callError(session.client, "node_upsert", { kind: "BuiltinTag", hfid: ["core"], data: {} })
    expect(empty).toContain("data is empty")
    const generic = await callError(session.client, "node_upsert", { kind: "LocationGeneric", data: { name: "x" } })
    expect(generic).toContain("LocationSite")
    const unknown = await callError(session.client, "node_upsert", { kind: "NoSuchKind", data: { name: "x" } })
    expect(unknown).toContain("NoSuchKind")
  })

  it("empty identifiers and kinds are refused with what to pass instead", async () => {
    const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ["node_upsert", { kind: "BuiltinTag", id: "", data: { name: "x" } }, "id: id must not be empty: pass the object's id, or leave it out"],
      ["node_upsert", { kind: "BuiltinTag", hfid: [], data: { name: "x" } }, "hfid: hfid must list the values of the kind's human_friendly_id fields, or be left out"],
      ["node_upsert", { kind: "", data: { name: "x" } }, "kind: kind must not be empty; get_schema() lists the kinds"],
      ["node_delete", { kind: "BuiltinTag", id: "" }, "id: id must not be empty"],
      ["node_upsert", { kind: "BuiltinTag", data: "name=x" }, 'data: data must be an object of attribute values by name, e.g. {"name": "atl1-edge2"}'],
      ["node_upsert", { kind: "BuiltinTag", data: { name: "x" }, branch: "main" }, "branch"]
    ]
    for (const [tool, args, expected] of cases) {
      const text = await callError(session.client, tool, args)
      expect(text).toContain(`Invalid arguments for ${tool}`)
      expect(text).toContain(expected)
      // No schema jargon such as "Expected undefined, actual []".
      expect(text).not.toContain("Expected undefined")
    }
  })

  it("mutate_graphql errors show what was applied before the failure, and only then", async () => {
    const branch = await sessionBranch(session.client)
    const refused = await callError(session.client, "mutate_graphql", {
      query: 'mutation { BuiltinTagCreate(data: { name: { value: "edge" } }) { ok } }'
    })
    expect(refused).toContain("Violates uniqueness constraint")
    expect(refused).not.toContain("Applied before the error")
    const partly = await callError(session.client, "mutate_graphql", {
      query: 'mutation { first: BuiltinTagCreate(data: { name: { value: "e2e-partly" } }) { ok } second: BuiltinTagCreate(data: { name: { value: "edge" } }) { ok } }'
    })
    expect(partly).toContain('Applied before the error (kept on your session branch): {"first":{"ok":true}}')
    expect(partly).toMatch(/Remediation: .*retry only the parts that failed/)
    expect(await tagNames(sandbox, branch ?? undefined)).toContain("e2e-partly")
  })

  it("node_delete needs an id or an hfid, and the object must exist", async () => {
    const neither = await callError(session.client, "node_delete", { kind: "BuiltinTag" })
    expect(neither).toContain("needs the object's id or hfid")
    const missing = await callError(session.client, "node_delete", { kind: "BuiltinTag", hfid: ["no-such-tag"] })
    expect(missing).toContain("Unable to find the node no-such-tag / BuiltinTag")
    expect(missing).toContain("infrahub://schema/BuiltinTag")
    expect(await tagNames(sandbox)).toEqual(mainTagsAtStart)
  })
})

describe("Infrahub round trips", () => {
  it("after the first write, node_upsert (create, update by id) and node_delete cost one request each, on the session branch", async () => {
    const branch = await sessionBranch(session.client)
    expect(branch).not.toBeNull()
    const branchPath = `/graphql/${branch}`

    sandbox.clearRequests()
    const created = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "e2e-counted" } })
    expect(sandbox.requests().map((r) => [r.path, r.operations])).toEqual([[branchPath, ["BuiltinTagCreate"]]])

    sandbox.clearRequests()
    await callOk(session.client, "node_upsert", { kind: "BuiltinTag", id: String(created["id"]), data: { description: "counted" } })
    expect(sandbox.requests().map((r) => [r.path, r.operations])).toEqual([[branchPath, ["BuiltinTagUpdate"]]])

    sandbox.clearRequests()
    await callOk(session.client, "node_delete", { kind: "BuiltinTag", id: String(created["id"]) })
    expect(sandbox.requests().map((r) => [r.path, r.operations])).toEqual([[branchPath, ["BuiltinTagDelete"]]])

    sandbox.clearRequests()
    await callOk(session.client, "mutate_graphql", { query: 'mutation { BuiltinTagCreate(data: { name: { value: "e2e-counted-2" } }) { ok } }' })
    expect(sandbox.requests().map((r) => [r.path, r.operations])).toEqual([[branchPath, ["BuiltinTagCreate"]]])
  })
})

describe("the default branch", () => {
  it("is never written: every data mutation the tools sent went to the session branch, and main still has its objects", async () => {
    // A fresh round of every write tool, with the request log covering all of it.
    sandbox.clearRequests()
    const branch = await sessionBranch(session.client)
    const made = await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "e2e-last" } })
    await callOk(session.client, "node_upsert", { kind: "BuiltinTag", hfid: ["production"], data: { description: "branch only" } })
    await callOk(session.client, "node_delete", { kind: "BuiltinTag", id: String(made["id"]) })
    await callOk(session.client, "mutate_graphql", { query: 'mutation { BuiltinTagUpsert(data: { name: { value: "core" }, description: { value: "upserted" } }) { ok } }' })
    const proposal = await callOk(session.client, "propose_changes", { title: "e2e changes" })
    expect(proposal).toMatchObject({ source_branch: branch, destination_branch: "main", existing: false })

    const mutations = sandbox.requests().filter((request) => request.operations.some((op) => /(Create|Update|Upsert|Delete)$/.test(op)))
    expect(mutations.length).toBeGreaterThanOrEqual(5)
    for (const request of mutations) {
      const onDefault = request.branch === null || request.branch === "main"
      // The only writes addressed to the default branch: the branch-agnostic proposed change
      // (as Infrahub's SDK sends it), never an object of the data.
      if (onDefault) expect(request.operations).toEqual(["CoreProposedChangeCreate"])
      else expect(request.branch).toBe(branch)
    }
    expect(await tagNames(sandbox)).toEqual(mainTagsAtStart)
    const mainTags = await tags(sandbox)
    const data = await adminGraphql(sandbox, 'query { BuiltinTag(name__value: "production") { edges { node { description { value } } } } }')
    expect(JSON.stringify(data)).not.toContain("branch only")
    expect(mainTags.find((tag) => tag.name === "core")?.description).not.toBe("upserted")
  })
})
