/**
 * Regenerates `src/sandbox/data/builtin-schema.json`: Infrahub's built-in kinds, taken from the recorded real
 * `/api/schema` dump (`test/fixtures/infrahub/schema_05.json`) without the demo kinds its server had loaded
 * from a user schema, and without every reference to them.
 *
 *   npx tsx scripts/extract-builtins.ts
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const DUMP_PATH = fileURLToPath(new URL("../test/fixtures/infrahub/schema_05.json", import.meta.url))
export const BUILTINS_PATH = fileURLToPath(new URL("../src/sandbox/data/builtin-schema.json", import.meta.url))

type Json = Record<string, unknown>
type KindEntry = Json & {
  readonly kind: string
  readonly namespace: string
  relationships: Array<Json & { readonly peer: string }>
  used_by?: Array<string>
}
interface Dump {
  readonly main: string
  readonly nodes: Array<KindEntry>
  readonly generics: Array<KindEntry>
  readonly profiles: Array<KindEntry>
  readonly templates: Array<KindEntry>
  readonly namespaces: Array<{ readonly name: string; readonly user_editable: boolean }>
}

/** Namespaces whose kinds came from the dump server's user schema, not from Infrahub. */
const DEMO_NAMESPACES = new Set(["Infra", "Location", "Network"])
/** Demo kinds living in a namespace Infrahub also uses (`IpamNamespace` is built in). */
const DEMO_KINDS = new Set(["IpamIPAddress", "IpamPrefix"])

export const isDemoKind = (kind: string, namespace: string): boolean => {
  if (DEMO_NAMESPACES.has(namespace) || DEMO_KINDS.has(kind)) return true
  const base = /^(?:Profile|Template)(.+)$/.exec(kind)?.[1]
  if ((namespace === "Profile" || namespace === "Template") && base !== undefined) {
    return DEMO_KINDS.has(base) || [...DEMO_NAMESPACES].some((ns) => base.startsWith(ns))
  }
  return false
}

export interface BuiltinSchemaFile {
  readonly source: string
  readonly nodes: Array<KindEntry>
  readonly generics: Array<KindEntry>
  readonly profiles: Array<KindEntry>
  readonly templates: Array<KindEntry>
  readonly namespaces: Array<{ readonly name: string; readonly user_editable: boolean }>
}

/** Pure: keeps Infrahub's own kinds and prunes `used_by` lists and relationships that point to demo kinds. */
export const extractBuiltins = (dump: Dump): BuiltinSchemaFile => {
  const dropped = new Set(
    [...dump.nodes, ...dump.generics, ...dump.profiles, ...dump.templates]
      .filter((k) => isDemoKind(k.kind, k.namespace))
      .map((k) => k.kind)
  )
  const keep = (entries: Array<KindEntry>): Array<KindEntry> =>
    entries.filter((k) => !dropped.has(k.kind)).map((k) => {
      const copy: KindEntry = structuredClone(k)
      copy.relationships = copy.relationships.filter((r) => !dropped.has(r.peer))
      if (copy.used_by !== undefined) copy.used_by = copy.used_by.filter((kind) => !dropped.has(kind))
      return copy
    })
  const nodes = keep(dump.nodes)
  const generics = keep(dump.generics)
  const profiles = keep(dump.profiles)
  const templates = keep(dump.templates)
  const used = new Set([...nodes, ...generics, ...profiles, ...templates].map((k) => k.namespace))
  return {
    source: "opsmill/infrahub-sdk-python tests/fixtures/schema_05.json @ e0033d3 (test/fixtures/infrahub/schema_05.json), demo kinds removed by scripts/extract-builtins.ts",
    nodes,
    generics,
    profiles,
    templates,
    // `Internal` stays: a real server has internal kinds, it only leaves them out of `/api/schema`.
    namespaces: dump.namespaces.filter((ns) => used.has(ns.name) || ns.name === "Internal")
  }
}

export const renderBuiltins = (file: BuiltinSchemaFile): string => `${JSON.stringify(file, null, 1)}\n`

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const dump = JSON.parse(readFileSync(DUMP_PATH, "utf8")) as Dump
  const builtins = extractBuiltins(dump)
  writeFileSync(BUILTINS_PATH, renderBuiltins(builtins))
  const count = (k: keyof Pick<Dump, "nodes" | "generics" | "profiles" | "templates">) => `${builtins[k].length} ${k}`
  console.log(`Wrote ${BUILTINS_PATH}: ${count("nodes")}, ${count("generics")}, ${count("profiles")}, ${count("templates")}.`)
}
