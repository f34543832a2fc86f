import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

/**
 * What loading other schema-library files showed, each reproduced with a small hand-written schema and
 * checked over HTTP against a real sandbox (`--seed none`, as `infrahub-mcp sandbox --schema … --seed none`):
 * - paths load in the order given, like successive `infrahubctl schema load` calls (base, then extensions);
 * - a kind defined again updates the first definition (base stubs completed by extensions);
 * - an extension naming an existing field updates it, `state: absent` removes it;
 * - attribute `parameters` (number bounds, excluded values, text regex and lengths) are enforced;
 * - prefixes and addresses land in the `default` IP namespace, so their HFID is complete.
 */

const dir = mkdtempSync(join(tmpdir(), "schema-library-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a schema file under the temporary directory; returns its path. */
const schemaFile = (path: string, text: string): string => {
  const full = join(dir, path)
  mkdirSync(join(full, ".."), { recursive: true })
  writeFileSync(full, `version: "1.0"\n${text}`)
  return full
}

const startWith = (schemas: ReadonlyArray<string>) => startTestSandbox({ seed: "none", schemas })

const failureOf = async (schemas: ReadonlyArray<string>): Promise<string> => {
  try {
    const sandbox = await startWith(schemas)
    await sandbox.close()
  } catch (error) {
    return String(error)
  }
  throw new Error("expected the sandbox to refuse these schema files")
}

interface Served {
  readonly kind: string
  readonly attributes: ReadonlyArray<{ readonly name: string; readonly optional: boolean; readonly parameters?: Record<string, unknown> }>
  readonly relationships: ReadonlyArray<{ readonly name: string; readonly peer: string }>
  readonly parent?: string | null
}

const servedKind = async (sandbox: TestSandbox, kind: string): Promise<Served | undefined> => {
  const response = await fetch(`${sandbox.url}/api/schema?branch=main`, { headers: { "x-infrahub-key": sandbox.token } })
  const body = (await response.json()) as { nodes: ReadonlyArray<Served>; generics: ReadonlyArray<Served> }
  return [...body.nodes, ...body.generics].find((entry) => entry.kind === kind)
}

const WIDGET = `nodes:
  - name: Widget
    namespace: Test
    human_friendly_id: [name__value]
    attributes:
      - name: name
        kind: Text
        unique: true
      - name: color
        kind: Text
        optional: true
      - name: legacy_note
        kind: Text
        optional: true
`

describe("schema-library files in the sandbox", () => {
  it("loads --schema paths in the order given, so an extension may follow the path defining its kind", async () => {
    // Named so that sorting the paths by name would put the extension first, as one infrahubctl call does.
    const base = schemaFile("zz-base/widget.yml", WIDGET)
    const extension = schemaFile("aa-extension/size.yml", `extensions:
  nodes:
    - kind: TestWidget
      attributes:
        - name: size
          kind: Number
          optional: true
`)
    const sandbox = await startWith([base, extension])
    try {
      expect((await servedKind(sandbox, "TestWidget"))?.attributes.map((a) => a.name)).toContain("size")
    } finally {
      await sandbox.close()
    }
    const refused = await failureOf([extension, base])
    // Like `infrahubctl schema load aa-extension` on a server that has no TestWidget yet.
    expect(refused).toContain("[TestWidget]: is extended, but no such kind exists")
    expect(refused).toContain("list the path it needs first")
  })

  it("updates a kind defined again: a generic stub completed later, a node restated without its parent", async () => {
    const stub = schemaFile("update/a-base.yml", `generics:
  - name: GroupScope
    namespace: Test
    label: Group Scope
  - name: Place
    namespace: Test
    hierarchical: true
    human_friendly_id: [name__value]
    attributes:
      - name: name
        kind: Text
        unique: true
nodes:
  - name: Region
    namespace: Test
    inherit_from: [TestPlace]
    parent: ""
    children: TestSite
  - name: Site
    namespace: Test
    inherit_from: [TestPlace, TestGroupScope]
    parent: TestRegion
    children: ""
    attributes:
      - name: status
        kind: Text
        optional: true
  - name: Group
    namespace: Test
    attributes:
      - name: name
        kind: Text
        unique: true
`)
    const completion = schemaFile("update/b-extension.yml", `generics:
  - name: GroupScope
    namespace: Test
    relationships:
      - name: groups
        peer: TestGroup
        cardinality: many
        optional: true
nodes:
  - name: Site
    namespace: Test
    inherit_from: [TestPlace, TestGroupScope]
    attributes:
      - name: status
        kind: Text
        optional: true
`)
    const sandbox = await startWith([stub, completion])
    try {
      expect((await servedKind(sandbox, "TestGroupScope"))?.relationships.map((r) => r.name)).toContain("groups")
      const site = await servedKind(sandbox, "TestSite")
      expect(site?.parent).toBe("TestRegion")
      expect(site?.relationships.find((r) => r.name === "groups")?.peer).toBe("TestGroup")
    } finally {
      await sandbox.close()
    }
    const clash = schemaFile("update/c-clash.yml", "generics:\n  - name: Group\n    namespace: Test\n")
    expect(await failureOf([stub, clash])).toContain("[TestGroup]: is defined as a generic here but already exists as a node")
  })

  it("lets an extension update a field it names and remove one marked `state: absent`", async () => {
    const base = schemaFile("absent/a-widget.yml", WIDGET)
    const extension = schemaFile("absent/b-extension.yml", `extensions:
  nodes:
    - kind: TestWidget
      attributes:
        - name: legacy_note
          kind: Text
          state: absent
        - name: color
          kind: Text
          optional: false
          default_value: red
`)
    const sandbox = await startWith([base, extension])
    try {
      const widget = await servedKind(sandbox, "TestWidget")
      expect(widget?.attributes.map((a) => a.name)).not.toContain("legacy_note")
      const created = await sandbox.graphql(`mutation { TestWidgetCreate(data: {name: {value: "w1"}}) { ok object { color { value } } } }`)
      expect(created.data).toEqual({ TestWidgetCreate: { ok: true, object: { color: { value: "red" } } } })
      const gone = await sandbox.graphql(`mutation { TestWidgetCreate(data: {name: {value: "w2"}, legacy_note: {value: "x"}}) { ok } }`)
      expect(gone.errors?.[0]?.message).toContain("legacy_note")
    } finally {
      await sandbox.close()
    }
    const builtin = schemaFile("absent/c-builtin.yml", "extensions:\n  nodes:\n    - kind: BuiltinTag\n      attributes:\n        - name: name\n          kind: Text\n          optional: true\n")
    expect(await failureOf([builtin])).toContain("[BuiltinTag.name]: the extension redefines \"name\", which the built-in kind BuiltinTag already has.")
  })

  describe("attribute parameters", () => {
    let sandbox: TestSandbox
    beforeAll(async () => {
      sandbox = await startWith([schemaFile("parameters/group.yml", `nodes:
  - name: VRRPGroup
    namespace: Test
    attributes:
      - name: name
        kind: Text
        unique: true
        parameters:
          regex: "^[a-z0-9-]+$"
          max_length: 12
      - name: vrid
        kind: Number
        parameters:
          min_value: 1
          max_value: 255
          excluded_values: "7,100-110"
      - name: mode
        kind: Dropdown
        optional: true
        choices: [{name: active}]
        parameters:
          min_value: 3
`)])
    })
    afterAll(() => sandbox.close())

    const create = (name: string, vrid: number) =>
      sandbox.graphql(`mutation { TestVRRPGroupCreate(data: {name: {value: "${name}"}, vrid: {value: ${vrid}}}) { ok } }`)

    it("refuses numbers outside the bounds or excluded, and text breaking the regex or the length, in Infrahub's words", async () => {
      expect((await create("g1", 0)).errors?.[0]?.message).toBe("0 is lower than the minimum allowed value 1 at vrid")
      expect((await create("g1", 300)).errors?.[0]?.message).toBe("300 is higher than the maximum allowed value 255 at vrid")
      expect((await create("g1", 7)).errors?.[0]?.message).toBe("7 is in the excluded values at vrid")
      expect((await create("g1", 105)).errors?.[0]?.message).toBe("105 is in an the excluded range 100-110 at vrid")
      expect((await create("G1", 10)).errors?.[0]?.message).toBe("G1 must conform with the regex: '^[a-z0-9-]+$' at name")
      expect((await create("a-very-long-name", 10)).errors?.[0]?.message).toBe("a-very-long-name must have a maximum length of 12 at name")
      expect((await create("g1", 10)).data).toEqual({ TestVRRPGroupCreate: { ok: true } })
      const updated = await sandbox.graphql(`mutation { TestVRRPGroupUpdate(data: {hfid: ["g1"], vrid: {value: 256}}) { ok } }`)
      expect(updated.errors?.[0]?.message).toBe("256 is higher than the maximum allowed value 255 at vrid")
    })

    it("serves the parameters of the attribute's kind and drops keys that kind does not take, as Infrahub does", async () => {
      const group = await servedKind(sandbox, "TestVRRPGroup")
      const parameters = Object.fromEntries((group?.attributes ?? []).map((a) => [a.name, a.parameters]))
      expect(parameters).toEqual({
        name: { regex: "^[a-z0-9-]+$", min_length: null, max_length: 12 },
        vrid: { min_value: 1, max_value: 255, excluded_values: "7,100-110" },
        mode: undefined
      })
    })

    it("refuses parameters Infrahub's models refuse: wrong types, max below min, bad or overlapping exclusions", async () => {
      const broken = schemaFile("parameters/broken.yml", `nodes:
  - name: Broken
    namespace: Test
    attributes:
      - name: low
        kind: Number
        parameters: {min_value: "one"}
      - name: inverted
        kind: Number
        parameters: {min_value: 10, max_value: 5}
      - name: pattern
        kind: Number
        parameters: {excluded_values: "1,a"}
      - name: overlap
        kind: Number
        parameters: {excluded_values: "1-10,5-20"}
      - name: label
        kind: Text
        parameters: {min_length: 8, max_length: 2}
`)
      const refused = await failureOf([broken])
      expect(refused).toContain("attribute \"low\" parameters: \"min_value\" must be a whole number, not \"one\".")
      expect(refused).toContain("attribute \"inverted\" parameters: `max_value` can't be less than `min_value`")
      expect(refused).toContain("attribute \"pattern\" parameters: \"excluded_values\" \"1,a\" does not match")
      expect(refused).toContain("attribute \"overlap\" parameters: excluded ranges cannot overlap.")
      expect(refused).toContain("attribute \"label\" parameters: `max_length` can't be less than `min_length`")
    })
  })

  it("puts prefixes and addresses created without a namespace in the `default` IP namespace, completing their HFID", async () => {
    const ipam = schemaFile("ipam/ipam.yml", `nodes:
  - name: Prefix
    namespace: Ipam
    inherit_from: [BuiltinIPPrefix]
    human_friendly_id: [ip_namespace__name__value, prefix__value]
    uniqueness_constraints:
      - [ip_namespace, prefix__value]
`)
    const sandbox = await startWith([ipam])
    try {
      const created = await sandbox.graphql(`mutation { IpamPrefixCreate(data: {prefix: {value: "10.1.0.0/16"}}) { ok object { hfid ip_namespace { node { display_label } } } } }`)
      expect(created.data).toEqual({
        IpamPrefixCreate: { ok: true, object: { hfid: ["default", "10.1.0.0/16"], ip_namespace: { node: { display_label: "default" } } } }
      })
      const byHfid = await sandbox.graphql(`query { IpamPrefix(hfid: ["default", "10.1.0.0/16"]) { count } IpamNamespace { count } }`)
      expect(byHfid.data).toEqual({ IpamPrefix: { count: 1 }, IpamNamespace: { count: 1 } })
      const duplicate = await sandbox.graphql(`mutation { IpamPrefixCreate(data: {prefix: {value: "10.1.0.0/16"}}) { ok } }`)
      expect(duplicate.errors?.[0]?.message).toContain("Violates uniqueness constraint")
    } finally {
      await sandbox.close()
    }
  })
})

describe("--schema paths as successive infrahubctl schema load calls", () => {
  it("refuses a path that needs a kind only a later path defines, naming the path and the fix", async () => {
    const needs = schemaFile("order/needs.yml", `nodes:
  - name: Gadget
    namespace: Test
    attributes:
      - name: name
        kind: Text
    relationships:
      - name: widget
        peer: TestWidget
        cardinality: one
        optional: true
`)
    const widget = schemaFile("order/widget.yml", WIDGET)
    const failure = await failureOf([needs, widget])
    expect(failure).toContain("TestWidget")
    expect(failure).toContain(`--schema ${needs} loads like one \`infrahubctl schema load\` call`)
    // In the other order it loads.
    const sandbox = await startWith([widget, needs])
    expect(await servedKind(sandbox, "TestGadget")).toBeDefined()
    await sandbox.close()
  })
})

describe("Infrahub 1.10 built-in kinds", () => {
  it("accepts a kind inheriting CoreFileObject (schema-library's circuit_contract) and serves the file attributes", async () => {
    const contract = schemaFile("file-object/contract.yml", `nodes:
  - name: Contract
    namespace: Test
    inherit_from: [CoreFileObject]
    human_friendly_id: [name__value]
    attributes:
      - name: name
        kind: Text
      - name: contract_end
        kind: DateTime
`)
    const sandbox = await startWith([contract])
    try {
      const served = await servedKind(sandbox, "TestContract")
      expect(served?.attributes.map((attribute) => attribute.name)).toEqual(
        expect.arrayContaining(["name", "contract_end", "file_name", "checksum", "file_size", "file_type", "storage_id"])
      )
      const generic = await servedKind(sandbox, "CoreFileObject")
      expect(generic?.attributes.map((attribute) => [attribute.name, attribute.optional])).toEqual([
        ["file_name", false], ["checksum", false], ["file_size", false], ["file_type", false], ["storage_id", false]
      ])
    } finally {
      await sandbox.close()
    }
  })
})
