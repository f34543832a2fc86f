import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { builtinRegistry } from "../../../src/sandbox/schema/build.js"
import { builtinSchema } from "../../../src/sandbox/schema/builtins.js"
import { BASE_SCHEMA_FILES, buildFrom, buildFromFiles, expectRight, kindOf, repoPath } from "./support.js"

const ZOO = `
version: "1.0"
generics:
  - name: Animal
    namespace: Zoo
    human_friendly_id: [name__value]
    display_label: "{{ name__value }}"
    attributes:
      - name: name
        kind: Text
        unique: true
      - name: color
        kind: Text
        optional: true
        label: Colour
nodes:
  - name: Cat
    namespace: Zoo
    inherit_from: [ZooAnimal]
    generate_profile: false
    attributes:
      - name: color
        kind: Text
        optional: true
        label: Fur colour
      - name: lives
        kind: Number
        default_value: 9
      - name: mood
        kind: Dropdown
        choices:
          - name: grumpy
          - name: happy
            color: "#ABCDEF"
          - name: asleep
    relationships:
      - name: keeper
        peer: ZooKeeper
        cardinality: one
  - name: Keeper
    namespace: Zoo
    attributes:
      - name: badge
        kind: Text
        unique: true
    relationships:
      - name: cats
        peer: ZooCat
        cardinality: many
`

const zoo = expectRight(buildFrom({ "zoo.yml": ZOO }))
const field = (kind: string, name: string) => {
  const schema = kindOf(zoo, kind)
  const found = [...schema.attributes, ...schema.relationships].find((f) => f.name === name)
  if (found === undefined) throw new Error(`${kind}.${name} not found`)
  return found
}

describe("processing like SchemaBranch.process()", () => {
  it("fills defaults: labels from names, optional, branch, order weights by position, on_delete", () => {
    expect(kindOf(zoo, "ZooCat")).toMatchObject({ label: "Cat", branch: "aware", state: "present", include_in_menu: null })
    expect(field("ZooCat", "lives")).toMatchObject({ label: "Lives", optional: true, default_value: 9, branch: "aware", order_weight: 2000 })
    expect(field("ZooCat", "mood")).toMatchObject({ optional: false, order_weight: 3000, allow_override: "any", read_only: false })
    expect(field("ZooCat", "keeper")).toMatchObject({ cardinality: "one", optional: true, min_count: 0, max_count: 1, on_delete: "no-action", direction: "bidirectional" })
  })

  it("copies generics' fields into nodes flagged inherited, and lets the node's own definition win", () => {
    expect(field("ZooCat", "name")).toMatchObject({ inherited: true, unique: true, id: null, order_weight: 1000 })
    expect(field("ZooCat", "color")).toMatchObject({ inherited: false, label: "Fur colour", order_weight: 1000 })
    expect(kindOf(zoo, "ZooCat").human_friendly_id).toEqual(["name__value"])
    expect(kindOf(zoo, "ZooAnimal")).toMatchObject({ used_by: ["ZooCat"] })
  })

  it("generates identifiers from both kinds, sorted and lowercased, the same on both ends", () => {
    expect(field("ZooCat", "keeper")).toMatchObject({ identifier: "zoocat__zookeeper" })
    expect(field("ZooKeeper", "cats")).toMatchObject({ identifier: "zoocat__zookeeper" })
  })

  it("sorts Dropdown choices by name, descending, and fills colours, labels and descriptions", () => {
    const mood = field("ZooCat", "mood") as { choices: ReadonlyArray<unknown> }
    expect(mood.choices).toEqual([
      { id: null, state: "present", name: "happy", description: "", color: "#abcdef", label: "Happy" },
      { id: null, state: "present", name: "grumpy", description: "", color: "#ed6a5a", label: "Grumpy" },
      { id: null, state: "present", name: "asleep", description: "", color: "#f4f1bb", label: "Asleep" }
    ])
  })

  it("adds group and profile relationships, and profiles only where generate_profile is true", () => {
    expect(field("ZooCat", "member_of_groups")).toMatchObject({ identifier: "group_member", peer: "CoreGroup", kind: "Group" })
    expect(field("ZooCat", "subscriber_of_groups")).toMatchObject({ identifier: "group_subscriber" })
    expect(field("ZooCat", "profiles")).toMatchObject({ peer: "CoreProfile", identifier: "node__profile", kind: "Profile" })
    expect(zoo.byKind.has("ProfileZooCat")).toBe(false)
    const profile = kindOf(zoo, "ProfileZooKeeper")
    expect(profile).toMatchObject({
      namespace: "Profile", label: "Profile Keeper", description: "Profile for ZooKeeper", id: null,
      inherit_from: ["LineageSource", "CoreProfile", "CoreNode"], human_friendly_id: ["profile_name__value"]
    })
    // `badge` is mandatory, so a profile cannot set it.
    expect(profile.attributes.map((a) => a.name)).toEqual(["profile_name", "profile_priority"])
    expect(kindOf(zoo, "ProfileZooAnimal").attributes.map((a) => a.name)).toEqual(["profile_name", "profile_priority", "color"])
    const coreNode = kindOf(zoo, "CoreNode") as { used_by: ReadonlyArray<string> }
    expect(coreNode.used_by).toEqual(expect.arrayContaining(["ZooCat", "ZooKeeper", "ProfileZooKeeper", "ProfileZooAnimal"]))
    expect(zoo.concreteKindsOf("CoreProfile")).toContain("ProfileZooKeeper")
  })

  it("makes the first unique attribute the human-friendly ID and every HFID a uniqueness constraint", () => {
    expect(kindOf(zoo, "ZooKeeper")).toMatchObject({ human_friendly_id: ["badge__value"], uniqueness_constraints: [["badge__value"]] })
    expect(kindOf(zoo, "ZooAnimal")).toMatchObject({ uniqueness_constraints: [["name__value"]] })
  })

  it("keeps display_label (Infrahub >= 1.5) where defined or inherited, and serves display_labels from it", () => {
    expect(kindOf(zoo, "ZooAnimal")).toMatchObject({ display_label: "{{ name__value }}", display_labels: ["name__value"] })
    expect(kindOf(zoo, "ZooCat")).toMatchObject({ display_label: "{{ name__value }}", display_labels: ["name__value"] })
    expect("display_label" in kindOf(zoo, "ZooKeeper")).toBe(false)
    expect("display_label" in kindOf(zoo, "BuiltinTag")).toBe(false)
  })

  it("gives stored elements ids, and none to inherited fields and generated kinds", () => {
    expect(kindOf(zoo, "ZooCat").id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(field("ZooCat", "lives").id).toMatch(/^[0-9a-f-]{36}$/)
    expect(field("ZooCat", "name").id).toBeNull()
    expect(kindOf(zoo, "ProfileZooKeeper").id).toBeNull()
  })
})

describe("hashes", () => {
  const builtins = expectRight(builtinRegistry())

  it("are md5 hex digests, stable from one build to the next", () => {
    const again = expectRight(buildFrom({ "zoo.yml": ZOO }))
    expect(zoo.dump.main).toMatch(/^[0-9a-f]{32}$/)
    expect(again.dump).toEqual(zoo.dump)
  })

  it("change for the kinds that change, and the main hash with them", () => {
    const relabelled = expectRight(buildFrom({ "zoo.yml": ZOO.replace("label: Fur colour", "label: Coat") }))
    expect(kindOf(relabelled, "ZooCat").hash).not.toBe(kindOf(zoo, "ZooCat").hash)
    expect(kindOf(relabelled, "ZooKeeper").hash).toBe(kindOf(zoo, "ZooKeeper").hash)
    expect(relabelled.dump.main).not.toBe(zoo.dump.main)
    expect(zoo.dump.main).not.toBe(builtins.dump.main)
  })

  it("stay the recorded ones for untouched built-in kinds; used_by changes show in CoreNode's", () => {
    const recorded = new Map([...builtinSchema.nodes, ...builtinSchema.generics].map((k) => [k.kind, k.hash]))
    expect(kindOf(zoo, "BuiltinTag").hash).toBe(recorded.get("BuiltinTag"))
    expect(kindOf(builtins, "CoreNode").hash).toBe(recorded.get("CoreNode"))
    expect(kindOf(zoo, "CoreNode").hash).not.toBe(recorded.get("CoreNode"))
  })
})

describe("the schema-library base files", () => {
  const base = expectRight(buildFromFiles(BASE_SCHEMA_FILES))

  it("load unchanged, all at once, on top of the built-in kinds", () => {
    for (const kind of ["LocationGeneric", "LocationHosting", "OrganizationGeneric", "DcimGenericDevice", "DcimInterface", "InterfaceLayer3"]) {
      expect(base.byKind.get(kind)?.category, kind).toBe("generic")
    }
    for (const kind of ["OrganizationManufacturer", "DcimDevice", "DcimDeviceType", "DcimPlatform", "InterfacePhysical", "InterfaceVirtual", "IpamIPAddress", "IpamPrefix"]) {
      expect(base.byKind.get(kind)?.category, kind).toBe("node")
    }
    expect(base.concreteKindsOf("DcimInterface")).toEqual(["InterfacePhysical", "InterfaceVirtual"])
    expect(base.concreteKindsOf("BuiltinIPAddress")).toEqual(["IpamIPAddress"])
  })

  it("resolve the files' references to each other and to built-in kinds", () => {
    const device = kindOf(base, "DcimDevice")
    expect(device.relationships.find((r) => r.name === "location")).toMatchObject({ peer: "LocationHosting", inherited: true, optional: false, identifier: "dcimphysicaldevice__locationhosting" })
    expect(device.relationships.find((r) => r.name === "interfaces")).toMatchObject({ peer: "DcimInterface", kind: "Component", on_delete: "cascade", identifier: "device__interface" })
    expect(kindOf(base, "InterfacePhysical")).toMatchObject({ human_friendly_id: ["device__name__value", "name__value"], uniqueness_constraints: [["device", "name__value"]] })
    expect(kindOf(base, "IpamPrefix").relationships.find((r) => r.name === "parent")).toMatchObject({ peer: "BuiltinIPPrefix", read_only: true, inherited: true })
    expect(kindOf(base, "CoreArtifactTarget")).toMatchObject({ used_by: ["DcimDevice"] })
    expect(base.dump.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(["Dcim", "Interface", "Location", "Organization", "Ipam"]))
  })

  it("load in any order: files are validated together after merging", () => {
    const reversed = expectRight(buildFromFiles([...BASE_SCHEMA_FILES].reverse()))
    expect(new Set(reversed.byKind.keys())).toEqual(new Set(base.byKind.keys()))
  })

  it("take the demo extension on top", () => {
    const demo = expectRight(buildFromFiles([...BASE_SCHEMA_FILES, repoPath("src/sandbox/data/schemas/demo/location.yml")]))
    expect(kindOf(demo, "LocationSite")).toMatchObject({ inherit_from: ["LocationGeneric", "LocationHosting"], parent: "LocationCountry", display_label: "name__value", display_labels: ["name__value"] })
    expect(kindOf(demo, "LocationCountry").relationships.find((r) => r.name === "parent")).toMatchObject({ peer: "LocationGeneric", inherited: true, optional: true })
    expect(demo.concreteKindsOf("LocationHosting")).toEqual(["LocationSite"])
  })
})

describe("object templates", () => {
  const withTemplates = expectRight(buildFrom(Object.fromEntries(BASE_SCHEMA_FILES.map((path) => [
    path,
    readFileSync(path, "utf8").replace("# generate_template: true", "generate_template: true")
  ]))))

  it("are generated for kinds with generate_template, with the component templates they need", () => {
    expect(withTemplates.dump.templates.map((t) => t.kind)).toEqual(["TemplateDcimDevice", "TemplateInterfacePhysical", "TemplateInterfaceVirtual"])
    const device = kindOf(withTemplates, "TemplateDcimDevice")
    expect(device).toMatchObject({
      namespace: "Template", label: "Object template Network Device", description: "Object template for DcimDevice",
      inherit_from: ["LineageSource", "CoreNode", "CoreObjectTemplate", "TemplateCoreArtifactTarget", "TemplateDcimGenericDevice", "TemplateDcimPhysicalDevice"],
      human_friendly_id: ["template_name__value"], uniqueness_constraints: [["template_name__value"]]
    })
    // Unique and read-only attributes are left out; the others become optional.
    expect(device.attributes.map((a) => a.name)).not.toContain("name")
    expect(device.attributes.find((a) => a.name === "status")).toMatchObject({ optional: true })
    expect(device.relationships.find((r) => r.name === "interfaces")).toMatchObject({ peer: "TemplateDcimInterface", kind: "Component", identifier: "template_device__interface", label: "Interfaces Template" })
    // A component template is identified through its parent's template.
    expect(kindOf(withTemplates, "TemplateInterfacePhysical")).toMatchObject({
      human_friendly_id: ["device__template_name__value", "template_name__value"],
      uniqueness_constraints: [["template_name__value", "device"]]
    })
    expect(withTemplates.byKind.get("TemplateDcimInterface")?.category).toBe("generic")
    expect(kindOf(withTemplates, "DcimDevice").relationships.find((r) => r.name === "object_template")).toMatchObject({ peer: "TemplateDcimDevice", kind: "Template", cardinality: "one", order_weight: 1 })
    expect(kindOf(withTemplates, "CoreObjectTemplate")).toMatchObject({ used_by: expect.arrayContaining(["TemplateDcimDevice", "TemplateInterfacePhysical"]) })
    expect(withTemplates.concreteKindsOf("CoreNode")).toContain("TemplateDcimDevice")
  })

  it("are not generated otherwise", () => {
    const base = expectRight(buildFromFiles(BASE_SCHEMA_FILES))
    expect(base.dump.templates).toEqual([])
    expect(kindOf(base, "DcimDevice").relationships.map((r) => r.name)).not.toContain("object_template")
  })
})
