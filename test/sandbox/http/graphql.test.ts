import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestSandbox, type TestSandbox } from "../../support/sandbox.js"
import { apiKey, BASE_SCHEMA_DIR, dataOf, fixture, postGraphql, repoPath, request, shapeOf } from "./support.js"

/**
 * `/graphql` and `/graphql/<branch>` over real HTTP: the recorded responses replayed with the documents
 * the SDK sends, branch routing (names with `/`), and the transport-level answers Infrahub gives.
 */

/** The demo's concrete location kinds: the base schemas define only location generics. */
const DEMO_LOCATIONS = repoPath("src/sandbox/data/schemas/demo/location.yml")

/** The page query the SDK renders for `client.filters(kind, offset=3, limit=3)` (§3.3), with the fields of the recording. */
const PAGE_QUERY = `
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
`

describe("GraphQL over HTTP", () => {
  let sandbox: TestSandbox
  const auth = () => apiKey(sandbox.token)
  const gql = (path: string, query: string, variables?: Record<string, unknown>) => postGraphql(`${sandbox.url}${path}`, query, auth(), variables)

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: "none", schemas: [BASE_SCHEMA_DIR, DEMO_LOCATIONS] })
  })
  afterAll(() => sandbox.close())

  describe("replaying the recorded responses", () => {
    it("serves a node page shaped like the recorded BuiltinLocation page, with the total count", async () => {
      for (let index = 1; index <= 30; index++) {
        const name = `Location ${String(index).padStart(2, "0")}`
        dataOf(await gql("/graphql/main", `mutation { LocationCountryCreate(data: {name: {value: "${name}"}, shortname: {value: "c${index}"}}) { ok object { id } } }`))
      }
      const data = dataOf(await gql("/graphql/main", PAGE_QUERY))
      const recorded = fixture("batch/mock_query_location_page1.json") as { data: { BuiltinLocation: unknown } }
      expect(shapeOf(data["LocationCountry"])).toEqual(shapeOf(recorded.data.BuiltinLocation))
      const page = data["LocationCountry"] as { count: number; edges: Array<{ node: Record<string, unknown> }> }
      expect(page.count).toBe(30)
      expect(page.edges.map((edge) => edge.node["display_label"])).toEqual(["Location 04", "Location 05", "Location 06"])
      expect(page.edges[0]?.node).toMatchObject({ hfid: ["c4"], __typename: "LocationCountry", tags: { count: 0, edges: [] } })
    })

    it("answers the recorded tag queries exactly, and an update with the recorded payload", async () => {
      const created = dataOf(await gql("/graphql", `mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok object { id } } }`))
      const id = (created["BuiltinTagCreate"] as { object: { id: string } }).object.id
      expect((await gql("/graphql/main", "query { BuiltinTag { edges { node { name { value } } } } }")).body).toEqual(fixture("red_tag.json"))
      expect((await gql("/graphql/main", "query { BuiltinTag { edges { node { name { value } description { value } } } } }")).body).toEqual(
        fixture("case_success_api_return.json")
      )
      const updated = await gql("/graphql/main", `mutation { BuiltinTagUpdate(data: {id: "${id}", description: {value: "Warm"}}) { ok __typename } }`)
      const recorded = fixture("infrahub-frontend/device-detail-update-name.json") as { data: { InfraDeviceUpdate: unknown } }
      expect(shapeOf(updated.body)).toEqual(shapeOf({ data: { BuiltinTagUpdate: recorded.data.InfraDeviceUpdate } }))
      expect(updated.body).toEqual({ data: { BuiltinTagUpdate: { ok: true, __typename: "BuiltinTagUpdate" } } })
    })

    it("lists branches with the recorded Branch fields", async () => {
      dataOf(await gql("/graphql", `mutation { BranchCreate(data: {name: "branch1", sync_with_git: false}) { ok } }`))
      const data = dataOf(await gql("/graphql/main", "query { Branch { id name description origin_branch branched_from created_at sync_with_git is_default __typename } }"))
      const recorded = fixture("infrahub-frontend/branches.json") as { data: { Branch: ReadonlyArray<unknown> } }
      expect(shapeOf(data["Branch"])).toEqual(shapeOf(recorded.data.Branch))
      expect((data["Branch"] as Array<{ name: string }>).map((branch) => branch.name)).toEqual(expect.arrayContaining(["main", "branch1"]))
    })

    it("takes SDK-style documents: variables, trailing commas, several operations with operationName", async () => {
      const blue = dataOf(await gql("/graphql/main", `mutation { BuiltinTagCreate(data: {name: {value: "blue"}}) { ok object { id } } }`))
      const blueId = (blue["BuiltinTagCreate"] as { object: { id: string } }).object.id
      const send = (operationName: string | null) =>
        request(`${sandbox.url}/graphql/main`, {
          method: "POST",
          headers: { "content-type": "application/json", ...auth() },
          body: JSON.stringify({
            query: `mutation Create($value_0a1b: String!) {
    LocationCountryCreate(
        data: { name: { value: "Spain" } shortname: { value: "es" } description: { value: $value_0a1b } tags: [ { id: "${blueId}" }, ] }
    ){
        ok
        object { id }
    }
}
query Other { BuiltinTag { count } }`,
            variables: { value_0a1b: "Madrid\n Airport" },
            operationName
          })
        })
      // Two operations and no operationName: graphql-js asks for one, with HTTP 200 as Infrahub does.
      const unnamed = await send(null)
      expect(unnamed.status).toBe(200)
      expect(unnamed.body).toEqual({ data: null, errors: [{ message: "Must provide operation name if query contains multiple operations." }] })
      expect(dataOf(await send("Create"))).toEqual({ LocationCountryCreate: { ok: true, object: { id: expect.any(String) } } })
      const read = dataOf(await gql("/graphql/main", `query { LocationCountry(shortname__value: "es") { edges { node { description { value } tags { edges { node { id } } } } } } }`))
      expect(read).toEqual({ LocationCountry: { edges: [{ node: { description: { value: "Madrid\n Airport" }, tags: { edges: [{ node: { id: blueId } }] } } }] } })
    })
  })

  describe("branch routing", () => {
    it("routes /graphql/<branch> for branch names with a slash, plain or percent-encoded", async () => {
      dataOf(await gql("/graphql/main", `mutation { BranchCreate(data: {name: "team/feature-1", sync_with_git: false}) { ok } }`))
      dataOf(await gql("/graphql/team/feature-1", `mutation { BuiltinTagCreate(data: {name: {value: "only-on-team-branch"}}) { ok } }`))
      const query = `query { BuiltinTag(name__value: "only-on-team-branch") { count } }`
      expect(dataOf(await gql("/graphql/team/feature-1", query))).toEqual({ BuiltinTag: { count: 1 } })
      expect(dataOf(await gql("/graphql/team%2Ffeature-1", query))).toEqual({ BuiltinTag: { count: 1 } })
      expect(dataOf(await gql("/graphql/main", query))).toEqual({ BuiltinTag: { count: 0 } })
      expect(dataOf(await gql("/graphql", query))).toEqual({ BuiltinTag: { count: 0 } })
    })

    it("answers an unknown branch with the recorded 404 body (plain strings), with or without a credential", async () => {
      for (const headers of [auth(), {}]) {
        const answer = await postGraphql(`${sandbox.url}/graphql/team/nope`, "query { Branch { name } }", headers)
        expect(answer.status).toBe(404)
        expect(answer.body).toEqual({ errors: ["Branch: team/nope not found."] })
      }
    })

    it("judges the credential before the branch, as Infrahub's GraphQL app does", async () => {
      const answer = await postGraphql(`${sandbox.url}/graphql/team/nope`, "query { Branch { name } }", apiKey("wrong-token"))
      expect(answer.status).toBe(401)
      expect(answer.body).toEqual({ data: null, errors: [{ message: "Invalid token", extensions: { code: 401 } }] })
    })
  })

  describe("the transport", () => {
    it("answers OPTIONS with Allow, and methods other than POST with 405", async () => {
      const options = await request(`${sandbox.url}/graphql/main`, { method: "OPTIONS", headers: auth() })
      expect(options.status).toBe(200)
      expect(options.headers.get("allow")).toBe("GET, POST, OPTIONS")
      const unknownBranch = await request(`${sandbox.url}/graphql/nope`, { method: "OPTIONS", headers: auth() })
      expect(unknownBranch.status).toBe(404)
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = await request(`${sandbox.url}/graphql`, { method, headers: auth() })
        expect(answer.status, method).toBe(405)
        expect(answer.body).toEqual({ detail: "Method Not Allowed" })
      }
    })

    it("refuses other content types, bodies that are not JSON, and batches with 400 and plain-string errors", async () => {
      const post = (contentType: string, body: string) =>
        request(`${sandbox.url}/graphql/main`, { method: "POST", headers: { "content-type": contentType, ...auth() }, body })
      const wrongType = await post("text/plain", JSON.stringify({ query: "query { Branch { name } }" }))
      expect([wrongType.status, wrongType.body]).toEqual([400, { errors: ["Content-type must be application/json or multipart/form-data"] }])
      const notJson = await post("application/json", "{ query: Branch")
      expect([notJson.status, notJson.body]).toEqual([400, { errors: ["Request body is not a valid JSON"] }])
      const batch = await post("application/json", JSON.stringify([{ query: "query { Branch { name } }" }]))
      expect([batch.status, batch.body]).toEqual([400, { errors: ["This server does not support batching"] }])
      const withCharset = await post("application/json; charset=utf-8", JSON.stringify({ query: "query { InfrahubInfo { version } }" }))
      expect(dataOf(withCharset)).toEqual({ InfrahubInfo: { version: "1.10.0" } })
    })

    it("answers syntax and validation errors with HTTP 200 and data null", async () => {
      const syntax = await gql("/graphql/main", "query { Branch { name }")
      expect(syntax.status).toBe(200)
      expect(syntax.body).toEqual({ data: null, errors: [{ message: "Syntax Error: Expected Name, found <EOF>.", locations: [{ line: 1, column: 24 }] }] })
      const unknownField = await gql("/graphql/main", "query { DcimDevice { edges { node { nope } } } }")
      expect(unknownField.status).toBe(200)
      // graphql-core (Infrahub) quotes names with ', graphql-js with ": either is the same error.
      expect(unknownField.body).toEqual({
        data: null,
        errors: [{ message: expect.stringMatching(/^Cannot query field ["']nope["'] on type ["']DcimDevice["']\./), locations: [{ line: 1, column: 37 }] }]
      })
    })
  })
})
