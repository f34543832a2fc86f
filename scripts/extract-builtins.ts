/**
 * Regenerates `src/sandbox/data/builtin-schema.json` and `builtin-provenance.json`: Infrahub's built-in kinds,
 * taken from the recorded real `/api/schema` dump (`test/fixtures/infrahub/schema_05.json`, an Infrahub 1.5
 * server) without the demo kinds its server had loaded from a user schema and every reference to them, plus
 * the kinds later releases added, transcribed from Infrahub's own definitions (`NEWER_KINDS` below, each with
 * its source path and commit). The provenance file names the source of every kind.
 *
 *   npx tsx scripts/extract-builtins.ts
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Either } from "effect"
import { builtinRegistry } from "../src/sandbox/schema/build.js"
import type { BuiltinSchema } from "../src/sandbox/schema/builtins.js"

export const DUMP_PATH = fileURLToPath(new URL("../test/fixtures/infrahub/schema_05.json", import.meta.url))
export const BUILTINS_PATH = fileURLToPath(new URL("../src/sandbox/data/builtin-schema.json", import.meta.url))
export const PROVENANCE_PATH = fileURLToPath(new URL("../src/sandbox/data/builtin-provenance.json", import.meta.url))

const DUMP_SOURCE = "opsmill/infrahub-sdk-python tests/fixtures/schema_05.json @ e0033d3 (a real Infrahub 1.5 /api/schema response)"

/** A read-only, mandatory attribute users cannot override, as `file_object.py` declares each of its five. */
const systemAttribute = (name: string, kind: "Text" | "Number", label: string, description: string, order: number) => ({
  id: null,
  state: "present",
  name,
  kind,
  enum: null,
  computed_attribute: null,
  choices: null,
  regex: null,
  max_length: null,
  min_length: null,
  label,
  description,
  read_only: true,
  unique: false,
  optional: false,
  branch: "aware",
  order_weight: order,
  default_value: null,
  inherited: false,
  allow_override: "none",
  deprecation: null
})

interface NewerKind {
  readonly category: "generics" | "nodes"
  readonly source: string
  readonly entry: KindEntry
}

/**
 * Kinds Infrahub added after the recorded 1.5 dump, transcribed (facts, not code) from Infrahub's schema
 * definitions. The stored copy of opsmill/infrahub is the newest public one available here (its CHANGELOG
 * reaches v1.7.6; the definitions below are unchanged in every stored version).
 */
export const NEWER_KINDS: ReadonlyArray<NewerKind> = [
  {
    category: "generics",
    source: "opsmill/infrahub backend/infrahub/core/schema/definitions/core/file_object.py @ 0303763 (core_file_object)",
    entry: {
      id: null,
      state: "present",
      name: "FileObject",
      namespace: "Core",
      description: "A file object for storing and managing file attachments",
      label: "File Object",
      branch: "aware",
      default_filter: null,
      human_friendly_id: null,
      display_labels: null,
      include_in_menu: false,
      menu_placement: null,
      icon: null,
      order_by: null,
      uniqueness_constraints: null,
      documentation: null,
      attributes: [
        systemAttribute("file_name", "Text", "File Name", "The name of the file as uploaded by the user", 1000),
        systemAttribute("checksum", "Text", "Checksum", "SHA-1 checksum calculated on the uploaded file", 2000),
        systemAttribute("file_size", "Number", "File Size", "The size of the file in bytes", 3000),
        systemAttribute("file_type", "Text", "File Type", "The MIME type of the file", 4000),
        systemAttribute("storage_id", "Text", "Storage Id", "The ID of the uploaded file in Infrahub's storage", 5000)
      ],
      relationships: [],
      hierarchical: false,
      generate_profile: true,
      generate_template: false,
      used_by: [],
      kind: "CoreFileObject",
      hash: ""
    }
  }
]

/**
 * A newer kind as a real server serves it: run through the sandbox's copy of Infrahub's schema processing
 * (generated relationships such as `profiles` and the group memberships, order weights, hash), so the
 * built-in file stays a fixed point of that processing like the recorded kinds.
 */
const processed = (file: BuiltinSchemaFile, kind: string): KindEntry => {
  const registry = Either.getOrThrowWith(builtinRegistry(file as unknown as BuiltinSchema), (error) => new Error(error.message))
  const served = [...registry.dump.nodes, ...registry.dump.generics].find((entry) => entry.kind === kind)
  if (served === undefined) throw new Error(`Processing dropped ${kind}`)
  return JSON.parse(JSON.stringify(served)) as KindEntry
}

type Json = Record<string, unknown>
type KindEntry = Json & {
  readonly kind: string
  readonly namespace: string
  relationships: Array<Json & { readonly peer: string }>
  used_by?: Array<string>
  hash?: string
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
  const nodes = [...keep(dump.nodes), ...NEWER_KINDS.filter((k) => k.category === "nodes").map((k) => structuredClone(k.entry))]
  const generics = [...keep(dump.generics), ...NEWER_KINDS.filter((k) => k.category === "generics").map((k) => structuredClone(k.entry))]
  const profiles = keep(dump.profiles)
  const templates = keep(dump.templates)
  const used = new Set([...nodes, ...generics, ...profiles, ...templates].map((k) => k.namespace))
  const draft: BuiltinSchemaFile = {
    source: `${DUMP_SOURCE} with its demo kinds removed, plus the later kinds of scripts/extract-builtins.ts NEWER_KINDS; per-kind sources in builtin-provenance.json`,
    nodes,
    generics,
    profiles,
    templates,
    // `Internal` stays: a real server has internal kinds, it only leaves them out of `/api/schema`.
    namespaces: dump.namespaces.filter((ns) => used.has(ns.name) || ns.name === "Internal")
  }
  const newer = new Set(NEWER_KINDS.map((k) => k.entry.kind))
  const settle = (entries: Array<KindEntry>) => entries.map((entry) => (newer.has(entry.kind) ? processed(draft, entry.kind) : entry))
  return { ...draft, nodes: settle(draft.nodes), generics: settle(draft.generics) }
}

export const renderBuiltins = (file: BuiltinSchemaFile): string => `${JSON.stringify(file, null, 1)}\n`

/** Where each built-in kind comes from: the recorded dump, or a transcribed Infrahub definition. */
export const provenanceOf = (file: BuiltinSchemaFile): Record<string, string> => {
  const newer = new Map(NEWER_KINDS.map((k) => [k.entry.kind, k.source]))
  const all = [...file.nodes, ...file.generics, ...file.profiles, ...file.templates].map((k) => k.kind).sort()
  return Object.fromEntries(all.map((kind) => [kind, newer.get(kind) ?? DUMP_SOURCE]))
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const dump = JSON.parse(readFileSync(DUMP_PATH, "utf8")) as Dump
  const builtins = extractBuiltins(dump)
  writeFileSync(BUILTINS_PATH, renderBuiltins(builtins))
  writeFileSync(PROVENANCE_PATH, `${JSON.stringify(provenanceOf(builtins), null, 1)}\n`)
  const count = (k: keyof Pick<Dump, "nodes" | "generics" | "profiles" | "templates">) => `${builtins[k].length} ${k}`
  console.log(`Wrote ${BUILTINS_PATH}: ${count("nodes")}, ${count("generics")}, ${count("profiles")}, ${count("templates")}.`)
}
