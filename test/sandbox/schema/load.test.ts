import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { loadSchemaFiles } from "../../../src/sandbox/schema/load.js"
import { BASE_SCHEMA_FILES, repoPath } from "./support.js"

const WIDGET = `version: "1.0"
nodes:
  - name: Widget
    namespace: Test
    attributes:
      - name: name
        kind: Text
        unique: true
`
const EXTENSION = `version: "1.0"
extensions:
  nodes:
    - kind: TestWidget
      attributes:
        - name: color
          kind: Text
          optional: true
`

const SEMANTIC = "version: \"1.0\"\nnodes:\n  - name: Gadget\n    namespace: Test\n    inherit_from: [TestNothing]\n"

/** A temporary directory with the given files, removed when the test's scope closes. */
const tempTree = (files: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "schema-load-" })
    for (const [path, text] of Object.entries(files)) {
      const full = join(root, path)
      yield* fs.makeDirectory(join(full, ".."), { recursive: true })
      yield* fs.writeFileString(full, text)
    }
    return root
  })

describe("loadSchemaFiles", () => {
  it.effect("loads the base schema directory and then the demo extension from disk, but not the other way round", () =>
    Effect.gen(function* () {
      const base = repoPath("src/sandbox/data/schemas/base")
      const demo = repoPath("src/sandbox/data/schemas/demo")
      const registry = yield* loadSchemaFiles([base, demo])
      expect(registry.byKind.get("LocationSite")?.category).toBe("node")
      expect(registry.byKind.get("DcimDevice")?.category).toBe("node")
      expect(registry.byKind.get("ProfileDcimDevice")?.category).toBe("profile")
      // Like `infrahubctl schema load demo` on a server without the base schemas: demo needs LocationGeneric.
      const error = yield* Effect.flip(loadSchemaFiles([demo, base]))
      expect(error.problems.some((p) => p.problem.includes("LocationGeneric") && p.fix.includes(`--schema ${demo} loads like one`))).toBe(true)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("loads listed files and directories' .yml/.yaml/.json files in name order, recursively, and skips others", () =>
    Effect.gen(function* () {
      // b_extension.yml extends a kind from a_widget.json: it only works if files load in name order.
      const root = yield* tempTree({
        "schemas/b_extension.yml": EXTENSION,
        "schemas/a_widget.json": JSON.stringify({ version: "1.0", nodes: [{ name: "Widget", namespace: "Test", attributes: [{ name: "name", kind: "Text", unique: true }] }] }),
        "schemas/README.md": "not a schema",
        "schemas/nested/gadget.yaml": WIDGET.replaceAll("Widget", "Gadget")
      })
      const registry = yield* loadSchemaFiles([join(root, "schemas")])
      const widget = registry.byKind.get("TestWidget")?.schema
      expect(widget?.attributes.map((a) => a.name)).toEqual(["name", "color"])
      expect(registry.byKind.has("TestGadget")).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("refuses missing paths, non-schema files and empty directories, naming each", () =>
    Effect.gen(function* () {
      const root = yield* tempTree({ "notes.txt": "hello", "empty/.keep": "" })
      const error = yield* Effect.flip(loadSchemaFiles([join(root, "missing.yml"), join(root, "notes.txt"), join(root, "empty")]))
      expect(error._tag).toBe("SchemaLoadError")
      expect(error.problems.map((p) => [p.file, p.problem])).toEqual([
        [join(root, "missing.yml"), "does not exist."],
        [join(root, "notes.txt"), "is not a .yml, .yaml or .json file."],
        [join(root, "empty"), "contains no .yml, .yaml or .json file."]
      ])
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("refuses the whole load when any file is broken, listing the problems of every file", () =>
    Effect.gen(function* () {
      const root = yield* tempTree({
        "good.yml": WIDGET,
        "syntax.yml": "version: \"1.0\"\nnodes:\n  - name: [\n",
        "semantic.yml": `${SEMANTIC}    colour: red\n`
      })
      const both = yield* Effect.flip(loadSchemaFiles([root]))
      expect(both.problems).toEqual([
        expect.objectContaining({ file: join(root, "syntax.yml"), problem: expect.stringContaining("is not valid YAML at line 4, column 1") }),
        expect.objectContaining({ file: join(root, "semantic.yml"), problem: expect.stringContaining("unknown field \"colour\"") })
      ])
      yield* FileSystem.FileSystem.pipe(Effect.flatMap((fs) => fs.writeFileString(join(root, "semantic.yml"), SEMANTIC)))
      const fs = yield* FileSystem.FileSystem
      yield* fs.remove(join(root, "syntax.yml"))
      const semantic = yield* Effect.flip(loadSchemaFiles([root]))
      expect(semantic.message).toContain(`${join(root, "semantic.yml")} [TestGadget]: inherits from TestNothing, which does not exist.`)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("refuses the base files given one by one (they refer to each other, so one load must carry them all)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadSchemaFiles(BASE_SCHEMA_FILES))
      // location.yml alone names IpamPrefix and DcimPhysicalDevice, which only later paths define.
      expect(error.problems.map((p) => p.kind)).toContain("LocationHosting.prefixes")
      const registry = yield* loadSchemaFiles([repoPath("src/sandbox/data/schemas/base")])
      expect(registry.byKind.get("IpamPrefix")?.schema.relationships.find((r) => r.name === "location")?.peer).toBe("LocationHosting")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("accepts the same kind defined identically in two files (a copy of the base schemas), as a reload of it", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const copies: Record<string, string> = {}
      for (const file of BASE_SCHEMA_FILES) copies[`copy/${file.split("/").pop() ?? ""}`] = yield* fs.readFileString(file)
      const root = yield* tempTree(copies)
      const once = yield* loadSchemaFiles([repoPath("src/sandbox/data/schemas/base")])
      const twice = yield* loadSchemaFiles([repoPath("src/sandbox/data/schemas/base"), join(root, "copy")])
      expect(twice.dump.main).toBe(once.dump.main)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))
})
