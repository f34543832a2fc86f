// `npm run build`: the library as tsc output with types (dist/index.js + .d.ts, what `exports` names),
// and the CLI as one bundled file (dist/main.js) behind a small launcher (dist/bin.js, what `bin`
// names). Loading one file instead of ~1 300 module files is most of the CLI's start-up time.
import { execFileSync } from "node:child_process"
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, relative, resolve, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec"
import * as esbuild from "esbuild"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const SRC = resolve(ROOT, "src")
const DIST = resolve(ROOT, "dist")
const SANDBOX_DATA = resolve(SRC, "sandbox/data")

/** The launcher users run (package.json `bin`) and the bundle it loads. */
export const LAUNCHER = resolve(DIST, "bin.js")
export const BUNDLE = resolve(DIST, "main.js")

/**
 * Every bundled source module sees `import.meta.url` as the URL its tsc output would have
 * (`src/sandbox/server.ts` → `dist/sandbox/server.js`), so paths resolved relative to a module —
 * the sandbox's data files, package.json for the version — point where they do unbundled.
 */
const tscLocationOfImportMeta: esbuild.Plugin = {
  name: "tsc-location-of-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC)) return undefined
      const source = readFileSync(args.path, "utf8")
      if (!source.includes("import.meta.url")) return undefined
      const compiled = `./${relative(SRC, args.path).replace(/\.ts$/, ".js")}`
      return { contents: source.replaceAll("import.meta.url", `new URL(${JSON.stringify(compiled)}, import.meta.url).href`), loader: "ts" }
    })
  }
}

/**
 * The sandbox's data files stay files: a JSON import under src/sandbox/data is read from disk when
 * the sandbox starts (package.json `files` ships that folder) instead of being compiled into the
 * bundle, which every start would then have to parse.
 */
const sandboxDataFromDisk: esbuild.Plugin = {
  name: "sandbox-data-from-disk",
  setup(build) {
    build.onLoad({ filter: /\.json$/ }, (args) => {
      if (!args.path.startsWith(SANDBOX_DATA)) return undefined
      const fromBundle = relative(DIST, args.path).split("\\").join("/")
      return {
        contents: `import { readFileSync } from "node:fs"\nexport default JSON.parse(readFileSync(new URL(${JSON.stringify(fromBundle)}, import.meta.url), "utf8"))\n`,
        loader: "js",
        resolveDir: DIST
      }
    })
  }
}

/** How the CLI is bundled into `outfile` (a file in dist/, where the bundle's relative paths resolve). */
export const cliBundleOptions = (outfile: string) =>
  ({
    entryPoints: [resolve(SRC, "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20.10",
    // CommonJS dependencies (undici, ajv, ws…) `require` Node's built-ins, which ESM output has no `require` for.
    banner: { js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);' },
    plugins: [tscLocationOfImportMeta, sandboxDataFromDisk],
    // V8 keeps a script's source in memory: whitespace-free source is 7 MiB less RSS and a faster
    // scan. Names and syntax stay (readable stack frames); the linked map gives source positions
    // under `node --enable-source-maps` (our own code's: see mapOwnSourcesOnly).
    minifyWhitespace: true,
    sourcemap: "linked",
    sourcesContent: false,
    logLevel: "warning"
  }) satisfies esbuild.BuildOptions

const bundleCli = () => esbuild.build(cliBundleOptions(BUNDLE)).then(() => mapOwnSourcesOnly(`${BUNDLE}.map`))

/** A source map as esbuild writes it without `sourcesContent`. */
interface SourceMap {
  readonly version: 3
  readonly sources: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
  readonly mappings: string
}

/**
 * Keeps the bundle's map to the sources that ship (ours, under src/): a map must not point at files
 * the package does not have, and embedding the ~800 dependency modules instead (`sourcesContent`)
 * would make it a 14 MB map for a 3.4 MB bundle. A position in a dependency becomes unmapped (a
 * one-field segment), so its stack frame names the function at its place in dist/main.js instead
 * of borrowing the nearest position of ours.
 */
const mapOwnSourcesOnly = (mapFile: string): void => {
  const map = JSON.parse(readFileSync(mapFile, "utf8")) as SourceMap
  const sources = indexOfKept<string>()
  const names = indexOfKept<string>()
  // Our TypeScript modules (package.json `files` ships src/); not the sandbox-data loaders, which are generated.
  const own = map.sources.map((source) => source.endsWith(".ts") && resolve(dirname(mapFile), source).startsWith(SRC + sep))
  const mappings = decode(map.mappings).map((line) =>
    line.reduce<Array<SourceMapSegment>>((kept, segment) => {
      const [column, source, sourceLine, sourceColumn, name] = segment
      if (source !== undefined && own[source] === true) {
        const sourceIndex = sources.of(map.sources[source]!)
        kept.push(
          name === undefined
            ? [column, sourceIndex, sourceLine!, sourceColumn!]
            : [column, sourceIndex, sourceLine!, sourceColumn!, names.of(map.names[name]!)]
        )
      } else if (kept.length === 0 || kept[kept.length - 1]!.length > 1) {
        // Also at the start of a line: Node looks a position up as the nearest preceding segment, on
        // any line, so an unmapped stretch must be marked, not merely left without segments.
        kept.push([column])
      }
      return kept
    }, [])
  )
  const kept: SourceMap = { version: 3, sources: sources.values, names: names.values, mappings: encode(mappings) }
  writeFileSync(mapFile, JSON.stringify(kept))
}

/** Numbers values in the order they are first kept, for a map's re-indexed `sources` and `names`. */
const indexOfKept = <A>() => {
  const values: Array<A> = []
  const index = new Map<A, number>()
  return {
    values,
    of: (value: A): number => {
      const known = index.get(value)
      if (known !== undefined) return known
      index.set(value, values.length)
      values.push(value)
      return values.length - 1
    }
  }
}

/** The launcher is not bundled: it must run before the bundle is compiled (see src/bin.ts). */
const buildLauncher = () =>
  esbuild.build({
    entryPoints: [resolve(SRC, "bin.ts")],
    outfile: LAUNCHER,
    platform: "node",
    format: "esm",
    target: "node20.10",
    logLevel: "warning"
  })

const compileLibrary = () =>
  execFileSync(process.execPath, [resolve(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" })

export const build = async (): Promise<void> => {
  // Stale output (a module since removed, an old entry point) would otherwise ship.
  rmSync(DIST, { recursive: true, force: true })
  compileLibrary()
  await Promise.all([bundleCli(), buildLauncher()])
  chmodSync(LAUNCHER, 0o755)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  build().catch((error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  })
}
