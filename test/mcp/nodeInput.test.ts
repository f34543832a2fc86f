import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { type BranchSchema, decodeBranchSchema, type KindInfo } from "../../src/infrahub/schemaModel.js"
import { nodeInput } from "../../src/mcp/tools/nodeInput.js"

/**
 * A small schema in the shape Infrahub's /api/schema answers: a device that must have a location (a
 * generic with an hfid) and a type (a node with an hfid), may have tags, a platform (a generic
 * without an hfid) and a computed name; an internal relationship it cannot set.
 */
const schema: BranchSchema = Either.getOrThrow(
  decodeBranchSchema({
    main: "hash",
    nodes: [
      {
        name: "Device",
        namespace: "Dcim",
        branch: "aware",
        human_friendly_id: ["name__value"],
        attributes: [
          { name: "name", kind: "Text", optional: false },
          { name: "position", kind: "Number", optional: true },
          { name: "status", kind: "Dropdown", optional: true, choices: [{ name: "active" }, { name: "planned" }] },
          { name: "fqdn", kind: "Text", optional: true, read_only: true }
        ],
        relationships: [
          { name: "location", peer: "LocationHosting", cardinality: "one", optional: false, kind: "Attribute" },
          { name: "device_type", peer: "DcimDeviceType", cardinality: "one", optional: false, kind: "Attribute" },
          { name: "tags", peer: "BuiltinTag", cardinality: "many", optional: true, kind: "Attribute" },
          { name: "platform", peer: "DcimGenericPlatform", cardinality: "one", optional: true, kind: "Attribute" },
          { name: "computed_owner", peer: "BuiltinTag", cardinality: "one", optional: true, kind: "Attribute", read_only: true },
          { name: "internal", peer: "InternalThing", cardinality: "one", optional: false, kind: "Generic" }
        ]
      },
      { name: "DeviceType", namespace: "Dcim", human_friendly_id: ["manufacturer__name__value", "name__value"], attributes: [{ name: "name", kind: "Text" }] },
      { name: "Tag", namespace: "Builtin", human_friendly_id: ["name__value"], attributes: [{ name: "name", kind: "Text" }] },
      { name: "Site", namespace: "Location", human_friendly_id: ["shortname__value"], inherit_from: ["LocationHosting"], attributes: [{ name: "shortname", kind: "Text" }] },
      { name: "Eos", namespace: "Dcim", inherit_from: ["DcimGenericPlatform"], human_friendly_id: ["name__value"], attributes: [{ name: "name", kind: "Text" }] },
      { name: "Thing", namespace: "Internal", attributes: [] }
    ],
    generics: [
      { name: "Hosting", namespace: "Location", human_friendly_id: ["shortname__value"], used_by: ["LocationSite"], attributes: [] },
      { name: "GenericPlatform", namespace: "Dcim", used_by: ["DcimEos"], attributes: [] }
    ]
  })
)

const device = schema.kinds.get("DcimDevice") as KindInfo

const required = { location: ["atl1"], device_type: ["arista", "DCS-7280"] }

const input = (data: Record<string, unknown>, creating = true) => nodeInput(schema, device, data, creating)

const refusal = (data: Record<string, unknown>, creating = true) => {
  const result = input(data, creating)
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`)
  return `${result.left.message}\n\nRemediation: ${result.left.remediation}`
}

describe("nodeInput", () => {
  it("encodes attributes and every accepted relationship form as Infrahub's mutation input", () => {
    expect(
      input({
        name: "atl1-edge9",
        position: "42",
        status: "active",
        location: { hfid: ["atl1"], kind: "LocationSite" },
        device_type: ["arista", "DCS-7280"],
        tags: ["0190-tag-id", ["core"], { id: "0190-other" }],
        platform: { hfid: ["eos"], kind: "DcimEos" }
      })
    ).toEqual(
      Either.right({
        name: { value: "atl1-edge9" },
        position: { value: 42 },
        status: { value: "active" },
        location: { hfid: ["atl1"], kind: "LocationSite" },
        device_type: { hfid: ["arista", "DCS-7280"] },
        tags: [{ id: "0190-tag-id" }, { hfid: ["core"] }, { id: "0190-other" }],
        platform: { hfid: ["eos"], kind: "DcimEos" }
      })
    )
  })

  it("takes an id string for one peer, a single peer for many, and null/[] to clear on update", () => {
    expect(input({ location: "0190-site", tags: "0190-tag" }, false)).toEqual(Either.right({ location: { id: "0190-site" }, tags: [{ id: "0190-tag" }] }))
    expect(input({ platform: null, tags: [] }, false)).toEqual(Either.right({ platform: null, tags: [] }))
  })

  it("refuses unknown names with the writable attributes and relationships", () => {
    const text = refusal({ ...required, name: "x", hostname: "y" })
    expect(text).toContain("DcimDevice has no attribute or relationship 'hostname'; nothing was written.")
    expect(text).toContain("Writable attributes: name, position, status. Writable relationships: location, device_type, tags, platform.")
  })

  it("refuses read-only attributes and relationships Infrahub manages", () => {
    expect(refusal({ ...required, fqdn: "x" })).toContain("fqdn is read-only on DcimDevice")
    expect(refusal({ ...required, computed_owner: "x", internal: "y" })).toContain("computed_owner, internal are read-only on DcimDevice")
  })

  it("refuses malformed peers, saying what each relationship takes, and points at mutate_graphql", () => {
    const text = refusal({
      name: "x",
      location: ["atl1", "extra"],
      device_type: { name: "DCS" },
      tags: [{ hfid: ["core"], kind: "LocationSite" }],
      platform: ["eos"],
      position: "4.5"
    })
    expect(text).toContain("location (one LocationHosting) has an hfid of 2 part(s); one of LocationHosting has 1 (shortname__value)")
    expect(text).toContain('device_type (one DcimDeviceType) has "name"; a peer is {"id": ...} or {"hfid": [...], "kind": ...}')
    expect(text).toContain("tags (many BuiltinTag) names the kind LocationSite, which is not a BuiltinTag (use one of: BuiltinTag)")
    expect(text).toContain(
      'platform (one DcimGenericPlatform) has an hfid, but DcimGenericPlatform has no human-friendly id of its own: give {"hfid": [...], "kind": one of DcimEos}, or an id'
    )
    expect(text).toContain("position expects a whole number")
    expect(text).toContain("Nothing was written.")
    expect(text).toMatch(/Remediation: .*mutate_graphql/)
  })

  it("on create, requires the mandatory relationships and says how to find a peer; an update does not", () => {
    const text = refusal({ name: "x", location: ["atl1"] })
    expect(text).toContain("Creating a DcimDevice needs device_type (one DcimDeviceType); nothing was written.")
    expect(text).toContain('e.g. "device_type": "<id of a DcimDeviceType>" (get_nodes(kind="DcimDeviceType") lists candidates with their ids)')
    expect(refusal({ name: "x", location: null, device_type: ["a", "b"] })).toContain("needs location (one LocationHosting)")
    expect(Either.isRight(input({ name: "renamed" }, false))).toBe(true)
  })
})
