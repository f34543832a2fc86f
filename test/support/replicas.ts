import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js"
import { startLoadBalancer, type TestLoadBalancer } from "./haproxy.js"
import { type HttpServerProcess, startHttpServer } from "./mcp.js"
import { freePort } from "./ports.js"

/**
 * Several built servers (`dist/bin.js`, streamable HTTP) on fixed loopback ports behind one real
 * HAProxy balancing round-robin: a replica can be killed and started again on the same port, and
 * the balancer keeps sending it its share once it is back.
 */

export interface Replica {
  /** The balancer's name for it (`X-Served-By`): `replica1`, `replica2`… */
  readonly name: string
  readonly port: number
  /** Its own `/mcp`, bypassing the balancer. */
  readonly url: string
  readonly base: string
  /** stderr of every run of this replica so far, oldest first. */
  readonly logs: () => string
  readonly pid: () => number | undefined
  readonly running: () => boolean
  /** Starts it (again) on its port; resolves once it is ready. */
  readonly start: () => Promise<void>
  /** Stops it with `signal` and waits until the process is gone. */
  readonly stop: (signal?: "SIGTERM" | "SIGKILL") => Promise<void>
}

export interface Cluster {
  /** The balancer's `/mcp`. */
  readonly url: string
  /** The balancer's origin (what clients and the IdP see as the server's public URL). */
  readonly base: string
  readonly replicas: ReadonlyArray<Replica>
  readonly close: () => Promise<void>
}

const makeReplica = (name: string, port: number, env: Readonly<Record<string, string>>): Replica => {
  const base = `http://127.0.0.1:${port}`
  let current: HttpServerProcess | undefined
  const previous: Array<string> = []
  const running = () => current !== undefined && current.child.exitCode === null && current.child.signalCode === null
  return {
    name,
    port,
    url: `${base}/mcp`,
    base,
    logs: () => [...previous, current?.stderr() ?? ""].join(""),
    pid: () => (running() ? current?.child.pid : undefined),
    running,
    start: async () => {
      if (running()) throw new Error(`${name} is already running`)
      if (current !== undefined) previous.push(current.stderr())
      current = await startHttpServer(env, ["--host", "127.0.0.1", "--port", String(port)])
    },
    stop: async (signal = "SIGTERM") => {
      const process = current
      if (process === undefined || !running()) return
      await new Promise<void>((resolve) => {
        process.child.once("exit", () => resolve())
        process.child.kill(signal)
      })
    }
  }
}

/**
 * Reserves `count` ports, puts HAProxy in front of them, then starts a replica on each with the
 * environment `env(base)` gives for the balancer's public origin `base` (the OIDC base URL).
 */
export const startCluster = async (
  count: number,
  env: (base: string) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>
): Promise<Cluster> => {
  const ports: Array<number> = []
  while (ports.length < count) {
    const port = await freePort()
    if (!ports.includes(port)) ports.push(port)
  }
  const balancer: TestLoadBalancer = await startLoadBalancer(ports)
  const environment = await Promise.resolve(env(balancer.url)).catch(async (error: unknown) => {
    await balancer.close()
    throw error
  })
  const replicas = ports.map((port, index) => makeReplica(`replica${index + 1}`, port, environment))
  const close = async () => {
    await Promise.all(replicas.map((replica) => replica.stop("SIGTERM")))
    await balancer.close()
  }
  try {
    // One after the other: a loaded two-core machine starts node slowly, and start-up errors stay readable.
    for (const replica of replicas) await replica.start()
  } catch (error) {
    await close()
    throw error
  }
  return { url: `${balancer.url}/mcp`, base: balancer.url, replicas, close }
}

/** One HTTP exchange a client made through the balancer: which replica answered what. */
export interface Exchange {
  readonly method: string
  /** The JSON-RPC method of a POST (`initialize`, `tools/call`…), the tool for `tools/call`. */
  readonly rpc: string | undefined
  readonly tool: string | undefined
  readonly sessionId: string | null
  readonly status: number
  /** `X-Served-By`: the replica the balancer chose. */
  readonly servedBy: string | null
}

const rpcOf = (body: unknown): { readonly rpc: string | undefined; readonly tool: string | undefined } => {
  if (typeof body !== "string") return { rpc: undefined, tool: undefined }
  try {
    const message = JSON.parse(body) as { method?: unknown; params?: { name?: unknown } }
    return {
      rpc: typeof message.method === "string" ? message.method : undefined,
      tool: typeof message.params?.name === "string" ? message.params.name : undefined
    }
  } catch {
    return { rpc: undefined, tool: undefined }
  }
}

/** A `fetch` for the SDK transport that records every exchange in `log`. */
export const recordingFetch = (log: Array<Exchange>): FetchLike => async (url, init) => {
  const response = await fetch(url, init)
  const headers = new Headers(init?.headers)
  log.push({
    method: init?.method ?? "GET",
    ...rpcOf(init?.body),
    sessionId: headers.get("mcp-session-id"),
    status: response.status,
    servedBy: response.headers.get("x-served-by")
  })
  return response
}

export interface RecordedClient {
  readonly client: Client
  readonly transport: StreamableHTTPClientTransport
  /** Every exchange of this client so far. */
  readonly exchanges: Array<Exchange>
  /** Errors the SDK reported outside a request (a dropped stream, a failed reconnection). */
  readonly errors: Array<Error>
}

/** The real SDK client over Streamable HTTP, recording which replica answered each request. */
export const connectRecorded = async (
  url: string,
  options: Omit<StreamableHTTPClientTransportOptions, "fetch"> = {}
): Promise<RecordedClient> => {
  const exchanges: Array<Exchange> = []
  const errors: Array<Error> = []
  const client = new Client({ name: "infrahub-mcp-replicas", version: "1.0.0" }, { capabilities: {} })
  client.onerror = (error) => errors.push(error)
  const transport = new StreamableHTTPClientTransport(new URL(url), { ...options, fetch: recordingFetch(exchanges) })
  await client.connect(transport)
  return { client, transport, exchanges, errors }
}

/** The replicas that answered the client's `tools/call` requests, in order. */
export const toolCallReplicas = (exchanges: ReadonlyArray<Exchange>, tool?: string): ReadonlyArray<string | null> =>
  exchanges.filter((e) => e.rpc === "tools/call" && (tool === undefined || e.tool === tool)).map((e) => e.servedBy)
