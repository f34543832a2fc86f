import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { connectStdio } from "../test/support/mcp.js"
import { connectScriptStdio } from "./baseline/launch.js"
import { type FilterValue, nodesDocument, PAGE_SIZE, pageOf } from "./baseline/documents.js"
import { cpuMs } from "./cpu.js"
import { makeDirectClient } from "./direct.js"
import { startSandboxProcess } from "./sandbox.js"
import { elapsedMs, summarize, type Summary } from "./stats.js"

/**
 * `get_nodes limit=-1` over 2 500, 5 000 and 10 000 nodes, on a sandbox of its own holding 10 000
 * BuiltinTags and nothing else (`--seed none`): the first quarter described `bench-q1`, the second
 * `bench-q2`, so a description filter selects 2 500 or 5 000 of them and no filter all 10 000.
 * Both servers page through in 500s with the same documents; `direct` pages with a lean client.
 */

export const LARGE_SIZES = [2500, 5000, 10_000] as const
const KIND = "BuiltinTag"

export const largeFilters = (size: number): Record<string, FilterValue> =>
  size === 2500 ? { description__value: "bench-q1" } : size === 5000 ? { description__values: ["bench-q1", "bench-q2"] } : {}

const dataFile = (directory: string): string => {
  const lines = ["---", "apiVersion: infrahub.app/v1", "kind: Object", "spec:", `  kind: ${KIND}`, "  data:"]
  for (let index = 0; index < 10_000; index++) {
    const group = index < 2500 ? "bench-q1" : index < 5000 ? "bench-q2" : "bench-rest"
    lines.push(`    - name: bench-${String(index).padStart(5, "0")}`, `      description: ${group}`)
  }
  const path = join(directory, "large.yml")
  writeFileSync(path, `${lines.join("\n")}\n`)
  return path
}

export interface LargeRow {
  readonly size: number
  readonly ours: Summary
  readonly baseline: Summary
  readonly direct: Summary
  readonly oursCpuMs: number | undefined
  readonly baselineCpuMs: number | undefined
}

export interface LargeResult {
  readonly sandboxLoadS: number
  readonly iterations: number
  readonly rows: ReadonlyArray<LargeRow>
}

type Structured = Record<string, unknown>

const structuredOf = async (client: Client, size: number): Promise<Structured> => {
  const result = await client.callTool({ name: "get_nodes", arguments: { kind: KIND, limit: -1, filters: largeFilters(size) } })
  if (result.isError === true || typeof result.structuredContent !== "object" || result.structuredContent === null) {
    throw new Error(`get_nodes limit=-1 over ${size} nodes failed: ${JSON.stringify(result.content).slice(0, 400)}`)
  }
  return result.structuredContent as Structured
}

export const benchLargeReads = async (options: {
  readonly iterations: number
  readonly serverEnv: Readonly<Record<string, string>>
  readonly baselineScript: string
  /** Checks infrahub-mcp's document for a page against the baseline's (throws when they differ). */
  readonly checkDocument: (filters: Readonly<Record<string, FilterValue>>, offset: number, limit: number, document: string) => void
  readonly phase: (name: string) => void
}): Promise<LargeResult> => {
  const directory = mkdtempSync(join(tmpdir(), "infrahub-mcp-bench-"))
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(directory, { recursive: true, force: true })]
  try {
    const loadStart = process.hrtime.bigint()
    const sandbox = await startSandboxProcess(["--seed", "none", "--data", dataFile(directory)], 900_000)
    const sandboxLoadS = elapsedMs(loadStart) / 1000
    cleanups.push(() => sandbox.stop())
    options.phase(`large reads: the sandbox loaded 10 000 nodes in ${sandboxLoadS.toFixed(0)} s`)
    const env = { ...options.serverEnv, INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token }
    const ours = await connectStdio(env)
    cleanups.push(() => ours.close())
    const baseline = await connectScriptStdio(options.baselineScript, env)
    cleanups.push(() => baseline.close())
    const direct = makeDirectClient(sandbox.url, sandbox.token)
    cleanups.push(async () => direct.close())
    const oursPid = (ours.client.transport as { pid?: number | null } | undefined)?.pid ?? undefined

    const directRead = async (size: number) => {
      const filters = Object.entries(largeFilters(size))
      const rows: Array<unknown> = []
      for (;;) {
        const document = nodesDocument(KIND, filters, rows.length, PAGE_SIZE)
        const page = pageOf(await direct.graphql(document), KIND)
        rows.push(...page.rows)
        if (page.rows.length === 0 || page.count === null || rows.length >= page.count) return rows.length
      }
    }

    // Same answer from both servers and the direct reader, and the same documents, before timing.
    for (const size of LARGE_SIZES) {
      const [mine, theirs] = [await structuredOf(ours.client, size), await structuredOf(baseline.client, size)]
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) throw new Error(`get_nodes limit=-1 over ${size} nodes: infrahub-mcp and the baseline answered different structuredContent.`)
      if (mine["count"] !== size || (await directRead(size)) !== size) throw new Error(`The large-read sandbox does not hold ${size} matching nodes (infrahub-mcp counted ${String(mine["count"])}).`)
      for (const offset of [0, PAGE_SIZE]) options.checkDocument(largeFilters(size), offset, PAGE_SIZE, nodesDocument(KIND, Object.entries(largeFilters(size)), offset, PAGE_SIZE))
    }

    type Path = "ours" | "baseline" | "direct"
    const samples = new Map<string, Array<number>>()
    const cpu = new Map<string, number>()
    const paths: ReadonlyArray<Path> = ["ours", "baseline", "direct"]
    for (let iteration = 0; iteration < options.iterations; iteration++) {
      for (const size of LARGE_SIZES) {
        for (const path of [...paths.slice(iteration % 3), ...paths.slice(0, iteration % 3)]) {
          const pid = path === "ours" ? oursPid : path === "baseline" ? baseline.pid : undefined
          const before = cpuMs(pid)
          const start = process.hrtime.bigint()
          if (path === "direct") await directRead(size)
          else await structuredOf(path === "ours" ? ours.client : baseline.client, size)
          const ms = elapsedMs(start)
          const after = cpuMs(pid)
          const key = `${path}/${size}`
          samples.set(key, [...(samples.get(key) ?? []), ms])
          if (before !== undefined && after !== undefined) cpu.set(key, (cpu.get(key) ?? 0) + after - before)
        }
      }
    }
    const cpuPerCall = (key: string) => (cpu.has(key) ? (cpu.get(key) ?? 0) / options.iterations : undefined)
    return {
      sandboxLoadS,
      iterations: options.iterations,
      rows: LARGE_SIZES.map((size) => ({
        size,
        ours: summarize(samples.get(`ours/${size}`) ?? []),
        baseline: summarize(samples.get(`baseline/${size}`) ?? []),
        direct: summarize(samples.get(`direct/${size}`) ?? []),
        oursCpuMs: cpuPerCall(`ours/${size}`),
        baselineCpuMs: cpuPerCall(`baseline/${size}`)
      }))
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`))
  }
}
