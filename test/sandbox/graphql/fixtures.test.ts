import { describe, expect, it } from "vitest"
import { fixture, makeServer, shapeOf } from "./helpers.js"

/** Replays recorded Infrahub responses: same keys, same types, same values where they are deterministic. */
describe("recorded responses", () => {
  it("serves a paginated node page shaped like the recorded BuiltinLocation page", () => {
    const server = makeServer()
    for (let index = 1; index <= 30; index++) {
      const name = `Location ${String(index).padStart(2, "0")}`
      server.ok(`mutation { LocationCountryCreate(data: {name: {value: "${name}"}, shortname: {value: "${name}"}}) { ok } }`)
    }
    const data = server.ok(`
query {
    LocationCountry(offset: 3, limit: 3) {
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
                description {
                    value
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
    const recorded = fixture("batch/mock_query_location_page1.json") as { data: { BuiltinLocation: unknown } }
    expect(shapeOf(data["LocationCountry"])).toEqual(shapeOf(recorded.data.BuiltinLocation))
    const page = data["LocationCountry"] as { count: number; edges: Array<{ node: Record<string, unknown> }> }
    expect(page.count).toBe(30)
    expect(page.edges.map((edge) => edge.node["display_label"])).toEqual(["Location 04", "Location 05", "Location 06"])
    expect(page.edges[0]?.node).toMatchObject({
      hfid: ["Location 04"],
      __typename: "LocationCountry",
      name: { value: "Location 04" },
      description: { value: null },
      tags: { count: 0, edges: [] }
    })
  })

  it("answers the tag queries exactly as recorded", () => {
    const server = makeServer()
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok } }`)
    const minimal = server.gql(`query { BuiltinTag { edges { node { name { value } } } } }`)
    expect(minimal.body).toEqual(fixture("red_tag.json"))
    const withDescription = server.gql(`query { BuiltinTag { edges { node { name { value } description { value } } } } }`)
    expect(withDescription.body).toEqual(fixture("case_success_api_return.json"))
  })

  it("lists branches with the recorded Branch fields", () => {
    const server = makeServer()
    server.ok(`mutation { BranchCreate(data: {name: "branch1", sync_with_git: false}) { ok } }`)
    const data = server.ok(
      `query { Branch { id name description origin_branch branched_from created_at sync_with_git is_default __typename } }`
    )
    const recorded = fixture("infrahub-frontend/branches.json") as { data: { Branch: ReadonlyArray<unknown> } }
    expect(shapeOf(data["Branch"])).toEqual(shapeOf(recorded.data.Branch))
    const branches = data["Branch"] as ReadonlyArray<Record<string, unknown>>
    expect(branches.map((branch) => [branch["name"], branch["is_default"], branch["description"], branch["origin_branch"]])).toEqual([
      ["main", true, "Default Branch", "main"],
      ["branch1", false, "", "main"]
    ])
    expect(branches[0]?.["branched_from"]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  })

  // In schema_05 an account's `member_of_groups` points at the CoreGroup generic, so the recorded
  // selection of `roles` needs an inline fragment here; the response shape is the same.
  it("returns the AccountProfile of the caller with the recorded shape", () => {
    const server = makeServer()
    const permission = (server.ok(
      `mutation { CoreGlobalPermissionCreate(data: {action: {value: "super_admin"}, decision: {value: 6}}) { ok object { id } } }`
    )["CoreGlobalPermissionCreate"] as { object: { id: string } }).object.id
    const objectPermission = (server.ok(
      `mutation { CoreObjectPermissionCreate(data: {namespace: {value: "*"}, name: {value: "*"}, action: {value: "any"}, decision: {value: 6}}) { ok object { id } } }`
    )["CoreObjectPermissionCreate"] as { object: { id: string } }).object.id
    const role = (server.ok(
      `mutation { CoreAccountRoleCreate(data: {name: {value: "Super Administrator"}, permissions: [{id: "${permission}"}, {id: "${objectPermission}"}]}) { ok object { id } } }`
    )["CoreAccountRoleCreate"] as { object: { id: string } }).object.id
    server.ok(
      `mutation { CoreAccountGroupCreate(data: {name: {value: "Super Administrators"}, roles: [{id: "${role}"}], members: [{id: "${server.admin.accountId}"}]}) { ok } }`
    )
    const response = server.gql(`query {
  AccountProfile {
    id
    display_label
    account_type { value __typename updated_at }
    status { label value updated_at __typename }
    description { value updated_at __typename }
    label { value updated_at __typename }
    member_of_groups {
      count
      edges { node { display_label group_type { value } id ... on CoreAccountGroup { roles { count edges { node { permissions { count edges { node { display_label identifier { value } } } } } } } } } }
    }
    __typename
    name { value updated_at __typename }
  }
}`)
    const recorded = fixture("account_profile.json") as { data: unknown }
    expect(response.status).toBe(200)
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined()
    expect(shapeOf(response.body)).toEqual(shapeOf(recorded))
    expect(response.body.data?.["AccountProfile"]).toMatchObject({
      id: server.admin.accountId,
      display_label: "admin",
      account_type: { value: "User", __typename: "TextAttribute" },
      status: { label: "Active", value: "active", __typename: "Dropdown" },
      __typename: "CoreAccount",
      name: { value: "admin", __typename: "TextAttribute" }
    })
  })

  it("answers an update mutation with the recorded payload", () => {
    const server = makeServer()
    server.ok(`mutation { LocationCountryCreate(data: {name: {value: "France"}, shortname: {value: "fr"}}) { ok } }`)
    server.ok(`mutation { LocationSiteCreate(data: {name: {value: "Paris"}, shortname: {value: "par1"}, parent: {hfid: ["fr"]}}) { ok } }`)
    const device = (server.ok(
      `mutation { InfraDeviceCreate(data: {role_id: {value: 1}, location: {hfid: ["par1"]}}) { ok object { id } } }`
    )["InfraDeviceCreate"] as { object: { id: string } }).object.id
    const response = server.gql(
      `mutation { InfraDeviceUpdate(data: {id: "${device}", description: {value: "edge"}}) { ok __typename } }`
    )
    expect(response.body).toEqual(fixture("infrahub-frontend/device-detail-update-name.json"))
  })
})
