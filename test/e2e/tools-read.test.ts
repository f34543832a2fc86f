// The read tools end to end: the built CLI over stdio, the real SDK client, and a real sandbox with
// the demo data. Expected values come from the sandbox itself, never from hard-coded ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  call,
  callWithProgress,
  fetchSchema,
  nodesOf,
  remediationOf,
  sandboxData,
  type SandboxSchema,
  serverEnv,
  structured,
  toolError
} from "./read-support.js"

interface NodeSummary {
  readonly id: string
  readonly kind: string
  readonly label: string
  readonly attributes?: Record<string, unknown>
}

interface NodesResult {
  readonly kind: string
  readonly branch: string | null
  readonly nodes: ReadonlyArray<NodeSummary>
  readonly count: number
  readonly total_count: number | null
  readonly has_more: boolean | null
  readonly offset: number
  readonly limit: number
}

interface SearchResult {
  readonly kind: string
  readonly branch: string | null
  readonly query: string
  readonly nodes: ReadonlyArray<NodeSummary>
  readonly total_count: number | null
}

interface KindDetail {
  readonly kind: string
  readonly label: string
  readonly namespace: string
  readonly category: string
  readonly human_friendly_id: ReadonlyArray<string> | null
  readonly implemented_by: ReadonlyArray<string>
  readonly attributes: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly choices: string | null }>
  readonly relationships: ReadonlyArray<{ readonly name: string; readonly peer: string; readonly cardinality: string; readonly kind: string }>
  readonly filters: ReadonlyArray<string>
}

interface Device {
  readonly id: string
  readonly display_label: string
  readonly name: { readonly value: string }
  readonly role: { readonly value: string | null }
  readonly status: { readonly value: string }
  readonly tags: { readonly edges: ReadonlyArray<{ readonly node: { readonly display_label: string } }> }
  readonly location: { readonly node: { readonly display_label: string; readonly shortname: { readonly value: string } } }
}

const DEVICES_QUERY = `query {
  DcimDevice {
    edges { node {
      id display_label name { value } role { value } status { value }
      tags { edges { node { display_label } } }
      location { node { display_label ... on LocationSite { shortname { value } } } }
    } }
  }
}`

let sandbox: TestSandbox
let session: StdioSession
let schema: SandboxSchema
/** The demo devices, in the order Infrahub returns them. */
let devices: ReadonlyArray<Device>

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  schema = await fetchSchema(sandbox)
  devices = nodesOf<Device>(await sandboxData(sandbox, DEVICES_QUERY), "DcimDevice")
  // tools/list first: the SDK client then checks every structuredContent against the tool's outputSchema.
  await session.client.listTools()
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

const READ_TOOLS = ["get_schema", "get_nodes", "search_nodes", "query_graphql", "get_session_info"]

describe("tools/list", () => {
  it("lists the read tools first; every tool has a title, full annotations and object input/output schemas", async () => {
    const { tools } = await session.client.listTools()
    expect(tools.slice(0, 5).map((tool) => tool.name)).toEqual(READ_TOOLS)
    for (const tool of tools) {
      expect(tool.title, tool.name).toMatch(/\S/)
      expect(tool.description, tool.name).toMatch(/\S/)
      expect(tool.annotations?.title, tool.name).toBe(tool.title)
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe("boolean")
      }
      expect(tool.inputSchema.type, tool.name).toBe("object")
      expect(tool.outputSchema?.type, tool.name).toBe("object")
      const isRead = READ_TOOLS.includes(tool.name)
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(isRead)
      if (isRead) expect(tool.annotations, tool.name).toMatchObject({ destructiveHint: false, idempotentHint: true })
    }
  })

  it("keeps the Python server's parameter names, defaults and bounds", async () => {
    const { tools } = await session.client.listTools()
    const input = (name: string) => tools.find((tool) => tool.name === name)?.inputSchema as {
      properties: Record<string, { default?: unknown; minimum?: number; maximum?: number; minLength?: number; description?: string; allOf?: ReadonlyArray<{ minimum?: number; maximum?: number }> }>
      required?: ReadonlyArray<string>
    }

    const getNodes = input("get_nodes")
    expect(Object.keys(getNodes.properties)).toEqual(["kind", "branch", "filters", "partial_match", "include_attributes", "limit", "offset"])
    expect(getNodes.required).toEqual(["kind"])
    expect(getNodes.properties["partial_match"]?.default).toBe(false)
    expect(getNodes.properties["include_attributes"]?.default).toBe(false)
    expect(getNodes.properties["limit"]?.default).toBe(50)
    expect(getNodes.properties["offset"]?.default).toBe(0)

    const search = input("search_nodes")
    expect(Object.keys(search.properties)).toEqual(["query", "kind", "branch", "limit"])
    expect(search.required).toEqual(["query", "kind"])
    expect(search.properties["limit"]?.default).toBe(10)
    expect(search.properties["limit"]).toMatchObject({ type: "integer", minimum: 1, maximum: 100 })
    // What the model reads to fill `query`: our description, not the schema library's default.
    expect(search.properties["query"]?.description).toMatch(/Text to look for/)
    expect(search.properties["query"]?.minLength).toBe(1)

    expect(Object.keys(input("get_schema").properties)).toEqual(["kind", "branch"])
    expect(input("get_schema").required ?? []).toEqual([])
    expect(Object.keys(input("query_graphql").properties)).toEqual(["query", "branch", "variables"])
    expect(input("query_graphql").required).toEqual(["query"])
    expect(Object.keys(input("get_session_info").properties)).toEqual([])
  })
})

describe("get_schema", () => {
  it("without a kind returns the catalog of user-facing kinds (kind → label) as compact JSON", async () => {
    const result = await call(session.client, "get_schema")
    const answer = structured<{ branch: string | null; kinds: Record<string, string> }>(result)
    const hidden = new Set(["Internal", "Profile", "Template"])
    const expected = Object.fromEntries(
      [...schema.nodes, ...schema.generics]
        .filter((kind) => !hidden.has(kind.namespace))
        .map((kind) => [`${kind.namespace}${kind.name}`, kind.label ?? kind.name])
    )
    expect(answer.branch).toBeNull()
    expect(answer.kinds).toEqual(expected)
    expect(answer.kinds["DcimDevice"]).toBe("Network Device")
    expect(Object.keys(answer.kinds).some((kind) => kind.startsWith("Profile"))).toBe(false)
    expect(textOf(result)).toBe(JSON.stringify(answer.kinds))
  })

  it("with a kind returns its attributes, relationships and filters, rendered as TOON", async () => {
    const result = await call(session.client, "get_schema", { kind: "DcimDevice" })
    const { detail } = structured<{ detail: KindDetail }>(result)
    const source = schema.nodes.find((kind) => kind.namespace === "Dcim" && kind.name === "Device")
    expect(source).toBeDefined()
    expect(detail).toMatchObject({ kind: "DcimDevice", label: "Network Device", namespace: "Dcim", category: "node", human_friendly_id: ["name__value"] })
    expect(detail.attributes.map((attribute) => attribute.name)).toEqual(source?.attributes.map((attribute) => attribute.name))
    expect(detail.attributes.find((attribute) => attribute.name === "status")?.choices).toBe("provisioning|maintenance|drained|active")
    expect(detail.relationships).toContainEqual({ name: "location", peer: "LocationHosting", cardinality: "one", kind: "Attribute", optional: false, description: null })
    // Group/profile plumbing is left out of the relationships a model explores.
    expect(detail.relationships.map((relationship) => relationship.name)).not.toContain("member_of_groups")
    expect(detail.filters).toEqual(expect.arrayContaining(["ids", "hfid", "any__value", "name__value", "name__values", "location__ids", "location__shortname__value"]))
    const text = textOf(result)
    expect(text.startsWith("kind: DcimDevice\nlabel: Network Device\n")).toBe(true)
    expect(text).toContain(`attributes[${detail.attributes.length}]{name,kind,optional,unique,read_only,choices,description}:`)
    expect(text).toContain("location,LocationHosting,one,Attribute,false,null")
  })

  it("lists the implementing kinds of a generic and accepts an unambiguous different letter case", async () => {
    const { detail } = structured<{ detail: KindDetail }>(await call(session.client, "get_schema", { kind: "dcimgenericdevice" }))
    expect(detail.kind).toBe("DcimGenericDevice")
    expect(detail.category).toBe("generic")
    expect(detail.implemented_by).toEqual(["DcimDevice"])
  })

  it("refuses an unknown kind, suggesting the near miss and listing the valid kinds", async () => {
    const text = toolError(await call(session.client, "get_schema", { kind: "DcimDevise" }))
    expect(text).toContain("Schema not found for kind 'DcimDevise' (default branch). Did you mean DcimDevice?")
    expect(text).toMatch(/Valid kinds: .*\bDcimDevice\b.*\bLocationSite\b/)
    expect(remediationOf(text)).toMatch(/get_schema\(\)|infrahub:\/\/schema/)
  })
})

describe("get_nodes", () => {
  it("returns every device with id, kind and label, the counts and the paging fields", async () => {
    const result = await call(session.client, "get_nodes", { kind: "DcimDevice" })
    const answer = structured<NodesResult>(result)
    expect(answer).toEqual({
      kind: "DcimDevice",
      branch: null,
      nodes: devices.map((device) => ({ id: device.id, kind: "DcimDevice", label: device.display_label })),
      count: devices.length,
      total_count: devices.length,
      has_more: false,
      offset: 0,
      limit: 50
    })
    const text = textOf(result)
    expect(text).toContain(`total_count: ${devices.length}\nhas_more: false\noffset: 0\nlimit: 50\n`)
    expect(text).toContain(`nodes[${devices.length}]{id,kind,label}:`)
    for (const device of devices) expect(text).toContain(`${device.id},DcimDevice,${device.display_label}`)
  })

  it("filters through a relationship's attribute (devices of one site)", async () => {
    const atl1 = devices.filter((device) => device.location.node.shortname.value === "atl1")
    expect(atl1.length).toBeGreaterThan(0)
    const answer = structured<NodesResult>(
      await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } })
    )
    expect(answer.nodes.map((node) => node.label).sort()).toEqual(atl1.map((device) => device.display_label).sort())
    expect(answer.total_count).toBe(atl1.length)
    expect(answer.has_more).toBe(false)
  })

  it("matches exactly unless partial_match is set", async () => {
    const edges = devices.filter((device) => device.name.value.includes("edge"))
    expect(edges.length).toBeGreaterThan(1)
    const exact = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { name__value: "edge" } }))
    expect(exact).toMatchObject({ nodes: [], count: 0, total_count: 0, has_more: false })
    const partial = structured<NodesResult>(
      await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { name__value: "edge" }, partial_match: true })
    )
    expect(partial.nodes.map((node) => node.label).sort()).toEqual(edges.map((device) => device.display_label).sort())
    const one = devices[0]
    const named = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { name__value: one?.name.value } }))
    expect(named.nodes).toEqual([{ id: one?.id, kind: "DcimDevice", label: one?.display_label }])
  })

  it("pages with offset and limit, reporting has_more", async () => {
    const page = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice", limit: 2, offset: 2 }))
    expect(page.nodes.map((node) => node.id)).toEqual(devices.slice(2, 4).map((device) => device.id))
    expect(page).toMatchObject({ count: 2, total_count: devices.length, has_more: true, offset: 2, limit: 2 })
    const last = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice", limit: 4, offset: 4 }))
    expect(last.nodes.map((node) => node.id)).toEqual(devices.slice(4).map((device) => device.id))
    expect(last).toMatchObject({ count: devices.length - 4, has_more: false })
    const beyond = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice", offset: devices.length + 5 }))
    expect(beyond).toMatchObject({ nodes: [], count: 0, total_count: devices.length, has_more: false })
  })

  it("with include_attributes returns attribute values and peer labels, as TOON rows", async () => {
    const first = devices[0]
    const result = await call(session.client, "get_nodes", { kind: "DcimDevice", include_attributes: true, filters: { ids: [first?.id] } })
    const answer = structured<NodesResult>(result)
    expect(answer.nodes).toHaveLength(1)
    expect(answer.nodes[0]?.attributes).toMatchObject({
      name: first?.name.value,
      role: first?.role.value,
      status: first?.status.value,
      location: first?.location.node.display_label,
      tags: first?.tags.edges.map((edge) => edge.node.display_label)
    })
    const text = textOf(result)
    expect(text).toMatch(/nodes\[1\]\{id,kind,label,status,role,name,[^}]*location\}:/)
    expect(text).toContain(first?.tags.edges.map((edge) => edge.node.display_label).join(" | "))
  })

  it("refuses an unknown kind, listing the valid kinds", async () => {
    const text = toolError(await call(session.client, "get_nodes", { kind: "Router" }))
    expect(text).toContain("Schema not found for kind 'Router'")
    expect(text).toMatch(/Valid kinds: .*\bDcimDevice\b/)
  })

  it("refuses an unknown filter, listing the kind's filters", async () => {
    const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { hostname__value: "atl1-edge1" } }))
    expect(text).toContain("Unknown filter(s) for DcimDevice: hostname__value.")
    expect(text).toMatch(/Valid filters for DcimDevice: .*\bname__value\b.*\blocation__shortname__value\b/)
    expect(remediationOf(text)).toContain("infrahub://schema/DcimDevice")
  })

  it("refuses reserved filter keys, pointing at the tool arguments", async () => {
    const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { limit: 1, branch: "main" } }))
    expect(text).toContain("Filters contain reserved key(s): branch, limit.")
    expect(remediationOf(text)).toMatch(/partial_match, limit, offset, branch/)
  })

  it("refuses a filter value of the wrong type, naming the expected type", async () => {
    const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { position__value: "top" } }))
    expect(text).toContain("Invalid filter value(s) for DcimDevice: position__value expects a whole number.")
  })

  it("refuses a value outside an attribute's choices with the valid choices, instead of answering 0 nodes", async () => {
    const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { status__value: "Active" } }))
    expect(text).toContain("Invalid filter value(s) for DcimDevice: status__value has 'Active', not one of the choices of status: provisioning, maintenance, drained, active.")
    expect(remediationOf(text)).toContain("allowed choices")
    // Through a relationship, and in a list.
    const peer = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { interfaces__status__values: ["active", "closed"] } }))
    expect(peer).toContain("interfaces__status__values has 'closed', not one of the choices of status")
    // A part of a choice is a fine partial match.
    const partial = structured<{ total_count: number }>(await call(session.client, "get_nodes", { kind: "DcimDevice", filters: { status__value: "activ" }, partial_match: true }))
    expect(partial.total_count).toBeGreaterThan(0)
  })

  it("refuses arguments outside the input schema: bad limit, negative offset, unknown argument", async () => {
    for (const args of [{ limit: 0 }, { limit: -2 }, { limit: 1.5 }, { offset: -1 }, { colour: "red" }]) {
      const text = toolError(await call(session.client, "get_nodes", { kind: "DcimDevice", ...args }))
      expect(text, JSON.stringify(args)).toMatch(/^Invalid arguments for get_nodes: /)
      expect(text, JSON.stringify(args)).toContain(Object.keys(args)[0])
      expect(remediationOf(text)).toContain("input schema of get_nodes")
    }
    toolError(await call(session.client, "get_nodes", {}))
  })

  it("returns every node with limit=-1 and reports progress", async () => {
    const interfaces = (await sandboxData<{ InterfacePhysical: { count: number } }>(sandbox, "query { InterfacePhysical { count } }")).InterfacePhysical.count
    expect(interfaces).toBeGreaterThan(devices.length)
    const { result, progress } = await callWithProgress(session.client, "get_nodes", { kind: "InterfacePhysical", limit: -1 })
    const answer = structured<NodesResult>(result)
    expect(answer).toMatchObject({ count: interfaces, total_count: interfaces, has_more: false, offset: 0, limit: -1 })
    expect(new Set(answer.nodes.map((node) => node.id)).size).toBe(interfaces)
    // The start is announced before Infrahub is asked; later updates count fetched nodes and must
    // increase. (The SDK client may drop an update that arrives together with the response.)
    expect(progress[0]).toEqual({ progress: 0, message: "Fetching all InterfacePhysical" })
    for (const [index, update] of progress.entries()) {
      if (index > 0) expect(update.progress).toBeGreaterThan(progress[index - 1]?.progress ?? 0)
      expect(update.progress).toBeLessThanOrEqual(interfaces)
      if (update.total !== undefined) expect(update.total).toBe(interfaces)
    }
  })

  it("reads another branch when asked, and names a branch that does not exist", async () => {
    const branch = "e2e-read-branch"
    const created = await sandbox.graphql(`mutation { BranchCreate(data: {name: "${branch}"}) { ok } }`)
    expect(created.errors).toBeUndefined()
    const tag = await sandbox.graphql(`mutation { BuiltinTagCreate(data: {name: {value: "branch-only-tag"}}) { ok } }`, branch)
    expect(tag.errors).toBeUndefined()

    const onBranch = structured<NodesResult>(
      await call(session.client, "get_nodes", { kind: "BuiltinTag", branch, filters: { name__value: "branch-only-tag" } })
    )
    expect(onBranch).toMatchObject({ branch, count: 1, total_count: 1 })
    expect(onBranch.nodes[0]?.label).toBe("branch-only-tag")
    const onDefault = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "BuiltinTag", filters: { name__value: "branch-only-tag" } }))
    expect(onDefault).toMatchObject({ branch: null, count: 0, total_count: 0 })

    const text = toolError(await call(session.client, "get_nodes", { kind: "BuiltinTag", branch: "no-such-branch" }))
    expect(text).toContain("Branch 'no-such-branch' does not exist in Infrahub.")
    expect(remediationOf(text)).toContain("infrahub://branches")
  })
})

describe("search_nodes", () => {
  it("finds nodes of a kind by a substring of any attribute", async () => {
    const atl1 = devices.filter((device) => device.name.value.includes("atl1"))
    const answer = structured<SearchResult>(await call(session.client, "search_nodes", { query: "atl1", kind: "DcimDevice" }))
    expect(answer).toMatchObject({ kind: "DcimDevice", branch: null, query: "atl1", total_count: atl1.length })
    expect(answer.nodes.map((node) => node.label).sort()).toEqual(atl1.map((device) => device.display_label).sort())
  })

  it("works on generic kinds, returning each node's concrete kind", async () => {
    const edges = devices.filter((device) => device.name.value.includes("edge"))
    const generic = structured<SearchResult>(await call(session.client, "search_nodes", { query: "edge", kind: "DcimGenericDevice" }))
    expect(generic.nodes.map((node) => [node.kind, node.label]).sort()).toEqual(edges.map((device) => ["DcimDevice", device.display_label]).sort())

    const target = devices[0]
    const core = structured<SearchResult>(await call(session.client, "search_nodes", { query: target?.name.value, kind: "CoreNode", limit: 100 }))
    expect(core.nodes).toContainEqual({ id: target?.id, kind: "DcimDevice", label: target?.display_label })
  })

  it("trims the query, honours the limit and reports the total", async () => {
    const answer = structured<SearchResult>(await call(session.client, "search_nodes", { query: "  edge  ", kind: "DcimDevice", limit: 1 }))
    expect(answer.query).toBe("edge")
    expect(answer.nodes).toHaveLength(1)
    expect(answer.total_count).toBe(devices.filter((device) => device.name.value.includes("edge")).length)
  })

  it("refuses a blank query, a limit outside 1-100 and an unknown kind", async () => {
    expect(toolError(await call(session.client, "search_nodes", { query: "   ", kind: "DcimDevice" }))).toContain("query must not be blank")
    expect(toolError(await call(session.client, "search_nodes", { query: "x", kind: "DcimDevice", limit: 101 }))).toMatch(/^Invalid arguments for search_nodes: limit/)
    expect(toolError(await call(session.client, "search_nodes", { query: "x", kind: "DcimDevice", limit: 0 }))).toMatch(/^Invalid arguments for search_nodes: limit/)
    expect(toolError(await call(session.client, "search_nodes", { query: "x", kind: "Nope" }))).toMatch(/Valid kinds: .*\bDcimDevice\b/)
  })
})

describe("query_graphql", () => {
  it("runs a query with variables and returns Infrahub's data object as the result, in compact JSON", async () => {
    const target = devices[1]
    const result = await call(session.client, "query_graphql", {
      query: "query Device($name: String) { DcimDevice(name__value: $name) { count edges { node { id name { value } } } } }",
      variables: { name: target?.name.value }
    })
    // The data object itself, as the Python server returns it; the branch read is in _meta.
    const answer = structured<Record<string, unknown>>(result)
    expect(answer).toEqual({ DcimDevice: { count: 1, edges: [{ node: { id: target?.id, name: { value: target?.name.value } } }] } })
    expect(textOf(result)).toBe(JSON.stringify(answer))
    expect(result._meta).toEqual({ "infrahub-mcp/branch": null })
  })

  it("refuses mutations before anything reaches Infrahub, even next to a query", async () => {
    for (const query of [
      'mutation { BuiltinTagCreate(data: {name: {value: "sneaky"}}) { ok } }',
      'query A { DcimDevice { count } } mutation B { BuiltinTagCreate(data: {name: {value: "sneaky"}}) { ok } }'
    ]) {
      sandbox.clearRequests()
      const text = toolError(await call(session.client, "query_graphql", { query }))
      expect(text).toContain("query_graphql only runs read queries, and this document contains a mutation")
      expect(remediationOf(text)).toContain("mutate_graphql")
      expect(sandbox.requests()).toEqual([])
    }
    const tags = await sandboxData<{ BuiltinTag: { count: number } }>(sandbox, 'query { BuiltinTag(name__value: "sneaky") { count } }')
    expect(tags.BuiltinTag.count).toBe(0)
  })

  it("refuses a document that does not parse, saying where", async () => {
    const text = toolError(await call(session.client, "query_graphql", { query: "query { DcimDevice { count }" }))
    expect(text).toMatch(/GraphQL syntax error/)
  })

  it("passes Infrahub's GraphQL errors back with a hint on where to look", async () => {
    const text = toolError(await call(session.client, "query_graphql", { query: "query { DcimDevice { edges { node { hostname { value } } } } }" }))
    expect(text).toContain('Cannot query field "hostname" on type "DcimDevice"')
    expect(remediationOf(text)).toContain("infrahub://graphql-schema/{type}")
  })
})

describe("get_session_info", () => {
  it("shows the session state, the default branch read from Infrahub and the address", async () => {
    const result = await call(session.client, "get_session_info")
    const answer = structured<Record<string, unknown>>(result)
    expect(answer).toEqual({
      session_branch: null,
      has_session_branch: false,
      default_branch: "main",
      infrahub_address: sandbox.url,
      user: null,
      auth_mode: "none",
      write_tools_available: true
    })
    expect(JSON.parse(textOf(result))).toEqual(answer)
  })
})

describe("unknown tools", () => {
  it("answers an error listing the tools", async () => {
    const text = toolError(await call(session.client, "get_devices"))
    expect(text).toContain("Unknown tool 'get_devices'.")
    expect(remediationOf(text)).toContain("get_nodes")
  })
})

describe("a read-only server with a small response limit", () => {
  let limited: StdioSession

  beforeAll(async () => {
    limited = await connectStdio(serverEnv(sandbox, { INFRAHUB_MCP_READ_ONLY: "true", INFRAHUB_MCP_MAX_RESPONSE_BYTES: "2048" }))
    await limited.client.listTools()
  })

  afterAll(async () => {
    await limited?.close()
  })

  it("lists only the read tools and says writes are unavailable", async () => {
    expect((await limited.client.listTools()).tools.map((tool) => tool.name)).toEqual(READ_TOOLS)
    expect(structured<{ write_tools_available: boolean }>(await call(limited.client, "get_session_info")).write_tools_available).toBe(false)
  })

  it("refuses an answer over INFRAHUB_MCP_MAX_RESPONSE_BYTES instead of truncating it, with narrowing advice", async () => {
    const text = toolError(await call(limited.client, "get_nodes", { kind: "InterfacePhysical", include_attributes: true, limit: -1 }))
    expect(text).toMatch(/^The get_nodes result is \d+ bytes, over the 2048-byte limit\./)
    expect(remediationOf(text)).toMatch(/filters.*limit.*include_attributes/)
    // A narrower request fits.
    expect(structured<NodesResult>(await call(limited.client, "get_nodes", { kind: "DcimDevice", limit: 2 })).count).toBe(2)
  })
})
