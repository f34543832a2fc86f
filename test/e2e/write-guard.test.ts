import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { branchOf, callError, callOk, listBranches, serverEnv, sessionBranch, tagNames } from "./write-support.js"

/**
 * The GraphQL gate: mutate_graphql runs only data mutations, and refuses branch, schema and merge
 * mutations however they are dressed up; query_graphql refuses every mutation. A refused document
 * never reaches Infrahub (the request log stays empty) and the session branch stays open.
 */

let sandbox: TestSandbox
let session: StdioSession
let branch: string

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  branch = branchOf(await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "guard-setup" } }))
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

beforeEach(() => {
  sandbox.clearRequests()
})

/** The refusal reached no Infrahub endpoint and left the branches as they were. */
const expectNothingSent = async () => {
  expect(sandbox.requests()).toEqual([])
  const branches = await listBranches(sandbox)
  expect(branches.map((row) => [row.name, row.status]).sort()).toEqual([["main", "OPEN"], [branch, "OPEN"]].sort())
  expect(await sessionBranch(session.client)).toBe(branch)
}

const merge = `BranchMerge(data: { name: "BRANCH" }) { ok }`

describe("mutate_graphql refuses branch, schema and merge mutations", () => {
  const forbidden: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
    ["BranchCreate", 'mutation { BranchCreate(data: { name: "guard-new" }) { ok } }', ["BranchCreate"]],
    ["BranchDelete", 'mutation { BranchDelete(data: { name: "BRANCH" }) { ok } }', ["BranchDelete"]],
    ["BranchMerge", `mutation { ${merge} }`, ["BranchMerge"]],
    ["BranchRebase", 'mutation { BranchRebase(data: { name: "BRANCH" }) { ok } }', ["BranchRebase"]],
    ["BranchUpdate", 'mutation { BranchUpdate(data: { name: "BRANCH", description: "x" }) { ok } }', ["BranchUpdate"]],
    ["BranchValidate", 'mutation { BranchValidate(data: { name: "BRANCH" }) { ok } }', ["BranchValidate"]],
    ["SchemaDropdownAdd", 'mutation { SchemaDropdownAdd(data: { kind: "LocationSite", attribute: "status", dropdown: "gone" }) { ok } }', ["SchemaDropdownAdd"]],
    ["SchemaEnumRemove", 'mutation { SchemaEnumRemove(data: { kind: "X", attribute: "y", enum: "z" }) { ok } }', ["SchemaEnumRemove"]],
    ["CoreProposedChangeMerge", 'mutation { CoreProposedChangeMerge(data: { id: "x" }) { ok } }', ["CoreProposedChangeMerge"]],
    ["ProposedChangeMerge", 'mutation { ProposedChangeMerge(data: { id: "x" }) { ok } }', ["ProposedChangeMerge"]],
    ["behind an alias", `mutation { harmless: ${merge} }`, ["BranchMerge"]],
    [
      "after a data mutation",
      `mutation { BuiltinTagCreate(data: { name: { value: "guard-smuggled" } }) { ok } ${merge} }`,
      ["BranchMerge"]
    ],
    ["in an inline fragment", `mutation { ... on Mutation { ${merge} } }`, ["BranchMerge"]],
    ["in an inline fragment without type condition", `mutation { ... { ${merge} } }`, ["BranchMerge"]],
    ["in a fragment spread", `mutation { ...Sneaky } fragment Sneaky on Mutation { ${merge} }`, ["BranchMerge"]],
    [
      "in nested fragments behind aliases",
      'mutation { ...Outer } fragment Outer on Mutation { ... on Mutation { ...Inner } } fragment Inner on Mutation { quiet: BranchDelete(data: { name: "BRANCH" }) { ok } }',
      ["BranchDelete"]
    ],
    ["behind a skip directive", `mutation { ${merge.replace("{ ok }", "@skip(if: true) { ok }")} }`, ["BranchMerge"]],
    [
      "in a second operation",
      `mutation Harmless { BuiltinTagCreate(data: { name: { value: "guard-smuggled" } }) { ok } } mutation Evil { ${merge} }`,
      ["BranchMerge"]
    ],
    [
      "several at once",
      `mutation { a: ${merge} b: SchemaEnumAdd(data: { kind: "X", attribute: "y", enum: "z" }) { ok } }`,
      ["BranchMerge", "SchemaEnumAdd"]
    ]
  ]

  for (const [label, template, fields] of forbidden) {
    it(label, async () => {
      const query = template.replaceAll("BRANCH", branch)
      const text = await callError(session.client, "mutate_graphql", { query })
      expect(text).toContain(`mutate_graphql does not run branch, schema or merge mutations: ${fields.join(", ")}.`)
      expect(text).toContain("reset_session_branch")
      expect(text).toContain("propose_changes")
      await expectNothingSent()
      expect(await tagNames(sandbox, branch)).not.toContain("guard-smuggled")
    })
  }
})

describe("mutate_graphql refuses what is not a mutation, or not a document", () => {
  const refused: ReadonlyArray<readonly [string, string, string]> = [
    ["a query", "query { BuiltinTag { count } }", "mutate_graphql only runs mutations, and this document contains a query"],
    ["a query shorthand", "{ BuiltinTag { count } }", "this document contains a query"],
    ["a named query next to a mutation", 'query Peek { BuiltinTag { count } } mutation Add { BuiltinTagCreate(data: { name: { value: "guard-mixed" } }) { ok } }', 'contains a query ("Peek")'],
    ["a subscription", "subscription { BuiltinTag { count } }", "this document contains a subscription"],
    ["a syntax error", "mutation { BuiltinTagCreate(data: { name: { value: \"x\" } } { ok } }", "GraphQL syntax error (line 1"],
    ["an undefined fragment", "mutation { ...Missing }", 'Unknown fragment "Missing"'],
    ["fragments only", "fragment F on Mutation { BuiltinTagCreate(data: { name: { value: \"x\" } }) { ok } }", "defines only fragments and no operation"],
    ["a type definition", "type Mutation { BranchMerge: Boolean } mutation { BuiltinTagCreate(data: { name: { value: \"x\" } }) { ok } }", "contains a object type definition"]
  ]

  for (const [label, query, message] of refused) {
    it(label, async () => {
      const text = await callError(session.client, "mutate_graphql", { query })
      expect(text).toContain(message)
      await expectNothingSent()
    })
  }

  it("an empty document", async () => {
    const text = await callError(session.client, "mutate_graphql", { query: "" })
    expect(text).toContain("Invalid arguments for mutate_graphql")
    await expectNothingSent()
  })
})

describe("query_graphql refuses every mutation", () => {
  const refused: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
    ["a data mutation", 'mutation { BuiltinTagCreate(data: { name: { value: "guard-via-query" } }) { ok } }', {}],
    ["a mutation aimed at main", 'mutation { BuiltinTagCreate(data: { name: { value: "guard-via-query" } }) { ok } }', { branch: "main" }],
    ["a branch mutation", 'mutation { BranchMerge(data: { name: "BRANCH" }) { ok } }', {}],
    ["a mutation after a query", 'query Read { BuiltinTag { count } } mutation Write { BuiltinTagCreate(data: { name: { value: "guard-via-query" } }) { ok } }', {}],
    ["a mutation behind a fragment", 'mutation { ...M } fragment M on Mutation { BranchDelete(data: { name: "BRANCH" }) { ok } }', {}]
  ]

  for (const [label, template, extra] of refused) {
    it(label, async () => {
      const text = await callError(session.client, "query_graphql", { query: template.replaceAll("BRANCH", branch), ...extra })
      expect(text).toContain("query_graphql only runs read queries, and this document contains a mutation")
      expect(text).toContain("mutate_graphql")
      await expectNothingSent()
      expect(await tagNames(sandbox)).not.toContain("guard-via-query")
    })
  }

  it("a subscription", async () => {
    const text = await callError(session.client, "query_graphql", { query: "subscription { BuiltinTag { count } }" })
    expect(text).toContain("contains a subscription")
    await expectNothingSent()
  })

  it("still runs queries (the gate is not a blanket refusal)", async () => {
    const result = await callOk(session.client, "query_graphql", { query: "query { BuiltinTag { count } }", branch })
    expect(result).toMatchObject({ BuiltinTag: { count: expect.any(Number) } })
  })
})

describe("mutate_graphql still runs data mutations", () => {
  it("including ones in fragments and with aliases", async () => {
    const result = await session.client.callTool({
      name: "mutate_graphql",
      arguments: { query: 'mutation { ...Add } fragment Add on Mutation { added: BuiltinTagCreate(data: { name: { value: "guard-allowed" } }) { ok } }' }
    })
    expect(result.structuredContent).toEqual({ added: { ok: true } })
    expect(result._meta).toMatchObject({ "infrahub-mcp/branch": branch })
    expect(await tagNames(sandbox, branch)).toContain("guard-allowed")
  })
})
