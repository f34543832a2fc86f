import { beforeAll, describe, expect, it } from "vitest"
import { registryFromDump } from "../../../src/sandbox/schema/types.js"
import { makeServer, onlyError, schemaDump, type TestServer } from "./helpers.js"

/** Filters, pagination and ordering on one shared, read-only data set. */

type Page = { count: number; edges: Array<{ node: Record<string, unknown> }> }

describe("queries", () => {
  let server: TestServer
  const ids: Record<string, string> = {}
  const create = (mutation: string, key: string): void => {
    const data = server.ok(`mutation { ${mutation} { ok object { id } } }`)
    ids[key] = (Object.values(data)[0] as { object: { id: string } }).object.id
  }
  const page = (query: string): Page => Object.values(server.ok(query))[0] as Page
  const labels = (query: string): ReadonlyArray<unknown> => page(query).edges.map((edge) => edge.node["display_label"])

  beforeAll(() => {
    server = makeServer()
    create(`BuiltinTagCreate(data: {name: {value: "red"}, description: {value: "Warm colour"}})`, "red")
    create(`BuiltinTagCreate(data: {name: {value: "blue"}})`, "blue")
    create(`BuiltinTagCreate(data: {name: {value: "green"}, description: {value: "Calm"}})`, "green")
    create(`LocationCountryCreate(data: {name: {value: "Germany"}, shortname: {value: "de"}})`, "de")
    create(`LocationCountryCreate(data: {name: {value: "Belgium"}, shortname: {value: "be"}, tags: [{id: "${ids["red"]}"}]})`, "be")
    create(`LocationSiteCreate(data: {name: {value: "Frankfurt"}, shortname: {value: "fra1"}, parent: {id: "${ids["de"]}"}, tags: [{id: "${ids["red"]}"}, {id: "${ids["blue"]}"}]})`, "fra1")
    create(`LocationSiteCreate(data: {name: {value: "Berlin"}, shortname: {value: "ber1"}, parent: {id: "${ids["de"]}"}, facility_id: {value: "BER-01"}})`, "ber1")
    create(`LocationSiteCreate(data: {name: {value: "Brussels"}, shortname: {value: "bru1"}, parent: {id: "${ids["be"]}"}, tags: [{id: "${ids["green"]}"}]})`, "bru1")
    create(`LocationRackCreate(data: {name: {value: "Rack A"}, shortname: {value: "fra1-a"}, parent: {id: "${ids["fra1"]}"}})`, "rackA")
    create(`LocationRackCreate(data: {name: {value: "Rack B"}, shortname: {value: "fra1-b"}, parent: {id: "${ids["fra1"]}"}, height: {value: 47}})`, "rackB")
  })

  it("filters on an attribute value, a list of values and null-ness", () => {
    expect(labels(`query { LocationSite(name__value: "Berlin") { edges { node { display_label } } } }`)).toEqual(["Berlin"])
    expect(labels(`query { LocationSite(shortname__values: ["fra1", "bru1"]) { edges { node { display_label } } } }`)).toEqual(["Brussels", "Frankfurt"])
    expect(labels(`query { LocationSite(facility_id__isnull: false) { edges { node { display_label } } } }`)).toEqual(["Berlin"])
    expect(labels(`query { LocationSite(facility_id__isnull: true) { edges { node { display_label } } } }`)).toEqual(["Brussels", "Frankfurt"])
    expect(labels(`query { LocationRack(height__value: 47) { edges { node { display_label } } } }`)).toEqual(["Rack B"])
    expect(labels(`query { BuiltinTag(name__is_protected: false, name__is_visible: true) { edges { node { display_label } } } }`)).toEqual(["blue", "green", "red"])
  })

  it("filters by ids and by hfid", () => {
    expect(labels(`query { LocationSite(ids: ["${ids["bru1"]}", "${ids["ber1"]}"]) { edges { node { display_label } } } }`)).toEqual(["Berlin", "Brussels"])
    expect(labels(`query { LocationSite(hfid: ["fra1"]) { edges { node { display_label } } } }`)).toEqual(["Frankfurt"])
    expect(labels(`query { LocationSite(ids: []) { edges { node { display_label } } } }`)).toEqual([])
  })

  it("filters on the rendered display label (Infrahub >= 1.7), exactly, from a list, or as a substring", () => {
    expect(labels(`query { LocationSite(display_label__value: "Berlin") { edges { node { display_label } } } }`)).toEqual(["Berlin"])
    expect(labels(`query { LocationSite(display_label__values: ["Brussels", "Frankfurt", "Paris"]) { edges { node { display_label } } } }`)).toEqual(["Brussels", "Frankfurt"])
    expect(labels(`query { LocationSite(display_label__value: "fr", partial_match: true) { edges { node { display_label } } } }`)).toEqual(["Frankfurt"])
    expect(labels(`query { BuiltinTag(display_label__isnull: true) { edges { node { display_label } } } }`)).toEqual([])
    expect(page(`query { BuiltinTag(display_label__isnull: false) { count } }`).count).toBe(3)
  })

  it("matches substrings case-insensitively with partial_match, exact strings without it", () => {
    expect(labels(`query { LocationSite(name__value: "BR", partial_match: true) { edges { node { display_label } } } }`)).toEqual(["Brussels"])
    expect(labels(`query { LocationSite(name__value: "Br") { edges { node { display_label } } } }`)).toEqual([])
  })

  it("searches every attribute with any__value, across a generic's kinds", () => {
    expect(labels(`query { LocationGeneric(any__value: "fra1", partial_match: true) { edges { node { display_label } } } }`)).toEqual([
      "Frankfurt",
      "Rack A",
      "Rack B"
    ])
    expect(labels(`query { BuiltinTag(any__value: "calm", partial_match: true) { edges { node { display_label } } } }`)).toEqual(["green"])
    expect(labels(`query { BuiltinTag(any__values: ["Calm", "blue"]) { edges { node { display_label } } } }`)).toEqual(["blue", "green"])
  })

  it("filters on relationships: peer ids, emptiness and peer attributes", () => {
    expect(labels(`query { LocationSite(tags__ids: ["${ids["blue"]}"]) { edges { node { display_label } } } }`)).toEqual(["Frankfurt"])
    expect(labels(`query { LocationSite(tags__isnull: true) { edges { node { display_label } } } }`)).toEqual(["Berlin"])
    expect(labels(`query { LocationSite(tags__name__value: "green") { edges { node { display_label } } } }`)).toEqual(["Brussels"])
    expect(labels(`query { LocationSite(parent__shortname__values: ["de"]) { edges { node { display_label } } } }`)).toEqual(["Berlin", "Frankfurt"])
    expect(labels(`query { LocationSite(parent__name__value: "GERM", partial_match: true) { edges { node { display_label } } } }`)).toEqual(["Berlin", "Frankfurt"])
  })

  it("filters and counts the peers of a many relationship", () => {
    const data = server.ok(`query { LocationSite(shortname__value: "fra1") { edges { node { all: tags { count } red: tags(name__value: "red") { count edges { node { display_label } properties { is_visible is_protected } } } } } } }`)
    expect(data).toEqual({
      LocationSite: {
        edges: [{ node: { all: { count: 2 }, red: { count: 1, edges: [{ node: { display_label: "red" }, properties: { is_visible: true, is_protected: false } }] } } }]
      }
    })
  })

  it("counts every match while offset and limit cut the page", () => {
    const result = page(`query { LocationGeneric(offset: 2, limit: 2) { count edges { node { display_label } } } }`)
    expect(result.count).toBe(7)
    expect(result.edges.map((edge) => edge.node["display_label"])).toEqual(["Brussels", "Frankfurt"])
    expect(page(`query { LocationGeneric(offset: 10) { count edges { node { id } } } }`)).toEqual({ count: 7, edges: [] })
  })

  it("orders by the schema's order_by, by explicit fields, by metadata, or by creation when disabled", () => {
    expect(labels(`query { BuiltinTag { edges { node { display_label } } } }`)).toEqual(["blue", "green", "red"])
    expect(labels(`query { BuiltinTag(order: {by: [{field: "name__value", direction: DESC}]}) { edges { node { display_label } } } }`)).toEqual(["red", "green", "blue"])
    expect(labels(`query { BuiltinTag(order: {node_metadata: {created_at: DESC}}) { edges { node { display_label } } } }`)).toEqual(["green", "blue", "red"])
    expect(labels(`query { BuiltinTag(order: {disable: true}) { edges { node { display_label } } } }`)).toEqual(["red", "blue", "green"])
    expect(labels(`query { LocationSite(order: {by: [{field: "parent__name__value"}, {field: "name__value", direction: DESC}]}) { edges { node { display_label } } } }`)).toEqual(["Brussels", "Frankfurt", "Berlin"])
  })

  it("refuses an order on a field the kind does not have", () => {
    const { body } = server.gql(`query { BuiltinTag(order: {by: [{field: "colour__value"}]}) { count } }`)
    expect(onlyError(body)).toEqual({
      message: "Invalid order field 'colour__value' for BuiltinTag",
      locations: [{ line: 1, column: 9 }],
      path: ["BuiltinTag"]
    })
  })

  it("returns concrete kinds from generic queries, with inline fragments", () => {
    const data = server.ok(`query {
      LocationGeneric(shortname__values: ["be", "bru1", "fra1-a"]) {
        edges { node { __typename id display_label ... on LocationCountry { tags { count } } ... on LocationRack { height { value } } ... on LocationSite { facility_id { value } } } }
      }
    }`)
    expect((data["LocationGeneric"] as Page).edges.map((edge) => edge.node)).toEqual([
      { __typename: "LocationCountry", id: ids["be"], display_label: "Belgium", tags: { count: 1 } },
      { __typename: "LocationSite", id: ids["bru1"], display_label: "Brussels", facility_id: { value: null } },
      { __typename: "LocationRack", id: ids["rackA"], display_label: "Rack A", height: { value: 42 } }
    ])
  })

  it("walks the hierarchy: parent, children, ancestors and descendants", () => {
    const data = server.ok(`query {
      LocationRack(shortname__value: "fra1-a") { edges { node {
        parent { node { display_label } }
        ancestors { count edges { node { __typename display_label } } }
      } } }
      LocationCountry(shortname__value: "de") { edges { node {
        children { count }
        descendants { count edges { node { display_label } } }
        rackOnly: descendants(name__value: "Rack B") { count }
      } } }
    }`)
    expect(data).toEqual({
      LocationRack: {
        edges: [{ node: { parent: { node: { display_label: "Frankfurt" } }, ancestors: { count: 2, edges: [{ node: { __typename: "LocationSite", display_label: "Frankfurt" } }, { node: { __typename: "LocationCountry", display_label: "Germany" } }] } } }]
      },
      LocationCountry: {
        edges: [{ node: { children: { count: 2 }, descendants: { count: 4, edges: [{ node: { display_label: "Berlin" } }, { node: { display_label: "Frankfurt" } }, { node: { display_label: "Rack A" } }, { node: { display_label: "Rack B" } }] }, rackOnly: { count: 1 } } }]
      }
    })
  })

  it("exposes IP details and attribute defaults through the attribute types", () => {
    const local = makeServer()
    local.ok(`mutation { TestPersonCreate(data: {name: {value: "John"}, address: {value: "2001:DB8:0:0:0:0:0:1/64"}}) { ok } }`)
    const data = local.ok(`query { TestPerson { edges { node { address { value ip prefixlen version netmask with_hostmask } height { value is_default } } } } }`)
    expect(data).toEqual({
      TestPerson: {
        edges: [{ node: {
          address: { value: "2001:db8::1/64", ip: "2001:db8::1", prefixlen: 64, version: 6, netmask: "ffff:ffff:ffff:ffff::", with_hostmask: "2001:db8::1/::ffff:ffff:ffff:ffff" },
          height: { value: null, is_default: true }
        } }]
      }
    })
  })

  it("rejects a filter of the wrong type with graphql-js's validation message", () => {
    const { status, body } = server.gql(`query { LocationRack(height__value: "tall") { count } }`)
    expect(status).toBe(200)
    expect(body).toEqual({
      data: null,
      errors: [{ message: 'BigInt cannot represent non-integer value: "tall"', locations: [{ line: 1, column: 37 }] }]
    })
  })

  it("computes display labels from a ≥1.5 template, from display_labels, or falls back to Kind(ID: …)", () => {
    const dump = schemaDump()
    const templated = registryFromDump({
      ...dump,
      nodes: dump.nodes.map((node) =>
        node.kind === "BuiltinTag" ? { ...node, display_label: "{{ name__value | upper }} ({{ description__value | default('no description') }})" } : node
      )
    })
    const local = makeServer({ registry: templated })
    local.ok(`mutation { BuiltinTagCreate(data: {name: {value: "red"}}) { ok } }`)
    local.ok(`mutation { BranchCreate(data: {name: "feature-1"}) { ok } }`)
    const change = (local.ok(`mutation { CoreProposedChangeCreate(data: {name: {value: "pc"}, source_branch: {value: "feature-1"}, destination_branch: {value: "main"}}) { ok object { id } } }`)["CoreProposedChangeCreate"] as { object: { id: string } }).object.id
    const thread = (local.ok(`mutation { CoreChangeThreadCreate(data: {change: {id: "${change}"}}) { ok object { id } } }`)["CoreChangeThreadCreate"] as { object: { id: string } }).object.id
    expect(local.ok(`query {
      BuiltinTag { edges { node { display_label hfid } } }
      CoreProposedChange { edges { node { display_label hfid } } }
      CoreChangeThread { edges { node { display_label hfid } } }
    }`)).toEqual({
      BuiltinTag: { edges: [{ node: { display_label: "RED (no description)", hfid: ["red"] } }] },
      CoreProposedChange: { edges: [{ node: { display_label: "pc", hfid: null } }] },
      CoreChangeThread: { edges: [{ node: { display_label: `CoreChangeThread(ID: ${thread})`, hfid: null } }] }
    })
  })
})
