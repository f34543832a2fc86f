import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js"
import { BIN, connectStdio } from "../test/support/mcp.js"
import { connectScriptStdio } from "./baseline/launch.js"
import { cpuMs } from "./cpu.js"
import { residentMiB } from "./machine.js"
import type { RequestLog } from "./measure.js"
import { elapsedMs, summarize, type Summary } from "./stats.js"

/** Spawn → first `tools/list` over stdio, for infrahub-mcp and the baseline, interleaved. */

export interface ServerStart {
  readonly initialize: Summary
  readonly toolsList: Summary
  /** RSS right after the first `tools/list` answer. */
  readonly rssMiB: Summary
  /** The server's CPU time from spawn to its first `tools/list` answer: steadier than wall time on a busy machine. */
  readonly cpuMs: Summary | undefined
  /** Distinct JavaScript/JSON files the process opened up to `tools/list`; `undefined` without strace. */
  readonly moduleFiles: number | undefined
}

export interface ColdStart {
  readonly runs: number
  readonly bareNode: Summary
  readonly version: Summary
  readonly ours: ServerStart
  readonly baseline: ServerStart
  readonly infrahubRequestsPerStart: number
}

const baseEnv = (env: Readonly<Record<string, string>>) => ({ PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env })

/** Spawns `node args…` and times spawn → exit (for start-up baselines that exit on their own). */
const timeToExit = (args: ReadonlyArray<string>) =>
  new Promise<number>((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [...args], { stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env["PATH"] ?? "" } })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", reject)
    child.once("exit", (code) => {
      if (code === 0) resolve(elapsedMs(start))
      else reject(new Error(`node ${args.join(" ")} exited with ${code}: ${stderr}`))
    })
  })

const HANDSHAKE = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench", version: "1" } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" }
]
  .map((message) => `${JSON.stringify(message)}\n`)
  .join("")

/**
 * Counts the distinct .js/.mjs/.cjs/.json files a server opens from spawn to its `tools/list`
 * answer, by running it under `strace -f -e openat` (untimed: tracing slows it down). `undefined`
 * when strace is not installed.
 */
export const moduleFiles = async (script: string, env: Readonly<Record<string, string>>): Promise<number | undefined> => {
  if (spawnSync("strace", ["-V"], { stdio: "ignore" }).status !== 0) return undefined
  const directory = mkdtempSync(join(tmpdir(), "infrahub-mcp-strace-"))
  const log = join(directory, "openat.log")
  try {
    const child = spawn("strace", ["-f", "-qq", "-e", "trace=openat", "-o", log, process.execPath, script], { env: baseEnv(env), stdio: ["pipe", "pipe", "ignore"] })
    await new Promise<void>((resolve, reject) => {
      let stdout = ""
      const timer = setTimeout(() => reject(new Error(`${script} under strace did not answer tools/list within 60 s`)), 60_000)
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('"id":2')) {
          clearTimeout(timer)
          child.stdin.end()
          resolve()
        }
      })
      child.stdin.write(HANDSHAKE)
    })
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())))
    // With -f, a call another thread interrupts is logged in two lines: `PID openat(…"path"… <unfinished ...>`,
    // then `PID <... openat resumed>) = fd`; the file counts when the call succeeded.
    const files = new Set<string>()
    const pending = new Map<string, string>()
    for (const line of readFileSync(log, "utf8").split("\n")) {
      const call = /^(\d+)\s+openat\([^"]*"([^"]+\.(?:m?js|cjs|json))"(.*)$/.exec(line)
      if (call?.[1] !== undefined && call[2] !== undefined) {
        if (call[3]?.includes("<unfinished ...>")) pending.set(call[1], call[2])
        else if (/\)\s*=\s*\d+/.test(call[3] ?? "")) files.add(call[2])
        continue
      }
      const resumed = /^(\d+)\s+<\.\.\. openat resumed>.*\)\s*=\s*(-?\d+)/.exec(line)
      const path = resumed?.[1] === undefined ? undefined : pending.get(resumed[1])
      if (resumed?.[1] !== undefined && path !== undefined) {
        pending.delete(resumed[1])
        if (Number(resumed[2]) >= 0) files.add(path)
      }
    }
    return files.size
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

const startOnce = async (connect: () => Promise<{ readonly client: { listTools: () => Promise<unknown> }; readonly pid: number | undefined; readonly close: () => Promise<void> }>) => {
  const start = process.hrtime.bigint()
  const session = await connect()
  try {
    const initialize = elapsedMs(start)
    await session.client.listTools()
    const toolsList = elapsedMs(start)
    const rss = session.pid === undefined ? undefined : residentMiB(session.pid)?.rss
    return { initialize, toolsList, rss: rss ?? Number.NaN, cpu: cpuMs(session.pid) }
  } finally {
    await session.close()
  }
}

export const coldStart = async (options: {
  readonly sandbox: RequestLog
  readonly env: Readonly<Record<string, string>>
  readonly baselineScript: string
  readonly runs: number
}): Promise<ColdStart> => {
  const series = { bare: [] as Array<number>, version: [] as Array<number> }
  const servers = {
    ours: { initialize: [] as Array<number>, toolsList: [] as Array<number>, rss: [] as Array<number>, cpu: [] as Array<number> },
    baseline: { initialize: [] as Array<number>, toolsList: [] as Array<number>, rss: [] as Array<number>, cpu: [] as Array<number> }
  }
  const connectOurs = async () => {
    const session = await connectStdio(options.env)
    return { client: session.client, pid: (session.client.transport as { pid?: number | null } | undefined)?.pid ?? undefined, close: session.close }
  }
  const connectBaseline = () => connectScriptStdio(options.baselineScript, options.env)
  let startupRequests = 0
  // One unrecorded round first: the OS file cache, not start-up, would dominate the first spawn.
  for (let run = -1; run < options.runs; run++) {
    const bare = await timeToExit(["-e", "0"])
    const version = await timeToExit([BIN, "--version"])
    await options.sandbox.clearRequests()
    const order = run % 2 === 0 ? (["ours", "baseline"] as const) : (["baseline", "ours"] as const)
    const results: Partial<Record<"ours" | "baseline", Awaited<ReturnType<typeof startOnce>>>> = {}
    for (const name of order) results[name] = await startOnce(name === "ours" ? connectOurs : connectBaseline)
    const requests = (await options.sandbox.requests()).length
    if (run < 0) continue
    series.bare.push(bare)
    series.version.push(version)
    for (const name of ["ours", "baseline"] as const) {
      const result = results[name]
      if (result === undefined) continue
      servers[name].initialize.push(result.initialize)
      servers[name].toolsList.push(result.toolsList)
      servers[name].rss.push(result.rss)
      if (result.cpu !== undefined) servers[name].cpu.push(result.cpu)
    }
    startupRequests += requests
  }
  const summary = async (name: "ours" | "baseline", script: string): Promise<ServerStart> => ({
    initialize: summarize(servers[name].initialize),
    toolsList: summarize(servers[name].toolsList),
    rssMiB: summarize(servers[name].rss),
    cpuMs: servers[name].cpu.length > 0 ? summarize(servers[name].cpu) : undefined,
    moduleFiles: await moduleFiles(script, options.env)
  })
  return {
    runs: options.runs,
    bareNode: summarize(series.bare),
    version: summarize(series.version),
    ours: await summary("ours", BIN),
    baseline: await summary("baseline", options.baselineScript),
    infrahubRequestsPerStart: startupRequests / options.runs
  }
}
