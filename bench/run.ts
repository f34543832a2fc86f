// `npm run bench`: infrahub-mcp against a bare MCP SDK server (bench/baseline) and against the same
// Infrahub request sent directly: latency and server CPU per call, throughput at 1/10/50 HTTP
// sessions, large reads, writes, stdio cold start and idle memory, measured in one interleaved run
// and written to BENCHMARKS.md with each goal and whether it holds. Speed targets live here, never
// in timed unit tests: the figures that matter are ratios taken in one run on one (shared, noisy) machine.
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Either from "effect/Either"
import { renderLiteral } from "../src/infrahub/graphqlLiteral.js"
import { buildNodeQuery, type NodeQueryInput } from "../src/infrahub/nodeQuery.js"
import { type BranchSchema, decodeBranchSchema, type KindInfo } from "../src/infrahub/schemaModel.js"
import { connectHttp, connectStdio, startHttpServer, textOf } from "../test/support/mcp.js"
import { type FilterValue, nodesDocument } from "./baseline/documents.js"
import { compileBaseline, connectScriptStdio, startBaselineHttp } from "./baseline/launch.js"
import { coldStart } from "./cold.js"
import { type BenchConfig, GET_NODES_ARGS, readBenchConfig, THROUGHPUT_TOOLS } from "./config.js"
import { type DirectClient, makeDirectClient } from "./direct.js"
import { benchLargeReads } from "./large.js"
import { describeMachine, residentMiB } from "./machine.js"
import { makeRecorder, type Recorder } from "./measure.js"
import { type MemoryRow, type Path, type Report, renderReport, type Row, type ThroughputRow } from "./report.js"
import { benchReplicas } from "./replicas.js"
import { startSandboxProcess } from "./sandbox.js"
import { elapsedMs } from "./stats.js"
import { measureThroughput, openSessions } from "./throughput.js"

const REPORT_PATH = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url))

const SDK_VERSION = (JSON.parse(readFileSync(new URL("../node_modules/@modelcontextprotocol/sdk/package.json", import.meta.url), "utf8")) as { version: string }).version

/** Large enough for `limit=-1` over 10 000 nodes; the limit's check runs either way. */
const SERVER_ENV = { INFRAHUB_MCP_MAX_RESPONSE_BYTES: String(64 * 1024 * 1024) }

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

/** Fails the run when the direct request is not the one the tool sends: the ratios would compare unlike work. */
const assertSameAnswer = (what: string, direct: { total: number | undefined; ids: ReadonlyArray<string> }, tool: Structured) => {
  const toolIds = idsOf(tool["nodes"])
  if (direct.total !== tool["total_count"] || JSON.stringify(direct.ids) !== JSON.stringify(toolIds)) {
    throw new Error(
      `${what}: the direct request answered total ${String(direct.total)} ids ${JSON.stringify(direct.ids)} but the tool answered total ${String(tool["total_count"])} ids ${JSON.stringify(toolIds)}. The direct document no longer matches what the tool sends: update bench/run.ts from src/mcp/tools/nodes.ts.`
    )
  }
}

interface ReadCase {
  readonly id: string
  readonly label: string
  readonly tool: string
  readonly args: Record<string, unknown>
  /** The Infrahub request the tool makes, sent directly; `undefined` for calls that make none. */
  readonly direct: (() => Promise<unknown>) | undefined
  /** Whether the bare SDK baseline serves this call too. */
  readonly baseline: boolean
  /** Whether the issue fixes this call at exactly one Infrahub request. */
  readonly oneRequest: boolean
}

const readCases = (direct: DirectClient, documents: { readonly getNodes: string; readonly search: string; readonly attributes: string }): ReadonlyArray<ReadCase> => [
  {
    id: "get_nodes",
    label: "`get_nodes` DcimDevice, filter `location__shortname__value=atl1`, with total",
    tool: "get_nodes",
    args: GET_NODES_ARGS,
    direct: () => direct.graphql(documents.getNodes),
    baseline: true,
    oneRequest: true
  },
  {
    id: "search_nodes",
    label: '`search_nodes` DcimDevice, query "edge"',
    tool: "search_nodes",
    args: { kind: "DcimDevice", query: "edge" },
    direct: () => direct.graphql(documents.search),
    baseline: false,
    oneRequest: true
  },
  {
    id: "get_schema",
    label: "`get_schema` kind DcimDevice (hash check `GET /api/schema/summary`)",
    tool: "get_schema",
    args: { kind: "DcimDevice" },
    direct: () => direct.get("/api/schema/summary"),
    baseline: false,
    oneRequest: true
  },
  {
    id: "get_nodes_attributes",
    label: "`get_nodes` DcimDevice, `include_attributes` (every device, attributes and relationships)",
    tool: "get_nodes",
    args: { kind: "DcimDevice", include_attributes: true },
    direct: () => direct.graphql(documents.attributes),
    baseline: false,
    oneRequest: true
  },
  {
    id: "get_session_info",
    label: "`get_session_info` (a tool call that needs no Infrahub request once warm)",
    tool: "get_session_info",
    args: {},
    direct: undefined,
    baseline: true,
    oneRequest: false
  }
]

/** An MCP server under test: infrahub-mcp or the baseline, over stdio or HTTP. */
interface Target {
  readonly path: Exclude<Path, "direct">
  readonly client: Client
  readonly pid: number | undefined
}

const benchReads = async (
  recorder: Recorder,
  config: BenchConfig,
  cases: ReadonlyArray<ReadCase>,
  targets: ReadonlyArray<Target>,
  afterWarmup: () => Promise<void>
): Promise<ReadonlyArray<Row>> => {
  const ours = targets.filter((target) => target.path === "stdio" || target.path === "http")
  const calls: Array<{ readonly series: string; readonly run: () => Promise<unknown>; readonly pid: number | undefined }> = []
  for (const item of cases) {
    if (item.direct !== undefined) calls.push({ series: `${item.id}/direct`, run: item.direct, pid: undefined })
    for (const target of item.baseline ? targets : ours) {
      calls.push({ series: `${item.id}/${target.path}`, run: () => callTool(target.client, item.tool, item.args), pid: target.pid })
    }
  }
  for (const target of targets) calls.push({ series: `ping/${target.path}`, run: () => target.client.ping(), pid: target.pid })

  const iterate = async (iterations: number) => {
    for (let iteration = 0; iteration < iterations; iteration++) {
      for (const call of rotate(calls, iteration)) await recorder.measure(call.series, call.run, call.pid)
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
    const direct = item.direct === undefined ? undefined : recorder.result(`${item.id}/direct`)
    if (direct !== undefined) rows.push({ id: item.id, operation: item.label, path: "direct", result: direct, direct: undefined, expectOneRequest: item.oneRequest })
    for (const target of item.baseline ? targets : ours) {
      rows.push({ id: item.id, operation: item.label, path: target.path, result: recorder.result(`${item.id}/${target.path}`), direct, expectOneRequest: item.oneRequest })
    }
  }
  for (const target of targets) {
    rows.push({ id: "ping", operation: "`ping` (JSON-RPC round trip, no tool)", path: target.path, result: recorder.result(`ping/${target.path}`), direct: undefined, expectOneRequest: false })
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
  clients: Readonly<Record<"stdio" | "http", Client>>,
  pids: Readonly<Record<"stdio" | "http", number | undefined>>
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

  type WritePath = "direct" | "stdio" | "http"
  const writers: Readonly<Record<WritePath, Writer>> = { direct: directWriter(direct), stdio: toolWriter(clients.stdio), http: toolWriter(clients.http) }
  const paths: ReadonlyArray<WritePath> = ["direct", "stdio", "http"]
  // Create, update and delete one tag per path per iteration: the branches stay the same size throughout.
  const iterate = async (iterations: number, tag: string) => {
    for (let iteration = 0; iteration < iterations; iteration++) {
      for (const path of rotate(paths, iteration)) {
        const writer = writers[path]
        const pid = path === "direct" ? undefined : pids[path]
        const id = await recorder.measure(`create/${path}`, () => writer.create(`bench-${tag}-${path}-${iteration}`), pid)
        await recorder.measure(`update/${path}`, () => writer.update(id, `revision ${iteration}`), pid)
        await recorder.measure(`delete/${path}`, () => writer.remove(id), pid)
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
    const direct = recorder.result(`${step}/direct`)
    rows.push({ id: step, operation: WRITE_LABELS[step], path: "direct", result: direct, direct: undefined, expectOneRequest: true })
    for (const transport of ["stdio", "http"] as const) {
      rows.push({ id: step, operation: WRITE_LABELS[step], path: transport, result: recorder.result(`${step}/${transport}`), direct, expectOneRequest: true })
    }
  }
  const first = paths.map(
    (path): Row => ({
      id: "first",
      operation: path === "direct" ? "`BranchCreate` then `BuiltinTagCreate`" : "first `node_upsert` (creates the session branch)",
      path,
      result: recorder.result(`first/${path}`),
      direct: undefined,
      expectOneRequest: false
    })
  )
  return { rows, first }
}

const memoryOf = (label: string, path: Path | undefined, pid: number | null | undefined): MemoryRow => {
  const usage = pid === null || pid === undefined ? undefined : residentMiB(pid)
  return { label, path, rssMiB: usage?.rss, peakMiB: usage?.peak }
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

/** Fails the run when the baseline's document for a read is not the one infrahub-mcp builds. */
const documentChecker =
  (schema: BranchSchema, kindOf: (kind: string) => KindInfo) =>
  (kind: string) =>
  (filters: Readonly<Record<string, FilterValue>>, offset: number, limit: number, baselineDocument: string) => {
    const ours = buildNodeQuery(
      { kind: kindOf(kind), filters: Object.entries(filters).map(([name, value]) => [name, typeof value === "string" ? value : [...value]] as const), partialMatch: false, offset, limit, detail: "labels" },
      schema
    )
    if (ours !== baselineDocument) {
      throw new Error(`The baseline's document differs from infrahub-mcp's:\n  ours:     ${ours}\n  baseline: ${baselineDocument}\nUpdate bench/baseline/documents.ts from src/infrahub/nodeQuery.ts.`)
    }
  }

const sameStructured = async (what: string, ours: Client, baseline: Client, tool: string, args: Record<string, unknown>) => {
  const [mine, theirs] = [await callTool(ours, tool, args), await callTool(baseline, tool, args)]
  if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
    throw new Error(`${what}: infrahub-mcp and the bare SDK baseline answered different structuredContent:\n  ours:     ${JSON.stringify(mine)}\n  baseline: ${JSON.stringify(theirs)}`)
  }
}

const THROUGHPUT_SESSIONS = [1, 10, 50] as const

/** Throughput of both HTTP servers at 1, 10 and 50 sessions, servers alternating per window. */
const benchThroughput = async (
  config: BenchConfig,
  servers: ReadonlyArray<{ readonly name: "ours" | "baseline"; readonly url: string; readonly pid: number | undefined }>,
  phase: (name: string) => void
): Promise<ReadonlyArray<ThroughputRow>> => {
  const rows: Array<ThroughputRow> = []
  let turn = 0
  for (const count of THROUGHPUT_SESSIONS) {
    phase(`throughput, ${count} HTTP session(s) per server, ${config.throughputSeconds} s per window`)
    const open = await Promise.all(servers.map(async (server) => ({ server, sessions: await openSessions(server.url, count) })))
    try {
      for (const tool of THROUGHPUT_TOOLS) {
        for (const { server, sessions } of rotate(open, turn++)) {
          await measureThroughput(sessions, server.pid, tool.id, tool.args, 0.5) // warm-up window, not recorded
          const result = await measureThroughput(sessions, server.pid, tool.id, tool.args, config.throughputSeconds)
          rows.push({ server: server.name, tool: tool.id, result })
        }
      }
    } finally {
      for (const { sessions } of open) await sessions.close()
    }
  }
  return rows
}

const main = async () => {
  const reportWarnings = summariseClientWarnings()
  const config = readBenchConfig(process.env)
  const machine = describeMachine()
  const started = new Date()
  const runStart = process.hrtime.bigint()
  const cleanups: Array<() => Promise<void>> = []
  const phase = (name: string) => console.error(`bench: ${name} (${(elapsedMs(runStart) / 1000).toFixed(0)} s)`)
  try {
    const baselineScript = await compileBaseline()
    const sandbox = await startSandboxProcess()
    cleanups.push(() => sandbox.stop())
    const direct = makeDirectClient(sandbox.url, sandbox.token)
    cleanups.push(async () => direct.close())
    const env = { ...SERVER_ENV, INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token }

    phase(`cold start, ${config.coldRuns} runs each`)
    const cold = await coldStart({ sandbox, env, baselineScript, runs: config.coldRuns })

    const schema = Either.getOrThrowWith(decodeBranchSchema(await direct.get("/api/schema")), (error) => new Error(`The sandbox schema did not decode: ${error}`))
    const kindOf = (name: string) => {
      const kind = schema.kinds.get(name)
      if (kind === undefined) throw new Error(`The sandbox has no ${name} kind; the benchmark needs the sandbox's demo seed.`)
      return kind
    }
    const device = kindOf("DcimDevice")
    const labels: NodeQueryInput = { kind: device, filters: [], partialMatch: false, offset: 0, limit: 50, detail: "labels" }
    const documents = {
      getNodes: buildNodeQuery({ ...labels, filters: [["location__shortname__value", "atl1"]] }, schema),
      search: buildNodeQuery({ ...labels, filters: [["any__value", "edge"]], partialMatch: true, limit: 10 }, schema),
      attributes: buildNodeQuery({ ...labels, detail: "attributes" }, schema)
    }
    const checkDocument = documentChecker(schema, kindOf)
    checkDocument("DcimDevice")(GET_NODES_ARGS.filters, 0, 50, nodesDocument("DcimDevice", Object.entries(GET_NODES_ARGS.filters), 0, 50))

    const stdio = await connectStdio(env)
    cleanups.push(() => stdio.close())
    const httpServer = await startHttpServer(env)
    cleanups.push(() => httpServer.stop())
    const http = await connectHttp(httpServer.url)
    cleanups.push(async () => {
      await (http.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => undefined)
      await http.close()
    })
    const baseStdio = await connectScriptStdio(baselineScript, env)
    cleanups.push(() => baseStdio.close())
    const baseHttpServer = await startBaselineHttp(baselineScript, env)
    cleanups.push(() => baseHttpServer.stop())
    const baseHttp = await connectHttp(baseHttpServer.url)
    cleanups.push(async () => {
      await (baseHttp.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => undefined)
      await baseHttp.close()
    })
    const clients = { stdio: stdio.client, http }
    const stdioPid = (stdio.client.transport as StdioClientTransport | undefined)?.pid ?? undefined
    const targets: ReadonlyArray<Target> = [
      { path: "stdio", client: stdio.client, pid: stdioPid },
      { path: "http", client: http, pid: httpServer.child.pid },
      { path: "base-stdio", client: baseStdio.client, pid: baseStdio.pid },
      { path: "base-http", client: baseHttp, pid: baseHttpServer.pid }
    ]

    // Warm the schema cache, and check the baselines send what the tools send and answer alike.
    for (const client of Object.values(clients)) await callTool(client, "get_schema")
    for (const client of Object.values(clients)) {
      assertSameAnswer("get_nodes", pageOf(await direct.graphql(documents.getNodes), "DcimDevice"), await callTool(client, "get_nodes", GET_NODES_ARGS))
      assertSameAnswer("search_nodes", pageOf(await direct.graphql(documents.search), "DcimDevice"), await callTool(client, "search_nodes", { kind: "DcimDevice", query: "edge" }))
      assertSameAnswer("get_nodes include_attributes", pageOf(await direct.graphql(documents.attributes), "DcimDevice"), await callTool(client, "get_nodes", { kind: "DcimDevice", include_attributes: true }))
    }
    for (const [ours, baseline, transport] of [[stdio.client, baseStdio.client, "stdio"], [http, baseHttp, "HTTP"]] as const) {
      await sameStructured(`get_nodes over ${transport}`, ours, baseline, "get_nodes", GET_NODES_ARGS)
      await sameStructured(`get_session_info over ${transport}`, ours, baseline, "get_session_info", {})
    }

    const recorder = makeRecorder(sandbox)
    phase(`reads, ${config.warmup} warm-up + ${config.iterations} iterations`)
    const cases = readCases(direct, documents)
    // Idle memory is read once warm (schema cached, code paths compiled), before the timed run.
    const idle: Array<MemoryRow> = []
    const reads = await benchReads(recorder, config, cases, targets, async () => {
      await new Promise((resolve) => setTimeout(resolve, 500))
      idle.push(
        memoryOf("infrahub-mcp stdio, idle after warm-up", "stdio", stdioPid),
        memoryOf("infrahub-mcp HTTP (one MCP session), idle after warm-up", "http", httpServer.child.pid),
        memoryOf("bare SDK baseline stdio, idle after warm-up", "base-stdio", baseStdio.pid),
        memoryOf("bare SDK baseline HTTP (one MCP session), idle after warm-up", "base-http", baseHttpServer.pid),
        memoryOf("sandbox (demo data), for reference", undefined, sandbox.pid)
      )
    })
    phase(`writes, ${config.warmup} warm-up + ${config.iterations} iterations`)
    const writes = await benchWrites(recorder, config, direct, clients, { stdio: stdioPid, http: httpServer.child.pid })
    const throughput = await benchThroughput(
      config,
      [
        { name: "ours", url: httpServer.url, pid: httpServer.child.pid },
        { name: "baseline", url: baseHttpServer.url, pid: baseHttpServer.pid }
      ],
      phase
    )
    const after = [memoryOf("infrahub-mcp stdio, after the run", undefined, stdioPid), memoryOf("infrahub-mcp HTTP, after the run (and 50 sessions)", undefined, httpServer.child.pid)]

    phase(`large reads (a sandbox of its own with 10 000 nodes), ${config.largeIterations} iterations`)
    const large = await benchLargeReads({ iterations: config.largeIterations, serverEnv: SERVER_ENV, baselineScript, checkDocument: checkDocument("BuiltinTag"), phase })
    const replicas = await benchReplicas({ sandbox, seconds: config.throughputSeconds, phase })

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
      memory: [...idle, ...after],
      throughput,
      large,
      baselineDocument: documents.getNodes,
      sdkVersion: SDK_VERSION
    }
    const markdown = `${renderReport(report).trimEnd()}\n\n${replicas}`
    writeFileSync(REPORT_PATH, markdown)
    process.stdout.write(markdown)
    console.error(`bench: wrote ${REPORT_PATH} in ${report.durationS.toFixed(0)} s`)
    const wrong = [...reads, ...writes.rows].filter((row) => row.expectOneRequest && (row.path === "stdio" || row.path === "http") && row.result.requestsPerCall !== 1)
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
