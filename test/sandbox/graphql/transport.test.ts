import { beforeAll, describe, expect, it } from "vitest"
import { makeServer, type TestServer } from "./helpers.js"

/** What `/graphql` does around execution: body checks, authentication, the request log, the SDL. */
describe("the /graphql endpoint", () => {
  let server: TestServer
  let legacy401: unknown
  beforeAll(() => {
    server = makeServer()
    legacy401 = { data: null, errors: [{ message: "Authentication is required to perform this operation", extensions: { code: 401 } }] }
  })
  const call = (body: unknown, options: { actor?: "admin" | null; allowAnonymous?: boolean; branch?: string } = {}) =>
    server.engine.execute({
      body,
      branch: options.branch,
      actor: options.actor === null ? null : server.admin,
      allowAnonymous: options.allowAnonymous ?? true
    })

  it.each([
    ["a JSON array", [{ query: "{ Branch { name } }" }], "This server does not support batching"],
    ["a JSON scalar", "query { Branch { name } }", "Request body is not a valid JSON"],
    ["a body without a query", { variables: {} }, "The request body must contain the GraphQL document as a string in 'query'"],
    ["variables that are not an object", { query: "{ Branch { name } }", variables: "{}" }, "Variables must be provided as an Object where each property is a variable value. Perhaps look to see if an unparsed JSON string was provided."]
  ])("answers 400 to %s", (_label, body, message) => {
    expect(call(body)).toEqual({ status: 400, body: { errors: [message] }, operations: [] })
  })

  it("lets anonymous queries through only when anonymous access is allowed", () => {
    expect(call({ query: "query { InfrahubInfo { version } }" }, { actor: null })).toMatchObject({ status: 200, body: { data: { InfrahubInfo: { version: "1.10.0" } } } })
    expect(call({ query: "query { InfrahubInfo { version } }" }, { actor: null, allowAnonymous: false })).toEqual({
      status: 401,
      body: legacy401,
      operations: ["InfrahubInfo"]
    })
  })

  it("refuses anonymous mutations with a real 401, before validating them", () => {
    expect(call({ query: `mutation { BuiltinTagCreate(data: {name: {value: "x"}}) { ok } }` }, { actor: null })).toEqual({
      status: 401,
      body: legacy401,
      operations: ["BuiltinTagCreate"]
    })
    expect(call({ query: `mutation { NoSuchMutation { ok } }` }, { actor: null }).status).toBe(401)
    expect(server.ok(`query { BuiltinTag { count } }`)).toEqual({ BuiltinTag: { count: 0 } })
  })

  it("uses the catalogue envelope for 401 when configured", () => {
    const catalogue = makeServer({ errorFormat: "catalogue" })
    expect(catalogue.engine.execute({ body: { query: "mutation { BranchDelete(data: {name: \"x\"}) { ok } }" }, branch: undefined, actor: null, allowAnonymous: true })).toEqual({
      status: 401,
      body: { data: null, errors: [{ message: "Authentication is required to perform this operation", extensions: { code: "AUTHENTICATION_REQUIRED", http_status: 401, data: {} } }] },
      operations: ["BranchDelete"]
    })
  })

  it("refuses mutations from read-only accounts with 403", () => {
    const reader = { accountId: server.engine.ensureAccount("reader", "read-only"), name: "reader" }
    const response = server.engine.execute({ body: { query: `mutation { BuiltinTagCreate(data: {name: {value: "x"}}) { ok } }` }, branch: undefined, actor: reader, allowAnonymous: true })
    expect(response).toEqual({
      status: 403,
      body: { data: null, errors: [{ message: "The current account is not authorized to perform this operation", extensions: { code: 403 } }] },
      operations: ["BuiltinTagCreate"]
    })
    expect(server.engine.ensureAccount("reader")).toBe(reader.accountId)
  })

  it("reports anonymous AccountProfile as an unknown account", () => {
    const response = call({ query: "query { AccountProfile { id } }" }, { actor: null })
    expect(response.body).toEqual({
      data: { AccountProfile: null },
      errors: [{ message: "Unable to find the node anonymous / CoreGenericAccount in the database.", locations: [{ line: 1, column: 9 }], path: ["AccountProfile"] }]
    })
  })

  it("returns syntax and validation errors with HTTP 200 and data null", () => {
    expect(call({ query: "query { Branch { name }" })).toEqual({
      status: 200,
      body: { data: null, errors: [{ message: "Syntax Error: Expected Name, found <EOF>.", locations: [{ line: 1, column: 24 }] }] },
      operations: []
    })
    expect(call({ query: "query { Branch { zzz } }" }).body).toEqual({
      data: null,
      errors: [{ message: 'Cannot query field "zzz" on type "Branch".', locations: [{ line: 1, column: 18 }] }]
    })
  })

  it("logs the real top-level field names of the executed operation", () => {
    const response = call({
      query: `
        fragment Tags on Query { tagsAlias: BuiltinTag { count } }
        query First { info: InfrahubInfo { version } ...Tags ... on Query { Branch { name } } }
        query Second { LocationSite { count } }
      `,
      operationName: "First"
    })
    expect(response.status).toBe(200)
    expect(response.operations).toEqual(["InfrahubInfo", "BuiltinTag", "Branch"])
    expect(Object.keys((response.body as { data: object }).data)).toEqual(["info", "tagsAlias", "Branch"])
  })

  it("asks for an operation name when the document has several", () => {
    expect(call({ query: "query A { Branch { name } } query B { Branch { id } }" }).body).toEqual({
      data: null,
      errors: [{ message: "Must provide operation name if query contains multiple operations." }]
    })
  })

  it("serves the SDL with Infrahub's type names", () => {
    const sdl = server.engine.sdl(undefined) ?? ""
    expect(server.engine.sdl("main")).toBe(sdl)
    for (const fragment of [
      "type BuiltinTag implements CoreNode {",
      "interface LocationGeneric {",
      "type LocationSite implements LocationGeneric & CoreNode {",
      "type PaginatedLocationSite {",
      "type EdgedLocationSite {",
      "type NestedEdgedLocationCountry {",
      "type NestedPaginatedBuiltinTag {",
      "type TextAttribute implements AttributeInterface {",
      "type Dropdown implements AttributeInterface {",
      "type NumberAttribute implements AttributeInterface {",
      "type IPNetwork implements AttributeInterface {",
      "scalar BigInt",
      "input LocationSiteCreateInput {",
      "input RelatedNodeInput {",
      "input OrderInput {",
      "enum InfrahubBranchStatus {",
      "BranchCreate(data: BranchCreateInput!, context: ContextInput, background_execution: Boolean @deprecated",
      "LocationSite(offset: Int, limit: Int, order: OrderInput, ids: [ID], display_label__value: String, display_label__values: [String], display_label__isnull: Boolean, hfid: [String], facility_id__value: String, facility_id__values: [String], facility_id__isnull: Boolean,",
      "InfraDeviceCreate(data: InfraDeviceCreateInput!, context: ContextInput): InfraDeviceCreate",
      "AccountProfile: CoreGenericAccount"
    ]) {
      expect(sdl).toContain(fragment)
    }
    expect(sdl).not.toContain("InternalAccountToken")
  })
})
