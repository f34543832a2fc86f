import type { BenchConfig } from "./config.js"
import type { Machine } from "./machine.js"
import type { SeriesResult } from "./measure.js"
import { formatMs, formatRatio, type Summary } from "./stats.js"

export interface Row {
  /** Stable key the reading looks rows up by (`get_nodes`, `ping`, `create`…). */
  readonly id: string
  readonly operation: string
  readonly path: "direct" | "stdio" | "http"
  readonly result: SeriesResult
  /** The direct request this row is compared with. */
  readonly baseline: SeriesResult | undefined
  /** The issue fixes this call at exactly one Infrahub request. */
  readonly expectOneRequest: boolean
}

export interface ColdStart {
  readonly runs: number
  readonly bareNode: Summary
  readonly version: Summary
  readonly initialize: Summary
  readonly toolsList: Summary
  readonly infrahubRequestsPerStart: number
}

export interface MemoryRow {
  readonly label: string
  readonly rssMiB: number | undefined
  readonly peakMiB: number | undefined
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
}

const PATH_LABEL = { direct: "direct GraphQL", stdio: "MCP stdio", http: "MCP Streamable HTTP" } as const

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n")

const shapes = (result: SeriesResult): string =>
  result.shapes.map(({ shape, count }) => (result.shapes.length === 1 ? `\`${shape}\`` : `\`${shape}\` ×${count}`)).join("; ")

const requestsCell = (row: Row): string => {
  const value = row.result.requestsPerCall.toFixed(2)
  return row.expectOneRequest && row.path !== "direct" && row.result.requestsPerCall !== 1 ? `**${value} (expected 1.00)**` : value
}

const latencyTable = (rows: ReadonlyArray<Row>): string =>
  table(
    ["Operation", "Path", "p50 ms", "p99 ms", "mean ms", "p50 ÷ direct", "p99 ÷ direct", "Infrahub requests / call", "Requests seen"],
    rows.map((row) => [
      row.operation,
      PATH_LABEL[row.path],
      formatMs(row.result.latency.p50),
      formatMs(row.result.latency.p99),
      formatMs(row.result.latency.mean),
      row.baseline === undefined ? "—" : formatRatio(row.result.latency.p50, row.baseline.latency.p50),
      row.baseline === undefined ? "—" : formatRatio(row.result.latency.p99, row.baseline.latency.p99),
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
  const moduleShare = (cold.version.p50 - cold.bareNode.p50) / cold.toolsList.p50
  lines.push(
    `- **Cold start**: ${formatMs(cold.toolsList.p50)} ms from spawn to the first \`tools/list\` answer at p50. Node itself starts in ${formatMs(cold.bareNode.p50)} ms (\`node -e 0\`); ` +
      `loading the server's modules and exiting (\`--version\`) takes ${formatMs(cold.version.p50)} ms, and spawn → \`initialize\` answered ${formatMs(cold.initialize.p50)} ms: ` +
      `${moduleShare >= 0.8 ? "start-up is essentially module loading (building the layers and the handshake are lost in the noise)" : `module loading (\`--version\` minus bare Node) is about ${(100 * moduleShare).toFixed(0)}% of it`}; ` +
      `\`tools/list\` adds ${formatMs(cold.toolsList.p50 - cold.initialize.p50)} ms after \`initialize\`. ` +
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
  ["`node dist/bin.js --version` (loads the server's modules, exits)", cold.version],
  ["`node dist/bin.js` spawn → `initialize` answered", cold.initialize],
  ["`node dist/bin.js` spawn → first `tools/list` answered", cold.toolsList]
]

export const renderReport = (report: Report): string => {
  const { machine, config, cold } = report
  const memory = report.memory.map((row) => [row.label, row.rssMiB === undefined ? "n/a" : row.rssMiB.toFixed(1), row.peakMiB === undefined ? "n/a" : row.peakMiB.toFixed(1)])
  return `# Benchmarks

Generated by \`bench/run.ts\`; re-run to refresh. Speed and memory targets live here, never in timed unit tests:
the machines are shared and noisy, so compare the **ratios measured in one run**, not absolute figures across runs.

## Run

- Command: \`${report.command}\` (builds \`dist/\`, then \`tsx bench/run.ts\`; \`BENCH_ITERATIONS\`, \`BENCH_WARMUP\` and \`BENCH_COLD_RUNS\` override the counts)
- Date: ${report.date}, took ${report.durationS.toFixed(0)} s
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory, ${machine.os}, Node ${machine.node}
- Iterations: ${config.iterations} timed calls per series after ${config.warmup} warm-up calls; ${config.coldRuns} cold starts (after one untimed)

Setup: the sandbox (demo data) runs as **its own process** (\`node dist/bin.js sandbox --debug-endpoints\`), as a
real Infrahub would: in the benchmark's process the direct baseline would never leave its event loop while every
MCP call crosses two process boundaries, which on a loaded machine flatters the baseline. Its request log
(\`/__sandbox/requests\`) is read after each call, outside the timed window, so every call's Infrahub requests are
counted exactly. The MCP servers are the built CLI (\`node dist/bin.js\`, auth mode \`none\`) spawned over stdio and
over Streamable HTTP (one stateful session), driven by the real SDK client (\`callTool\`, which also validates
\`structuredContent\` against the tool's output schema). The direct baseline sends the same request the tool sends
(the document is built with the server's own \`buildNodeQuery\`/\`renderLiteral\` and checked to return the same
nodes) with a lean keep-alive \`node:http\` client. Every path's calls are interleaved in one loop with a rotating
order. Latency is client-side wall time per call; p50/p99 are nearest-rank.

## Reads (warm schema cache)

${latencyTable(report.reads)}

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

Infrahub requests during start-up and \`tools/list\`: ${cold.infrahubRequestsPerStart.toFixed(2)} per start.

## Memory (server processes, from /proc)

${table(["Process", "RSS MiB", "peak RSS MiB"], memory)}

RSS includes garbage V8 has not collected yet (it grows the heap before a full collection), so the after-run
figures are an upper bound on live memory; the idle figures are the ones to compare across runs.

## Reading

${reading(report)}
`
}
