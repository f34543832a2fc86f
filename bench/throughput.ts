import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { connectHttp } from "../test/support/mcp.js"
import { cpuMs } from "./cpu.js"
import { elapsedMs, summarize, type Summary } from "./stats.js"

/**
 * Throughput over Streamable HTTP: N SDK client sessions, each calling the same tool in a closed
 * loop (next call when the previous answered) for a fixed time, against one server process.
 */

export interface ThroughputResult {
  readonly sessions: number
  readonly calls: number
  readonly errors: number
  readonly callsPerSecond: number
  readonly latency: Summary
  /** Server CPU over the window ÷ calls answered. */
  readonly serverCpuPerCallMs: number | undefined
  /** This (client) process's CPU over the window ÷ calls: when it nears a core, the client is the limit. */
  readonly clientCpuPerCallMs: number
}

export interface Sessions {
  readonly clients: ReadonlyArray<Client>
  readonly close: () => Promise<void>
}

/** Opens `count` MCP sessions (one SDK client each) on `url`. */
export const openSessions = async (url: string, count: number): Promise<Sessions> => {
  const clients: Array<Client> = []
  for (let index = 0; index < count; index++) clients.push(await connectHttp(url))
  return {
    clients,
    close: async () => {
      for (const client of clients) {
        await (client.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => undefined)
        await client.close().catch(() => undefined)
      }
    }
  }
}

const answered = async (client: Client, tool: string, args: Record<string, unknown>): Promise<boolean> => {
  try {
    const result = await client.callTool({ name: tool, arguments: args })
    return result.isError !== true
  } catch {
    return false
  }
}

/** Every session calls `tool` in a loop until `seconds` have passed; only the window's calls count. */
export const measureThroughput = async (
  sessions: Sessions,
  serverPid: number | undefined,
  tool: string,
  args: Record<string, unknown>,
  seconds: number
): Promise<ThroughputResult> => {
  const latencies: Array<number> = []
  let errors = 0
  const cpuBefore = cpuMs(serverPid)
  const clientBefore = process.cpuUsage()
  const start = process.hrtime.bigint()
  const deadline = seconds * 1000
  await Promise.all(
    sessions.clients.map(async (client) => {
      while (elapsedMs(start) < deadline) {
        const callStart = process.hrtime.bigint()
        const ok = await answered(client, tool, args)
        if (ok) latencies.push(elapsedMs(callStart))
        else errors += 1
      }
    })
  )
  const windowMs = elapsedMs(start)
  const cpuAfter = cpuMs(serverPid)
  const client = process.cpuUsage(clientBefore)
  const calls = latencies.length
  return {
    sessions: sessions.clients.length,
    calls,
    errors,
    callsPerSecond: calls / (windowMs / 1000),
    latency: summarize(latencies.length > 0 ? latencies : [Number.NaN]),
    serverCpuPerCallMs: cpuBefore === undefined || cpuAfter === undefined || calls === 0 ? undefined : (cpuAfter - cpuBefore) / calls,
    clientCpuPerCallMs: calls === 0 ? Number.NaN : (client.user + client.system) / 1000 / calls
  }
}
