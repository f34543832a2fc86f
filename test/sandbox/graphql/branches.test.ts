import { beforeEach, describe, expect, it } from "vitest"
import { fixture, makeServer, onlyError, type TestServer } from "./helpers.js"

/** Branch lifecycle, isolation, merge and the rules around merged branches and proposed changes. */

const idOf = (data: Record<string, unknown>): string => (Object.values(data)[0] as { object: { id: string } }).object.id
const names = (data: Record<string, unknown>): ReadonlyArray<unknown> =>
  (Object.values(data)[0] as { edges: Array<{ node: { display_label: string } }> }).edges.map((edge) => edge.node.display_label)

describe("branches", () => {
  let server: TestServer
  beforeEach(() => {
    server = makeServer()
  })
  const createBranch = (name: string) => server.ok(`mutation { BranchCreate(data: {name: "${name}", sync_with_git: false}) { ok } }`)
  const tags = (branch?: string) =>
    names(server.ok(`query { BuiltinTag { edges { node { display_label } } } }`, branch === undefined ? {} : { branch }))

  it("isolates a branch from the default branch, and the default branch from the branch", () => {
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "before"}}) { ok } }`)
    createBranch("feature-1")
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "on-branch"}}) { ok } }`, { branch: "feature-1" })
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "after"}}) { ok } }`)
    expect(tags()).toEqual(["after", "before"])
    expect(tags("main")).toEqual(["after", "before"])
    expect(tags("feature-1")).toEqual(["before", "on-branch"])
  })

  it("shares branch-agnostic kinds across branches", () => {
    createBranch("feature-1")
    createBranch("feature-2")
    server.ok(
      `mutation { CoreProposedChangeCreate(data: {name: {value: "pc"}, source_branch: {value: "feature-1"}, destination_branch: {value: "main"}}) { ok } }`,
      { branch: "feature-2" }
    )
    for (const branch of ["main", "feature-1", "feature-2"]) {
      expect(names(server.ok(`query { CoreProposedChange { edges { node { display_label } } } }`, { branch }))).toEqual(["pc"])
    }
  })

  it("merges creations, updates, deletions and relationship changes into main and keeps the branch as MERGED", () => {
    const red = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok object { id } } }`))
    const doomed = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "doomed"}}) { ok object { id } } }`))
    const country = idOf(server.ok(`mutation { LocationCountryCreate(data: {name: {value: "Spain"}, shortname: {value: "es"}, tags: [{id: "${red}"}]}) { ok object { id } } }`))
    createBranch("feature-1")
    server.ok(`mutation { BuiltinTagUpdate(data: {id: "${red}", description: {value: "from branch"}}) { ok } }`, { branch: "feature-1" })
    server.ok(`mutation { BuiltinTagDelete(data: {id: "${doomed}"}) { ok } }`, { branch: "feature-1" })
    const green = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "green"}}) { ok object { id } } }`, { branch: "feature-1" }))
    server.ok(`mutation { LocationCountryUpdate(data: {id: "${country}", tags: [{id: "${green}"}]}) { ok } }`, { branch: "feature-1" })
    // A later change on main to another attribute of the same node survives the merge.
    server.ok(`mutation { BuiltinTagUpdate(data: {id: "${red}", name: {value: "red-main"}}) { ok } }`)

    const merged = server.ok(`mutation { BranchMerge(data: {name: "feature-1"}) { ok object { name status } } }`)
    expect(merged).toEqual({ BranchMerge: { ok: true, object: { name: "feature-1", status: "MERGED" } } })
    expect(server.ok(`query { BuiltinTag { edges { node { display_label description { value } } } } LocationCountry { edges { node { tags { edges { node { display_label } } } } } } }`)).toEqual({
      BuiltinTag: {
        edges: [
          { node: { display_label: "green", description: { value: null } } },
          { node: { display_label: "red-main", description: { value: "from branch" } } }
        ]
      },
      LocationCountry: { edges: [{ node: { tags: { edges: [{ node: { display_label: "green" } }] } } }] }
    })
    expect(server.engine.branchExists("feature-1")).toBe(true)
    expect(tags("feature-1")).toEqual(["green", "red"])
  })

  it("refuses writes on a merged branch, except BranchDelete", () => {
    createBranch("feature-a")
    server.ok(`mutation { BranchMerge(data: {name: "feature-a"}) { ok } }`)
    const refused = server.gql(`mutation {\n  BuiltinTagCreate(data: {name: {value: "late"}}) { ok }\n}`, { branch: "feature-a" })
    expect(refused.status).toBe(200)
    expect(refused.body).toEqual({
      data: { BuiltinTagCreate: null },
      errors: [
        {
          message: "Branch 'feature-a' has been merged and is read-only. No modifications are allowed.",
          locations: [{ line: 2, column: 3 }],
          path: ["BuiltinTagCreate"]
        }
      ]
    })
    const again = server.gql(`mutation { BranchMerge(data: {name: "feature-a"}) { ok } }`)
    expect(onlyError(again.body).message).toBe("Branch 'feature-a' has already been merged")
    expect(server.ok(`mutation { BranchDelete(data: {name: "feature-a"}) { ok } }`, { branch: "feature-a" })).toEqual({ BranchDelete: { ok: true } })
    expect(server.engine.branchExists("feature-a")).toBe(false)
  })

  it("reports a merged branch with the catalogue's recorded error", () => {
    const catalogue = makeServer({ errorFormat: "catalogue" })
    catalogue.ok(`mutation { BranchCreate(data: {name: "feature-a"}) { ok } }`)
    catalogue.ok(`mutation { BranchMerge(data: {name: "feature-a"}) { ok } }`)
    const refused = catalogue.gql(`mutation {\n  TestPersonCreate(data: {name: {value: "John"}}) { ok }\n}`, { branch: "feature-a" })
    expect(refused.body.errors).toEqual((fixture("error_catalogue/codes/branch_already_merged.json") as { errors: unknown }).errors)
  })

  it("validates branch names and refuses duplicates", () => {
    createBranch("feature-1")
    const duplicate = server.gql(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
    expect(onlyError(duplicate.body)).toEqual(expect.objectContaining({ message: "The branch feature-1 already exists" }))
    const invalid = server.gql(`mutation { BranchCreate(data: {name: "bad..name.lock"}) { ok } }`)
    expect(onlyError(invalid.body).message).toBe("Branch name contains invalid patterns or characters: .., ends with .lock")
    const short = server.gql(`mutation { BranchCreate(data: {name: "ab"}) { ok } }`)
    expect(onlyError(short.body).message).toBe("invalid field name: String should have at least 3 characters")
    const origin = server.gql(`mutation { BranchCreate(data: {name: "feature-2", origin_branch: "feature-1"}) { ok } }`)
    expect(onlyError(origin.body).message).toBe("origin_branch must be 'main'")
  })

  it("deletes, updates, validates and rebases branches", () => {
    createBranch("feature-1")
    server.ok(`mutation { BranchUpdate(data: {name: "feature-1", description: "Renamed things"}) { ok } }`)
    expect(server.ok(`mutation { BranchValidate(data: {name: "feature-1"}) { ok object { description } } }`)).toEqual({
      BranchValidate: { ok: true, object: { description: "Renamed things" } }
    })
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "branch-tag"}}) { ok } }`, { branch: "feature-1" })
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "main-tag"}}) { ok } }`)
    expect(tags("feature-1")).toEqual(["branch-tag"])
    server.ok(`mutation { BranchRebase(data: {name: "feature-1"}) { ok object { status } } }`)
    expect(tags("feature-1")).toEqual(["branch-tag", "main-tag"])

    expect(server.ok(`mutation { BranchDelete(data: {name: "feature-1"}) { ok } }`)).toEqual({ BranchDelete: { ok: true } })
    expect(server.ok(`query { Branch { name } }`)).toEqual({ Branch: [{ name: "main" }] })
    expect(onlyError(server.gql(`mutation { BranchDelete(data: {name: "feature-1"}) { ok } }`).body)).toMatchObject({
      message: "Branch: feature-1 not found."
    })
    expect(onlyError(server.gql(`mutation { BranchDelete(data: {name: "main"}) { ok } }`).body).message).toBe(
      "The default branch 'main' cannot be deleted"
    )
  })

  it("answers 404 for an unknown branch in the URL", () => {
    expect(server.engine.execute({ body: { query: "query { Branch { name } }" }, branch: "does-not-exist", actor: server.admin, allowAnonymous: true })).toEqual({
      status: 404,
      body: { errors: ["Branch: does-not-exist not found."] },
      operations: []
    })
    expect(server.engine.sdl("does-not-exist")).toBeUndefined()
  })
})

describe("proposed changes", () => {
  let server: TestServer
  beforeEach(() => {
    server = makeServer()
    server.ok(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
  })
  const propose = (fields: string) => server.gql(`mutation { CoreProposedChangeCreate(data: {name: {value: "change"}, ${fields}}) { ok object { id } } }`)

  it.each([
    ["a state other than open", `source_branch: {value: "feature-1"}, destination_branch: {value: "main"}, state: {value: "merged"}`, "A proposed change has to be in the open state during creation"],
    ["an unknown source branch", `source_branch: {value: "nope"}, destination_branch: {value: "main"}`, "The specified source branch for this proposed change was not found."],
    ["the same source and destination", `source_branch: {value: "main"}, destination_branch: {value: "main"}`, "The source and destination branch can't be the same"],
    ["a destination other than main", `source_branch: {value: "feature-1"}, destination_branch: {value: "feature-1x"}`, "Currently only the 'main' branch is supported as a destination for a proposed change"]
  ])("refuses %s", (_label, fields, message) => {
    expect(onlyError(propose(fields).body)).toMatchObject({ message })
    expect(server.ok(`query { CoreProposedChange { count } }`)).toEqual({ CoreProposedChange: { count: 0 } })
  })

  it("allows one open proposed change per source branch", () => {
    expect(propose(`source_branch: {value: "feature-1"}, destination_branch: {value: "main"}`).status).toBe(200)
    expect(onlyError(propose(`source_branch: {value: "feature-1"}, destination_branch: {value: "main"}`).body).message).toBe(
      "An open proposed change already exists for branch 'feature-1'"
    )
  })

  it("merges the source branch when the proposed change is set to merged, then refuses new ones for it", () => {
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "proposed"}}) { ok } }`, { branch: "feature-1" })
    const id = (propose(`source_branch: {value: "feature-1"}, destination_branch: {value: "main"}`).body.data?.["CoreProposedChangeCreate"] as {
      object: { id: string }
    }).object.id
    server.ok(`mutation { CoreProposedChangeUpdate(data: {id: "${id}", state: {value: "merged"}}) { ok } }`)
    expect(server.ok(`query { BuiltinTag { count } Branch(name: "feature-1") { status } }`)).toEqual({
      BuiltinTag: { count: 1 },
      Branch: [{ status: "MERGED" }]
    })
    expect(onlyError(propose(`source_branch: {value: "feature-1"}, destination_branch: {value: "main"}`).body).message).toBe(
      "Cannot create proposed change: branch 'feature-1' has been merged"
    )
  })
})
