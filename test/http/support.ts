// In-process harness for the HTTP session layer: the real McpHttp, bridge, tools and session
// branches, driven with web Requests, so TestClock can drive idle expiry instead of real sleeps.
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js"
import { Effect, Layer, Option } from "effect"
import type { RequestAuth } from "../../src/auth/AuthMode.js"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken } from "../../src/auth/InfrahubCredentials.js"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { mcpCoreLayer } from "../../src/app/layers.js"
import { CredentialCheck } from "../../src/http/CredentialCheck.js"
import { McpHttp, type McpHttpOptions } from "../../src/http/McpHttp.js"
import { McpBridge } from "../../src/mcp/McpBridge.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"

/** A caller of the passthrough modes: its own token, its own principal. */
export const caller = (name: string, token = `token-of-${name}`): RequestAuth => ({
  principal: { id: `token:${name}`, user: name, scopes: [], mode: "token-passthrough" },
  credential: apiToken(token)
})

export const defaultOptions: McpHttpOptions = {
  stateless: false,
  maxSessions: 10,
  maxSessionsPerPrincipal: Option.some(5),
  idleTimeoutMs: 60_000,
  pingIntervalMs: Option.none()
}

/**
 * McpHttp over the real MCP core (tools, bridge, session branches) talking to Infrahub at
 * `infrahubUrl`, with the in-memory state store. Credentials are trusted unless a check is given.
 */
export const sessionLayer = (
  options: Partial<McpHttpOptions> = {},
  infrahub: { readonly url: string; readonly token: string } = { url: "http://127.0.0.1:9", token: "unused" },
  credentialCheck: Layer.Layer<CredentialCheck> = CredentialCheck.trusted,
  /** Wraps each SDK server the bridge makes (to observe what McpHttp does with it). */
  decorate: (server: Server) => Server = (server) => server
) => {
  const merged = { ...defaultOptions, ...options }
  const config = ServerConfig.make(
    {
      INFRAHUB_ADDRESS: infrahub.url,
      INFRAHUB_API_TOKEN: infrahub.token,
      INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: String(merged.idleTimeoutMs / 1000),
      INFRAHUB_MCP_MAX_SESSIONS: String(merged.maxSessions)
    },
    { transport: "streamable-http" }
  )
  const bridge = Layer.effect(
    McpBridge,
    Effect.map(McpBridge, (real) => McpBridge.of({ makeServer: (connection) => decorate(real.makeServer(connection)) }))
  )
  return McpHttp.layer(merged).pipe(
    Layer.provide(bridge),
    Layer.provideMerge(mcpCoreLayer(config)),
    Layer.provide(credentialCheck),
    Layer.provideMerge(Layer.merge(memoryStoreLayer(), Fingerprints.random))
  )
}

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" }

export interface Answer {
  readonly status: number
  readonly headers: Headers
  /** The JSON-RPC messages of the answer (SSE events or a JSON body); empty for 202. */
  readonly messages: ReadonlyArray<Record<string, unknown>>
}

const read = (response: Response) =>
  Effect.promise(async (): Promise<Answer> => {
    const text = await response.text()
    const type = response.headers.get("content-type") ?? ""
    const messages = type.startsWith("text/event-stream")
      ? text.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
      : text === "" ? [] : [JSON.parse(text) as Record<string, unknown>]
    return { status: response.status, headers: response.headers, messages }
  })

/** Sends one message to McpHttp as `auth`, on `sessionId` when given. */
export const send = (auth: RequestAuth, message: unknown, sessionId?: string, method: "POST" | "GET" | "DELETE" = "POST") =>
  Effect.gen(function* () {
    const sessions = yield* McpHttp
    const headers: Record<string, string> = { ...HEADERS }
    if (sessionId !== undefined) {
      headers["mcp-session-id"] = sessionId
      headers["mcp-protocol-version"] = LATEST_PROTOCOL_VERSION
    }
    const request = new Request("http://127.0.0.1/mcp", { method, headers })
    return yield* Effect.flatMap(sessions.handle(request, method === "POST" ? message : undefined, auth), read)
  })

export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "in-process", version: "1" } }
}

/** Opens a session (initialize + initialized) and returns its id. */
export const open = (auth: RequestAuth) =>
  Effect.gen(function* () {
    const answer = yield* send(auth, INITIALIZE)
    const sessionId = answer.headers.get("mcp-session-id")
    if (answer.status !== 200 || sessionId === null) {
      return yield* Effect.dieMessage(`initialize answered ${answer.status}: ${JSON.stringify(answer.messages)}`)
    }
    yield* send(auth, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionId)
    return sessionId
  })

let nextId = 100

/** A tools/call on a session; returns the JSON-RPC result (or error). */
export const callTool = (auth: RequestAuth, sessionId: string, name: string, args: Record<string, unknown> = {}) =>
  Effect.map(
    send(auth, { jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } }, sessionId),
    (answer) => ({ status: answer.status, message: answer.messages[0] ?? {} })
  )

export const listTools = (auth: RequestAuth, sessionId: string) =>
  send(auth, { jsonrpc: "2.0", id: nextId++, method: "tools/list" }, sessionId)
