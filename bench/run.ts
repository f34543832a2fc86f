// `npm run bench`: latency of the MCP read and write paths against the same Infrahub request sent
// directly, stdio cold start and idle memory, measured in one run and written to BENCHMARKS.md.
// Speed targets live here, never in timed unit tests: the figures that matter are ratios taken in
// one run on one (shared, noisy) machine.
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { Either } from "effect"
import { renderLiteral } from "../src/infrahub/graphqlLiteral.js"
import { buildNodeQuery, type NodeQueryInput } from "../src/infrahub/nodeQuery.js"
import { decodeBranchSchema } from "../src/infrahub/schemaModel.js"
import { BIN, connectHttp, connectStdio, startHttpServer, textOf } from "../test/support/mcp.js"
import { type BenchConfig, readBenchConfig } from "./config.js"
import { type DirectClient, makeDirectClient } from "./direct.js"
import { describeMachine, residentMiB } from "./machine.js"
import { makeRecorder, type Recorder } from "./measure.js"
import { type ColdStart, type MemoryRow, type Report, renderReport, type Row } from "./report.js"
import { type SandboxProcess, startSandboxProcess } from "./sandbox.js"
import { elapsedMs, summarize } from "./stats.js"

const REPORT_PATH = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url))

type Path = "direct" | "stdio" | "http"
type Structured = Record<string, unknown>

const callTool = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<Structured> => {
  const result = await client.callTool({ name, arguments: args })
  if (result.isError === true) throw new Error(`${name} ${JSON.stringify(args)} failed: ${textOf(result)}`)
  if (typeof result.structuredContent !== "object" || result.structuredContent === null) {
    throw new Error(`${name} answered without structured content: ${textOf(result)}`)
  }
  return result.structuredContent as Structured
}

/** Rotates `items` by `by`: each iteration starts with a different path, so no path always runs first. */
const rotate = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> => {
  const shift = items.length === 0 ? 0 : by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}

const idsOf = (nodes: unknown): ReadonlyArray<string> =>
  (Array.isArray(nodes) ? nodes : [])
    .map((node: unknown) => (typeof node === "object" && node !== null && "id" in node ? String(node.id) : ""))
    .sort()

/** `{ Kind: { count, edges: [{ node: { id } }] } }` → total and sorted ids. */
const pageOf = (data: Record<string, unknown>, kind: string) => {
  const root = data[kind] as { count?: number; edges?: ReadonlyArray<{ node: unknown }> } | undefined
  return { total: root?.count, ids: idsOf((root?.edges ?? []).map((edge) => edge.node)) }
}

/** Fails the run when the baseline is not the request the tool sends: the ratios would compare unlike work. */
const assertSameAnswer = (what: string, direct: { total: number | undefined; ids: ReadonlyArray<string> }, tool: Structured) => {
  const toolIds = idsOf(tool["nodes"])
  if (direct.total !== tool["total_count"] || JSON.stringify(direct.ids) !== JSON.stringify(toolIds)) {
    throw new Error(
      `${what}: the direct baseline answered total ${String(direct.total)} ids ${JSON.stringify(direct.ids)} but the tool answered total ${String(tool["total_count"])} ids ${JSON.stringify(toolIds)}. The baseline document no longer matches what the tool sends: update bench/run.ts from src/mcp/tools/nodes.ts.`
    )
  }
}

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

const coldStart = async (sandbox: SandboxProcess, env: Record<string, string>, runs: number): Promise<ColdStart> => {
  const bareNode: Array<number> = []
  const version: Array<number> = []
  const initialize: Array<number> = []
  const toolsList: Array<number> = []
  let startupRequests = 0
  // One unrecorded round first: the OS file cache, not our start-up, would dominate the first spawn.
  for (let run = -1; run < runs; run++) {
    const bare = await timeToExit(["-e", "0"])
    const cli = await timeToExit([BIN, "--version"])
    await sandbox.clearRequests()
    const start = process.hrtime.bigint()
    const session = await connectStdio(env)
    let initialized: number
    let listed: number
    try {
      initialized = elapsedMs(start)
      await session.client.listTools()
      listed = elapsedMs(start)
    } finally {
      await session.close()
    }
    const requests = (await sandbox.requests()).length
    if (run < 0) continue
    bareNode.push(bare)
    version.push(cli)
    initialize.push(initialized)
    toolsList.push(listed)
    startupRequests += requests
  }
  return {
    runs,
    bareNode: summarize(bareNode),
    version: summarize(version),
    initialize: summarize(initialize),
    toolsList: summarize(toolsList),
    infrahubRequestsPerStart: startupRequests / runs
  }
}

interface ReadCase {
  readonly id: string
  readonly label: string
  readonly tool: string
  readonly args: Record<string, unknown>
  /** The Infrahub request the tool makes, sent directly; `undefined` for calls that make none. */
  readonly direct: (() => Promise<unknown>) | undefined
  /** Whether the issue fixes this call at exactly one Infrahub request. */
  readonly oneRequest: boolean
}

const readCases = (direct: DirectClient, documents: { readonly getNodes: string; readonly search: string; readonly attributes: string }): ReadonlyArray<ReadCase> => [
  {
    id: "get_nodes",
    label: "`get_nodes` DcimDevice, filter `location__shortname__value=atl1`, with total",
    tool: "get_nodes",
    args: { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } },
    direct: () => direct.graphql(documents.getNodes),
    oneRequest: true
  },
  {
    id: "search_nodes",
    label: '`search_nodes` DcimDevice, query "edge"',
    tool: "search_nodes",
    args: { kind: "DcimDevice", query: "edge" },
    direct: () => direct.graphql(documents.search),
    oneRequest: true
  },
  {
    id: "get_schema",
    label: "`get_schema` kind DcimDevice (hash check `GET /api/schema/summary`)",
    tool: "get_schema",
    args: { kind: "DcimDevice" },
    direct: () => direct.get("/api/schema/summary"),
    oneRequest: true
  },
  {
    id: "get_nodes_attributes",
    label: "`get_nodes` DcimDevice, `include_attributes` (every device, attributes and relationships)",
    tool: "get_nodes",
    args: { kind: "DcimDevice", include_attributes: true },
    direct: () => direct.graphql(documents.attributes),
    oneRequest: true
  },
  {
    id: "get_session_info",
    label: "`get_session_info` (a tool call that needs no Infrahub request once warm)",
    tool: "get_session_info",
    args: {},
    direct: undefined,
    oneRequest: false
  }
]

const benchReads = async (
  recorder: Recorder,
  config: BenchConfig,
  cases: ReadonlyArray<ReadCase>,
  clients: Readonly<Record<"stdio" | "http", Client>>,
  afterWarmup: () => Promise<void>
): Promise<ReadonlyArray<Row>> => {
  const calls: Array<{ readonly series: string; readonly run: () => Promise<unknown> }> = []
  for (const item of cases) {
    if (item.direct !== undefined) calls.push({ series: `${item.id}/direct`, run: item.direct })
    for (const transport of ["stdio", "http"] as const) {
      calls.push({ series: `${item.id}/${transport}`, run: () => callTool(clients[transport], item.tool, item.args) })
    }
  }
  for (const transport of ["stdio", "http"] as const) {
    calls.push({ series: `ping/${transport}`, run: () => clients[transport].ping() })
  }

  const iterate = async (iterations: number) => {
    for (let iteration = 0; iteration < iterations; iteration++) {
      for (const call of rotate(calls, iteration)) await recorder.measure(call.series, call.run)
    }
  }
  recorder.setRecording(false)
  await iterate(config.warmup)
  await afterWarmup()
  recorder.setRecording(true)
  await iterate(config.iterations)
  recorder.setRecording(false)

  const rows: Array<Row> = []
  for (const item of cases) {
    const baseline = item.direct === undefined ? undefined : recorder.result(`${item.id}/direct`)
    if (baseline !== undefined) rows.push({ id: item.id, operation: item.label, path: "direct", result: baseline, baseline: undefined, expectOneRequest: item.oneRequest })
    for (const transport of ["stdio", "http"] as const) {
      rows.push({ id: item.id, operation: item.label, path: transport, result: recorder.result(`${item.id}/${transport}`), baseline, expectOneRequest: item.oneRequest })
    }
  }
  for (const transport of ["stdio", "http"] as const) {
    rows.push({ id: "ping", operation: "`ping` (JSON-RPC round trip, no tool)", path: transport, result: recorder.result(`ping/${transport}`), baseline: undefined, expectOneRequest: false })
  }
  return rows
}

interface Writer {
  readonly create: (name: string) => Promise<string>
  readonly update: (id: string, description: string) => Promise<void>
  readonly remove: (id: string) => Promise<void>
}

const DIRECT_BRANCH = "bench-direct"

/** The documents node_upsert and node_delete send (src/mcp/tools/write.ts), for the direct baseline. */
const directWriter = (direct: DirectClient): Writer => ({
  create: async (name) => {
    const data = await direct.graphql(`mutation { BuiltinTagCreate(data: ${renderLiteral({ name: { value: name } })}) { ok object { id display_label } } }`, DIRECT_BRANCH)
    const id = (data["BuiltinTagCreate"] as { object?: { id?: unknown } } | undefined)?.object?.id
    if (typeof id !== "string") throw new Error(`BuiltinTagCreate answered without an id: ${JSON.stringify(data)}`)
    return id
  },
  update: async (id, description) => {
    await direct.graphql(`mutation { BuiltinTagUpdate(data: ${renderLiteral({ id, description: { value: description } })}) { ok object { id display_label } } }`, DIRECT_BRANCH)
  },
  remove: async (id) => {
    await direct.graphql(`mutation { BuiltinTagDelete(data: ${renderLiteral({ id })}) { ok } }`, DIRECT_BRANCH)
  }
})

const toolWriter = (client: Client): Writer => ({
  create: async (name) => {
    const created = await callTool(client, "node_upsert", { kind: "BuiltinTag", data: { name } })
    if (created["branch_created"] !== false) throw new Error(`node_upsert created a branch after the first write: ${JSON.stringify(created)}`)
    return String(created["id"])
  },
  update: async (id, description) => {
    await callTool(client, "node_upsert", { kind: "BuiltinTag", id, data: { description } })
  },
  remove: async (id) => {
    await callTool(client, "node_delete", { kind: "BuiltinTag", id })
  }
})

const WRITE_LABELS = {
  create: "`node_upsert` create (BuiltinTag)",
  update: "`node_upsert` update by id",
  delete: "`node_delete` by id"
} as const

const benchWrites = async (
  recorder: Recorder,
  config: BenchConfig,
  direct: DirectClient,
  clients: Readonly<Record<"stdio" | "http", Client>>
): Promise<{ readonly rows: ReadonlyArray<Row>; readonly first: ReadonlyArray<Row> }> => {
  // The first write of a session creates its branch: measured once, on its own.
  recorder.setRecording(true)
  await recorder.measure("first/direct", async () => {
    await direct.graphql(`mutation { BranchCreate(data: ${renderLiteral({ name: DIRECT_BRANCH, sync_with_git: false })}) { ok } }`)
    await directWriter(direct).create("bench-first-direct")
  })
  for (const transport of ["stdio", "http"] as const) {
    await recorder.measure(`first/${transport}`, async () => {
      const created = await callTool(clients[transport], "node_upsert", { kind: "BuiltinTag", data: { name: `bench-first-${transport}` } })
      if (created["branch_created"] !== true) throw new Error(`the first node_upsert over ${transport} did not create the session branch: ${JSON.stringify(created)}`)
    })
  }

  const writers: Readonly<Record<Path, Writer>> = { direct: directWriter(direct), stdio: toolWriter(clients.stdio), http: toolWriter(clients.http) }
  const paths: ReadonlyArray<Path> = ["direct", "stdio", "http"]
  // Create, update and delete one tag per path per iteration: the branches stay the same size throughout.
  const iterate = async (iterations: number, tag: string) => {
    for (let iteration = 0; iteration < iterations; iteration++) {
      for (const path of rotate(paths, iteration)) {
        const writer = writers[path]
        const id = await recorder.measure(`create/${path}`, () => writer.create(`bench-${tag}-${path}-${iteration}`))
        await recorder.measure(`update/${path}`, () => writer.update(id, `revision ${iteration}`))
        await recorder.measure(`delete/${path}`, () => writer.remove(id))
      }
    }
  }
  recorder.setRecording(false)
  await iterate(config.warmup, "warm")
  recorder.setRecording(true)
  await iterate(config.iterations, "run")
  recorder.setRecording(false)

  const rows: Array<Row> = []
  for (const step of ["create", "update", "delete"] as const) {
    const baseline = recorder.result(`${step}/direct`)
    rows.push({ id: step, operation: WRITE_LABELS[step], path: "direct", result: baseline, baseline: undefined, expectOneRequest: true })
    for (const transport of ["stdio", "http"] as const) {
      rows.push({ id: step, operation: WRITE_LABELS[step], path: transport, result: recorder.result(`${step}/${transport}`), baseline, expectOneRequest: true })
    }
  }
  const first = paths.map(
    (path): Row => ({
      id: "first",
      operation: path === "direct" ? "`BranchCreate` then `BuiltinTagCreate`" : "first `node_upsert` (creates the session branch)",
      path,
      result: recorder.result(`first/${path}`),
      baseline: undefined,
      expectOneRequest: false
    })
  )
  return { rows, first }
}

const memoryOf = (label: string, pid: number | null | undefined): MemoryRow => {
  const usage = pid === null || pid === undefined ? undefined : residentMiB(pid)
  return { label, rssMiB: usage?.rss, peakMiB: usage?.peak }
}

/**
 * The SDK's Streamable HTTP client passes one long-lived AbortSignal to every fetch, and Node 20's
 * undici adds an abort listener to it per request that only goes away when the request is garbage
 * collected; thousands of calls trip MaxListenersExceededWarning in this (client) process, once per
 * call. That is client-side and expected here, so it is summarised once instead of flooding stderr.
 */
const summariseClientWarnings = (): (() => void) => {
  let abortListenerWarnings = 0
  const printers = process.listeners("warning")
  process.removeAllListeners("warning")
  process.on("warning", (warning) => {
    if (warning.name === "MaxListenersExceededWarning" && warning.message.includes("AbortSignal")) abortListenerWarnings += 1
    else for (const print of printers) print(warning)
  })
  return () => {
    if (abortListenerWarnings > 0) {
      console.error(
        `bench: the MCP SDK's HTTP client raised MaxListenersExceededWarning ${abortListenerWarnings} times (one AbortSignal shared by every fetch; undici releases its listeners at GC). Client-side, not the server's.`
      )
    }
  }
}

const main = async () => {
  const reportWarnings = summariseClientWarnings()
  const config = readBenchConfig(process.env)
  const machine = describeMachine()
  const started = new Date()
  const runStart = process.hrtime.bigint()
  const cleanups: Array<() => Promise<void>> = []
  try {
    const sandbox = await startSandboxProcess()
    cleanups.push(() => sandbox.stop())
    const direct = makeDirectClient(sandbox.url, sandbox.token)
    cleanups.push(async () => direct.close())
    const env = { INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token }

    const phase = (name: string) => console.error(`bench: ${name} (${(elapsedMs(runStart) / 1000).toFixed(0)} s)`)
    phase(`cold start, ${config.coldRuns} runs`)
    const cold = await coldStart(sandbox, env, config.coldRuns)

    const schema = Either.getOrThrowWith(decodeBranchSchema(await direct.get("/api/schema")), (error) => new Error(`The sandbox schema did not decode: ${error}`))
    const device = schema.kinds.get("DcimDevice")
    if (device === undefined) throw new Error("The demo data has no DcimDevice kind; the benchmark needs the sandbox's demo seed.")
    const labels: NodeQueryInput = { kind: device, filters: [], partialMatch: false, offset: 0, limit: 50, detail: "labels" }
    const documents = {
      getNodes: buildNodeQuery({ ...labels, filters: [["location__shortname__value", "atl1"]] }, schema),
      search: buildNodeQuery({ ...labels, filters: [["any__value", "edge"]], partialMatch: true, limit: 10 }, schema),
      attributes: buildNodeQuery({ ...labels, detail: "attributes" }, schema)
    }

    const stdio = await connectStdio(env)
    cleanups.push(() => stdio.close())
    const httpServer = await startHttpServer(env)
    cleanups.push(() => httpServer.stop())
    const http = await connectHttp(httpServer.url)
    cleanups.push(async () => {
      await (http.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => undefined)
      await http.close()
    })
    const clients = { stdio: stdio.client, http }
    const stdioPid = (stdio.client.transport as StdioClientTransport | undefined)?.pid

    // Warm the schema cache, and check the baselines send what the tools send.
    for (const client of Object.values(clients)) await callTool(client, "get_schema")
    for (const client of Object.values(clients)) {
      assertSameAnswer("get_nodes", pageOf(await direct.graphql(documents.getNodes), "DcimDevice"), await callTool(client, "get_nodes", { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } }))
      assertSameAnswer("search_nodes", pageOf(await direct.graphql(documents.search), "DcimDevice"), await callTool(client, "search_nodes", { kind: "DcimDevice", query: "edge" }))
      assertSameAnswer("get_nodes include_attributes", pageOf(await direct.graphql(documents.attributes), "DcimDevice"), await callTool(client, "get_nodes", { kind: "DcimDevice", include_attributes: true }))
    }

    const recorder = makeRecorder(sandbox)
    phase(`reads, ${config.warmup} warm-up + ${config.iterations} iterations`)
    const cases = readCases(direct, documents)
    // Idle memory is read once warm (schema cached, code paths compiled), before the timed run.
    const idle: Array<MemoryRow> = []
    const reads = await benchReads(recorder, config, cases, clients, async () => {
      await new Promise((resolve) => setTimeout(resolve, 500))
      idle.push(
        memoryOf("stdio server, idle after warm-up", stdioPid),
        memoryOf("HTTP server (one MCP session), idle after warm-up", httpServer.child.pid),
        memoryOf("sandbox (demo data), for reference", sandbox.pid)
      )
    })
    phase(`writes, ${config.warmup} warm-up + ${config.iterations} iterations`)
    const writes = await benchWrites(recorder, config, direct, clients)
    const after = [memoryOf("stdio server, after the run", stdioPid), memoryOf("HTTP server, after the run", httpServer.child.pid)]

    const report: Report = {
      command: config.command,
      date: started.toISOString(),
      durationS: elapsedMs(runStart) / 1000,
      machine,
      config,
      reads,
      writes: writes.rows,
      firstWrites: writes.first,
      cold,
      memory: [...idle, ...after]
    }
    const markdown = renderReport(report)
    writeFileSync(REPORT_PATH, markdown)
    process.stdout.write(markdown)
    console.error(`bench: wrote ${REPORT_PATH} in ${report.durationS.toFixed(0)} s`)
    const wrong = [...reads, ...writes.rows].filter((row) => row.expectOneRequest && row.path !== "direct" && row.result.requestsPerCall !== 1)
    if (wrong.length > 0) {
      console.error(`bench: ${wrong.length} call(s) did not cost exactly one Infrahub request; see the "Infrahub requests / call" column in ${REPORT_PATH}.`)
      process.exitCode = 1
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`))
    reportWarnings()
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
