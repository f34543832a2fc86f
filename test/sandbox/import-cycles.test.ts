import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/**
 * The sandbox's module graph has no import cycles (type-only imports included: a cycle of types is
 * still two modules that cannot be read apart). A few lines over the TypeScript sources, no tool.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/sandbox")

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith(".ts") ? [path] : []
  })

const importsOf = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((match) => match[1] ?? "")
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, ".ts")))
}

/** Every cycle's modules, found by depth-first search (each cycle reported once, from its first module). */
export const findCycles = (graph: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<ReadonlyArray<string>> => {
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

describe("src/sandbox module graph", () => {
  it("finds a cycle when there is one (the check can fail)", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]])
    expect(findCycles(graph)).toEqual([["a", "b", "c"]])
  })

  it("has no import cycles", () => {
    const files = sources(root)
    const graph = new Map(files.map((file) => [file, importsOf(file)]))
    const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(root, file)).join(" → "))
    expect(cycles).toEqual([])
  })
})
