// The bar `npm run bench` measures infrahub-mcp against: a bare MCP server written the way the SDK's
// documentation shows (McpServer, zod, `fetch`), serving `get_nodes` (labels, string filters)
// and `get_session_info` with the GraphQL documents infrahub-mcp sends and the structuredContent it
// returns. It has none of the server's guarantees (typed errors, access policy, rate limits,
// metrics, audit log, session branches), which is exactly what the ratios price.
//
//   node baseline.js                    stdio
//   node baseline.js --port 0           Streamable HTTP, one stateful session per client
//
// Environment: INFRAHUB_ADDRESS, INFRAHUB_API_TOKEN. Compiled (not bundled) by the bench, as a user
// would run it.
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { z } from "zod"
import { nodesDocument, PAGE_SIZE, pageOf, type Row } from "./documents.js"

const address = (process.env["INFRAHUB_ADDRESS"] ?? "").replace(/\/+$/, "")
const token = process.env["INFRAHUB_API_TOKEN"] ?? ""

const graphql = async (query: string): Promise<Record<string, unknown>> => {
  const response = await fetch(`${address}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-infrahub-key": token },
    body: JSON.stringify({ query })
  })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: ReadonlyArray<{ message: string }> }
  if (!response.ok || (body.errors?.length ?? 0) > 0) throw new Error(body.errors?.map((error) => error.message).join("; ") ?? `HTTP ${response.status}`)
  return body.data ?? {}
}

/** infrahub-mcp's Branches query; the default branch is read once and kept. */
const BRANCHES = "query GetAllBranch { Branch { id name description origin_branch branched_from created_at sync_with_git is_default has_schema_changes status graph_version } }"
let defaultBranch: Promise<string> | undefined
const readDefaultBranch = () =>
  (defaultBranch ??= graphql(BRANCHES).then((data) => {
    const branches = (data["Branch"] ?? []) as ReadonlyArray<{ name: string; is_default?: boolean }>
    return branches.find((branch) => branch.is_default === true)?.name ?? "main"
  }))

const NodeSummary = z.object({ id: z.string(), kind: z.string(), label: z.string() })

const makeServer = () => {
  const server = new McpServer({ name: "bare-sdk-baseline", version: "1.0.0" })
  server.registerTool(
    "get_nodes",
    {
      description: "Objects of one kind, filtered, with the total count and paging (labels only).",
      inputSchema: {
        kind: z.string().min(1),
        filters: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
        limit: z.number().int().refine((limit) => limit === -1 || limit >= 1).default(50),
        offset: z.number().int().min(0).default(0)
      },
      outputSchema: {
        kind: z.string(),
        branch: z.string().nullable(),
        nodes: z.array(NodeSummary),
        count: z.number().int(),
        total_count: z.number().int().nullable(),
        has_more: z.boolean().nullable(),
        offset: z.number().int(),
        limit: z.number().int()
      }
    },
    async ({ kind, filters, limit, offset }) => {
      const entries = Object.entries(filters ?? {})
      const read = async (at: number, size: number) => pageOf(await graphql(nodesDocument(kind, entries, at, size)), kind)
      let page = await read(offset, limit === -1 ? PAGE_SIZE : limit)
      const rows: Array<Row> = [...page.rows]
      // limit=-1 pages through everything, as infrahub-mcp does.
      while (limit === -1 && page.count !== null && page.rows.length > 0 && offset + rows.length < page.count) {
        page = await read(offset + rows.length, PAGE_SIZE)
        rows.push(...page.rows)
      }
      const total = page.count
      const result = {
        kind,
        branch: null,
        nodes: rows,
        count: rows.length,
        total_count: total,
        has_more: total === null ? null : total > offset + rows.length,
        offset,
        limit
      }
      return { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result }
    }
  )
  server.registerTool(
    "get_session_info",
    {
      description: "This session's state.",
      outputSchema: {
        session_branch: z.string().nullable(),
        has_session_branch: z.boolean(),
        default_branch: z.string().nullable(),
        infrahub_address: z.string(),
        user: z.string().nullable(),
        auth_mode: z.string(),
        write_tools_available: z.boolean()
      }
    },
    async () => {
      const result = {
        session_branch: null,
        has_session_branch: false,
        default_branch: await readDefaultBranch(),
        infrahub_address: address,
        user: null,
        auth_mode: "none",
        write_tools_available: true
      }
      return { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result }
    }
  )
  return server
}

const portArgument = process.argv.indexOf("--port")
if (portArgument < 0) {
  await makeServer().connect(new StdioServerTransport())
} else {
  // The SDK's documented stateful pattern: one transport and server per session, found by its id.
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const http = createServer((request, response) => {
    const id = request.headers["mcp-session-id"]
    const known = typeof id === "string" ? sessions.get(id) : undefined
    if (known !== undefined) return void known.handleRequest(request, response)
    if (request.method !== "POST" || id !== undefined) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}')
      return
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (session) => void sessions.set(session, transport)
    })
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
    }
    void makeServer()
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
  })
  http.listen(Number(process.argv[portArgument + 1] ?? 0), "127.0.0.1", () => {
    const bound = http.address()
    const port = typeof bound === "object" && bound !== null ? bound.port : 0
    process.stderr.write(`baseline_ready url=http://127.0.0.1:${port}/mcp\n`)
  })
}
