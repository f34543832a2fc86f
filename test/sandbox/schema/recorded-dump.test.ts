/**
 * The strongest check of the processing: the dump's server had loaded a user schema (Location*, Network*,
 * InfraDevice, IpamIPAddress, IpamPrefix). Loading that schema's source (reconstructed in fixtures/) on top
 * of the built-in kinds must serve what the real server served, for every kind of the dump.
 */
import { NEWER_KINDS } from "../../../scripts/extract-builtins.js"
import { describe, expect, it } from "@effect/vitest"
import { buildFromFiles, expectRight, recordedDump, repoPath } from "./support.js"

const dump = recordedDump()
const first = expectRight(buildFromFiles([repoPath("test/sandbox/schema/fixtures/schema05-demo.yml")]))
const registry = expectRight(buildFromFiles([repoPath("test/sandbox/schema/fixtures/schema05-servers.yml")], first.dump))
const served = registry.dump

type Named = { readonly name: string } & Record<string, unknown>
type Kind = Record<string, unknown> & { readonly kind: string; readonly attributes: ReadonlyArray<Named>; readonly relationships: ReadonlyArray<Named> }
const kinds = (d: typeof dump): Array<Kind> =>
  [...d.nodes, ...d.generics, ...d.profiles, ...d.templates] as unknown as Array<Kind>

/**
 * The element ids show the dump's server added InfraDevice.role_id and generate_template in later loads,
 * after its group and profile relationships had their position-based weights; one load cannot replay that.
 */
const HISTORY = new Set(["InfraDevice.profiles.order_weight", "InfraDevice.member_of_groups.order_weight", "InfraDevice.subscriber_of_groups.order_weight"])

/** Every difference between the recorded and the sandbox's kind, ignoring ids, hashes and field order. */
const differences = (want: Kind, got: Kind): Array<string> => {
  const out: Array<string> = []
  for (const key of Object.keys(want)) {
    if (key === "id" || key === "hash" || key === "attributes" || key === "relationships") continue
    if (JSON.stringify(want[key]) !== JSON.stringify(got[key])) out.push(`${want.kind}.${key}`)
  }
  for (const key of ["attributes", "relationships"] as const) {
    const gotByName = new Map(got[key].map((f) => [f.name, f]))
    if (got[key].length !== want[key].length) out.push(`${want.kind}.${key}.length`)
    for (const field of want[key]) {
      const mine = gotByName.get(field.name)
      if (mine === undefined) {
        out.push(`${want.kind}.${field.name} (missing)`)
        continue
      }
      for (const prop of Object.keys(field)) {
        if (prop === "id") continue
        if (JSON.stringify(field[prop]) !== JSON.stringify(mine[prop])) out.push(`${want.kind}.${field.name}.${prop}`)
      }
    }
  }
  return out
}

describe("processing the recorded dump's user schema", () => {
  it("serves the same kinds, in the same order, with the same namespaces (plus the kinds Infrahub added since 1.5)", () => {
    const newer = new Set(NEWER_KINDS.map((k) => k.entry.kind))
    for (const category of ["nodes", "generics", "profiles", "templates"] as const) {
      expect(served[category].map((k) => k.kind).filter((kind) => !newer.has(kind))).toEqual(dump[category].map((k) => k.kind))
    }
    expect(served.generics.map((k) => k.kind)).toContain("CoreFileObject")
    expect(served.namespaces).toEqual(dump.namespaces)
  })

  it("serves every kind, built-in or loaded, field for field as the real server did", () => {
    const mine = new Map(kinds(served).map((k) => [k.kind, k]))
    const found = kinds(dump).flatMap((want) => {
      const got = mine.get(want.kind)
      return got === undefined ? [`${want.kind} (missing)`] : differences(want, got)
    })
    expect(found.filter((d) => !HISTORY.has(d))).toEqual([])
    // The only differences are the three history-dependent weights, and they are real differences.
    expect(found.sort()).toEqual([...HISTORY].sort())
  })

  it("checks what it claims: a single changed field is reported", () => {
    const [site] = kinds(dump).filter((k) => k.kind === "LocationSite")
    const mine = kinds(served).find((k) => k.kind === "LocationSite")
    expect(site).toBeDefined()
    expect(mine).toBeDefined()
    if (site === undefined || mine === undefined) return
    const altered = {
      ...mine,
      relationships: mine.relationships.map((r) => (r.name === "parent" ? { ...r, identifier: "site__country" } : r))
    }
    expect(differences(site, altered)).toEqual(["LocationSite.parent.identifier"])
  })

  it("spells out the rules the comparison covers, on LocationSite, ProfileIpamPrefix and TemplateInfraDevice", () => {
    const mine = new Map(kinds(served).map((k) => [k.kind, k]))
    const site = mine.get("LocationSite")
    const relationship = (kind: Kind | undefined, name: string) => kind?.relationships.find((r) => r.name === name)
    const attribute = (kind: Kind | undefined, name: string) => kind?.attributes.find((a) => a.name === name)
    // Inherited from LocationGeneric, flagged as such; its own fields are not.
    expect(attribute(site, "shortname")).toMatchObject({ inherited: true, unique: true, label: "Shortname" })
    expect(attribute(site, "facility_id")).toMatchObject({ inherited: false, label: "Facility Id", optional: true })
    // Hierarchy relationships, with the parent mandatory because LocationCountry is a node.
    expect(relationship(site, "parent")).toMatchObject({ peer: "LocationCountry", kind: "Hierarchy", identifier: "parent__child", direction: "outbound", optional: false, min_count: 1, hierarchical: "LocationGeneric" })
    expect(relationship(site, "children")).toMatchObject({ peer: "LocationRack", direction: "inbound", cardinality: "many" })
    // Generated identifier: both kinds, sorted, lowercased.
    expect(relationship(site, "tags")).toMatchObject({ identifier: "builtintag__locationgeneric", inherited: true })
    expect(relationship(site, "member_of_groups")).toMatchObject({ peer: "CoreGroup", kind: "Group", identifier: "group_member", order_weight: 10000 })
    expect(site?.["uniqueness_constraints"]).toEqual([["shortname__value"]])
    expect(mine.get("LocationGeneric")?.["used_by"]).toEqual(["LocationCountry", "LocationRack", "LocationSite"])
    expect(mine.get("CoreNode")?.["used_by"]).toContain("ProfileLocationSite")
    expect(mine.get("CoreNode")?.["used_by"]).toContain("TemplateInfraDevice")
    // Profiles: optional, writable attributes only, with the node's weights.
    const profile = mine.get("ProfileIpamPrefix")
    expect(profile?.attributes.map((a) => a.name)).toEqual(["profile_name", "profile_priority", "role", "description", "member_type", "is_pool"])
    expect(attribute(profile, "role")).toMatchObject({ optional: true, order_weight: 2000, default_value: null })
    expect(relationship(mine.get("IpamPrefix"), "profiles")).toMatchObject({ peer: "CoreProfile", identifier: "node__profile", inherited: true })
    // Templates: `template_` identifiers, every relationship optional, titles for labels.
    const template = mine.get("TemplateInfraDevice")
    expect(relationship(template, "location")).toMatchObject({ peer: "LocationSite", identifier: "template_infradevice__locationsite", optional: true, label: "Location" })
    expect(relationship(mine.get("InfraDevice"), "object_template")).toMatchObject({ peer: "TemplateInfraDevice", kind: "Template", order_weight: 1, max_count: 1 })
  })
})
