import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { startTestSandbox, type TestSandbox } from "../../support/sandbox.js"
import { type Answer, apiKey, BASE_SCHEMA_DIR, BASE_SCHEMAS, dataOf, get, postGraphql, repoPath } from "./support.js"

/**
 * The whole story over HTTP, once: the four schema-library files loaded into an empty sandbox, an object
 * of every node kind they define created with the mutations the Python SDK renders, every kind queried
 * back, then a branch: change, invisible on main, merge, visible, MERGED, and closed to writes.
 */

/**
 * The base files define location generics only (LocationGeneric, LocationHosting), and DcimDevice
 * requires a LocationHosting; the demo extension adds the two concrete location kinds, as a user would.
 */
const LOCATION_EXTENSION = repoPath("src/sandbox/data/schemas/demo/location.yml")

/** The node kinds a schema file defines (`nodes:`), read from the file itself. */
const nodeKindsOf = (path: string): ReadonlyArray<string> => {
  const document = parse(readFileSync(path, "utf8")) as { nodes?: ReadonlyArray<{ name: string; namespace: string }> }
  return (document.nodes ?? []).map((node) => `${node.namespace}${node.name}`)
}

// --- mutations rendered as the SDK renders them (infrahub-api.md §4.2) ------------------------------

type Scalar = string | number | boolean
type Input = { readonly value: Scalar } | { readonly id: string } | ReadonlyArray<{ readonly id: string }>

/** The SDK inlines strings matching SAFE_VALUE and sends the others as `$value_<hex>` variables. */
const SAFE_VALUE = /^[. /:a-zA-Z0-9_-]+$|^$/

/** `id` is set for updates: the SDK sends it as a plain string beside the changed fields. */
const renderMutation = (mutation: string, data: Readonly<Record<string, Input>>, id?: string) => {
  const variables: Record<string, string> = {}
  const scalar = (value: Scalar): string => {
    if (typeof value !== "string") return String(value)
    if (SAFE_VALUE.test(value)) return JSON.stringify(value)
    const name = `value_${(Object.keys(variables).length + 1).toString(16).padStart(4, "0")}`
    variables[name] = value
    return `$${name}`
  }
  const pad = (depth: number) => "    ".repeat(depth)
  const isList = (input: Input): input is ReadonlyArray<{ readonly id: string }> => Array.isArray(input)
  const block = (input: Input, depth: number): string => {
    if (isList(input)) {
      // One item per line, each followed by a comma: the SDK's trailing commas.
      return `[\n${input.map((item) => `${pad(depth + 1)}${block(item, depth + 1)},\n`).join("")}${pad(depth)}]`
    }
    const [key, value] = "value" in input ? ["value", scalar(input.value)] : ["id", JSON.stringify(input.id)]
    return `{\n${pad(depth + 1)}${key}: ${value}\n${pad(depth)}}`
  }
  const fields = [
    ...(id === undefined ? [] : [`${pad(3)}id: ${JSON.stringify(id)}\n`]),
    ...Object.entries(data).map(([name, input]) => `${pad(3)}${name}: ${block(input, 3)}\n`)
  ].join("")
  const body = `${pad(1)}${mutation}(\n${pad(2)}data: {\n${fields}${pad(2)}}\n${pad(1)}){\n${pad(2)}ok\n${pad(2)}object {\n${pad(3)}id\n${pad(2)}}\n${pad(1)}}\n`
  const declarations = Object.keys(variables).map((name) => `$${name}: String!`).join(", ")
  return { query: `mutation${declarations === "" ? "" : ` (${declarations})`} {\n${body}}\n`, variables }
}

describe("the sandbox end to end over HTTP, from the schema-library files", () => {
  let sandbox: TestSandbox
  const auth = () => apiKey(sandbox.token)
  const gql = (query: string, branch?: string, variables?: Record<string, unknown>): Promise<Answer> =>
    postGraphql(`${sandbox.url}/graphql${branch === undefined ? "" : `/${branch}`}`, query, auth(), variables)
  /** Creates one object as the SDK's `client.create(kind, **data).save()` does; returns its id. */
  const create = async (kind: string, data: Readonly<Record<string, Input>>, branch = "main"): Promise<string> => {
    const { query, variables } = renderMutation(`${kind}Create`, data)
    const answer = await gql(query, branch, variables)
    const payload = dataOf(answer)[`${kind}Create`] as { ok: boolean; object: { id: string } }
    expect(payload.ok).toBe(true)
    return payload.object.id
  }
  const ids = new Map<string, string>()

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: "none", schemas: [BASE_SCHEMA_DIR, LOCATION_EXTENSION] })
  })
  afterAll(() => sandbox.close())

  it("starts empty, with the kinds of the four files in /api/schema", async () => {
    const schema = (await get(`${sandbox.url}/api/schema`, auth())).body as { nodes: Array<{ kind: string }>; generics: Array<{ kind: string }> }
    const nodes = schema.nodes.map((node) => node.kind)
    for (const kind of BASE_SCHEMAS.flatMap(nodeKindsOf)) expect(nodes).toContain(kind)
    expect(schema.generics.map((generic) => generic.kind)).toEqual(expect.arrayContaining(["LocationGeneric", "LocationHosting", "DcimGenericDevice", "DcimInterface", "OrganizationGeneric"]))
    // seed "none": not even the demo's tags.
    expect(dataOf(await gql("query { BuiltinTag { count } LocationSite { count } DcimDevice { count } }"))).toEqual({
      BuiltinTag: { count: 0 },
      LocationSite: { count: 0 },
      DcimDevice: { count: 0 }
    })
  })

  it("creates an object of every node kind the files define, with the SDK's mutation documents", async () => {
    ids.set("BuiltinTag", await create("BuiltinTag", { name: { value: "edge" } }))
    ids.set("OrganizationManufacturer", await create("OrganizationManufacturer", { name: { value: "Arista" }, description: { value: "Arista Networks, Inc." } }))
    ids.set("OrganizationProvider", await create("OrganizationProvider", { name: { value: "Lumen" } }))
    ids.set("DcimPlatform", await create("DcimPlatform", { name: { value: "eos" }, manufacturer: { id: ids.get("OrganizationManufacturer") ?? "" }, nornir_platform: { value: "eos" } }))
    ids.set("DcimDeviceType", await create("DcimDeviceType", {
      name: { value: "DCS-7280R3" },
      part_number: { value: "DCS-7280CR3-32P4-F" },
      height: { value: 1 },
      full_depth: { value: false },
      manufacturer: { id: ids.get("OrganizationManufacturer") ?? "" },
      platform: { id: ids.get("DcimPlatform") ?? "" }
    }))
    ids.set("LocationCountry", await create("LocationCountry", { name: { value: "France" }, shortname: { value: "fr" } }))
    ids.set("LocationSite", await create("LocationSite", {
      name: { value: "Paris 1" },
      shortname: { value: "par1" },
      status: { value: "active" },
      physical_address: { value: "1 Rue de l'Exemple, Paris" },
      parent: { id: ids.get("LocationCountry") ?? "" }
    }))
    ids.set("IpamPrefix", await create("IpamPrefix", {
      prefix: { value: "10.0.0.0/24" },
      status: { value: "active" },
      role: { value: "management" },
      location: { id: ids.get("LocationSite") ?? "" },
      organization: { id: ids.get("OrganizationProvider") ?? "" }
    }))
    ids.set("IpamIPAddress", await create("IpamIPAddress", { address: { value: "10.0.0.1/24" }, fqdn: { value: "par1-edge1.example.com" } }))
    ids.set("DcimDevice", await create("DcimDevice", {
      name: { value: "par1-edge1" },
      status: { value: "active" },
      role: { value: "edge" },
      position: { value: 12 },
      location: { id: ids.get("LocationSite") ?? "" },
      device_type: { id: ids.get("DcimDeviceType") ?? "" },
      platform: { id: ids.get("DcimPlatform") ?? "" },
      primary_address: { id: ids.get("IpamIPAddress") ?? "" },
      tags: [{ id: ids.get("BuiltinTag") ?? "" }]
    }))
    ids.set("InterfacePhysical", await create("InterfacePhysical", {
      name: { value: "Ethernet1" },
      device: { id: ids.get("DcimDevice") ?? "" },
      role: { value: "core" },
      mtu: { value: 9214 },
      l2_mode: { value: "access" },
      ip_addresses: [{ id: ids.get("IpamIPAddress") ?? "" }]
    }))
    ids.set("InterfaceVirtual", await create("InterfaceVirtual", {
      name: { value: "Loopback0" },
      device: { id: ids.get("DcimDevice") ?? "" },
      parent_interface: { id: ids.get("InterfacePhysical") ?? "" }
    }))
    const defined = [...BASE_SCHEMAS, LOCATION_EXTENSION].flatMap(nodeKindsOf)
    expect(defined.filter((kind) => !ids.has(kind))).toEqual([])
  })

  it("refuses a device without its mandatory location, as Infrahub does", async () => {
    const { query, variables } = renderMutation("DcimDeviceCreate", { name: { value: "nowhere" }, status: { value: "active" } })
    const answer = await gql(query, "main", variables)
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      data: { DcimDeviceCreate: null },
      errors: [{ message: "location is mandatory for DcimDevice at location", locations: [{ line: 2, column: 5 }], path: ["DcimDeviceCreate"] }]
    })
    expect(dataOf(await gql(`query { DcimDevice(name__value: "nowhere") { count } }`))).toEqual({ DcimDevice: { count: 0 } })
  })

  it("queries every kind back: each created object under its kind, and every kind of /api/schema answers", async () => {
    for (const [kind, id] of ids) {
      const data = dataOf(await gql(`query { ${kind} { count edges { node { id display_label __typename } } } }`))
      const page = data[kind] as { count: number; edges: Array<{ node: { id: string; display_label: string | null; __typename: string } }> }
      expect(page.count, kind).toBe(1)
      expect(page.edges[0]?.node, kind).toMatchObject({ id, __typename: kind })
    }
    const schema = (await get(`${sandbox.url}/api/schema`, auth())).body as Record<"nodes" | "generics" | "profiles" | "templates", Array<{ kind: string }>>
    const kinds = [...schema.nodes, ...schema.generics, ...schema.profiles, ...schema.templates].map((k) => k.kind)
    const query = `query {\n${kinds.map((kind) => `  ${kind} { count }`).join("\n")}\n}`
    const all = dataOf(await gql(query))
    expect(Object.keys(all).sort()).toEqual([...kinds].sort())
    expect(all["DcimGenericDevice"]).toEqual({ count: 1 })
    expect(all["DcimInterface"]).toEqual({ count: 2 })
    expect(all["LocationGeneric"]).toEqual({ count: 2 })
    expect(all["LocationHosting"]).toEqual({ count: 1 })
    expect(all["BuiltinIPAddress"]).toEqual({ count: 1 })
  })

  it("reads values and relationships back as they were sent", async () => {
    const data = dataOf(await gql(`query {
      DcimDevice(name__value: "par1-edge1") {
        edges { node {
          hfid display_label
          status { value } role { value } position { value } rack_face { value }
          location { node { id display_label __typename } }
          device_type { node { display_label } }
          primary_address { node { display_label } }
          tags { count edges { node { id } } }
          interfaces { count edges { node { __typename display_label } } }
        } }
      }
      OrganizationManufacturer { edges { node { description { value } platform { count } device_type { count } } } }
      LocationSite { edges { node { physical_address { value } parent { node { display_label } } } } }
      InterfaceVirtual { edges { node { parent_interface { node { id } } } } }
    }`))
    expect(data["DcimDevice"]).toEqual({
      edges: [{
        node: {
          hfid: ["par1-edge1"],
          display_label: "par1-edge1",
          status: { value: "active" },
          role: { value: "edge" },
          position: { value: 12 },
          rack_face: { value: "front" },
          location: { node: { id: ids.get("LocationSite"), display_label: "Paris 1", __typename: "LocationSite" } },
          device_type: { node: { display_label: "DCS-7280R3" } },
          primary_address: { node: { display_label: "10.0.0.1/24" } },
          tags: { count: 1, edges: [{ node: { id: ids.get("BuiltinTag") } }] },
          interfaces: {
            count: 2,
            edges: expect.arrayContaining([
              { node: { __typename: "InterfacePhysical", display_label: "Ethernet1" } },
              { node: { __typename: "InterfaceVirtual", display_label: "Loopback0" } }
            ])
          }
        }
      }]
    })
    expect(data["OrganizationManufacturer"]).toEqual({ edges: [{ node: { description: { value: "Arista Networks, Inc." }, platform: { count: 1 }, device_type: { count: 1 } } }] })
    expect(data["LocationSite"]).toEqual({ edges: [{ node: { physical_address: { value: "1 Rue de l'Exemple, Paris" }, parent: { node: { display_label: "France" } } } }] })
    expect(data["InterfaceVirtual"]).toEqual({ edges: [{ node: { parent_interface: { node: { id: ids.get("InterfacePhysical") } } } }] })
  })

  it("filters and pages: count is the total of the matches, edges the page", async () => {
    for (let index = 2; index <= 6; index++) {
      await create("InterfacePhysical", { name: { value: `Ethernet${index}` }, device: { id: ids.get("DcimDevice") ?? "" }, status: { value: index % 2 === 0 ? "free" : "active" } })
    }
    const names = (data: Record<string, unknown>, kind: string) =>
      (data[kind] as { count: number; edges: Array<{ node: { name: { value: string } } }> })
    const page = names(dataOf(await gql(`query { InterfacePhysical(offset: 1, limit: 2) { count edges { node { name { value } } } } }`)), "InterfacePhysical")
    expect(page.count).toBe(6)
    expect(page.edges.map((edge) => edge.node.name.value)).toEqual(["Ethernet2", "Ethernet3"])
    const free = names(dataOf(await gql(`query { InterfacePhysical(status__value: "free", limit: 1) { count edges { node { name { value } } } } }`)), "InterfacePhysical")
    expect([free.count, free.edges.length]).toEqual([3, 1])
    const byDevice = names(dataOf(await gql(`query { DcimInterface(device__name__value: "par1-edge1", name__values: ["Loopback0", "Ethernet6"]) { count edges { node { name { value } } } } }`)), "DcimInterface")
    expect(byDevice.edges.map((edge) => edge.node.name.value).sort()).toEqual(["Ethernet6", "Loopback0"])
    const partial = names(dataOf(await gql(`query { DcimInterface(any__value: "ether", partial_match: true) { count edges { node { name { value } } } } }`)), "DcimInterface")
    expect(partial.count).toBe(6)
  })

  it("isolates a branch, merges it into main, marks it MERGED, and refuses writes to it afterwards", async () => {
    const branch = "e2e/change-1"
    dataOf(await gql(`mutation { BranchCreate(data: {name: "${branch}", sync_with_git: false}) { ok object { name status } } }`))
    const device = ids.get("DcimDevice") ?? ""
    const update = renderMutation("DcimDeviceUpdate", { description: { value: "Moved to the new rack, row 4" } }, device)
    expect(dataOf(await gql(update.query, branch, update.variables))).toEqual({ DcimDeviceUpdate: { ok: true, object: { id: device } } })
    const zayo = await create("OrganizationProvider", { name: { value: "Zayo" } }, branch)

    const read = `query { DcimDevice { edges { node { description { value } } } } OrganizationProvider(name__value: "Zayo") { count } }`
    expect(dataOf(await gql(read, branch))).toEqual({
      DcimDevice: { edges: [{ node: { description: { value: "Moved to the new rack, row 4" } } }] },
      OrganizationProvider: { count: 1 }
    })
    expect(dataOf(await gql(read, "main"))).toEqual({ DcimDevice: { edges: [{ node: { description: { value: null } } }] }, OrganizationProvider: { count: 0 } })

    expect(dataOf(await gql(`mutation { BranchMerge(data: {name: "${branch}"}) { ok object { name status } } }`))).toEqual({
      BranchMerge: { ok: true, object: { name: branch, status: "MERGED" } }
    })
    expect(dataOf(await gql(read, "main"))).toEqual({
      DcimDevice: { edges: [{ node: { description: { value: "Moved to the new rack, row 4" } } }] },
      OrganizationProvider: { count: 1 }
    })
    expect(dataOf(await gql(`query { OrganizationProvider(name__value: "Zayo") { edges { node { id } } } }`))).toEqual({
      OrganizationProvider: { edges: [{ node: { id: zayo } }] }
    })
    expect(dataOf(await gql(`query GetBranch($branch_name: String!) { Branch(name: $branch_name) { name status } }`, "main", { branch_name: branch }))).toEqual({
      Branch: [{ name: branch, status: "MERGED" }]
    })

    const late = renderMutation("OrganizationProviderCreate", { name: { value: "Cogent" } })
    const refused = await gql(late.query, branch, late.variables)
    expect(refused.status).toBe(200)
    expect(refused.body).toEqual({
      data: { OrganizationProviderCreate: null },
      errors: [{
        message: `Branch '${branch}' has been merged and is read-only. No modifications are allowed.`,
        locations: [{ line: 2, column: 5 }],
        path: ["OrganizationProviderCreate"]
      }]
    })
    expect(dataOf(await gql(`query { OrganizationProvider(name__value: "Cogent") { count } }`, branch))).toEqual({ OrganizationProvider: { count: 0 } })
    expect(dataOf(await gql(`query { OrganizationProvider(name__value: "Cogent") { count } }`, "main"))).toEqual({ OrganizationProvider: { count: 0 } })
  })
})
