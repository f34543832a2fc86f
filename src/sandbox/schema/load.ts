/**
 * Reads schema files and directories, the way `infrahubctl schema load` collects them, and processes them
 * on top of Infrahub's built-in kinds.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { basename, join } from "node:path"
import { buildRegistryFromDocuments } from "./build.js"
import { decodeSchemaDocument } from "./decode.js"
import { SchemaLoadError, type SchemaProblem } from "./errors.js"
import { parseSchemaText, SCHEMA_FILE_EXTENSIONS, type SchemaDocument } from "./files.js"
import type { SchemaRegistry } from "./types.js"

const isSchemaFile = (path: string): boolean => SCHEMA_FILE_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext))

/** infrahubctl orders the paths of each level by their base name. */
const byName = (paths: ReadonlyArray<string>): Array<string> =>
  [...paths].sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0))

/**
 * Schema files under `paths`, in load order. The paths given load in the order given, each like one
 * `infrahubctl schema load <path>` (schema-library's README loads base, then each extension, in turn), so an
 * extension may extend a kind from a path listed before it; inside a directory, each level by name, recursively.
 */
const collectFiles = (
  fs: FileSystem.FileSystem,
  paths: ReadonlyArray<string>,
  problems: Array<SchemaProblem>,
  explicit: boolean
): Effect.Effect<Array<string>> =>
  Effect.gen(function* () {
    const files: Array<string> = []
    for (const path of explicit ? paths : byName(paths)) {
      const info = yield* Effect.either(fs.stat(path))
      if (Either.isLeft(info)) {
        problems.push({
          file: path,
          problem: info.left._tag === "SystemError" && info.left.reason === "NotFound"
            ? "does not exist."
            : `cannot be read: ${info.left.message}.`,
          fix: "Check the schema path (a .yml, .yaml or .json file, or a directory of them)."
        })
        continue
      }
      if (info.right.type === "Directory") {
        const entries = yield* Effect.either(fs.readDirectory(path))
        if (Either.isLeft(entries)) {
          problems.push({ file: path, problem: `cannot be listed: ${entries.left.message}.`, fix: "Check the directory's permissions." })
          continue
        }
        const found = yield* collectFiles(fs, entries.right.map((entry) => join(path, entry)), problems, false)
        if (explicit && found.length === 0) {
          problems.push({ file: path, problem: "contains no .yml, .yaml or .json file.", fix: "Point the sandbox at the directory that holds the schema files." })
        }
        files.push(...found)
      } else if (info.right.type === "File" && isSchemaFile(path)) {
        files.push(path)
      } else if (explicit) {
        problems.push({ file: path, problem: "is not a .yml, .yaml or .json file.", fix: "Name schema files with one of these extensions." })
      }
    }
    return files
  })

/**
 * Loads schema files (YAML, also multi-document, or JSON, in `infrahubctl schema load` format) and
 * directories of them, and processes them as Infrahub would. Each path given is one `infrahubctl schema
 * load` call: it may use the kinds of the paths before it, never those of a later one, so every prefix of
 * the paths must load on its own (as it would have on a real server at that point). All-or-nothing: any
 * problem fails with a `SchemaLoadError` listing every problem found at the first path that fails.
 */
export const loadSchemaFiles: (
  paths: ReadonlyArray<string>
) => Effect.Effect<SchemaRegistry, SchemaLoadError, FileSystem.FileSystem> = Effect.fn("SchemaLoader.loadSchemaFiles")(
  function* (paths: ReadonlyArray<string>) {
    const fs = yield* FileSystem.FileSystem
    const problems: Array<SchemaProblem> = []
    const groups: Array<Array<SchemaDocument>> = []
    for (const path of paths) {
      const files = yield* collectFiles(fs, [path], problems, true)
      const documents: Array<SchemaDocument> = []
      for (const file of files) {
        const text = yield* Effect.either(fs.readFileString(file))
        if (Either.isLeft(text)) {
          problems.push({ file, problem: `cannot be read: ${text.left.message}.`, fix: "Check the file's permissions." })
          continue
        }
        const parsed = parseSchemaText(file, text.right)
        problems.push(...parsed.problems)
        documents.push(...parsed.documents)
      }
      groups.push(documents)
    }
    if (problems.length > 0) {
      // Report the readable files' problems too, so one run lists everything to fix.
      const decoded = groups.flat().flatMap((document) => decodeSchemaDocument(document).problems)
      return yield* new SchemaLoadError({ problems: [...problems, ...decoded] })
    }
    // The loads before the last: each must stand on the paths before it.
    for (let count = 1; count < groups.length; count++) {
      const partial = buildRegistryFromDocuments(groups.slice(0, count).flat())
      if (Either.isLeft(partial)) {
        const path = paths[count - 1] ?? ""
        return yield* new SchemaLoadError({
          problems: partial.left.problems.map((problem) => ({
            ...problem,
            fix: `${problem.fix} (--schema ${path} loads like one \`infrahubctl schema load\` call, before the paths after it: it may use kinds of earlier paths only, so list the path it needs first.)`
          }))
        })
      }
    }
    return yield* buildRegistryFromDocuments(groups.flat())
  }
)
