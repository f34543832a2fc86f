import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import {
  BUILTINS_PATH, extractBuiltins, isDemoKind, NEWER_KINDS, PROVENANCE_PATH, provenanceOf, renderBuiltins
} from "../../../scripts/extract-builtins.js"
import { builtinRegistry } from "../../../src/sandbox/schema/build.js"
import { builtinSchema } from "../../../src/sandbox/schema/builtins.js"
import { expectRight, recordedDump } from "./support.js"

const dump = recordedDump()
const categories = ["nodes", "generics", "profiles", "templates"] as const
const allOf = (d: Pick<typeof dump, (typeof categories)[number]>) => categories.flatMap((c) => d[c] as ReadonlyArray<{ readonly kind: string; readonly namespace: string }>)

describe("built-in kinds", () => {
  it("are exactly what scripts/extract-builtins.ts produces from the recorded dump and the newer definitions", () => {
    const extracted = extractBuiltins(JSON.parse(JSON.stringify(dump)))
    expect(readFileSync(BUILTINS_PATH, "utf8")).toBe(renderBuiltins(extracted))
    expect(JSON.parse(readFileSync(PROVENANCE_PATH, "utf8"))).toEqual(provenanceOf(extracted))
  })

  it("record where every kind comes from: the recorded 1.5 dump, or a named Infrahub definition file and commit", () => {
    const provenance = JSON.parse(readFileSync(PROVENANCE_PATH, "utf8")) as Record<string, string>
    expect(Object.keys(provenance).sort()).toEqual(allOf(builtinSchema).map((k) => k.kind).sort())
    expect(provenance["CoreFileObject"]).toMatch(/^opsmill\/infrahub backend\/infrahub\/core\/schema\/definitions\/core\/file_object\.py @ [0-9a-f]{7}/)
    expect(provenance["BuiltinTag"]).toContain("schema_05.json @ e0033d3")
  })

  it("keep every Core, Builtin and Lineage kind, IpamNamespace and their profiles, and drop the demo kinds", () => {
    const newer = new Set(NEWER_KINDS.map((k) => k.entry.kind))
    const kept = new Set(allOf(builtinSchema).map((k) => k.kind).filter((kind) => !newer.has(kind)))
    for (const kind of allOf(dump)) {
      const builtIn = /^(Core|Builtin|Lineage)/.test(kind.kind) || ["IpamNamespace", "ProfileBuiltinTag",
        "ProfileIpamNamespace", "ProfileBuiltinIPPrefix", "ProfileBuiltinIPAddress"].includes(kind.kind)
      expect(kept.has(kind.kind), kind.kind).toBe(builtIn)
      expect(isDemoKind(kind.kind, kind.namespace), kind.kind).toBe(!builtIn)
    }
    expect(kept.size).toBe(74)
  })

  it("are identical to the dump's apart from references to dropped kinds", () => {
    const dropped = new Set(allOf(dump).filter((k) => isDemoKind(k.kind, k.namespace)).map((k) => k.kind))
    const original = new Map(allOf(dump).map((k) => [k.kind, k as unknown as Record<string, unknown>]))
    let prunedReferences = 0
    const newer = new Set(NEWER_KINDS.map((k) => k.entry.kind))
    for (const kept of allOf(builtinSchema) as ReadonlyArray<unknown> as ReadonlyArray<Record<string, unknown>>) {
      if (newer.has(kept["kind"] as string)) continue
      const source = structuredClone(original.get(kept["kind"] as string))
      expect(source).toBeDefined()
      if (source === undefined) continue
      const rels = source["relationships"] as Array<{ peer: string }>
      const usedBy = source["used_by"] as Array<string> | undefined
      const keptRels = rels.filter((r) => !dropped.has(r.peer))
      prunedReferences += rels.length - keptRels.length
      source["relationships"] = keptRels
      if (usedBy !== undefined) {
        prunedReferences += usedBy.filter((kind) => dropped.has(kind)).length
        source["used_by"] = usedBy.filter((kind) => !dropped.has(kind))
      }
      expect(kept).toEqual(source)
    }
    // CoreNode, CoreProfile, CoreObjectTemplate, BuiltinIPPrefix, BuiltinIPAddress... named demo kinds.
    expect(prunedReferences).toBeGreaterThan(30)
  })

  it("refer to no demo kind anywhere", () => {
    const text = readFileSync(BUILTINS_PATH, "utf8")
    for (const demo of ["InfraDevice", "IpamIPAddress", "IpamPrefix", "LocationSite", "LocationGeneric", "NetworkManagementServer", "TemplateInfraDevice"]) {
      expect(text).not.toContain(`"${demo}"`)
    }
    expect(builtinSchema.namespaces.map((n) => n.name)).toEqual(["Core", "Builtin", "Internal", "Ipam", "Lineage", "Profile"])
  })

  it("come out of processing unchanged: the built-in schema is a fixed point of Infrahub's processing", () => {
    const registry = expectRight(builtinRegistry())
    const served = allOf(registry.dump)
    expect(served.map((k) => k.kind)).toEqual(allOf(builtinSchema).map((k) => k.kind))
    const byKind = new Map(allOf(builtinSchema).map((k) => [k.kind, k]))
    for (const kind of served) expect(kind).toEqual(byKind.get(kind.kind))
  })
})
