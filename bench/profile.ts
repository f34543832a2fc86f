// `npm run bench:profile`: where the server's CPU goes on the request path. Builds a readable
// (unminified) copy of the CLI bundle, runs it over Streamable HTTP under `node --cpu-prof`, drives
// N SDK client sessions calling one tool in a closed loop, and prints the server's CPU per call and
// its self time by module and by function, counting only the samples taken inside the timed window.
//
//   BENCH_PROFILE_TOOL=get_session_info BENCH_PROFILE_SESSIONS=1,10,50 BENCH_PROFILE_SECONDS=4 npm run bench:profile
//
// BENCH_PROFILE_KEEP=<folder> also keeps each raw `.cpuprofile` there (for Chrome DevTools or speedscope).
import { spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { cliBundleOptions } from "../scripts/build.js"
import { readyUrl } from "./readyLine.js"
import { THROUGHPUT_TOOLS } from "./config.js"
import { startSandboxProcess } from "./sandbox.js"
import { measureThroughput, openSessions } from "./throughput.js"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
/** In dist/, next to the real bundle, so `../package.json` resolves as it does for dist/main.js. */
const PROFILE_BUNDLE = join(ROOT, "dist/main.profile.js")

const TOOL_ARGS: Readonly<Record<string, Record<string, unknown>>> = Object.fromEntries(THROUGHPUT_TOOLS.map(({ id, args }) => [id, args]))

interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
    readonly children?: ReadonlyArray<number>
  }>
  readonly startTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The same bundle as `npm run build`, without whitespace minification (esbuild then marks each module's start) or map. */
const buildProfileBundle = () => esbuild.build({ ...cliBundleOptions(PROFILE_BUNDLE), minifyWhitespace: false, sourcemap: false })

/** Bundle line → the module it came from, from esbuild's `// path` markers. */
const moduleIndex = (bundle: string) => {
  const starts: Array<{ readonly line: number; readonly module: string }> = []
  bundle.split("\n").forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|src)\/\S+)$/.exec(text)
    if (match?.[1] !== undefined) starts.push({ line, module: match[1] })
  })
  return (line: number): string => {
    let low = 0
    let high = starts.length - 1
    let found = "(bundle prelude)"
    while (low <= high) {
      const middle = (low + high) >> 1
      const start = starts[middle]!
      if (start.line <= line) {
        found = start.module
        low = middle + 1
      } else high = middle - 1
    }
    return found
  }
}

/** A module path shortened to its package (or our own `src/...` file). */
const packageOf = (module: string): string => {
  if (module.startsWith("src/")) return module
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:dist\/(?:esm|cjs)\/)?(.*)$/.exec(module)
  if (match === null) return module
  return match[1] === "effect" ? `effect/${match[2]}` : match[1]!
}

const top = (totals: Map<string, number>, count: number, windowUs: number) =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `  ${((100 * us) / windowUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
    .join("\n")

/** Self time of every sample taken between `fromUs` and `toUs` (the profiler's clock is CLOCK_MONOTONIC, as is hrtime). */
const analyse = (profile: CpuProfile, moduleOf: (line: number) => string, fromUs: number, toUs: number, calls: number) => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const moduleOfFrame = (frame: CpuProfile["nodes"][number]["callFrame"]): string =>
    frame.url.endsWith("main.profile.js") ? packageOf(moduleOf(frame.lineNumber)) : frame.url === "" ? frame.functionName : frame.url
  const byModule = new Map<string, number>()
  const byFunction = new Map<string, number>()
  // Inclusive time of our own functions (and of logging/metrics/hashing wherever they are called from).
  const inclusive = new Map<string, number>()
  const INTERESTING = /logfmt|Logger|metric|Metric|Span|Hmac|digest|randomUUID|stderr|writeUtf8String|writev|webRequest|fromWeb|toURL|Headers|Request|Response/
  let at = profile.startTime
  let busyUs = 0
  let idleUs = 0
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0
    if (at < fromUs || at > toUs) return
    const delta = profile.timeDeltas[index + 1] ?? 0
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) return
    if (frame.functionName === "(idle)") {
      idleUs += delta
      return
    }
    busyUs += delta
    const module = moduleOfFrame(frame)
    const seen = new Set<string>()
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const callFrame = byId.get(current)?.callFrame
      if (callFrame === undefined) break
      const owner = moduleOfFrame(callFrame)
      if (!owner.startsWith("src/") && !INTERESTING.test(callFrame.functionName)) continue
      const key = `${callFrame.functionName || "(anonymous)"}:${callFrame.lineNumber}  [${owner}]`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + delta)
    }
    byModule.set(module, (byModule.get(module) ?? 0) + delta)
    const name = `${frame.functionName || "(anonymous)"}  [${module}]`
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta)
  })
  return [
    `main thread busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms; ${(busyUs / 1000 / calls).toFixed(3)} ms busy per call`,
    "self time by module:",
    top(byModule, 25, busyUs),
    "self time by function:",
    top(byFunction, 40, busyUs),
    "inclusive time of our functions (and logging, metrics, hashing, web objects):",
    top(inclusive, Number(process.env["BENCH_PROFILE_INCLUSIVE"] ?? "60"), busyUs)
  ].join("\n")
}

const profileOnce = async (sandbox: { url: string; token: string }, tool: string, sessions: number, seconds: number, moduleOf: (line: number) => string) => {
  const dir = mkdtempSync(join(tmpdir(), "infrahub-mcp-profile-"))
  const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, PROFILE_BUNDLE, "--transport", "streamable-http", "--port", "0"], {
    env: { PATH: process.env["PATH"] ?? "", INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token },
    stdio: ["ignore", "ignore", "pipe"]
  })
  try {
    const url = await readyUrl(child, /mcp_server_ready transport=streamable-http url=(\S+)/, "the server")
    const open = await openSessions(url, sessions)
    const args = TOOL_ARGS[tool] ?? {}
    await measureThroughput(open, child.pid, tool, args, 1)
    const fromUs = Number(process.hrtime.bigint() / 1000n)
    const result = await measureThroughput(open, child.pid, tool, args, seconds)
    const toUs = Number(process.hrtime.bigint() / 1000n)
    await open.close()
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
    const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"))
    if (file === undefined) throw new Error(`no CPU profile was written to ${dir}: did the server exit cleanly on SIGTERM?`)
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile
    const keep = process.env["BENCH_PROFILE_KEEP"]
    if (keep !== undefined) copyFileSync(join(dir, file), join(keep, `${tool}-${sessions}.cpuprofile`))
    console.log(
      `\n== ${tool}, ${sessions} session(s): ${result.callsPerSecond.toFixed(0)} calls/s, p50 ${result.latency.p50.toFixed(2)} ms, ` +
        `server CPU ${result.serverCpuPerCallMs?.toFixed(3) ?? "?"} ms/call (all threads), errors ${result.errors}`
    )
    console.log(analyse(profile, moduleOf, fromUs, toUs, result.calls))
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
  }
}

const main = async () => {
  const tools = (process.env["BENCH_PROFILE_TOOL"] ?? "get_session_info,get_nodes").split(",")
  const sessionCounts = (process.env["BENCH_PROFILE_SESSIONS"] ?? "1,10,50").split(",").map(Number)
  const seconds = Number(process.env["BENCH_PROFILE_SECONDS"] ?? "4")
  for (const tool of tools) {
    if (TOOL_ARGS[tool] === undefined) throw new Error(`BENCH_PROFILE_TOOL: '${tool}' is not one of ${Object.keys(TOOL_ARGS).join(", ")}.`)
  }
  await buildProfileBundle()
  const moduleOf = moduleIndex(readFileSync(PROFILE_BUNDLE, "utf8"))
  const sandbox = await startSandboxProcess()
  try {
    for (const tool of tools) for (const sessions of sessionCounts) await profileOnce(sandbox, tool, sessions, seconds, moduleOf)
  } finally {
    await sandbox.stop()
    const keep = process.env["BENCH_PROFILE_KEEP"]
    if (keep !== undefined) copyFileSync(PROFILE_BUNDLE, join(keep, "main.profile.js"))
    rmSync(PROFILE_BUNDLE, { force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
