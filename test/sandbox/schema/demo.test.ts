/**
 * The demo schema and the demo object file another part of the sandbox loads. The object file is checked
 * the way `infrahubctl object load` validates one (`infrahub_sdk/spec/object.py`): every kind, attribute and
 * relationship exists, mandatory values are there, Dropdown values are choices, and every reference by
 * human-friendly ID names an object defined earlier in the file.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { parseAllDocuments } from "yaml"
import type { AttributeSchema, BaseKindSchema, RelationshipSchema, SchemaRegistry } from "../../../src/sandbox/schema/types.js"
import { BASE_SCHEMA_FILES, buildFromFiles, expectRight, repoPath } from "./support.js"

const registry = expectRight(buildFromFiles([...BASE_SCHEMA_FILES, repoPath("src/sandbox/data/schemas/demo/location.yml")]))

interface Created {
  readonly kind: string
  readonly data: Record<string, unknown>
  /** Relationships filled by nesting: the reverse relationship's name and the parent object. */
  readonly context: ReadonlyMap<string, Created>
}

interface Reference {
  readonly at: string
  readonly peer: string
  readonly hfid: ReadonlyArray<string>
  /** How many objects existed when the reference was made: the peer must be one of them. */
  readonly before: number
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const isScalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v)

/** Validates object files against a registry, collecting problems, created objects and references. */
class ObjectFileChecker {
  readonly problems: Array<string> = []
  readonly created: Array<Created> = []
  readonly references: Array<Reference> = []

  constructor(private readonly registry: SchemaRegistry) {}

  schema(kind: string): BaseKindSchema | undefined {
    return this.registry.byKind.get(kind)?.schema
  }

  object(kind: string, data: unknown, at: string, context: ReadonlyMap<string, Created> = new Map()): void {
    const entry = this.registry.byKind.get(kind)
    if (entry === undefined || entry.category !== "node") {
      this.problems.push(`${at}: ${kind} is not a node kind of the schema`)
      return
    }
    if (!isRecord(data)) {
      this.problems.push(`${at}: an object must be a mapping`)
      return
    }
    const schema = entry.schema
    const created: Created = { kind, data, context }
    const children: Array<() => void> = []
    for (const attribute of schema.attributes) {
      if (!attribute.optional && attribute.default_value === null && !(attribute.name in data)) {
        this.problems.push(`${at}: ${kind}.${attribute.name} is mandatory`)
      }
    }
    for (const rel of schema.relationships) {
      if (!rel.optional && !(rel.name in data) && !context.has(rel.name)) this.problems.push(`${at}: ${kind}.${rel.name} is mandatory`)
    }
    for (const [key, value] of Object.entries(data)) {
      const attribute = schema.attributes.find((a) => a.name === key)
      const rel = schema.relationships.find((r) => r.name === key)
      if (attribute !== undefined) this.attribute(attribute, value, `${at}.${key}`)
      else if (rel !== undefined) children.push(...this.relationship(rel, value, `${at}.${key}`, created))
      else this.problems.push(`${at}: ${key} is not a valid attribute or relationship for ${kind}`)
    }
    this.created.push(created)
    for (const child of children) child()
  }

  attribute(attribute: AttributeSchema, value: unknown, at: string): void {
    const ok = attribute.kind === "Number" ? Number.isInteger(value)
      : attribute.kind === "Boolean" ? typeof value === "boolean"
      : attribute.kind === "Dropdown" ? (attribute.choices ?? []).some((c) => c.name === value)
      : typeof value === "string"
    if (!ok) this.problems.push(`${at}: ${JSON.stringify(value)} is not a valid ${attribute.kind}`)
  }

  /** Returns the nested objects to create once the parent exists. */
  relationship(rel: RelationshipSchema, value: unknown, at: string, parent: Created): Array<() => void> {
    const reference = (hfid: unknown, where: string) => {
      const parts = Array.isArray(hfid) ? hfid : [hfid]
      if (!parts.every(isScalar)) this.problems.push(`${where}: a reference is a human-friendly ID, a string or a list of strings`)
      else this.references.push({ at: where, peer: rel.peer, hfid: parts.map(String), before: this.created.length })
    }
    if (rel.cardinality === "one") {
      if (typeof value === "string" || (Array.isArray(value) && value.every(isScalar))) reference(value, at)
      else this.problems.push(`${at}: a cardinality-one relationship takes a reference`)
      return []
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => reference(item, `${at}[${i}]`))
      return []
    }
    if (!isRecord(value) || !Array.isArray(value["data"])) {
      this.problems.push(`${at}: a cardinality-many relationship takes a list of references or {kind, data: [...]}`)
      return []
    }
    const kind = typeof value["kind"] === "string" ? value["kind"] : rel.peer
    if (!this.registry.concreteKindsOf(rel.peer).includes(kind)) this.problems.push(`${at}: ${kind} is not a kind ${rel.peer} relates to`)
    const reverse = this.schema(kind)?.relationships.find((r) => r.identifier === rel.identifier && r.peer !== kind)
    const context = new Map(reverse === undefined ? [] : [[reverse.name, parent] as const])
    return (value["data"] as ReadonlyArray<unknown>).map((item, i) => () => this.object(kind, item, `${at}[${i}]`, context))
  }

  /** The object's human-friendly ID, following relationships to referenced or parent objects. */
  hfidOf(object: Created, before: number): Array<string> | undefined {
    const schema = this.schema(object.kind)
    const out: Array<string> = []
    for (const path of schema?.human_friendly_id ?? []) {
      const [head = "", attribute = ""] = path.split("__")
      const rel = schema?.relationships.find((r) => r.name === head)
      if (rel === undefined) {
        const value = object.data[head]
        if (value === undefined) return undefined
        out.push(String(value))
        continue
      }
      const target = object.context.get(head) ?? this.resolve(rel.peer, object.data[head], before)
      const value = target?.data[attribute]
      if (value === undefined) return undefined
      out.push(String(value))
    }
    return out
  }

  resolve(peer: string, hfid: unknown, before: number): Created | undefined {
    const wanted = (Array.isArray(hfid) ? hfid : [hfid]).map(String)
    const kinds = new Set(this.registry.concreteKindsOf(peer))
    return this.created.slice(0, before).find((o) =>
      kinds.has(o.kind) && JSON.stringify(this.hfidOf(o, before)) === JSON.stringify(wanted))
  }
}

const demoDocuments = () => {
  const text = readFileSync(repoPath("src/sandbox/data/objects/demo.yml"), "utf8")
  return parseAllDocuments(text, { version: "1.1" }) as ReturnType<typeof parseAllDocuments> & Array<{ errors: Array<unknown>; toJS: () => unknown }>
}

const check = (documents: ReadonlyArray<unknown>): ObjectFileChecker => {
  const checker = new ObjectFileChecker(registry)
  documents.forEach((doc, index) => {
    const at = `document ${index + 1}`
    if (!isRecord(doc) || doc["apiVersion"] !== "infrahub.app/v1" || doc["kind"] !== "Object" || !isRecord(doc["spec"])) {
      checker.problems.push(`${at}: not an Object file (apiVersion infrahub.app/v1, kind Object, spec)`)
      return
    }
    const spec = doc["spec"]
    const data = spec["data"]
    if (typeof spec["kind"] !== "string" || !Array.isArray(data)) {
      checker.problems.push(`${at}: spec needs a kind and a data list`)
      return
    }
    data.forEach((item, i) => checker.object(spec["kind"] as string, item, `${at} ${spec["kind"]}[${i}]`))
  })
  for (const ref of checker.references) {
    if (checker.resolve(ref.peer, ref.hfid, ref.before) === undefined) {
      checker.problems.push(`${ref.at}: no ${ref.peer} ${JSON.stringify(ref.hfid)} defined before`)
    }
  }
  return checker
}

describe("the demo schema", () => {
  it("adds concrete location kinds to the base schema: countries holding sites that host devices and prefixes", () => {
    expect(registry.concreteKindsOf("LocationGeneric")).toEqual(["LocationCountry", "LocationSite"])
    const site = registry.byKind.get("LocationSite")?.schema
    expect(site?.relationships.map((r) => r.name)).toEqual(expect.arrayContaining(["devices", "prefixes", "parent", "tags"]))
    expect(site?.attributes.find((a) => a.name === "status")?.default_value).toBe("active")
  })
})

describe("the demo object file", () => {
  const documents = demoDocuments()

  it("is Infrahub's multi-document object format", () => {
    expect(documents.every((d) => d.errors.length === 0)).toBe(true)
    expect(documents.map((d) => (d.toJS() as { spec: { kind: string } }).spec.kind)).toEqual([
      "BuiltinTag", "IpamNamespace", "LocationCountry", "LocationSite", "OrganizationManufacturer", "DcimPlatform",
      "DcimDeviceType", "IpamPrefix", "IpamIPAddress", "DcimDevice"
    ])
  })

  it("uses only kinds, attributes and relationships of the processed schema, with valid values and resolvable references", () => {
    const checker = check(documents.map((d) => d.toJS()))
    expect(checker.problems).toEqual([])
    const count = (kind: string) => checker.created.filter((o) => o.kind === kind).length
    expect([count("LocationCountry"), count("LocationSite"), count("DcimDevice"), count("InterfacePhysical")]).toEqual([2, 3, 6, 24])
    expect(count("IpamPrefix")).toBeGreaterThanOrEqual(4)
    expect(count("IpamIPAddress")).toBeGreaterThanOrEqual(12)
    expect(checker.references.length).toBeGreaterThan(50)
    expect(checker.created.find((o) => o.data["name"] === "atl1-edge1")?.data["location"]).toBe("atl1")
  })

  it("would be caught by this check if it named an unknown field, a bad choice or a missing object", () => {
    const broken = documents.map((d) => d.toJS()) as Array<{ spec: { kind: string; data: Array<Record<string, unknown>> } }>
    const device = broken.find((d) => d.spec.kind === "DcimDevice")?.spec.data[0]
    if (device === undefined) throw new Error("no device")
    device["colour"] = "red"
    device["status"] = "on-fire"
    device["location"] = "lax1"
    delete device["name"]
    const problems = check(broken).problems
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining("colour is not a valid attribute or relationship for DcimDevice"),
      expect.stringContaining("\"on-fire\" is not a valid Dropdown"),
      expect.stringContaining("DcimDevice.name is mandatory"),
      expect.stringContaining("no LocationHosting [\"lax1\"] defined before")
    ]))
  })
})
