import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { adminGraphql, callError, callOk, serverEnv } from "./write-support.js"

/**
 * Branch-agnostic kinds (accounts, groups, permissions, proposed changes, …) exist once for all
 * branches: a write to one on the session branch would change the default branch at once. Every
 * write tool refuses them, and nothing reaches Infrahub.
 */
describe("writes to branch-agnostic kinds are refused", () => {
  let sandbox: TestSandbox
  let session: StdioSession

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    session = await connectStdio(serverEnv(sandbox))
    // Warm the schema cache and create the session branch, so the counts below are the writes' own.
    await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "warm-up" } })
  })
  afterAll(async () => {
    await session?.close()
    await sandbox?.close()
  })

  const accounts = async () =>
    ((await adminGraphql(sandbox, "query { CoreAccount { edges { node { name { value } } } } }")) as {
      CoreAccount: { edges: ReadonlyArray<{ node: { name: { value: string } } }> }
    }).CoreAccount.edges.map((edge) => edge.node.name.value)

  it("node_upsert and node_delete refuse them before any Infrahub request", async () => {
    const before = await accounts()
    sandbox.clearRequests()
    const created = await callError(session.client, "node_upsert", {
      kind: "CoreAccount",
      data: { name: "evil", password: "x", account_type: "User" }
    })
    expect(created).toContain("CoreAccountCreate")
    expect(created).toContain("reach the default branch at once")
    const deleted = await callError(session.client, "node_delete", { kind: "CoreAccount", hfid: ["admin"] })
    expect(deleted).toContain("CoreAccountDelete")
    expect(sandbox.requests()).toEqual([])
    expect(await accounts()).toEqual(before)
  })

  it.each([
    ["a proposed-change merge", 'mutation { CoreProposedChangeUpdate(data: {id: "x", state: {value: "merged"}}) { ok } }', "CoreProposedChangeUpdate"],
    ["an aliased account creation", 'mutation { tag: CoreAccountCreate(data: {name: {value: "evil"}, password: {value: "x"}}) { ok } }', "CoreAccountCreate"],
    ["one hidden in a fragment", 'mutation { ...m } fragment m on Mutation { CoreGlobalPermissionCreate(data: {}) { ok } }', "CoreGlobalPermissionCreate"],
    ["a generic's update", 'mutation { CoreGenericAccountUpdate(data: {id: "x"}) { ok } }', "CoreGenericAccountUpdate"]
  ])("mutate_graphql refuses %s, sending nothing", async (_label, query, field) => {
    sandbox.clearRequests()
    const text = await callError(session.client, "mutate_graphql", { query })
    expect(text).toContain(field)
    expect(sandbox.requests()).toEqual([])
  })

  it("RelationshipAdd is checked by the kind of the node it changes", async () => {
    const group = (await adminGraphql(
      sandbox,
      'mutation { CoreAccountGroupCreate(data: {name: {value: "network-admins"}}) { ok object { id } } }'
    )) as { CoreAccountGroupCreate: { object: { id: string } } }
    const device = (await adminGraphql(sandbox, 'query { DcimDevice(name__value: "atl1-edge1") { edges { node { id } } } }')) as {
      DcimDevice: { edges: ReadonlyArray<{ node: { id: string } }> }
    }
    const tag = (await adminGraphql(sandbox, 'query { BuiltinTag(name__value: "production") { edges { node { id } } } }')) as {
      BuiltinTag: { edges: ReadonlyArray<{ node: { id: string } }> }
    }
    const groupId = group.CoreAccountGroupCreate.object.id
    const deviceId = device.DcimDevice.edges[0]?.node.id ?? ""
    const tagId = tag.BuiltinTag.edges[0]?.node.id ?? ""

    sandbox.clearRequests()
    const refused = await callError(session.client, "mutate_graphql", {
      query: "mutation ($data: RelationshipNodesInput!) { RelationshipAdd(data: $data) { ok } }",
      variables: { data: { id: groupId, name: "members", nodes: [{ id: deviceId }] } }
    })
    expect(refused).toContain("relationships of CoreAccountGroup")
    // One lookup of the node's kind, no write.
    expect(sandbox.requests().map((r) => r.operations)).toEqual([["CoreNode", "CoreGroup"]])

    const unknowable = await callError(session.client, "mutate_graphql", {
      query: 'mutation ($d: RelationshipNodesInput!) { RelationshipAdd(data: $d) { ok } }'
    })
    expect(unknowable).toContain("data.id")

    const allowed = await callOk(session.client, "mutate_graphql", {
      query: `mutation { RelationshipAdd(data: {id: "${deviceId}", name: "tags", nodes: [{id: "${tagId}"}]}) { ok } }`
    })
    expect(allowed).toEqual({ RelationshipAdd: { ok: true } })
  })

  it.each([
    ["an account token for the server's own account", 'mutation { InfrahubAccountTokenCreate(data: {name: "mine"}) { ok object { token } } }', "InfrahubAccountTokenCreate"],
    ["a password change of the server's account", 'mutation { InfrahubAccountSelfUpdate(data: {password: "x"}) { ok } }', "InfrahubAccountSelfUpdate"],
    ["a proposed-change review", 'mutation { CoreProposedChangeReview(data: {id: "x", decision: APPROVE}) { ok } }', "CoreProposedChangeReview"],
    ["a diff refresh", 'mutation { DiffUpdate(data: {branch: "x"}) { ok } }', "DiffUpdate"],
    ["a mutation of a kind that does not exist", 'mutation { DcimDeviseCreate(data: {}) { ok } }', "DcimDeviseCreate"],
    ["a Create of a generic (Infrahub has none)", 'mutation { DcimGenericDeviceCreate(data: {}) { ok } }', "DcimGenericDeviceCreate"]
  ])("mutate_graphql runs data mutations only: refuses %s", async (_label, query, field) => {
    sandbox.clearRequests()
    const text = await callError(session.client, "mutate_graphql", { query })
    expect(text).toContain(`mutate_graphql runs data mutations only, and ${field}`)
    expect(sandbox.requests()).toEqual([])
  })

  it("mutate_graphql lets an IP pool allocation through to Infrahub", async () => {
    sandbox.clearRequests()
    await session.client.callTool({
      name: "mutate_graphql",
      arguments: { query: 'mutation { IPPrefixPoolGetResource(data: {id: "no-such-pool"}) { ok } }' }
    })
    expect(sandbox.requests().map((r) => r.operations)).toEqual([["IPPrefixPoolGetResource"]])
  })
})
