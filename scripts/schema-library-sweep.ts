/**
 * Loads opsmill/schema-library into the sandbox's schema loader, in process, the way Infrahub would be fed it:
 * `base` first, then each extension after the extensions it depends on (from the library's `.metadata.yml`),
 * each path one `infrahubctl schema load` call. Prints one line per extension, then one for every extension
 * loaded together. `experimental/` is not swept.
 *
 *   npx tsx scripts/schema-library-sweep.ts <schema-library checkout>
 *
 * Exits 1 when anything is refused, 2 when the directory is not a schema-library checkout.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Either } from "effect"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { loadSchemaFiles } from "../src/sandbox/schema/load.js"
import { renderProblem, type SchemaLoadError } from "../src/sandbox/schema/errors.js"

const EXTENSION_PREFIX = "extensions/"

interface Library {
  readonly root: string
  /** Extension names (folder names under `extensions/`), sorted. */
  readonly extensions: ReadonlyArray<string>
  /** Each extension's direct dependencies on other extensions, as `.metadata.yml` states them. */
  readonly dependencies: ReadonlyMap<string, ReadonlyArray<string>>
}

const readLibrary = (root: string): Library => {
  const extensionsDir = join(root, "extensions")
  if (!existsSync(join(root, "base")) || !existsSync(extensionsDir)) {
    process.stderr.write(`${root} has no base/ and extensions/ folders: pass the root of a schema-library checkout.\n`)
    process.exit(2)
  }
  const extensions = readdirSync(extensionsDir).filter((name) => statSync(join(extensionsDir, name)).isDirectory()).sort()
  const metadataPath = join(root, ".metadata.yml")
  const metadata = existsSync(metadataPath) ? (parse(readFileSync(metadataPath, "utf8")) as Record<string, unknown> | null) : null
  const dependencies = new Map<string, ReadonlyArray<string>>()
  for (const name of extensions) {
    const entry = metadata?.[`${EXTENSION_PREFIX}${name}`] as { dependencies?: ReadonlyArray<string> } | undefined
    dependencies.set(name, (entry?.dependencies ?? [])
      .filter((dependency) => dependency.startsWith(EXTENSION_PREFIX))
      .map((dependency) => dependency.slice(EXTENSION_PREFIX.length)))
  }
  return { root, extensions, dependencies }
}

/** `names` and everything they depend on, each after its dependencies (depth first, in the order given). */
const inLoadOrder = (library: Library, names: ReadonlyArray<string>): Array<string> => {
  const ordered: Array<string> = []
  const visit = (name: string, path: ReadonlyArray<string>) => {
    if (ordered.includes(name)) return
    if (path.includes(name)) throw new Error(`.metadata.yml has a dependency cycle: ${[...path, name].join(" -> ")}`)
    for (const dependency of library.dependencies.get(name) ?? []) visit(dependency, [...path, name])
    ordered.push(name)
  }
  for (const name of names) visit(name, [])
  return ordered
}

/** `undefined` when the paths load, else the sandbox's refusal, one problem per line. */
const refusalOf = (paths: ReadonlyArray<string>): Promise<string | undefined> =>
  Effect.runPromise(loadSchemaFiles(paths).pipe(
    Effect.either,
    Effect.map(Either.match({
      onLeft: (error: SchemaLoadError) => error.problems.map(renderProblem).join("\n    "),
      onRight: () => undefined
    })),
    Effect.provide(NodeContext.layer)
  ))

const sweep = async (library: Library): Promise<boolean> => {
  const pathsFor = (names: ReadonlyArray<string>) =>
    [join(library.root, "base"), ...inLoadOrder(library, names).map((name) => join(library.root, "extensions", name))]
  const width = Math.max(...library.extensions.map((name) => name.length), "all together".length)
  let allLoaded = true
  const report = async (label: string, names: ReadonlyArray<string>) => {
    const order = inLoadOrder(library, names)
    const refusal = await refusalOf(pathsFor(names))
    allLoaded &&= refusal === undefined
    const after = order.length > 1 ? `  (base, ${order.join(", ")})` : ""
    process.stdout.write(`${label.padEnd(width)}  ${refusal === undefined ? `loaded${after}` : `refused${after}\n    ${refusal}`}\n`)
  }
  const baseRefusal = await refusalOf([join(library.root, "base")])
  process.stdout.write(`${"base".padEnd(width)}  ${baseRefusal === undefined ? "loaded" : `refused\n    ${baseRefusal}`}\n`)
  allLoaded &&= baseRefusal === undefined
  for (const name of library.extensions) await report(name, [name])
  await report("all together", library.extensions)
  return allLoaded
}

const root = process.argv[2]
if (root === undefined) {
  process.stderr.write("Usage: npx tsx scripts/schema-library-sweep.ts <schema-library checkout>\n")
  process.exit(2)
}
process.exit((await sweep(readLibrary(root))) ? 0 : 1)
