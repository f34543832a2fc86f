import { beforeEach, describe, expect, it } from "vitest"
import { fixture, makeServer, onlyError, type TestServer } from "./helpers.js"

/** Node mutations and every validation Infrahub applies, with the exact texts of both error formats. */

const idOf = (data: Record<string, unknown>): string => (Object.values(data)[0] as { object: { id: string } }).object.id

const MISSING = "01a00000-0000-7000-8000-000000000000"

describe("node mutations", () => {
  let server: TestServer
  let us: string
  beforeEach(() => {
    server = makeServer()
    us = idOf(server.ok(`mutation { LocationCountryCreate(data: {name: {value: "United States"}, shortname: {value: "us"}}) { ok object { id } } }`))
  })

  const site = (shortname: string, extra = "") =>
    idOf(server.ok(`mutation { LocationSiteCreate(data: {name: {value: "${shortname}"}, shortname: {value: "${shortname}"}, parent: {id: "${us}"} ${extra}}) { ok object { id } } }`))

  it("creates nodes with defaults and computed attributes", () => {
    site("atl1")
    const data = server.ok(`mutation { InfraDeviceCreate(data: {role_id: {value: 7}, location: {hfid: ["atl1"]}}) { ok object { name { value is_default } role { value is_default label } status { value } display_label hfid } } }`)
    expect(data).toEqual({
      InfraDeviceCreate: {
        ok: true,
        object: {
          name: { value: "core007-atl1", is_default: false },
          role: { value: "core", is_default: true, label: "Core" },
          status: { value: "active" },
          display_label: "core007-atl1",
          hfid: ["core007-atl1"]
        }
      }
    })
  })

  it("updates attributes and replaces relationships, by id or by hfid", () => {
    const red = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok object { id } } }`))
    const blue = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "blue"}}) { ok object { id } } }`))
    const atl = site("atl1", `tags: [{id: "${red}"}]`)
    server.ok(`mutation { LocationSiteUpdate(data: {id: "${atl}", description: {value: "Atlanta"}, tags: [{id: "${blue}"}]}) { ok } }`)
    server.ok(`mutation { LocationSiteUpdate(data: {hfid: ["atl1"], facility_id: {value: "ATL-1", is_protected: true}}) { ok } }`)
    expect(server.ok(`query { LocationSite { edges { node { description { value } facility_id { value is_protected } tags { edges { node { display_label } } } } } } }`)).toEqual({
      LocationSite: {
        edges: [{ node: { description: { value: "Atlanta" }, facility_id: { value: "ATL-1", is_protected: true }, tags: { edges: [{ node: { display_label: "blue" } }] } } }]
      }
    })
  })

  it("updates through a generic's mutation", () => {
    const atl = site("atl1")
    expect(server.ok(`mutation { LocationGenericUpdate(data: {id: "${atl}", description: {value: "via generic"}}) { ok object { __typename description { value } } } }`)).toEqual({
      LocationGenericUpdate: { ok: true, object: { __typename: "LocationSite", description: { value: "via generic" } } }
    })
  })

  it("upserts: creates when new, updates the node whose HFID matches, or the one named by id or hfid", () => {
    const first = server.ok(`mutation { BuiltinTagUpsert(data: {name: {value: "red"}, description: {value: "one"}}) { ok object { id description { value } } } }`)
    const again = server.ok(`mutation { BuiltinTagUpsert(data: {name: {value: "red"}, description: {value: "two"}}) { ok object { id description { value } } } }`)
    expect(idOf(again)).toBe(idOf(first))
    expect(again).toMatchObject({ BuiltinTagUpsert: { object: { description: { value: "two" } } } })
    server.ok(`mutation { BuiltinTagUpsert(data: {hfid: ["red"], name: {value: "red"}, description: {value: "three"}}) { ok } }`)
    server.ok(`mutation { BuiltinTagUpsert(data: {id: "${idOf(first)}", name: {value: "crimson"}}) { ok } }`)
    expect(server.ok(`query { BuiltinTag { count edges { node { name { value } description { value } } } } }`)).toEqual({
      BuiltinTag: { count: 1, edges: [{ node: { name: { value: "crimson" }, description: { value: "three" } } }] }
    })
    const missing = server.gql(`mutation { BuiltinTagUpsert(data: {id: "${MISSING}", name: {value: "x"}}) { ok } }`)
    expect(onlyError(missing.body).message).toBe(`Unable to find the node ${MISSING} / BuiltinTag in the database.`)
  })

  it("deletes by id or hfid, cascading over cascade relationships", () => {
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok } }`)
    expect(server.ok(`mutation { BuiltinTagDelete(data: {hfid: ["red"]}) { ok } }`)).toEqual({ BuiltinTagDelete: { ok: true } })
    server.ok(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
    const change = idOf(server.ok(`mutation { CoreProposedChangeCreate(data: {name: {value: "c"}, source_branch: {value: "feature-1"}, destination_branch: {value: "main"}}) { ok object { id } } }`))
    server.ok(`mutation { CoreChangeThreadCreate(data: {label: {value: "t"}, change: {id: "${change}"}}) { ok } }`)
    server.ok(`mutation { CoreProposedChangeDelete(data: {id: "${change}"}) { ok } }`)
    expect(server.ok(`query { CoreChangeThread { count } CoreProposedChange { count } BuiltinTag { count } }`)).toEqual({
      CoreChangeThread: { count: 0 },
      CoreProposedChange: { count: 0 },
      BuiltinTag: { count: 0 }
    })
  })

  it("adds and removes peers with RelationshipAdd / RelationshipRemove", () => {
    const red = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok object { id } } }`))
    const blue = idOf(server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "blue"}}) { ok object { id } } }`))
    const atl = site("atl1")
    server.ok(`mutation { RelationshipAdd(data: {id: "${atl}", name: "tags", nodes: [{id: "${red}"}, {id: "${blue}"}]}) { ok } }`)
    server.ok(`mutation { RelationshipRemove(data: {id: "${atl}", name: "tags", nodes: [{id: "${red}"}]}) { ok } }`)
    expect(server.ok(`query { LocationSite { edges { node { tags { edges { node { display_label } } } } } } }`)).toEqual({
      LocationSite: { edges: [{ node: { tags: { edges: [{ node: { display_label: "blue" } }] } } }] }
    })
    const wrongName = server.gql(`mutation { RelationshipAdd(data: {id: "${atl}", name: "parent", nodes: [{id: "${us}"}]}) { ok } }`)
    expect(onlyError(wrongName.body).message).toBe("'parent' must be a relationship of cardinality Many at name")
    const unknown = server.gql(`mutation { RelationshipAdd(data: {id: "${atl}", name: "colours", nodes: []}) { ok } }`)
    expect(onlyError(unknown.body).message).toBe("'colours' is not a valid relationship for 'LocationSite' at name")
    const wrongPeer = server.gql(`mutation { RelationshipAdd(data: {id: "${atl}", name: "tags", nodes: [{id: "${us}"}]}) { ok } }`)
    expect(onlyError(wrongPeer.body).message).toBe(`'${us}' 'LocationCountry' is not a valid peer for 'BuiltinTag'`)
    const missing = server.gql(`mutation { RelationshipAdd(data: {id: "${atl}", name: "tags", nodes: [{id: "${MISSING}"}]}) { ok } }`)
    expect(onlyError(missing.body).message).toBe(`'${MISSING}': Unable to find the node in the database.`)
  })
})

describe("validation errors (legacy format)", () => {
  let server: TestServer
  let us: string
  beforeEach(() => {
    server = makeServer()
    us = idOf(server.ok(`mutation { LocationCountryCreate(data: {name: {value: "United States"}, shortname: {value: "us"}}) { ok object { id } } }`))
  })

  const failure = (document: string) => {
    const { status, body } = server.gql(document)
    expect(status).toBe(200)
    const error = onlyError(body)
    expect(Object.values(body.data ?? {})).toEqual([null])
    return error
  }

  it.each([
    [
      "missing mandatory fields",
      `mutation { LocationSiteCreate(data: {name: {value: "x"}}) { ok } }`,
      "shortname is mandatory for LocationSite at shortname, parent is mandatory for LocationSite at parent",
      422
    ],
    ["a null required value", `mutation { TestPersonCreate(data: {name: {value: null}}) { ok } }`, "A value must be provided for name at name", 422],
    ["a value of the wrong type", `mutation { TestPersonCreate(data: {name: {value: "John"}, address: {value: "not-an-ip"}}) { ok } }`, "not-an-ip is not a valid IPHost at address", 422],
    ["a regex mismatch", `mutation { TestPersonCreate(data: {name: {value: "john"}}) { ok } }`, "john must conform with the regex: '^[A-Z]' at name", 422],
    ["a value too short", `mutation { TestPersonCreate(data: {name: {value: "John"}, nickname: {value: "Jo"}}) { ok } }`, "Jo must have a minimum length of 3 at nickname", 422],
    ["a value too long", `mutation { TestPersonCreate(data: {name: {value: "John"}, nickname: {value: "Johnathan"}}) { ok } }`, "Johnathan must have a maximum length of 8 at nickname", 422],
    ["delete without id or hfid", `mutation { BuiltinTagDelete(data: {}) { ok } }`, "either id or hfid must be provided.", 400],
    ["an unknown node", `mutation { BuiltinTagUpdate(data: {id: "${MISSING}", description: {value: "x"}}) { ok } }`, `Unable to find the node ${MISSING} / BuiltinTag in the database.`, 404],
    ["an hfid on a kind without one", `mutation { CoreProposedChangeDelete(data: {hfid: ["x"]}) { ok } }`, "Unable to lookup node by HFID, schema 'CoreProposedChange' does not have a HFID defined.", 404]
  ])("reports %s", (_label, document, message, _httpCode) => {
    // Legacy servers send graphql-core's error without `extensions` (error_catalogue/graphql_no_extensions.json).
    const error = failure(document)
    expect(error.message).toBe(message)
    expect(error.extensions).toBeUndefined()
  })

  it("reports a dropdown value outside the choices", () => {
    server.ok(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "atl1"}, parent: {id: "${us}"}}) { ok } }`)
    expect(failure(`mutation { InfraDeviceCreate(data: {role: {value: "spine"}, role_id: {value: 1}, location: {hfid: ["atl1"]}}) { ok } }`)).toMatchObject({
      message: "spine must be one of 'access, aggregation, core' at role"
    })
  })

  it("reports an enum value outside the enum", () => {
    server.ok(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
    const change = idOf(server.ok(`mutation { CoreProposedChangeCreate(data: {name: {value: "c"}, source_branch: {value: "feature-1"}, destination_branch: {value: "main"}}) { ok object { id } } }`))
    expect(failure(`mutation { CoreProposedChangeUpdate(data: {id: "${change}", state: {value: "pending"}}) { ok } }`).message).toBe(
      "pending must be one of ['open', 'merged', 'merging', 'closed', 'canceled'] at state"
    )
  })

  it("reports uniqueness violations, including across a generic's kinds", () => {
    server.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok } }`)
    expect(failure(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok } }`)).toEqual({
      message: "Violates uniqueness constraint 'name'",
      locations: [{ line: 1, column: 12 }],
      path: ["BuiltinTagCreate"]
    })
    server.ok(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "atl1"}, parent: {id: "${us}"}}) { ok } }`)
    expect(failure(`mutation { LocationRackCreate(data: {name: {value: "r"}, shortname: {value: "us"}, parent: {hfid: ["atl1"]}}) { ok } }`).message).toBe(
      "Violates uniqueness constraint 'shortname'"
    )
  })

  it("reports missing and mistyped peers", () => {
    expect(failure(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "a"}, parent: {id: "${us}"}, tags: [{id: "${MISSING}"}]}) { ok } }`).message).toBe(
      `Unable to find the node ${MISSING} / BuiltinTag in the database.`
    )
    expect(failure(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "a"}, parent: {id: "${us}"}, tags: [{id: "${us}"}]}) { ok } }`).message).toBe(
      `LocationCountry - ${us} cannot be added to relationship, must be of type: ['BuiltinTag'] at tags`
    )
    expect(failure(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "a"}, parent: {hfid: ["us", "extra"]}}) { ok } }`).message).toBe(
      "Unable to lookup node by HFID, schema 'LocationCountry' HFID does not contain the same number of elements as ['us', 'extra']"
    )
  })

  it("enforces cardinality on both sides of a relationship", () => {
    const atl = idOf(server.ok(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "atl1"}, parent: {id: "${us}"}}) { ok object { id } } }`))
    expect(failure(`mutation { LocationSiteUpdate(data: {id: "${atl}", parent: null}) { ok } }`).message).toBe("Too few relationships, min 1 at parent")
    server.ok(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
    server.ok(`mutation { BranchCreate(data: {name: "feature-2"}) { ok } }`)
    const one = idOf(server.ok(`mutation { CoreProposedChangeCreate(data: {name: {value: "1"}, source_branch: {value: "feature-1"}, destination_branch: {value: "main"}}) { ok object { id } } }`))
    const two = idOf(server.ok(`mutation { CoreProposedChangeCreate(data: {name: {value: "2"}, source_branch: {value: "feature-2"}, destination_branch: {value: "main"}}) { ok object { id } } }`))
    const thread = idOf(server.ok(`mutation { CoreChangeThreadCreate(data: {change: {id: "${one}"}}) { ok object { id } } }`))
    expect(failure(`mutation { CoreProposedChangeUpdate(data: {id: "${two}", threads: [{id: "${thread}"}]}) { ok } }`).message).toBe(
      `Node ${thread} has 2 peers for proposedchange__thread, maximum of 1 allowed`
    )
  })

  it("refuses to delete a node another node depends on", () => {
    const atl = idOf(server.ok(`mutation { LocationSiteCreate(data: {name: {value: "a"}, shortname: {value: "atl1"}, parent: {id: "${us}"}}) { ok object { id } } }`))
    expect(failure(`mutation { LocationCountryDelete(data: {id: "${us}"}) { ok } }`).message).toBe(
      `Cannot delete LocationCountry '${us}'. It is linked to mandatory relationship parent on node LocationSite '${atl}' at LocationSite.parent`
    )
  })

  it("stores nothing from a mutation that fails", () => {
    failure(`mutation { TestPersonCreate(data: {name: {value: "John"}, nickname: {value: "Jo"}}) { ok } }`)
    expect(server.ok(`query { TestPerson { count } }`)).toEqual({ TestPerson: { count: 0 } })
  })
})

describe("validation errors (catalogue format)", () => {
  let server: TestServer
  beforeEach(() => {
    server = makeServer({ errorFormat: "catalogue" })
  })

  const recordedErrors = (name: string) => (fixture(`error_catalogue/codes/${name}.json`) as { errors: unknown }).errors

  it.each([
    ["uniqueness_violation", `mutation {\n  TestPersonCreate(data: {name: {value: "John"}}) { ok }\n}`],
    ["attribute_required", `mutation {\n  TestPersonCreate(data: {height: {value: 180}}) { ok }\n}`],
    ["attribute_constraint_violation", `mutation {\n  TestPersonCreate(data: {name: {value: "john"}}) { ok }\n}`],
    ["node_not_found", `mutation {\n  TestPersonDelete(data: {id: "john"}) { ok }\n}`]
  ])("replays %s exactly", (name, document) => {
    server.ok(`mutation { TestPersonCreate(data: {name: {value: "John"}}) { ok } }`)
    const { status, body } = server.gql(document)
    expect(status).toBe(200)
    expect(body.errors).toEqual(recordedErrors(name))
  })

  it("reports a wrong value type as ATTRIBUTE_INVALID_TYPE", () => {
    const { body } = server.gql(`mutation { TestPersonCreate(data: {name: {value: "John"}, address: {value: "nowhere"}}) { ok } }`)
    expect(onlyError(body)).toMatchObject({
      message: "Value for TestPerson.address must be of type IPHost, received String",
      extensions: {
        code: "ATTRIBUTE_INVALID_TYPE",
        http_status: 422,
        data: { node_kind: "TestPerson", field_name: "address", expected_type: "IPHost", received_type: "String" }
      }
    })
  })

  it("reports one entry per missing field", () => {
    const { body } = server.gql(`mutation { LocationSiteCreate(data: {name: {value: "x"}}) { ok } }`)
    expect(body.errors?.map((error) => [error.message, error.extensions?.["code"], error.path])).toEqual([
      ["A value is required for LocationSite.shortname", "ATTRIBUTE_REQUIRED", ["LocationSiteCreate"]],
      ["A value is required for LocationSite.parent", "ATTRIBUTE_REQUIRED", ["LocationSiteCreate"]]
    ])
  })

  it("labels graphql-js validation errors UNDEFINED_ERROR", () => {
    const { status, body } = server.gql(`query { nope }`)
    expect(status).toBe(200)
    expect(body).toEqual({
      data: null,
      errors: [
        {
          message: 'Cannot query field "nope" on type "Query".',
          locations: [{ line: 1, column: 9 }],
          extensions: { code: "UNDEFINED_ERROR", http_status: 500, data: {} }
        }
      ]
    })
  })
})
