import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/**
 * The module graph of `src`: no import cycles (type-only imports included: a cycle of types is still
 * two modules that cannot be read apart), and no import up the layers. The lower layers (auth,
 * Infrahub access, session state, the state store) know nothing of the MCP protocol, the HTTP edge
 * or the app that wires them: what they need from a request (its workspace, the client log, the
 * branch a call wrote to) they declare themselves, and the upper layers provide it. A few lines over
 * the TypeScript sources, no tool.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../src")

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith(".ts") ? [path] : []
  })

/** Static imports and re-exports, and `import("…")` (a module loaded on demand is still a dependency). */
const importsOf = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const staticOnes = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)]
  const dynamicOnes = [...text.matchAll(/\bimport\(\s*"(\.[^"]+)"\s*\)/g)]
  return [...staticOnes, ...dynamicOnes].map((match) => resolve(dirname(file), (match[1] ?? "").replace(/\.js$/, ".ts")))
}

type Graph = ReadonlyMap<string, ReadonlyArray<string>>

/** Every cycle's modules, found by depth-first search (each cycle reported once, from its first module). */
export const findCycles = (graph: Graph): ReadonlyArray<ReadonlyArray<string>> => {
  const cycles: Array<ReadonlyArray<string>> = []
  const state = new Map<string, "open" | "done">()
  const stack: Array<string> = []
  const visit = (node: string): void => {
    state.set(node, "open")
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === "open") cycles.push(stack.slice(stack.indexOf(next)))
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(node, "done")
  }
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node)
  return cycles
}

/** The top-level directory of a module under `src` (`"mcp"` for `src/mcp/tools/nodes.ts`). */
const layerOf = (path: string): string => relative(root, path).split(sep)[0] ?? ""

const LOWER = ["auth", "config", "infrahub", "session", "state"]
const UPPER = ["mcp", "http", "app"]

/** Imports from a lower layer into an upper one, as `from → to` (paths relative to `src`). */
export const importsUpTheLayers = (graph: Graph): ReadonlyArray<string> =>
  [...graph].flatMap(([file, imports]) =>
    LOWER.includes(layerOf(file))
      ? imports.filter((target) => UPPER.includes(layerOf(target))).map((target) => `${relative(root, file)} → ${relative(root, target)}`)
      : []
  )

const srcGraph = (): Graph => new Map(sources(root).map((file) => [file, importsOf(file)]))

describe("src module graph", () => {
  it("finds a cycle when there is one (the check can fail)", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]])
    expect(findCycles(graph)).toEqual([["a", "b", "c"]])
  })

  it("finds an import up the layers when there is one (the check can fail)", () => {
    const at = (path: string) => join(root, path)
    const graph = new Map([
      [at("session/SessionBranches.ts"), [at("mcp/RequestContext.ts"), at("state/StateStore.ts")]],
      [at("mcp/McpBridge.ts"), [at("session/SessionBranches.ts")]]
    ])
    expect(importsUpTheLayers(graph)).toEqual([`session${sep}SessionBranches.ts → mcp${sep}RequestContext.ts`])
  })

  it("reads the real graph (the checks below see the sources)", () => {
    const graph = srcGraph()
    expect(graph.size).toBeGreaterThan(100)
    expect(graph.get(join(root, "session/SessionBranches.ts"))).toContain(join(root, "state/StateStore.ts"))
  })

  it("has no import cycles", () => {
    const cycles = findCycles(srcGraph()).map((cycle) => cycle.map((file) => relative(root, file)).join(" → "))
    expect(cycles).toEqual([])
  })

  it("never imports from mcp, http or app in auth, config, infrahub, session or state", () => {
    expect(importsUpTheLayers(srcGraph())).toEqual([])
  })
})

/** Value imports (not `import type`) and re-exports of a file, relative and bare, static only. */
const staticValueImportsOf = (file: string): ReadonlyArray<string> =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gms)].map((match) => match[1] ?? "")

/** The packages (bare specifiers) and our files (relative to src) the entries load, following static imports only (not `import()`). */
const modulesLoadedBy = (entries: ReadonlyArray<string>): { readonly packages: ReadonlySet<string>; readonly files: ReadonlySet<string> } => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const specifier of staticValueImportsOf(file)) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")))
      else packages.add(specifier)
    }
  }
  for (const entry of entries) visit(join(root, entry))
  return { packages, files: new Set([...seen].map((file) => relative(root, file))) }
}

const packagesLoadedBy = (entries: ReadonlyArray<string>): ReadonlySet<string> => modulesLoadedBy(entries).packages

/** What `infrahub-mcp` evaluates to serve over stdio or HTTP: the CLI, then (on demand) the server and its transports. */
const SERVER_MODULES = ["main.ts", "app/serve.ts", "app/stdio.ts", "app/http.ts"]

describe("what a server loads at start", () => {
  it("follows static value imports to the packages (the check can fail)", () => {
    expect(packagesLoadedBy(SERVER_MODULES)).toContain("@modelcontextprotocol/sdk/server/index.js")
    expect(packagesLoadedBy(["auth/oidc/OidcProxyLive.ts"])).toContain("jose")
  })

  // Each costs start-up time (module evaluation) that only some configurations or commands need:
  // jose with the OIDC proxy (auth mode oidc), ioredis with a shared state store, OTLP with
  // telemetry on, graphql-js whole (the sandbox's executor), undici's client until the first
  // Infrahub request. They load on first use.
  it.each(["jose", "ioredis", "@effect/opentelemetry/Otlp", "graphql", "@effect/platform-node/NodeHttpClient"])(
    "does not load %s before it is used",
    (name) => {
      expect([...packagesLoadedBy(SERVER_MODULES)].filter((specifier) => specifier === name)).toEqual([])
    }
  )

  // The OIDC proxy's own modules (its endpoints and their router, built when the module is
  // evaluated) load with the proxy, in auth mode oidc only; its tag, settings and errors are shared.
  it.each(["auth/oidc/OidcProxyLive.ts", "auth/oidc/routes.ts"])("does not load %s unless auth mode oidc builds the proxy", (file) => {
    expect(modulesLoadedBy(["auth/oidc/OidcProxyLive.ts"]).files).toContain(file)
    expect([...modulesLoadedBy(SERVER_MODULES).files].filter((loaded) => loaded === file)).toEqual([])
  })
})
