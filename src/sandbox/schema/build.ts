/**
 * Schema documents → the processed registry a real Infrahub would serve after loading them on top of its
 * built-in kinds. All-or-nothing: any problem refuses the whole load.
 *
 * Processing runs twice, because what a running Infrahub serves is its schema processed again after it was
 * stored (each reload re-processes the stored schema): generated profiles then carry their node's order
 * weights and labels, `parent: ""` becomes the inherited hierarchy parent, cardinality-one relationships
 * added during processing get their counts. The recorded dump (`schema_05.json`) shows exactly that state.
 */
import * as Either from "effect/Either"
import { type Reporter, WorkBranch } from "./branch.js"
import { type BuiltinSchema, builtinSchema } from "./builtins.js"
import { OPTIONAL_TEXT_FIELDS, RESTRICTED_NAMESPACES } from "./constants.js"
import { decodeSchemaDocument, type SourceRoot } from "./decode.js"
import { renderProblem, SchemaLoadError, type SchemaProblem } from "./errors.js"
import type { SchemaDocument } from "./files.js"
import { kindHash, mainHash, schemaElementId } from "./hash.js"
import { BUILTIN_ORIGIN, mergeSources, type Origins } from "./merge.js"
import {
  fromServedKind, kindOf, toGenericSchema, toNodeSchema, toProfileOrTemplateSchema, type WorkKind
} from "./model.js"
import { isTemplate, templateVariables } from "./paths.js"
import { processBranch } from "./pipeline.js"
import {
  type GenericSchema, type NodeSchema, type ProfileSchema, registryFromDump, type SchemaDump, type SchemaNamespace,
  type SchemaRegistry, type TemplateSchema
} from "./types.js"

const branchFromBuiltins = (builtins: BuiltinSchema): WorkBranch => {
  const branch = new WorkBranch()
  for (const node of builtins.nodes) branch.set(fromServedKind("node", node))
  for (const generic of builtins.generics) branch.set(fromServedKind("generic", generic))
  for (const profile of builtins.profiles) branch.set(fromServedKind("profile", profile))
  for (const template of builtins.templates) branch.set(fromServedKind("template", template))
  return branch
}

const reporterFor = (origins: Origins, problems: Array<SchemaProblem>): Reporter => {
  const seen = new Set(problems.map(renderProblem))
  return {
    report: ({ kind, field }, problem, fix) => {
      const base = /^(?:Profile|Template)(.+)$/.exec(kind)?.[1]
      const file = (field === undefined ? undefined : origins.fields.get(`${kind}.${field}`)) ??
        origins.kinds.get(kind) ?? (base === undefined ? undefined : origins.kinds.get(base)) ?? BUILTIN_ORIGIN
      const entry: SchemaProblem = { file, kind: field === undefined ? kind : `${kind}.${field}`, problem, fix }
      const key = renderProblem(entry)
      if (seen.has(key)) return
      seen.add(key)
      problems.push(entry)
    }
  }
}

/** Reading the stored schema back lists the loaded kinds by kind name, after the built-in ones. */
const reorderUserKinds = (map: Map<string, WorkKind>, origins: Origins): void => {
  const entries = [...map]
  const user = entries.filter(([name]) => origins.kinds.has(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  map.clear()
  for (const [name, kind] of [...entries.filter(([name]) => !origins.kinds.has(name)), ...user]) map.set(name, kind)
}

/** Generated kinds of loaded kinds are read back grouped by namespace, nodes' before generics'. */
const reorderGeneratedKinds = (branch: WorkBranch, map: Map<string, WorkKind>, origins: Origins): void => {
  const baseOf = (name: string) => /^(?:Profile|Template)(.+)$/.exec(name)?.[1] ?? name
  const key = (name: string) => {
    const base = branch.get(baseOf(name))
    return `${base?.namespace ?? ""}\u0000${base?.category === "generic" ? 1 : 0}\u0000${baseOf(name)}`
  }
  const entries = [...map]
  const generated = entries.filter(([name]) => origins.kinds.has(baseOf(name)))
    .sort(([a], [b]) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  map.clear()
  for (const [name, kind] of [...entries.filter(([name]) => !origins.kinds.has(baseOf(name))), ...generated]) map.set(name, kind)
}

/**
 * What storing the schema does before the next processing: ids for user elements, `""` text fields unset
 * (`BaseNodeSchema.update`), user kinds read back in kind order.
 */
const storeUserKinds = (branch: WorkBranch, origins: Origins): void => {
  reorderUserKinds(branch.nodes, origins)
  reorderUserKinds(branch.generics, origins)
  reorderGeneratedKinds(branch, branch.profiles, origins)
  reorderGeneratedKinds(branch, branch.templates, origins)
  for (const name of origins.kinds.keys()) {
    const kind = branch.get(name)
    if (kind === undefined) continue
    kind.id ??= schemaElementId(name)
    for (const field of OPTIONAL_TEXT_FIELDS) {
      if (kind[field] === "") kind[field] = null
    }
  }
  const extended = new Set([...origins.kinds.keys(), ...[...origins.fields.keys()].map((key) => key.split(".")[0] ?? "")])
  for (const name of extended) {
    const kind = branch.get(name)
    if (kind === undefined || (kind.category !== "node" && kind.category !== "generic")) continue
    for (const item of [...kind.attributes, ...kind.relationships]) {
      if (!item.inherited && item.id === null) item.id = schemaElementId(`${name}.${item.name}`)
    }
  }
}

/** Infrahub >= 1.5 schemas set `display_label`; the deprecated `display_labels` list is still served, derived from it. */
const deriveDisplayLabels = (kind: WorkKind): void => {
  if (kind.display_label === null || kind.display_label === "") return
  if (kind.display_labels !== null && kind.display_labels.length > 0) return
  if (!isTemplate(kind.display_label)) {
    kind.display_labels = [kind.display_label]
  } else if (/^\s*(?:\{\{\s*[a-z0-9_]+\s*\}\}\s*)+$/.test(kind.display_label)) {
    kind.display_labels = templateVariables(kind.display_label)
  }
}

type Served = NodeSchema | GenericSchema | ProfileSchema | TemplateSchema

const serve = (kind: WorkKind, original: Served | undefined): Served => {
  // Absent elements are deleted when a real server applies the schema; internal peers are never served.
  const withoutInternalPeers = {
    ...kind,
    attributes: kind.attributes.filter((a) => a.state !== "absent"),
    relationships: kind.relationships.filter((r) => r.state !== "absent" && !r.peer.startsWith("Internal"))
  }
  const draft = kind.category === "node"
    ? toNodeSchema(withoutInternalPeers, "")
    : kind.category === "generic"
      ? toGenericSchema(withoutInternalPeers, "")
      : toProfileOrTemplateSchema(withoutInternalPeers, "")
  const hash = kindHash(draft)
  // An untouched built-in kind keeps the hash the real server gave it.
  return { ...draft, hash: original !== undefined && kindHash(original) === hash ? original.hash : hash }
}

/**
 * Namespaces in order of first appearance among the kinds (`SchemaBranch.get_namespaces`). `Internal` is
 * listed where the real server lists it, although its kinds are never served.
 */
const namespacesOf = (builtins: BuiltinSchema, kinds: ReadonlyArray<Served>): Array<SchemaNamespace> => {
  const names = [...new Set(kinds.map((k) => k.namespace))]
  const builtinNames = builtins.namespaces.map((ns) => ns.name)
  const internal = builtinNames.indexOf("Internal")
  if (internal >= 0 && !names.includes("Internal")) {
    const after = names.indexOf(builtinNames[internal - 1] ?? "")
    names.splice(after >= 0 ? after + 1 : names.length, 0, "Internal")
  }
  return names.map((name) => ({ name, user_editable: !RESTRICTED_NAMESPACES.has(name) }))
}

const toDump = (branch: WorkBranch, builtins: BuiltinSchema): SchemaDump => {
  const originals = new Map<string, Served>(
    [...builtins.nodes, ...builtins.generics, ...builtins.profiles, ...builtins.templates].map((k) => [k.kind, k])
  )
  for (const kind of branch.all()) deriveDisplayLabels(kind)
  const serveAll = <T extends Served>(kinds: Iterable<WorkKind>) =>
    [...kinds].filter((k) => k.namespace !== "Internal" && k.state !== "absent").map((k) => serve(k, originals.get(kindOf(k))) as T)
  const nodes = serveAll<NodeSchema>(branch.nodes.values())
  const generics = serveAll<GenericSchema>(branch.generics.values())
  const profiles = serveAll<ProfileSchema>(branch.profiles.values())
  const templates = serveAll<TemplateSchema>(branch.templates.values())
  return {
    main: mainHash([...nodes, ...generics]),
    nodes,
    generics,
    profiles,
    templates,
    namespaces: namespacesOf(builtins, [...nodes, ...generics, ...profiles, ...templates])
  }
}

/** Processes decoded documents on top of the built-in kinds. */
export const buildRegistry = (
  roots: ReadonlyArray<SourceRoot>,
  builtins: BuiltinSchema = builtinSchema
): Either.Either<SchemaRegistry, SchemaLoadError> => {
  const branch = branchFromBuiltins(builtins)
  const problems: Array<SchemaProblem> = []
  const origins = mergeSources(branch, roots, problems)
  if (problems.length > 0) return Either.left(new SchemaLoadError({ problems }))
  const reporter = reporterFor(origins, problems)
  processBranch(branch, reporter)
  if (problems.length > 0) return Either.left(new SchemaLoadError({ problems }))
  storeUserKinds(branch, origins)
  processBranch(branch, reporter)
  if (problems.length > 0) return Either.left(new SchemaLoadError({ problems }))
  return Either.right(registryFromDump(toDump(branch, builtins)))
}

/** Decodes parsed schema documents and processes them; every problem of every document is reported together. */
export const buildRegistryFromDocuments = (
  documents: ReadonlyArray<SchemaDocument>,
  builtins: BuiltinSchema = builtinSchema
): Either.Either<SchemaRegistry, SchemaLoadError> => {
  const decoded = documents.map(decodeSchemaDocument)
  const problems = decoded.flatMap((d) => d.problems)
  if (problems.length > 0) return Either.left(new SchemaLoadError({ problems }))
  return buildRegistry(decoded.map((d) => d.root), builtins)
}

/** The built-in kinds alone, processed: what a fresh Infrahub serves before any schema is loaded. */
export const builtinRegistry = (builtins: BuiltinSchema = builtinSchema): Either.Either<SchemaRegistry, SchemaLoadError> =>
  buildRegistry([], builtins)
