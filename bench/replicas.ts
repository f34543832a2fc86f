// Throughput with two replicas behind HAProxy (round-robin, shared Valkey/Redis store) against one
// replica behind the same kind of balancer and store, same sandbox, same sessions, same tool; one
// replica on its in-memory store, reached directly, prices the store and the balancer. Called by
// `bench/run.ts` (its own section of BENCHMARKS.md); `tsx bench/replicas.ts` re-measures this section
// alone and rewrites it in place.
import { randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"
import { startLoadBalancer } from "../test/support/haproxy.js"
import { startTestRedis } from "../test/support/redis.js"
import { type Cluster, startCluster } from "../test/support/replicas.js"
import { readBenchConfig, THROUGHPUT_TOOLS } from "./config.js"
import { cpuMs } from "./cpu.js"
import { describeMachine } from "./machine.js"
import { startSandboxProcess } from "./sandbox.js"
import { formatMs } from "./stats.js"
import { measureThroughput, openSessions, type Sessions, type ThroughputResult } from "./throughput.js"

export const SECTION_TITLE = "## Replicas (2 behind HAProxy against 1, state in Valkey/Redis)"

const SESSIONS = 50

type Setup = "two" | "one" | "memory"
const SETUP_LABEL: Readonly<Record<Setup, string>> = {
  two: "2 replicas, HAProxy, shared store",
  one: "1 replica, HAProxy, shared store",
  memory: "1 replica, in-memory state, no balancer"
}

interface Target {
  readonly setup: Setup
  readonly url: string
  readonly pids: () => ReadonlyArray<number | undefined>
}

interface ReplicaRow {
  readonly setup: Setup
  readonly tool: string
  readonly result: ThroughputResult
  /** CPU of every replica of the setup over the window ÷ calls. */
  readonly serverCpuPerCallMs: number | undefined
}

const totalCpu = (pids: ReadonlyArray<number | undefined>): number | undefined => {
  let total = 0
  for (const pid of pids) {
    const ms = cpuMs(pid)
    if (ms === undefined) return undefined
    total += ms
  }
  return total
}

const rotate = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> => [...items.slice(by % items.length), ...items.slice(0, by % items.length)]

export interface ReplicaBenchOptions {
  readonly sandbox: { readonly url: string; readonly token: string }
  /** Seconds per measured window (after a 0.5 s untimed one). */
  readonly seconds: number
  readonly phase: (name: string) => void
}

/** Runs the comparison and returns its BENCHMARKS.md section (markdown, ending in a newline). */
export const benchReplicas = async (options: ReplicaBenchOptions): Promise<string> => {
  const cleanups: Array<() => Promise<void>> = []
  try {
    const redis = await startTestRedis()
    cleanups.push(() => redis.close())
    const base = {
      INFRAHUB_ADDRESS: options.sandbox.url,
      INFRAHUB_API_TOKEN: options.sandbox.token
    }
    const shared = {
      ...base,
      INFRAHUB_MCP_STATE_STORE: redis.url,
      INFRAHUB_MCP_STATE_KEY: randomBytes(36).toString("base64url")
    }
    options.phase("replicas: starting Valkey/Redis, HAProxy and 3 servers")
    const cluster: Cluster = await startCluster(2, () => shared)
    cleanups.push(() => cluster.close())
    const [first, second] = cluster.replicas
    if (first === undefined || second === undefined) throw new Error("startCluster(2) gave fewer than two replicas")
    const single = await startLoadBalancer([first.port])
    cleanups.push(() => single.close())
    const memory = await startCluster(1, () => base)
    cleanups.push(() => memory.close())
    const alone = memory.replicas[0]
    if (alone === undefined) throw new Error("startCluster(1) gave no replica")

    const targets: ReadonlyArray<Target> = [
      { setup: "two", url: cluster.url, pids: () => [first.pid(), second.pid()] },
      { setup: "one", url: `${single.url}/mcp`, pids: () => [first.pid()] },
      { setup: "memory", url: alone.url, pids: () => [alone.pid()] }
    ]
    options.phase(`replicas: ${SESSIONS} sessions per setup, ${options.seconds} s per window`)
    const open: Array<{ readonly target: Target; readonly sessions: Sessions }> = []
    for (const target of targets) open.push({ target, sessions: await openSessions(target.url, SESSIONS) })
    cleanups.push(async () => {
      for (const { sessions } of open) await sessions.close()
    })

    const rows: Array<ReplicaRow> = []
    let turn = 0
    for (const tool of THROUGHPUT_TOOLS) {
      for (const { target, sessions } of rotate(open, turn++)) {
        await measureThroughput(sessions, undefined, tool.id, tool.args, 0.5) // warm-up window, not recorded
        const before = totalCpu(target.pids())
        const result = await measureThroughput(sessions, undefined, tool.id, tool.args, options.seconds)
        const after = totalCpu(target.pids())
        rows.push({
          setup: target.setup,
          tool: tool.id,
          result,
          serverCpuPerCallMs: before === undefined || after === undefined || result.calls === 0 ? undefined : (after - before) / result.calls
        })
      }
    }
    return renderSection(rows, options.seconds)
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`bench: replicas cleanup failed: ${String(error)}`))
  }
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n")

const renderSection = (rows: ReadonlyArray<ReplicaRow>, seconds: number): string => {
  const machine = describeMachine()
  const find = (setup: Setup, tool: string) => rows.find((row) => row.setup === setup && row.tool === tool)
  const order: ReadonlyArray<Setup> = ["two", "one", "memory"]
  const sorted = THROUGHPUT_TOOLS.flatMap((tool) => order.flatMap((setup) => rows.filter((row) => row.tool === tool.id && row.setup === setup)))
  const body = sorted.map((row) => {
    const one = find("one", row.tool)
    return [
      `\`${row.tool}\``,
      SETUP_LABEL[row.setup],
      row.result.callsPerSecond.toFixed(0),
      formatMs(row.result.latency.p50),
      formatMs(row.result.latency.p99),
      row.serverCpuPerCallMs === undefined ? "—" : formatMs(row.serverCpuPerCallMs),
      formatMs(row.result.clientCpuPerCallMs),
      String(row.result.errors),
      row.setup === "one" || one === undefined ? "—" : `${(row.result.callsPerSecond / one.result.callsPerSecond).toFixed(2)}×`
    ]
  })
  return `${SECTION_TITLE}

Generated by \`bench/replicas.ts\` (run by \`npm run bench\`; \`npx tsx bench/replicas.ts\` re-measures this
section alone). ${SESSIONS} SDK client sessions call one tool in a closed loop for ${seconds} s per window (after
0.5 s untimed), setups alternating per tool, all against the one sandbox. The replicas are the built CLI over
Streamable HTTP sharing one Valkey/Redis (\`INFRAHUB_MCP_STATE_STORE\`, \`INFRAHUB_MCP_STATE_KEY\`); HAProxy
balances round-robin, request by request, with no stickiness, so about half of each session's calls reach
a replica that did not open it. "1 replica, HAProxy" is the first of the two replicas behind a balancer of
its own; the in-memory row is today's single process, for the price of the store and the balancer.
Server CPU is summed over the setup's replicas.

Machine: ${machine.cpu}, ${machine.cores} cores, 1-minute load ${machine.loadAverage.toFixed(2)} at the start. The client,
the sandbox, HAProxy, Valkey/Redis and the replicas all share these cores: two replicas can only add
throughput where one replica, not the machine, was the limit; on separate hosts each replica brings its
own cores.${machine.loadAverage > machine.cores ? `

**This run's machine was overloaded** (load ${machine.loadAverage.toFixed(1)} on ${machine.cores} cores, from other work): the
figures below measure that contention more than the replicas. Re-run on a quiet machine before drawing
conclusions from them.` : ""}

${table(["Tool", "Setup", "calls/s", "p50 ms", "p99 ms", "server CPU ms / call", "client CPU ms / call", "errors", "calls/s ÷ 1 replica"], body)}
`
}

/** Replaces this section of BENCHMARKS.md (or appends it). */
export const writeSection = (path: string, section: string): void => {
  const current = readFileSync(path, "utf8")
  const start = current.indexOf(SECTION_TITLE)
  if (start === -1) return writeFileSync(path, `${current.trimEnd()}\n\n${section}`)
  const next = current.indexOf("\n## ", start + SECTION_TITLE.length)
  writeFileSync(path, `${current.slice(0, start)}${section}${next === -1 ? "" : `\n${current.slice(next + 1)}`}`)
}

const main = async () => {
  const config = readBenchConfig(process.env)
  const phase = (name: string) => console.error(`bench: ${name}`)
  const sandbox = await startSandboxProcess()
  try {
    const section = await benchReplicas({ sandbox, seconds: config.throughputSeconds, phase })
    writeSection(fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url)), section)
    process.stdout.write(section)
  } finally {
    await sandbox.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`bench: replicas failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  })
}
