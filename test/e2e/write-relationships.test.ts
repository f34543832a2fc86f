import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { adminGraphql, callError, callOk, serverEnv, sessionBranch } from "./write-support.js"

/**
 * node_upsert with relationships, as the Infrahub SDK takes them (an id, an hfid list, {hfid, kind},
 * lists for cardinality many), over stdio against the demo data: the kinds whose create needs a
 * relationship (a device needs a location) can be created in one mutation, and everything wrong is
 * refused before anything is sent.
 */

let sandbox: TestSandbox
let session: StdioSession
let tagIds: Record<string, string>

interface DeviceRow {
  readonly id: string
  readonly name: { readonly value: string }
  readonly position: { readonly value: number | null }
  readonly location: { readonly node: { readonly display_label: string } | null }
  readonly device_type: { readonly node: { readonly display_label: string } | null }
  readonly tags: { readonly edges: ReadonlyArray<{ readonly node: { readonly display_label: string } }> }
}

const device = async (name: string, branch: string): Promise<DeviceRow | undefined> => {
  const data = await adminGraphql(
    sandbox,
    `query { DcimDevice(name__value: ${JSON.stringify(name)}) { edges { node { id name { value } position { value } location { node { display_label } } device_type { node { display_label } } tags { edges { node { display_label } } } } } } }`,
    branch
  )
  return (data["DcimDevice"] as { edges: ReadonlyArray<{ node: DeviceRow }> }).edges[0]?.node
}

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
  const data = await adminGraphql(sandbox, "query { BuiltinTag { edges { node { id name { value } } } } }")
  tagIds = Object.fromEntries(
    (data["BuiltinTag"] as { edges: ReadonlyArray<{ node: { id: string; name: { value: string } } }> }).edges.map(({ node }) => [node.name.value, node.id])
  )
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

describe("node_upsert with relationships", () => {
  it("creates a device with its mandatory location, a type by hfid, tags by id and hfid and a numeric string, in one mutation", async () => {
    // The session branch first, so the write below is measured alone.
    await callOk(session.client, "node_upsert", { kind: "BuiltinTag", data: { name: "rel-setup" } })
    const branch = (await sessionBranch(session.client)) ?? ""
    sandbox.clearRequests()
    const created = await callOk(session.client, "node_upsert", {
      kind: "DcimDevice",
      data: {
        name: "atl1-edge9",
        status: "active",
        position: "42",
        location: { hfid: ["atl1"], kind: "LocationSite" },
        device_type: ["DCS-7280SR3-48YC8"],
        tags: [tagIds["edge"], ["core"]]
      }
    })
    expect(created).toMatchObject({ action: "created", kind: "DcimDevice", display_label: "atl1-edge9", branch })
    expect(sandbox.requests().map((request) => [request.path, request.operations])).toEqual([[`/graphql/${branch}`, ["DcimDeviceCreate"]]])
    const row = await device("atl1-edge9", branch)
    expect(row).toMatchObject({
      id: created["id"],
      position: { value: 42 },
      location: { node: { display_label: "Atlanta 1" } },
      device_type: { node: { display_label: "DCS-7280SR3-48YC8" } }
    })
    expect(row?.tags.edges.map((edge) => edge.node.display_label).sort()).toEqual(["core", "edge"])
    expect(await device("atl1-edge9", "main")).toBeUndefined()
  })

  it("updates by hfid: a many relationship is replaced by the list given, one relationship by an id", async () => {
    const branch = (await sessionBranch(session.client)) ?? ""
    const sites = await adminGraphql(sandbox, 'query { LocationSite(shortname__value: "ord1") { edges { node { id } } } }')
    const ord1 = (sites["LocationSite"] as { edges: ReadonlyArray<{ node: { id: string } }> }).edges[0]?.node.id
    const updated = await callOk(session.client, "node_upsert", {
      kind: "DcimDevice",
      hfid: ["atl1-edge9"],
      data: { tags: [["oob"]], location: ord1 }
    })
    expect(updated).toMatchObject({ action: "updated", branch })
    const row = await device("atl1-edge9", branch)
    expect(row?.tags.edges.map((edge) => edge.node.display_label)).toEqual(["oob"])
    expect(row?.location.node?.display_label).toBe("Chicago 1")
  })

  it("refuses a create without a mandatory relationship, saying which and how to find one, and sends nothing", async () => {
    sandbox.clearRequests()
    const text = await callError(session.client, "node_upsert", { kind: "DcimDevice", data: { name: "atl1-edge10", status: "active" } })
    expect(text).toContain("Creating a DcimDevice needs location (one LocationHosting); nothing was written.")
    expect(text).toContain('get_nodes(kind="LocationHosting") lists candidates with their ids')
    expect(sandbox.requests()).toEqual([])
  })

  it("refuses malformed relationship values and unknown names with the valid list, and sends nothing", async () => {
    sandbox.clearRequests()
    const malformed = await callError(session.client, "node_upsert", {
      kind: "DcimDevice",
      data: { name: "atl1-edge11", location: { hfid: ["atl1"], kind: "BuiltinTag" }, device_type: ["a", "b"] }
    })
    expect(malformed).toContain("location (one LocationHosting) names the kind BuiltinTag, which is not a LocationHosting")
    expect(malformed).toContain("device_type (one DcimDeviceType) has an hfid of 2 part(s); one of DcimDeviceType has 1 (name__value)")
    expect(malformed).toMatch(/Remediation: .*mutate_graphql/)
    const unknown = await callError(session.client, "node_upsert", { kind: "DcimDevice", hfid: ["atl1-edge1"], data: { site: "atl1" } })
    expect(unknown).toContain("DcimDevice has no attribute or relationship 'site'")
    expect(unknown).toMatch(/Writable relationships: [^.]*\blocation\b/)
    expect(unknown).toMatch(/Writable relationships: [^.]*\btags\b/)
    expect(sandbox.requests()).toEqual([])
  })

  it("passes Infrahub's refusal of a peer that does not exist back with what to check", async () => {
    const text = await callError(session.client, "node_upsert", {
      kind: "DcimDevice",
      data: { name: "atl1-edge12", status: "active", location: { hfid: ["nowhere"] }, device_type: ["DCS-7280SR3-48YC8"] }
    })
    expect(text).toContain("nowhere")
    expect(text).toMatch(/Remediation: Check the values against infrahub:\/\/schema\/DcimDevice .*relationship peers/)
    expect(await device("atl1-edge12", (await sessionBranch(session.client)) ?? "")).toBeUndefined()
  })
})
