import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { builtinRegistry } from "../../../src/sandbox/schema/build.js"
import { kindSchema, schemaDump, schemaSummary } from "../../../src/sandbox/schema/registry.js"
import { registryFromDump } from "../../../src/sandbox/schema/types.js"
import { BASE_SCHEMA_FILES, buildFromFiles, expectRight, readJson, recordedDump } from "./support.js"

const registry = expectRight(buildFromFiles(BASE_SCHEMA_FILES))
const dump = recordedDump()

const keysOf = (value: object) => Object.keys(value)

describe("schemaDump (GET /api/schema)", () => {
  it("has the real response's top-level fields, and each kind, attribute, relationship and choice the real field names in the real order", () => {
    const body = schemaDump(registry)
    expect(keysOf(body)).toEqual(keysOf(dump))
    const [recordedNode] = dump.nodes
    const [recordedGeneric] = dump.generics
    const [recordedProfile] = dump.profiles
    const device = body.nodes.find((n) => n.kind === "DcimDevice")
    const generic = body.generics.find((g) => g.kind === "DcimGenericDevice")
    const profile = body.profiles.find((p) => p.kind === "ProfileDcimDevice")
    if (!recordedNode || !recordedGeneric || !recordedProfile || !device || !generic || !profile) throw new Error("missing kinds")
    // Kinds that set display_label (Infrahub >= 1.5) also serve it, right after display_labels.
    const withoutDisplayLabel = (keys: Array<string>) => keys.filter((k) => k !== "display_label")
    expect(withoutDisplayLabel(keysOf(device))).toEqual(keysOf(recordedNode))
    expect(keysOf(device).indexOf("display_label")).toBe(keysOf(device).indexOf("display_labels") + 1)
    expect(withoutDisplayLabel(keysOf(generic))).toEqual(keysOf(recordedGeneric))
    expect(keysOf(profile)).toEqual(keysOf(recordedProfile))
    const recordedAttribute = dump.nodes.flatMap((n) => n.attributes)[0]
    const recordedRelationship = dump.nodes.flatMap((n) => n.relationships)[0]
    const recordedChoice = dump.nodes.flatMap((n) => n.attributes).flatMap((a) => a.choices ?? [])[0]
    const status = device.attributes.find((a) => a.name === "status")
    if (!recordedAttribute || !recordedRelationship || !recordedChoice || !status) throw new Error("missing fields")
    expect(keysOf(status)).toEqual(keysOf(recordedAttribute))
    expect(keysOf(device.relationships[0] ?? {})).toEqual(keysOf(recordedRelationship))
    expect(keysOf(status.choices?.[0] ?? {})).toEqual(keysOf(recordedChoice))
  })

  it("never serves Internal kinds, and narrows to the requested namespaces", () => {
    const withInternal = registryFromDump({
      ...registry.dump,
      nodes: [...registry.dump.nodes, { ...registry.dump.nodes[0], namespace: "Internal", name: "Secret", kind: "InternalSecret" } as (typeof registry.dump.nodes)[number]]
    })
    expect(schemaDump(withInternal).nodes.some((n) => n.kind === "InternalSecret")).toBe(false)
    expect(Either.isLeft(kindSchema(withInternal, "InternalSecret"))).toBe(true)
    const dcim = schemaDump(registry, ["Dcim"])
    expect(new Set(dcim.nodes.map((n) => n.namespace))).toEqual(new Set(["Dcim"]))
    expect(dcim.generics.map((g) => g.kind)).toContain("DcimGenericDevice")
    expect(dcim.profiles).toEqual([])
    expect(dcim.main).toBe(registry.dump.main)
  })
})

describe("kindSchema (GET /api/schema/{kind})", () => {
  it("returns one node, generic or profile, exactly as /api/schema lists it", () => {
    for (const kind of ["DcimDevice", "DcimInterface", "ProfileIpamPrefix", "CoreNode"]) {
      const body = Either.getOrThrow(kindSchema(registry, kind))
      const listed = [...registry.dump.nodes, ...registry.dump.generics, ...registry.dump.profiles].find((k) => k.kind === kind)
      expect(body).toEqual(listed)
    }
  })

  it("fails with Infrahub's 422 message for an unknown kind, and says what to do", () => {
    const result = kindSchema(registry, "DcimDevise")
    if (Either.isRight(result)) throw new Error("expected a not-found")
    expect(result.left._tag).toBe("SchemaKindNotFound")
    expect(result.left.message).toBe("Unable to find the schema 'DcimDevise' in the registry")
    expect(result.left.remediation).toContain("/api/schema")
  })
})

describe("schemaSummary (GET /api/schema/summary)", () => {
  it("is the main hash and each node's and generic's hash, as the recorded summary", () => {
    const recorded = readJson<{ main: string; nodes: Record<string, string> }>("test/fixtures/infrahub/infrahub-frontend/schemaSummary.json")
    const summary = schemaSummary(registry)
    expect(keysOf(summary)).toEqual([...keysOf(recorded), "generics"])
    expect(summary.main).toBe(registry.dump.main)
    expect(summary.nodes["DcimDevice"]).toBe(registry.byKind.get("DcimDevice")?.schema.hash)
    expect(summary.generics["DcimInterface"]).toBe(registry.byKind.get("DcimInterface")?.schema.hash)
    expect(Object.keys(summary.nodes)).toHaveLength(registry.dump.nodes.length)
    expect(summary.nodes["ProfileDcimDevice"]).toBeUndefined()
  })

  it("changes its main hash when the schema changes", () => {
    expect(schemaSummary(expectRight(builtinRegistry())).main).not.toBe(schemaSummary(registry).main)
  })
})
