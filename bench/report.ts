import type { ColdStart } from "./cold.js"
import type { BenchConfig } from "./config.js"
import type { LargeResult } from "./large.js"
import type { Machine } from "./machine.js"
import type { SeriesResult } from "./measure.js"
import { formatMs, formatRatio, type Summary } from "./stats.js"
import type { ThroughputResult } from "./throughput.js"

/** Where a call went: straight to Infrahub, to infrahub-mcp, or to the bare SDK baseline. */
export type Path = "direct" | "stdio" | "http" | "base-stdio" | "base-http"

export interface Row {
  /** Stable key the reading looks rows up by (`get_nodes`, `ping`, `create`…). */
  readonly id: string
  readonly operation: string
  readonly path: Path
  readonly result: SeriesResult
  /** The direct request this row is compared with. */
  readonly direct: SeriesResult | undefined
  /** The issue fixes this call at exactly one Infrahub request. */
  readonly expectOneRequest: boolean
}

export interface MemoryRow {
  readonly label: string
  /** The server the row measures, for the goals; `undefined` for reference rows. */
  readonly path: Path | undefined
  readonly rssMiB: number | undefined
  readonly peakMiB: number | undefined
}

export interface ThroughputRow {
  readonly server: "ours" | "baseline"
  readonly tool: string
  readonly result: ThroughputResult
}

export interface Report {
  readonly command: string
  readonly date: string
  readonly durationS: number
  readonly machine: Machine
  readonly config: BenchConfig
  readonly reads: ReadonlyArray<Row>
  readonly writes: ReadonlyArray<Row>
  readonly firstWrites: ReadonlyArray<Row>
  readonly cold: ColdStart
  readonly memory: ReadonlyArray<MemoryRow>
  readonly throughput: ReadonlyArray<ThroughputRow>
  readonly large: LargeResult
  /** The get_nodes document both servers send (checked equal in the run). */
  readonly baselineDocument: string
  /** `@modelcontextprotocol/sdk` version both servers (and the client) run. */
  readonly sdkVersion: string
}

const PATH_LABEL: Readonly<Record<Path, string>> = {
  direct: "direct GraphQL",
  stdio: "infrahub-mcp stdio",
  http: "infrahub-mcp Streamable HTTP",
  "base-stdio": "bare SDK stdio",
  "base-http": "bare SDK Streamable HTTP"
}

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n")

const shapes = (result: SeriesResult): string =>
  result.shapes.map(({ shape, count }) => (result.shapes.length === 1 ? `\`${shape}\`` : `\`${shape}\` ×${count}`)).join("; ")

const requestsCell = (row: Row): string => {
  const checks = row.result.revalidations
  const value = `${row.result.requestsPerCall.toFixed(2)}${checks > 0 ? ` (+${checks} schema hash check${checks === 1 ? "" : "s"})` : ""}`
  return row.expectOneRequest && (row.path === "stdio" || row.path === "http") && row.result.requestsPerCall !== 1 ? `**${value} (expected 1.00)**` : value
}

const latencyTable = (rows: ReadonlyArray<Row>): string =>
  table(
    ["Operation", "Path", "p50 ms", "p99 ms", "mean ms", "p50 ÷ direct", "p99 ÷ direct", "server CPU ms / call", "Infrahub requests / call", "Requests seen"],
    rows.map((row) => [
      row.operation,
      PATH_LABEL[row.path],
      formatMs(row.result.latency.p50),
      formatMs(row.result.latency.p99),
      formatMs(row.result.latency.mean),
      row.direct === undefined ? "—" : formatRatio(row.result.latency.p50, row.direct.latency.p50),
      row.direct === undefined ? "—" : formatRatio(row.result.latency.p99, row.direct.latency.p99),
      row.result.cpuPerCallMs === undefined ? "—" : formatMs(row.result.cpuPerCallMs),
      requestsCell(row),
      shapes(row.result)
    ])
  )

const find = (rows: ReadonlyArray<Row>, id: string, path: Row["path"]): SeriesResult => {
  const row = rows.find((candidate) => candidate.id === id && candidate.path === path)
  if (row === undefined) throw new Error(`report: no row ${id}/${path}`)
  return row.result
}

const p50 = (rows: ReadonlyArray<Row>, id: string, path: Row["path"]) => find(rows, id, path).latency.p50

/** The reading is computed from this run's figures, so it stays true when the file is regenerated. */
const reading = (report: Report): string => {
  const { reads, writes, cold } = report
  const direct = p50(reads, "get_nodes", "direct")
  const lines: Array<string> = []
  for (const transport of ["stdio", "http"] as const) {
    const name = transport === "stdio" ? "stdio" : "Streamable HTTP"
    const tool = p50(reads, "get_nodes", transport)
    const ping = p50(reads, "ping", transport)
    const info = p50(reads, "get_session_info", transport)
    const leg = tool - info
    lines.push(
      `- **get_nodes over ${name}**: ${formatMs(tool)} ms at p50 against ${formatMs(direct)} ms for the same GraphQL document sent directly (${formatRatio(tool, direct)}), ` +
        `so MCP adds ${formatMs(tool - direct)} ms per call. Split by the reference calls of the same run: the bare JSON-RPC round trip (\`ping\`) is ${formatMs(ping)} ms; ` +
        `a full tool call that makes no Infrahub request (\`get_session_info\`) is ${formatMs(info)} ms, i.e. ${formatMs(info - ping)} ms of tool pipeline ` +
        `(argument decoding, access policy, handler, result encoding and the SDK client's output-schema validation); ` +
        `the remaining ${formatMs(leg)} ms is the Infrahub leg inside the server (building the document, undici request, decoding, labels, TOON text) against ${formatMs(direct)} ms for the lean direct client.`
    )
  }
  const attributes = p50(reads, "get_nodes_attributes", "stdio")
  const attributesDirect = p50(reads, "get_nodes_attributes", "direct")
  lines.push(
    `- **Bigger answers**: with \`include_attributes\` (every device with attributes and relationships) the direct request takes ${formatMs(attributesDirect)} ms and the stdio call ${formatMs(attributes)} ms ` +
      `(${formatRatio(attributes, attributesDirect)}): MCP adds ${formatMs(attributes - attributesDirect)} ms here against ${formatMs(p50(reads, "get_nodes", "stdio") - direct)} ms for the small page; ` +
      `the difference is what the larger answer costs to decode, render and validate.`
  )
  const schemaTool = p50(reads, "get_schema", "stdio")
  const schemaDirect = p50(reads, "get_schema", "direct")
  lines.push(
    `- **get_schema(kind)** costs one cheap hash check (\`GET /api/schema/summary\`, ${formatMs(schemaDirect)} ms direct) and answers from the cache: ${formatMs(schemaTool)} ms over stdio.`
  )
  const readAdded = p50(reads, "get_nodes", "stdio") - direct
  const writeParts = (["create", "update", "delete"] as const).map((step) => {
    const tool = p50(writes, step, "stdio")
    const base = p50(writes, step, "direct")
    return `${step} ${formatMs(tool)} vs ${formatMs(base)} ms (${formatRatio(tool, base)}, +${formatMs(tool - base)} ms)`
  })
  lines.push(
    `- **Writes** (stdio, p50, against the same mutation sent directly): ${writeParts.join("; ")}; get_nodes adds ${formatMs(readAdded)} ms. ` +
      `A warm write is one mutation on the session branch the server already knows; the first write also creates the branch (one \`BranchCreate\` more, see the first-write table).`
  )
  const pingGap = p50(reads, "ping", "http") - p50(reads, "ping", "stdio")
  const toolGap = p50(reads, "get_nodes", "http") - p50(reads, "get_nodes", "stdio")
  lines.push(
    `- **HTTP against stdio**: a bare round trip costs ${formatMs(pingGap)} ms more over Streamable HTTP (fetch on the client, HTTP parsing, routing and session lookup on the server) ` +
      `against a ${formatMs(toolGap)} ms gap for get_nodes${pingGap >= toolGap / 2 ? ": the transport, not the tool, makes most of the difference" : ""}.`
  )
  const moduleShare = (cold.version.p50 - cold.bareNode.p50) / cold.ours.toolsList.p50
  lines.push(
    `- **Cold start**: ${formatMs(cold.ours.toolsList.p50)} ms from spawn to the first \`tools/list\` answer at p50 (the bare SDK server: ${formatMs(cold.baseline.toolsList.p50)} ms). Node itself starts in ${formatMs(cold.bareNode.p50)} ms (\`node -e 0\`); ` +
      `loading the server's modules and exiting (\`--version\`) takes ${formatMs(cold.version.p50)} ms, and spawn → \`initialize\` answered ${formatMs(cold.ours.initialize.p50)} ms: ` +
      `${moduleShare >= 0.8 ? "start-up is essentially module loading (building the layers and the handshake are lost in the noise)" : `module loading (\`--version\` minus bare Node) is about ${(100 * moduleShare).toFixed(0)}% of it`}; ` +
      `\`tools/list\` adds ${formatMs(cold.ours.toolsList.p50 - cold.ours.initialize.p50)} ms after \`initialize\`. ` +
      `Start-up makes ${cold.infrahubRequestsPerStart.toFixed(2)} Infrahub requests${cold.infrahubRequestsPerStart === 0 ? " (the schema is fetched on first use)" : ""}.`
  )
  lines.push(
    `- **Noise**: ${report.machine.cores} cores shared with other work (1-minute load ${report.machine.loadAverage.toFixed(2)} at the start). ` +
      `Calls of every path are interleaved in one loop with a rotating order, so load drift hits all paths alike and the ratios hold better than the absolute figures; p99 moves most between runs. ` +
      `On a loaded machine each hop between processes also waits for a CPU: an MCP call makes four (client → server → sandbox and back), the direct request two.`
  )
  return lines.join("\n")
}

const coldStages = (cold: ColdStart): ReadonlyArray<readonly [string, Summary]> => [
  ["`node -e 0` (Node itself, for reference)", cold.bareNode],
  ["`node dist/bin.js --version` (loads the CLI, exits)", cold.version],
  ["infrahub-mcp: spawn → `initialize` answered", cold.ours.initialize],
  ["infrahub-mcp: spawn → first `tools/list` answered", cold.ours.toolsList],
  ["bare SDK: spawn → `initialize` answered", cold.baseline.initialize],
  ["bare SDK: spawn → first `tools/list` answered", cold.baseline.toolsList]
]

const resultOf = (rows: ReadonlyArray<Row>, id: string, path: Path): SeriesResult | undefined =>
  rows.find((row) => row.id === id && row.path === path)?.result

const throughputOf = (report: Report, server: ThroughputRow["server"], tool: string, sessions: number) =>
  report.throughput.find((row) => row.server === server && row.tool === tool && row.result.sessions === sessions)?.result

const rssOf = (report: Report, path: Path) => report.memory.find((row) => row.path === path)?.rssMiB

interface Goal {
  readonly figure: string
  readonly ours: number | undefined
  readonly baseline: number | undefined
  readonly unit: string
  readonly goal: string
  /** `undefined` when a figure is missing (e.g. no /proc). */
  readonly holds: boolean | undefined
}

const ratioGoal = (figure: string, unit: string, ours: number | undefined, baseline: number | undefined, limit: number): Goal => ({
  figure,
  ours,
  baseline,
  unit,
  goal: `≤ ${limit}× the bare SDK`,
  holds: ours === undefined || baseline === undefined ? undefined : ours / baseline <= limit
})

/** The issue's table, from this run's figures. */
const goals = (report: Report): ReadonlyArray<Goal> => {
  const p50 = (id: string, path: Path) => resultOf(report.reads, id, path)?.latency.p50
  const cpu = (id: string, path: Path) => resultOf(report.reads, id, path)?.cpuPerCallMs
  const rows: Array<Goal> = [
    ratioGoal("`get_nodes` p50, stdio", "ms", p50("get_nodes", "stdio"), p50("get_nodes", "base-stdio"), 1.2),
    ratioGoal("`get_nodes` p50, HTTP", "ms", p50("get_nodes", "http"), p50("get_nodes", "base-http"), 1.2),
    ratioGoal("server CPU per `get_nodes` call, stdio", "ms", cpu("get_nodes", "stdio"), cpu("get_nodes", "base-stdio"), 1.3),
    ratioGoal("server CPU per `get_nodes` call, HTTP", "ms", cpu("get_nodes", "http"), cpu("get_nodes", "base-http"), 1.3),
    ratioGoal("server CPU per `get_session_info` call, stdio", "ms", cpu("get_session_info", "stdio"), cpu("get_session_info", "base-stdio"), 1.3),
    ratioGoal("server CPU per `get_session_info` call, HTTP", "ms", cpu("get_session_info", "http"), cpu("get_session_info", "base-http"), 1.3)
  ]
  const nodes50 = { ours: throughputOf(report, "ours", "get_nodes", 50)?.callsPerSecond, baseline: throughputOf(report, "baseline", "get_nodes", 50)?.callsPerSecond }
  rows.push({
    figure: "HTTP throughput, 50 sessions, `get_nodes`",
    ...nodes50,
    unit: "calls/s",
    goal: "≥ 0.85× the bare SDK",
    holds: nodes50.ours === undefined || nodes50.baseline === undefined ? undefined : nodes50.ours / nodes50.baseline >= 0.85
  })
  const info50 = { ours: throughputOf(report, "ours", "get_session_info", 50)?.callsPerSecond, baseline: throughputOf(report, "baseline", "get_session_info", 50)?.callsPerSecond }
  rows.push({ figure: "HTTP throughput, 50 sessions, `get_session_info` (no Infrahub request)", ...info50, unit: "calls/s", goal: "≥ 2 000 calls/s", holds: info50.ours === undefined ? undefined : info50.ours >= 2000 })
  rows.push({
    figure: `spawn → first \`tools/list\` over stdio (Node ${report.machine.node})`,
    ours: report.cold.ours.toolsList.p50,
    baseline: report.cold.baseline.toolsList.p50,
    unit: "ms",
    goal: "≤ 250 ms",
    holds: report.cold.ours.toolsList.p50 <= 250
  })
  for (const [path, base, label] of [["stdio", "base-stdio", "stdio"], ["http", "base-http", "HTTP"]] as const) {
    const ours = rssOf(report, path)
    rows.push({ figure: `idle RSS after warm-up, ${label}`, ours, baseline: rssOf(report, base), unit: "MiB", goal: "≤ 100 MiB", holds: ours === undefined ? undefined : ours <= 100 })
  }
  rows.push(ratioGoal("`ping` p50 over HTTP", "ms", p50("ping", "http"), p50("ping", "base-http"), 1.2))
  for (const tool of ["get_nodes", "get_session_info"]) {
    const flatness = (server: ThroughputRow["server"]) => {
      const at = (sessions: number) => throughputOf(report, server, tool, sessions)?.serverCpuPerCallMs
      const [one, ten, fifty] = [at(1), at(10), at(50)]
      return one === undefined || ten === undefined || fifty === undefined ? undefined : Math.max(ten, fifty) / one
    }
    const ours = flatness("ours")
    rows.push({
      figure: `server CPU per \`${tool}\` call at 10 or 50 HTTP sessions ÷ at 1 session (the larger)`,
      ours,
      baseline: flatness("baseline"),
      unit: "×",
      goal: "≤ 1.1× (flat from 1 to 50 sessions)",
      holds: ours === undefined ? undefined : ours <= 1.1
    })
  }
  return rows
}

const figure = (value: number | undefined, unit: string) =>
  value === undefined ? "n/a" : unit === "calls/s" ? value.toFixed(0) : unit === "MiB" ? value.toFixed(1) : unit === "×" ? value.toFixed(2) : formatMs(value)

const goalsTable = (report: Report): string =>
  table(
    ["Figure", "infrahub-mcp", "bare SDK", "ours ÷ bare", "Goal", "Holds"],
    goals(report).map((goal) => [
      goal.figure,
      goal.unit === "×" ? `${figure(goal.ours, goal.unit)}×` : `${figure(goal.ours, goal.unit)} ${goal.unit}`,
      goal.unit === "×" ? `${figure(goal.baseline, goal.unit)}×` : `${figure(goal.baseline, goal.unit)} ${goal.unit}`,
      goal.ours === undefined || goal.baseline === undefined ? "—" : formatRatio(goal.ours, goal.baseline),
      goal.goal,
      goal.holds === undefined ? "n/a" : goal.holds ? "yes" : "**no**"
    ])
  )

const throughputTable = (report: Report): string =>
  table(
    ["Sessions", "Tool", "Server", "calls/s", "p50 ms", "p99 ms", "server CPU ms / call", "client CPU ms / call", "errors", "calls/s ÷ bare"],
    report.throughput.map((row) => {
      const bare = throughputOf(report, "baseline", row.tool, row.result.sessions)
      return [
        String(row.result.sessions),
        `\`${row.tool}\``,
        row.server === "ours" ? "infrahub-mcp" : "bare SDK",
        row.result.callsPerSecond.toFixed(0),
        formatMs(row.result.latency.p50),
        formatMs(row.result.latency.p99),
        row.result.serverCpuPerCallMs === undefined ? "n/a" : formatMs(row.result.serverCpuPerCallMs),
        formatMs(row.result.clientCpuPerCallMs),
        String(row.result.errors),
        row.server === "ours" && bare !== undefined ? formatRatio(row.result.callsPerSecond, bare.callsPerSecond) : "—"
      ]
    })
  )

const largeTable = (report: Report): string =>
  table(
    ["Nodes", "infrahub-mcp p50 ms", "bare SDK p50 ms", "direct p50 ms", "ours ÷ bare", "infrahub-mcp ms / 1 000 nodes", "server CPU ms / call, ours", "server CPU ms / call, bare"],
    report.large.rows.map((row) => [
      row.size.toLocaleString("en-US").replace(/,/g, " "),
      formatMs(row.ours.p50),
      formatMs(row.baseline.p50),
      formatMs(row.direct.p50),
      formatRatio(row.ours.p50, row.baseline.p50),
      formatMs((row.ours.p50 / row.size) * 1000),
      row.oursCpuMs === undefined ? "n/a" : formatMs(row.oursCpuMs),
      row.baselineCpuMs === undefined ? "n/a" : formatMs(row.baselineCpuMs)
    ])
  )

/** What the throughput and large-read tables say, in numbers from this run. */
const scalingReading = (report: Report): string => {
  const lines: Array<string> = []
  for (const tool of ["get_nodes", "get_session_info"]) {
    for (const server of ["ours", "baseline"] as const) {
      const at = (sessions: number) => throughputOf(report, server, tool, sessions)?.serverCpuPerCallMs
      const [one, ten, fifty] = [at(1), at(10), at(50)]
      if (one !== undefined && ten !== undefined && fifty !== undefined) {
        lines.push(
          `- **${server === "ours" ? "infrahub-mcp" : "bare SDK"}, server CPU per \`${tool}\` call** at 1 / 10 / 50 sessions: ${formatMs(one)} / ${formatMs(ten)} / ${formatMs(fifty)} ms (50 ÷ 1 sessions: ${formatRatio(fifty, one)}, 50 ÷ 10: ${formatRatio(fifty, ten)}).`
        )
      }
    }
  }
  const first = report.large.rows[0]
  const last = report.large.rows[report.large.rows.length - 1]
  if (first !== undefined && last !== undefined) {
    const perNode = (row: typeof first, value: number) => value / row.size
    const count = (size: number) => size.toLocaleString("en-US").replace(/,/g, " ")
    lines.push(
      `- **Large reads**: infrahub-mcp takes ${formatRatio(perNode(last, last.ours.p50), perNode(first, first.ours.p50))} the time per node at ${count(last.size)} nodes that it takes at ${count(first.size)} (1.00× is linear); ` +
        `the sandbox alone (direct paging) ${formatRatio(perNode(last, last.direct.p50), perNode(first, first.direct.p50))}, and it needed ${report.large.sandboxLoadS.toFixed(0)} s to load the 10 000 nodes. ` +
        `At ${count(last.size)} nodes the direct reader alone takes ${formatMs(last.direct.p50)} ms against infrahub-mcp's ${formatMs(last.ours.p50)} ms: the sandbox's paging, not the server, sets the pace.`
    )
  }
  return lines.join("\n")
}

/**
 * Where the server's time goes, from \`npm run bench:profile\` (CPU profiles of the request path) and
 * system-call counts: measured while this report's code was written, not in this run (profiling
 * slows the server), so prose rather than figures of the run.
 */
const COST_NOTES = `## Where the cost goes

Profiles from \`npm run bench:profile\` (an unminified bundle under \`node --cpu-prof\`, HTTP sessions in a
closed loop, only the timed window's samples; \`BENCH_PROFILE_KEEP=<folder>\` keeps the raw profiles),
\`npx tsx bench/inprocess.ts\` (the SDK client over an in-memory transport to a build's bridge and tool
pipeline, two builds interleaved in one process) and \`npx tsx bench/threads.ts <tool>\` (stdio, well
warmed, main thread apart from V8's other threads):

- **What is left is the Effect runtime's per-step cost, spread thin.** Well warmed over stdio, a
  \`get_session_info\` call costs infrahub-mcp 192 µs on the main thread and 68 µs on V8's other
  threads (garbage collection, compilation) against the bare server's 101 and 35 (1.9×); a \`get_nodes\`
  call 740 + 256 against 581 + 204 µs (1.27×). In one process, with the SDK answering a constant a call
  costs about 35 µs (client included), through the bridge with a constant program about 85–120 µs (the
  request's fiber and context), through pipeline and handler about 140–200 µs. In a running server an
  Effect step costs 1–2 µs, ten times what it costs in a tight loop (the runtime's code is megamorphic
  there): the default branch's cache hit, with its \`Effect.option\` and \`tapError\`, is about 30 µs of a
  \`get_session_info\` call and 2.5 µs in a loop. Allocation per call (sampling heap profiler, client
  included): 87 KiB for \`get_session_info\`, 233 KiB for \`get_nodes\`; most of it is the runtime's
  continuations, generators and fiber-ref copies (every log line copies the fiber's refs).
- **This round removed** (against \`2c6dfc4\`, the previous round's end): in one process
  \`get_session_info\` 0.71–0.75× and \`get_nodes\` 0.84–0.88× the CPU per call; over HTTP
  (\`npm run bench:compare\`, 6 rounds) 0.87–0.98×. Where it came from: a context copy and a
  \`NoSuchElementException\` with its stack trace per Infrahub request (\`Effect.annotateCurrentSpan\` without
  a span; the undici layer merging its context into every request's); three guarded fiber-ref scopes per
  tool call (the registry's services, the \`tool\` log annotation and the call's facts are now part of
  the request's fiber when the bridge builds it); the bridge's request metrics, recorded where the
  request's promise settles instead of as a dozen runtime steps; Effect's logfmt formatter (a hash set
  per line for the fiber's name); the workspace renewal, which tells the store once per renewal interval
  instead of on every request (one Redis round trip a minute per busy session).
- **The previous round** (against \`a3daefe\`) cut server CPU per call over HTTP to 0.31–0.66×: \`/mcp\`
  reads its bounded body itself, SSE answers go out in one write or as Node streams, no spans without an
  exporter, the pipeline's pure steps are plain functions, one cache read per schema lookup, one Node
  timer per Infrahub request instead of \`Effect.timeoutFail\`'s race, log lines batched per 50 ms, one
  Ajv instance for all sessions.
- **Start-up**: compiling the 3.6 MB bundle is about a quarter of it, although half of it (undici,
  graphql-js, the sandbox, yaml, ioredis) only loads when used. esbuild's \`splitting\` (a 14 KB main file,
  four shared chunks at start, the rest on first use) measured 235 ms from spawn to \`tools/list\` against
  260 ms for the single file (p50 of 10, one machine); it is not done because the issue asks for a single
  bundled file. On Node ≥ 22.1 the launcher's compile cache removes most of the compilation.
- **Why CPU per call rises with sessions**: garbage collection (2.5 % of the main thread at 1 session,
  8 % at 50 in a \`get_nodes\` profile): a call in flight keeps its fiber, context and continuations
  alive across scavenges, so more of them are promoted; the bare server's calls hold less.
- **Idle RSS**: both servers grow V8's young generation to two 16 MiB semi-spaces under load; ours gets
  there within the bench's short warm-up, the bare server later: after 600 calls infrahub-mcp held
  about 124 MiB and the bare server 106, the difference being young generation (about 8 MiB, the bare
  server's still growing), old generation (7 MiB: Effect, our code, the schema cache) and the bundle's
  source (3 MiB, which V8 keeps). \`NODE_OPTIONS=--max-semi-space-size=2\` brings
  infrahub-mcp to 99.5 MiB (the bare server to 89) but costs 18–25 % more CPU per call at 50 sessions
  (\`bench:compare\`), so it stays the operator's choice and the launcher does not set it.`

export const renderReport = (report: Report): string => {
  const { machine, config, cold } = report
  const memory = report.memory.map((row) => [row.label, row.rssMiB === undefined ? "n/a" : row.rssMiB.toFixed(1), row.peakMiB === undefined ? "n/a" : row.peakMiB.toFixed(1)])
  const files = (count: number | undefined) => (count === undefined ? "n/a (strace not installed)" : String(count))
  const cpu = (summary: Summary | undefined) => (summary === undefined ? "n/a" : formatMs(summary.p50))
  return `# Benchmarks

Generated by \`bench/run.ts\`; re-run to refresh. Speed and memory targets live here, never in timed unit tests:
the machines are shared and noisy, so compare the **ratios measured in one run**, not absolute figures across runs.

## Run

- Command: \`${report.command}\` (builds \`dist/\`, then \`tsx bench/run.ts\`; \`BENCH_ITERATIONS\`, \`BENCH_WARMUP\`, \`BENCH_COLD_RUNS\`, \`BENCH_THROUGHPUT_SECONDS\` and \`BENCH_LARGE_ITERATIONS\` override the counts)
- Date: ${report.date}, took ${report.durationS.toFixed(0)} s
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory, ${machine.os}, Node ${machine.node}; 1-minute load ${machine.loadAverage.toFixed(2)} at the start
- Iterations: ${config.iterations} timed calls per series after ${config.warmup} warm-up calls; ${config.coldRuns} cold starts each (after one untimed); ${config.throughputSeconds} s per throughput window (after 0.5 s untimed); ${config.largeIterations} large reads per size and path

## Goals

The issue's targets against a bare MCP SDK server (below), from this run:

${goalsTable(report)}

## The bare SDK baseline

\`bench/baseline/server.ts\`: the SDK's \`McpServer\` with zod input and output schemas and \`fetch\`, serving
\`get_nodes\` (labels, string filters, \`limit=-1\` paging by 500) and \`get_session_info\`, in about 150 lines,
same SDK as infrahub-mcp (\`@modelcontextprotocol/sdk\` ${report.sdkVersion}), compiled to JavaScript and run
module by module as its author would (not bundled). Over HTTP it follows the SDK's stateful pattern (one
transport and server per session). It has none of infrahub-mcp's guarantees (typed errors, access policy,
rate limiting, metrics, audit log, session branches, response limits): the ratios price exactly those.

Equivalence, checked by this run before timing anything (the run stops otherwise): its GraphQL documents
are the ones infrahub-mcp builds (\`buildNodeQuery\`) for every benchmarked read, e.g.
\`${report.baselineDocument}\`; and both servers return identical \`structuredContent\` for \`get_nodes\`
(atl1 filter) and \`get_session_info\` over stdio and HTTP, and for \`get_nodes limit=-1\` at every large size.
The text content differs (infrahub-mcp renders TOON tables, the baseline \`JSON.stringify\`).

## Setup

The sandbox (demo data) runs as **its own process** (\`node dist/bin.js sandbox --debug-endpoints\`), as a
real Infrahub would. Its request log (\`/__sandbox/requests\`) is read after each call, outside the timed
window, so every call's Infrahub requests are counted exactly (the schema hash check a server adds to a call
once its cached schema is older than 30 s is shown apart, in brackets). The MCP servers are the built CLI
(\`node dist/bin.js\`, auth mode \`none\`) and the baseline, each spawned over stdio and over Streamable HTTP
(one stateful session), driven by the real SDK client (\`callTool\`, which also validates
\`structuredContent\` against the tool's output schema). The direct path sends the same request the tool
sends with a lean keep-alive \`node:http\` client. Every path's calls are interleaved in one loop with a
rotating order. Latency is client-side wall time per call; p50/p99 are nearest-rank. **Server CPU per
call** is the server process's CPU time (all threads, from \`/proc/<pid>/task/*/schedstat\`, nanoseconds)
read before each call and after the request-log read that follows it, so work a server does just after
answering is charged to the call; averaged over the series.

## Reads (warm schema cache)

${latencyTable(report.reads)}

## Throughput (Streamable HTTP, N concurrent SDK client sessions)

Each session calls the tool in a closed loop (the next call when the previous answered) for
${config.throughputSeconds} s; infrahub-mcp's and the baseline's windows alternate. All three processes
(client, server, sandbox) share the machine's ${machine.cores} cores: the client's own CPU per call shows
when it, not the server, is the limit.

${throughputTable(report)}

## Large reads (\`get_nodes limit=-1\`, stdio)

A sandbox of its own (\`--seed none\`, 10 000 BuiltinTags from an object file), a description filter
selecting 2 500 or 5 000 of them. Both servers and the direct reader page by 500 with the same documents.

${largeTable(report)}

## Writes (after the first write of the session)

Each iteration creates a BuiltinTag, updates it by id and deletes it, on each path (direct: a branch of its own;
MCP: each server's session branch), so the branches keep their size.

${latencyTable(report.writes)}

First write, one sample each (includes creating the branch):

${table(
  ["Operation", "Path", "ms", "Infrahub requests", "Requests seen"],
  report.firstWrites.map((row) => [row.operation, PATH_LABEL[row.path], formatMs(row.result.latency.p50), row.result.requestsPerCall.toFixed(0), shapes(row.result)])
)}

## Cold start (stdio)

${table(
  ["Stage (spawned from this process)", "p50 ms", "min ms", "max ms"],
  coldStages(cold).map(([label, summary]) => [label, formatMs(summary.p50), formatMs(summary.min), formatMs(summary.max)])
)}

| Server | server CPU ms, spawn → first \`tools/list\` (p50) | RSS at first \`tools/list\`, MiB (p50) | JavaScript/JSON files opened up to \`tools/list\` |
|---|---|---|---|
| infrahub-mcp (\`dist/bin.js\` → bundled \`dist/main.js\`) | ${cpu(cold.ours.cpuMs)} | ${cold.ours.rssMiB.p50.toFixed(1)} | ${files(cold.ours.moduleFiles)} |
| bare SDK (unbundled) | ${cpu(cold.baseline.cpuMs)} | ${cold.baseline.rssMiB.p50.toFixed(1)} | ${files(cold.baseline.moduleFiles)} |

Infrahub requests during start-up and \`tools/list\`: ${cold.infrahubRequestsPerStart.toFixed(2)} per start (both servers).
On Node ≥ 22.1 the launcher also enables Node's module compile cache, which this Node ${machine.node} ${Number(/^v(\d+)/.exec(machine.node)?.[1] ?? 0) >= 22 ? "uses" : "does not have"}.

## Memory (server processes, from /proc)

${table(["Process", "RSS MiB", "peak RSS MiB"], memory)}

RSS includes garbage V8 has not collected yet (it grows the heap before a full collection), so the after-run
figures are an upper bound on live memory; the idle figures are the ones to compare across runs.

## Reading

${reading(report)}
${scalingReading(report)}

${COST_NOTES}
`
}
