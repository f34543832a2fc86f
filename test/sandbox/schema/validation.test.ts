import { describe, expect, it } from "@effect/vitest"
import type { SchemaProblem } from "../../../src/sandbox/schema/errors.js"
import { buildFrom, expectLeft } from "./support.js"

const refused = (files: Readonly<Record<string, string>>): ReadonlyArray<SchemaProblem> => {
  const error = expectLeft(buildFrom(files))
  expect(error._tag).toBe("SchemaLoadError")
  return error.problems
}

/** One schema, one expected problem: the file, the kind (or `Kind.field`), words of the problem, and a fix. */
const expectProblem = (schema: string, kind: string | undefined, ...words: ReadonlyArray<string>) => {
  const problems = refused({ "broken.yml": schema })
  const match = problems.find((p) => p.kind === kind && words.every((w) => p.problem.includes(w)))
  expect(match, `no problem for ${kind ?? "the file"} mentioning ${words.join(", ")} among:\n${problems.map((p) => `${p.kind}: ${p.problem}`).join("\n")}`).toBeDefined()
  expect(match?.file).toBe("broken.yml")
  expect(match?.fix.length).toBeGreaterThan(10)
}

const node = (body: string, extra = "") => `
version: "1.0"
nodes:
  - name: Widget
    namespace: Test
${body}
${extra}`

describe("schema files are refused, with the file, the kind and the problem", () => {
  it("with an optional attribute without default in human_friendly_id or uniqueness_constraints (1.10 strict mode)", () => {
    const attributes = "    attributes:\n      - name: name\n        kind: Text\n      - name: serial\n        kind: Text\n        optional: true"
    expectProblem(node(`    human_friendly_id: [name__value, serial__value]\n${attributes}`), "TestWidget.serial", "'serial'", "optional with no default_value")
    expectProblem(node(`    uniqueness_constraints: [[serial__value]]\n${attributes}`), "TestWidget.serial", "human_friendly_id or uniqueness_constraints")
    // Mandatory, or optional with a default, is fine.
    expect(buildFrom({ "ok.yml": node(`    human_friendly_id: [name__value, serial__value]\n${attributes}\n        default_value: none`) })._tag).toBe("Right")
  })

  // schema-library's circuit and vrf extensions trip the first, physical_disk the second (README, "schema-library").
  it("with a description over 128 characters, on a kind or on a field (Infrahub's `max_length=128`)", () => {
    const text = (length: number) => "d".repeat(length)
    const kindWith = (length: number) => node(`    description: ${text(length)}\n    attributes:\n      - name: name\n        kind: Text`)
    const attributeWith = (length: number) => node(`    attributes:\n      - name: name\n        kind: Text\n        description: ${text(length)}`)
    expectProblem(kindWith(129), "TestWidget", "\"description\" is longer than 128 characters")
    expectProblem(attributeWith(129), "TestWidget", "attribute \"name\"", "\"description\" is longer than 128 characters")
    expect(buildFrom({ "ok.yml": kindWith(128) })._tag).toBe("Right")
    expect(buildFrom({ "ok.yml": attributeWith(128) })._tag).toBe("Right")
  })

  it("with a human_friendly_id through a relationship whose peer does not make those attributes unique (strict mode)", () => {
    const schema = (holderName: string) => `version: "1.0"
generics:
  - name: Holder
    namespace: Test
    attributes:
      - name: name
        kind: Text${holderName}
nodes:
  - name: Part
    namespace: Test
    human_friendly_id: [holder__name__value, name__value]
    attributes:
      - name: name
        kind: Text
    relationships:
      - name: holder
        peer: TestHolder
        kind: Parent
        cardinality: one
        optional: false
`
    expectProblem(schema(""), "TestPart", "refers to peer TestHolder with a non-unique combination of attributes [\"name__value\"]")
    expect(buildFrom({ "ok.yml": schema("\n        unique: true") })._tag).toBe("Right")
  })

  it("without a version, or with another version than \"1.0\"", () => {
    expectProblem("nodes: []", undefined, "no \"version\"")
    expectProblem("version: \"2.0\"\nnodes: []", undefined, "version \"2.0\"")
    expectProblem("version: 1.0\nnodes: []", undefined, "version 1")
  })

  it("with names or namespaces Infrahub's patterns refuse", () => {
    expectProblem(`version: "1.0"\nnodes:\n  - name: widget\n    namespace: Test\n`, "Testwidget", "\"name\"", "pattern")
    expectProblem(`version: "1.0"\nnodes:\n  - name: Widget\n    namespace: TEST\n`, "TESTWidget", "\"namespace\"")
    expectProblem(node("    attributes:\n      - name: Size\n        kind: Number"), "TestWidget", "attribute \"Size\"", "pattern")
    // Infrahub's DEFAULT_NAME_MIN_LENGTH is 2: "ip" is a fine attribute name, "a" is not.
    expectProblem(node("    attributes:\n      - name: a\n        kind: Number"), "TestWidget", "shorter than 2")
    expectProblem(`version: "1.0"\nnodes:\n  - name: None\n    namespace: Test\n`, "TestNone", "reserved keyword")
  })

  it("with unknown fields", () => {
    expectProblem(node("    lable: Widget"), "TestWidget", "unknown field \"lable\"")
    expectProblem(node("    attributes:\n      - name: size\n        kind: Number\n        optinal: true"), "TestWidget", "unknown field \"optinal\"")
  })

  it("with a restricted namespace, a kind defined as both a node and a generic, or a built-in kind", () => {
    expectProblem(`version: "1.0"\nnodes:\n  - name: Widget\n    namespace: Core\n`, "CoreWidget", "restricted namespace 'Core'")
    const once = node("    attributes:\n      - name: size\n        kind: Number")
    const generic = `version: "1.0"\ngenerics:\n  - name: Widget\n    namespace: Test\n`
    const problems = refused({ "a.yml": once, "b.yml": generic })
    expect(problems).toEqual([
      expect.objectContaining({
        file: "b.yml", kind: "TestWidget", problem: "is defined as a generic here but already exists as a node (in a.yml).", duplicateOf: "a.yml"
      })
    ])
    expectProblem(`version: "1.0"\nnodes:\n  - name: Tag\n    namespace: Builtin\n`, "BuiltinTag", "already a built-in")
  })

  it("with an unknown attribute kind, or a Dropdown without choices", () => {
    expectProblem(node("    attributes:\n      - name: size\n        kind: Strng"), "TestWidget", "\"kind\" must be one of", "Strng")
    expectProblem(node("    attributes:\n      - name: state\n        kind: Dropdown"), "TestWidget", "Dropdown without choices")
    expectProblem(node("    attributes:\n      - name: size\n        kind: Text\n        choices: [{name: a}]"), "TestWidget", "only Dropdown attributes take choices")
  })

  it("with bad relationship cardinality, kind or direction values", () => {
    const rel = (line: string) => node(`    relationships:\n      - name: tags\n        peer: BuiltinTag\n        ${line}`)
    expectProblem(rel("cardinality: single"), "TestWidget", "\"cardinality\" must be one of one, many")
    expectProblem(rel("kind: Owner"), "TestWidget", "\"kind\" must be one of", "Owner")
    expectProblem(rel("direction: up"), "TestWidget", "\"direction\" must be one of")
  })

  it("with an unknown or non-generic inherit_from, or an unknown relationship peer", () => {
    expectProblem(node("    inherit_from: [TestBase]"), "TestWidget", "inherits from TestBase, which does not exist")
    expectProblem(node("    inherit_from: [BuiltinTag]"), "TestWidget", "BuiltinTag, which is a node, not a generic")
    expectProblem(node("    relationships:\n      - name: owner\n        peer: TestOwner"), "TestWidget.owner", "peer TestOwner, which does not exist")
  })

  it("with reserved attribute and relationship names", () => {
    expectProblem(node("    attributes:\n      - name: attributes\n        kind: Text"), "TestWidget.attributes", "isn't allowed")
    expectProblem(node("    attributes:\n      - name: hfid\n        kind: Text"), "TestWidget.hfid", "isn't allowed")
    expectProblem(`version: "1.0"\ngenerics:\n  - name: Base\n    namespace: Test\n    attributes:\n      - name: type\n        kind: Text\n`, "TestBase.type", "isn't allowed")
  })

  it("with paths that do not resolve", () => {
    const attrs = "    attributes:\n      - name: name\n        kind: Text\n        unique: true"
    expectProblem(node(`    human_friendly_id: [nam__value]\n${attrs}`), "TestWidget", "human_friendly_id path \"nam__value\"")
    expectProblem(node(`    display_labels: [label__value]\n${attrs}`), "TestWidget", "display_labels path \"label__value\"")
    expectProblem(node(`    display_label: "{{ title__value }}"\n${attrs}`), "TestWidget", "display_label variable \"title__value\"")
    expectProblem(node(`    order_by: [name__length]\n${attrs}`), "TestWidget", "order_by path \"name__length\"", "length is not a valid property")
    expectProblem(node(`    uniqueness_constraints: [[name]]\n${attrs}`), "TestWidget", "uniqueness_constraints path \"name\"", "must end with")
    expectProblem(node(`    default_filter: title__value\n${attrs}`), "TestWidget", "default_filter \"title__value\"")
    // A human-friendly ID may only go through a mandatory relationship.
    expectProblem(node(`    human_friendly_id: [tags__name__value]\n${attrs}\n    relationships:\n      - name: tags\n        peer: BuiltinTag\n        cardinality: one`),
      "TestWidget", "must be mandatory")
  })

  it("with extensions of unknown kinds, or extensions that redefine a field", () => {
    const extension = (kind: string, field: string) => `version: "1.0"\nextensions:\n  nodes:\n    - kind: ${kind}\n      attributes:\n        - name: ${field}\n          kind: Text\n          optional: true\n`
    expectProblem(extension("DcimDevice", "color"), "DcimDevice", "no such kind")
    expectProblem(extension("BuiltinTag", "name"), "BuiltinTag.name", "already has")
    const later = refused({ "a.yml": extension("TestWidget", "color"), "b.yml": node("") })
    expect(later).toEqual([expect.objectContaining({ file: "a.yml", kind: "TestWidget", problem: expect.stringContaining("only defined later, in b.yml") })])
  })

  it("with inconsistent relationships: directions, mutual requirements, parents, counts", () => {
    expectProblem(`version: "1.0"\nnodes:\n  - name: Left\n    namespace: Test\n    relationships:\n      - name: right\n        peer: TestRight\n        identifier: pair\n        direction: outbound\n  - name: Right\n    namespace: Test\n    relationships:\n      - name: left\n        peer: TestLeft\n        identifier: pair\n`,
      "TestLeft.right", "is outbound but its reverse on TestRight is bidirectional")
    expectProblem(`version: "1.0"\nnodes:\n  - name: Egg\n    namespace: Test\n    relationships:\n      - name: hen\n        peer: TestHen\n        cardinality: one\n        optional: false\n  - name: Hen\n    namespace: Test\n    relationships:\n      - name: egg\n        peer: TestEgg\n        cardinality: one\n        optional: false\n`,
      "TestHen.egg", "cannot both have required relationships")
    expectProblem(node("    relationships:\n      - name: owner\n        peer: BuiltinTag\n        kind: Parent\n        cardinality: one"), "TestWidget.owner", "of kind Parent but optional")
    expectProblem(node("    relationships:\n      - name: tags\n        peer: BuiltinTag\n        max_count: 1"), "TestWidget.tags", "max_count 1 but cardinality many")
  })

  it("with invalid default values and computed attributes", () => {
    expectProblem(node("    attributes:\n      - name: state\n        kind: Dropdown\n        default_value: broken\n        choices: [{name: ok}, {name: ko}]"), "TestWidget.state", "invalid default value", "must be one of 'ko, ok'")
    expectProblem(node("    attributes:\n      - name: size\n        kind: Number\n        default_value: big"), "TestWidget.size", "\"big\" is not a valid Number")
    expectProblem(node("    attributes:\n      - name: label\n        kind: Text\n        computed_attribute: {kind: Jinja2, jinja2_template: '{{ size__value }}'}\n      - name: size\n        kind: Number"),
      "TestWidget.label", "not marked as read_only")
  })

  it("with inherited fields overridden against the generic's rules", () => {
    expectProblem(`version: "1.0"\nnodes:\n  - name: Address\n    namespace: Test\n    inherit_from: [BuiltinIPAddress]\n    attributes:\n      - name: address\n        kind: Text\n`,
      "TestAddress.address", "is of kind Text, but the one inherited from BuiltinIPAddress is IPHost")
  })

  it("reporting every problem at once, from every file, and loading nothing", () => {
    const error = expectLeft(buildFrom({
      "one.yml": node("    attributes:\n      - name: state\n        kind: Dropdown\n      - name: size\n        kind: Strng"),
      "two.yml": `version: "1.0"\nnodes:\n  - name: gadget\n    namespace: Test\n`
    }))
    expect(error.problems.map((p) => `${p.file} ${p.kind ?? ""}`)).toEqual(["one.yml TestWidget", "one.yml TestWidget", "two.yml Testgadget"])
    expect(error.message).toContain("3 problems found, nothing was loaded")
    expect(error.message).toContain("one.yml [TestWidget]: attribute \"state\" is a Dropdown without choices.")
    expect(error.message).toContain("two.yml [Testgadget]")
  })

  it("reporting every processing problem too, not only the first", () => {
    const error = expectLeft(buildFrom({
      "paths.yml": node("    human_friendly_id: [nam__value]\n    order_by: [nme__value]\n    attributes:\n      - name: name\n        kind: Text")
    }))
    expect(error.problems.map((p) => p.problem.split(" does not")[0])).toEqual([
      "order_by path \"nme__value\"",
      "human_friendly_id path \"nam__value\""
    ])
  })
})
