import { beforeEach, describe, expect, it } from "vitest"
import { makeServer, type TestServer } from "./helpers.js"

/**
 * The documents the Python SDK (and the Python MCP server through it) sends, in the SDK's own
 * rendering: 4-space indentation, trailing commas in lists, `$value_<hex>` variables, operation names.
 */

const BRANCH_FIELDS = `
        id
        name
        description
        origin_branch
        branched_from
        is_default
        sync_with_git
        has_schema_changes
        status
        graph_version`

describe("documents the Python SDK sends", () => {
  let server: TestServer
  beforeEach(() => {
    server = makeServer()
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "t1"}}) { ok } }`)
    server.ok(`mutation { LocationCountryCreate(data: {name: {value: "United States"}, shortname: {value: "us"}}) { ok } }`)
  })

  it("creates a node with variables and trailing commas (§4.2) and reads the id back", () => {
    const tag = (server.ok(`query { BuiltinTag(name__value: "t1") { edges { node { id } } } }`)["BuiltinTag"] as {
      edges: Array<{ node: { id: string } }>
    }).edges[0]?.node.id
    const response = server.gql(
      `
mutation ($value_0a1b: String!) {
    LocationSiteCreate(
        data: {
            name: {
                value: "atl1"
            }
            shortname: {
                value: "atl1"
            }
            description: {
                value: $value_0a1b
            }
            parent: {
                hfid: ["us"]
                kind: "LocationCountry"
            }
            tags: [
                {
                    id: "${tag}"
                },
            ]
        }
    ){
        ok
        object {
            id
        }
    }
}
`,
      { variables: { value_0a1b: "JFK\n Airport" } }
    )
    expect(response.status).toBe(200)
    expect(response.operations).toEqual(["LocationSiteCreate"])
    const created = response.body.data?.["LocationSiteCreate"] as { ok: boolean; object: { id: string } }
    expect(created.ok).toBe(true)
    expect(created.object.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const site = server.ok(`query { LocationSite(ids: ["${created.object.id}"]) { edges { node { description { value } tags { count } parent { node { display_label } } } } } }`)
    expect(site).toEqual({
      LocationSite: {
        edges: [{ node: { description: { value: "JFK\n Airport" }, tags: { count: 1 }, parent: { node: { display_label: "United States" } } } }]
      }
    })
  })

  it("runs the paged node query with order, offset, limit and partial match (§3.3)", () => {
    for (const name of ["atl1", "atl2", "bos1"]) {
      server.ok(
        `mutation { LocationSiteCreate(data: {name: {value: "${name}"}, shortname: {value: "${name}"}, parent: {hfid: ["us"]}}) { ok } }`
      )
    }
    const data = server.ok(`
query {
    LocationSite(name__value: "atl", partial_match: true, order: { disable: true, node_metadata: null }, offset: 1, limit: 50) {
        count
        edges {
            node {
                id
                hfid
                display_label
                __typename
                name {
                    value
                }
                parent {
                    node {
                        id
                        hfid
                        display_label
                        __typename
                    }
                }
                tags {
                    count
                    edges {
                        node {
                            id
                            hfid
                            display_label
                            __typename
                        }
                    }
                }
            }
        }
    }
}
`)
    const page = data["LocationSite"] as { count: number; edges: Array<{ node: Record<string, unknown> }> }
    expect(page.count).toBe(2)
    expect(page.edges).toHaveLength(1)
    expect(page.edges[0]?.node).toMatchObject({
      hfid: ["atl2"],
      display_label: "atl2",
      __typename: "LocationSite",
      name: { value: "atl2" },
      parent: { node: { hfid: ["us"], display_label: "United States", __typename: "LocationCountry" } },
      tags: { count: 0, edges: [] }
    })
  })

  it("counts with filters the way client.count() asks (§3.5)", () => {
    server.ok(`mutation { LocationSiteCreate(data: {name: {value: "atl1"}, shortname: {value: "atl1"}, parent: {hfid: ["us"]}}) { ok } }`)
    const data = server.ok(`query {\n    LocationSite(partial_match: false, name__value: "atl1") {\n        count\n    }\n}`)
    expect(data).toEqual({ LocationSite: { count: 1 } })
  })

  it("lists and gets branches with GetAllBranch / GetBranch (§5.1)", () => {
    server.ok(`mutation { BranchCreate(data: {name: "mcp/session-20260701-0a1b2c3d", sync_with_git: false}) { ok } }`)
    const all = server.gql(`query GetAllBranch {\n    Branch {${BRANCH_FIELDS}\n    }\n}`)
    expect(all.operations).toEqual(["Branch"])
    const names = (all.body.data?.["Branch"] as Array<{ name: string; status: string; graph_version: number }>).map((b) => [b.name, b.status])
    expect(names).toEqual([
      ["main", "OPEN"],
      ["mcp/session-20260701-0a1b2c3d", "OPEN"]
    ])
    const one = server.ok(`query GetBranch ($branch_name: String!) {\n    Branch(name: $branch_name) {${BRANCH_FIELDS}\n    }\n}`, {
      variables: { branch_name: "mcp/session-20260701-0a1b2c3d" }
    })
    expect(one["Branch"]).toEqual([
      expect.objectContaining({
        name: "mcp/session-20260701-0a1b2c3d",
        description: "",
        origin_branch: "main",
        is_default: false,
        sync_with_git: false,
        has_schema_changes: false,
        status: "OPEN",
        graph_version: expect.any(Number)
      })
    ])
    const missing = server.ok(`query GetBranch ($branch_name: String!) {\n    Branch(name: $branch_name) {${BRANCH_FIELDS}\n    }\n}`, {
      variables: { branch_name: "nope" }
    })
    expect(missing).toEqual({ Branch: [] })
  })

  it("creates a branch the way branch.create() does, in both completion modes (§5.2)", () => {
    const created = server.ok(`
mutation {
    BranchCreate(
        background_execution: false
        data: {
            name: "mcp/session-20260701-0a1b2c3d"
            description: ""
            sync_with_git: false
        }
    ){
        ok
        object {
            id
            name
            description
            origin_branch
            branched_from
            is_default
            sync_with_git
            has_schema_changes
        }
    }
}
`)
    expect(created["BranchCreate"]).toMatchObject({
      ok: true,
      object: { name: "mcp/session-20260701-0a1b2c3d", description: "", origin_branch: "main", is_default: false, sync_with_git: false }
    })
    const background = server.ok(`
mutation {
    BranchCreate(
        background_execution: true
        data: {
            name: "background-branch"
            description: ""
            sync_with_git: true
        }
    ){
        ok
        task {
            id
        }
    }
}
`)
    expect(background["BranchCreate"]).toEqual({ ok: true, task: { id: expect.any(String) } })
    expect(server.engine.branchExists("background-branch")).toBe(true)
  })

  it("opens a proposed change on main for a session branch (§6.2)", () => {
    server.ok(`mutation { BranchCreate(data: {name: "mcp/session-20260701-0a1b2c3d", sync_with_git: false}) { ok } }`)
    const data = server.ok(`
mutation {
    CoreProposedChangeCreate(
        data: {
            name: {
                value: "Add site atl1"
            }
            source_branch: {
                value: "mcp/session-20260701-0a1b2c3d"
            }
            destination_branch: {
                value: "main"
            }
            description: {
                value: ""
            }
        }
    ){
        ok
        object {
            id
        }
    }
}
`)
    const id = (data["CoreProposedChangeCreate"] as { object: { id: string } }).object.id
    const read = server.ok(
      `query { CoreProposedChange(ids: ["${id}"]) { edges { node { display_label state { value } created_by { node { id } } } } } }`
    )
    expect(read).toEqual({
      CoreProposedChange: {
        edges: [{ node: { display_label: "Add site atl1", state: { value: "open" }, created_by: { node: { id: server.admin.accountId } } } }]
      }
    })
  })

  it("reads the server version (InfrahubInfo) as the health check does", () => {
    expect(server.ok(`query { InfrahubInfo { version deployment_id } }`)).toEqual({
      InfrahubInfo: { version: "1.10.0", deployment_id: expect.any(String) }
    })
    const configured = makeServer({ version: "1.9.2", deploymentId: "17a7648f-0a3c-7efc-3007-c510edbd133b" })
    expect(configured.ok(`query { InfrahubInfo { version deployment_id } }`)).toEqual({
      InfrahubInfo: { version: "1.9.2", deployment_id: "17a7648f-0a3c-7efc-3007-c510edbd133b" }
    })
  })

  it("updates and deletes by id exactly as node.save() / node.delete() render them (§4.2)", () => {
    const id = (server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "blue"}}) { ok object { id } } }`)["BuiltinTagCreate"] as {
      object: { id: string }
    }).object.id
    const updated = server.ok(`
mutation {
    BuiltinTagUpdate(
        data: {
            id: "${id}"
            description: {
                value: "A blue tag"
            }
        }
    ){
        ok
        object {
            id
        }
    }
}
`)
    expect(updated).toEqual({ BuiltinTagUpdate: { ok: true, object: { id } } })
    expect(server.ok(`mutation {\n    BuiltinTagDelete(\n        data: {\n            id: "${id}"\n        }\n    ){\n        ok\n    }\n}`)).toEqual({
      BuiltinTagDelete: { ok: true }
    })
    expect(server.ok(`query { BuiltinTag(name__value: "blue") { count } }`)).toEqual({ BuiltinTag: { count: 0 } })
  })
})
