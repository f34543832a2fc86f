/**
 * Puts the decoded documents on top of the built-in kinds, as `SchemaBranch.load_schema` does for each
 * document in turn (its nodes and generics, then its extensions), and checks what later steps rely on:
 * no duplicate kinds, no restricted namespaces, known `inherit_from` generics and relationship peers.
 */
import { attributeNames, relationshipNames, type WorkBranch } from "./branch.js"
import { RESTRICTED_NAMESPACES } from "./constants.js"
import type { SourceRoot } from "./decode.js"
import type { SchemaProblem } from "./errors.js"
import { kindOf, type WorkKind } from "./model.js"
import { updateKind, updateMembers } from "./update.js"

/** Which file each user kind, and each field added by an extension, comes from. */
export interface Origins {
  readonly kinds: Map<string, string>
  readonly fields: Map<string, string>
}

export const BUILTIN_ORIGIN = "built-in schema"

export const mergeSources = (
  branch: WorkBranch,
  roots: ReadonlyArray<SourceRoot>,
  problems: Array<SchemaProblem>
): Origins => {
  const origins: Origins = { kinds: new Map(), fields: new Map() }
  const builtins = new Set(branch.allNames)
  roots.forEach((root, index) => {
    for (const kind of [...root.nodes, ...root.generics]) {
      const name = kindOf(kind)
      if (RESTRICTED_NAMESPACES.has(kind.namespace)) {
        problems.push({
          file: root.file, kind: name, problem: `uses the restricted namespace '${kind.namespace}'.`,
          fix: `Pick another namespace; ${[...RESTRICTED_NAMESPACES].join(", ")} are reserved for Infrahub.`
        })
        continue
      }
      if (builtins.has(name)) {
        problems.push({
          file: root.file, kind: name, problem: `is already a built-in Infrahub kind.`,
          fix: "Rename your kind, or add attributes and relationships to the built-in one with `extensions: {nodes: [{kind: ...}]}`."
        })
        continue
      }
      const previous = origins.kinds.get(name)
      const loaded = previous === undefined ? undefined : branch.get(name)
      if (previous !== undefined && loaded !== undefined) {
        if (loaded.category !== kind.category) {
          problems.push({
            file: root.file, kind: name,
            problem: `is defined as a ${kind.category} here but already exists as a ${loaded.category} (in ${previous}).`,
            fix: "Rename one of them, or define the kind the same way (node or generic) in both files.",
            duplicateOf: previous
          })
          continue
        }
        // A later definition of a kind updates the loaded one (schema-library completes base stubs this way).
        updateKind(loaded, kind)
        continue
      }
      origins.kinds.set(name, root.file)
      branch.set(kind)
    }
    for (const extension of root.extensions) {
      const target = branch.get(extension.kind)
      if (target === undefined || (target.category !== "node" && target.category !== "generic")) {
        const later = roots.slice(index + 1).find((r) => [...r.nodes, ...r.generics].some((k) => kindOf(k) === extension.kind))
        problems.push({
          file: root.file, kind: extension.kind,
          problem: later !== undefined
            ? `is extended here but only defined later, in ${later.file}; Infrahub applies extensions in file order.`
            : target === undefined
              ? "is extended, but no such kind exists."
              : `is extended, but it is a generated ${target.category} kind.`,
          fix: later !== undefined
            ? "Load the file defining the kind first: list its --schema path before this one (inside a directory, files load in name order), or add the fields to the definition."
            : "Extend an existing node or generic (check the spelling: namespace + name, e.g. DcimDevice)."
        })
        continue
      }
      // `new_item.update(node_extension)`: an item named like an existing one updates it (`state: absent`
      // removes it, as schema-library's routing_policies_* extensions do); a new name adds one.
      // Infrahub's own kinds only take new fields here: changing theirs would change Infrahub itself.
      const builtinFields = builtins.has(extension.kind)
        ? new Set([...attributeNames(target), ...relationshipNames(target)])
        : new Set<string>()
      const clashes = (item: { readonly name: string }) => builtinFields.has(item.name)
      for (const item of [...extension.attributes, ...extension.relationships]) {
        if (clashes(item)) {
          problems.push({
            file: root.file, kind: `${extension.kind}.${item.name}`,
            problem: `the extension redefines "${item.name}", which the built-in kind ${extension.kind} already has.`,
            fix: "Extensions of Infrahub's built-in kinds only add new attributes and relationships; rename it or drop it from the extension."
          })
        } else if (item.state !== "absent") {
          origins.fields.set(`${extension.kind}.${item.name}`, root.file)
        }
      }
      updateMembers(target, {
        attributes: extension.attributes.filter((item) => !clashes(item)),
        relationships: extension.relationships.filter((item) => !clashes(item))
      })
    }
  })
  checkReferences(branch, origins, problems)
  return origins
}

/** `inherit_from` must name generics, relationship peers existing kinds (Infrahub's `validate_kinds`). */
const checkReferences = (branch: WorkBranch, origins: Origins, problems: Array<SchemaProblem>): void => {
  const userKinds = [...origins.kinds.keys()].flatMap((name) => branch.get(name) ?? [])
  const extended = new Set([...origins.fields.keys()].map((key) => key.split(".")[0] ?? ""))
  const scope: Array<WorkKind> = [
    ...userKinds,
    ...[...extended].filter((name) => !origins.kinds.has(name)).flatMap((name) => branch.get(name) ?? [])
  ]
  for (const node of scope) {
    const name = kindOf(node)
    const fileOf = (field?: string) =>
      (field === undefined ? undefined : origins.fields.get(`${name}.${field}`)) ?? origins.kinds.get(name) ?? BUILTIN_ORIGIN
    if (node.category === "node") {
      for (const generic of node.inherit_from) {
        const target = branch.get(generic)
        if (target === undefined) {
          problems.push({
            file: fileOf(), kind: name, problem: `inherits from ${generic}, which does not exist.`,
            fix: "Name an existing generic in inherit_from (check its spelling, and that the file defining it is loaded)."
          })
        } else if (target.category !== "generic") {
          problems.push({
            file: fileOf(), kind: name, problem: `inherits from ${generic}, which is a ${target.category}, not a generic.`,
            fix: "Only generics can be listed in inherit_from; make it a generic or use a relationship instead."
          })
        }
      }
    }
    for (const rel of node.relationships) {
      const peer = branch.get(rel.peer)
      if (rel.inherited || (peer !== undefined && peer.state !== "absent")) continue
      problems.push({
        file: fileOf(rel.name), kind: `${name}.${rel.name}`,
        problem: `relationship "${rel.name}" points to peer ${rel.peer}, which ${peer === undefined ? "does not exist" : "is marked absent"}.`,
        fix: "Name an existing node or generic as peer (check its spelling, and that the file defining it is loaded)."
      })
    }
  }
}
