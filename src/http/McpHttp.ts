import { randomUUID } from "node:crypto"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type { RequestAuth } from "../auth/AuthMode.js"
import { Fingerprints } from "../auth/fingerprint.js"
import { McpBridge, toAuthInfo } from "../mcp/McpBridge.js"
import { SessionBranches } from "../session/SessionBranches.js"
import { makeInMemory } from "../session/SessionStore.js"

export interface McpHttpOptions {
  /** One server per request, no MCP sessions; per-session state is then keyed by the principal. */
  readonly stateless: boolean
  readonly maxSessions: number
  readonly idleTimeoutMs: number
  /** INFRAHUB_MCP_PING_INTERVAL_MS: ping each session's client so proxies keep idle streams open. */
  readonly pingIntervalMs: Option.Option<number>
}

interface HttpSession {
  readonly server: Server
  readonly transport: WebStandardStreamableHTTPServerTransport
  /** Who opened the session: its later requests must present the same principal and credential. */
  readonly binding: string
  readonly pinger: Option.Option<Fiber.RuntimeFiber<unknown>>
}

export interface McpHttpShape {
  /** Serves one `/mcp` request (POST, GET or DELETE) for an authenticated caller. */
  readonly handle: (request: Request, parsedBody: unknown, auth: RequestAuth) => Effect.Effect<Response>
  readonly sessionCount: Effect.Effect<number>
}

const jsonRpcError = (status: number, code: number, message: string): Response =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json" }
  })

/**
 * Streamable HTTP sessions: one SDK server and transport per MCP session, kept in a bounded store
 * with idle expiry, closed on DELETE, on expiry and at shutdown. A session is bound to the caller
 * that opened it; a request for it with another credential is refused, so a leaked session id is
 * not a way into someone else's identity or session branch.
 */
export class McpHttp extends Context.Tag("infrahub-mcp/McpHttp")<McpHttp, McpHttpShape>() {
  static readonly layer = (options: McpHttpOptions): Layer.Layer<McpHttp, never, McpBridge | SessionBranches | Fingerprints> =>
    Layer.scoped(
      McpHttp,
      Effect.gen(function* () {
        const bridge = yield* McpBridge
        const branches = yield* SessionBranches
        const runtime = yield* Effect.runtime<never>()
        const fingerprints = yield* Fingerprints
        const bindingOf = (auth: RequestAuth): string => `${auth.principal.id}\u0000${fingerprints.credential(auth.credential)}`
        const workspaceOf = (sessionId: string) => `session:${sessionId}`

        const stopPinger = (session: HttpSession) =>
          Option.match(session.pinger, { onNone: () => Effect.void, onSome: Fiber.interrupt })

        const close = (sessionId: string, session: HttpSession) =>
          stopPinger(session).pipe(
            Effect.zipRight(Effect.promise(() => session.server.close().catch(() => undefined))),
            Effect.zipRight(branches.forget(workspaceOf(sessionId)))
          )

        const store = yield* makeInMemory<HttpSession>({
          maxEntries: options.maxSessions,
          idleTimeoutMs: options.idleTimeoutMs,
          onEvict: (sessionId, session, reason) =>
            Effect.logInfo(`mcp_session_closed session=${sessionId} reason=${reason}`).pipe(Effect.zipRight(close(sessionId, session)))
        })

        /** Initialize requests in flight (their sessions are not in the store yet). */
        let opening = 0

        const openSession = (auth: RequestAuth) =>
          Effect.sync(() => {
            const server = bridge.makeServer({
              fallbackAuth: Option.none(),
              workspaceOf: (sessionId) => (sessionId === undefined ? `principal:${auth.principal.id}` : workspaceOf(sessionId))
            })
            const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
              sessionIdGenerator: () => randomUUID(),
              onsessioninitialized: (sessionId) =>
                Runtime.runPromise(runtime)(
                  store
                    .set(sessionId, {
                      server,
                      transport,
                      binding: bindingOf(auth),
                      pinger: Option.map(options.pingIntervalMs, (interval) =>
                        // A client that does not answer a ping is left to idle expiry, not dropped here.
                        Runtime.runFork(runtime)(
                          Effect.promise(() => server.ping().catch(() => undefined)).pipe(
                            Effect.repeat(Schedule.spaced(Duration.millis(interval))),
                            Effect.delay(Duration.millis(interval))
                          )
                        )
                      )
                    })
                    .pipe(Effect.zipRight(Effect.logInfo(`mcp_session_opened session=${sessionId} user=${auth.principal.user ?? auth.principal.id}`)))
                ),
              onsessionclosed: (sessionId) =>
                Runtime.runPromise(runtime)(
                  store.modify(sessionId, (current) => [current, Option.none()] as const).pipe(
                    // The transport closes itself on DELETE; what is ours to stop is the pinger.
                    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (closed) => stopPinger(closed) })),
                    Effect.zipRight(branches.forget(workspaceOf(sessionId))),
                    Effect.zipRight(Effect.logInfo(`mcp_session_closed session=${sessionId} reason=client`))
                  )
                )
            })
            return { server, transport }
          }).pipe(Effect.tap(({ server, transport }) => Effect.promise(() => server.connect(transport))))

        const stateless = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.acquireUseRelease(
            Effect.sync(() => ({
              server: bridge.makeServer({ fallbackAuth: Option.none(), workspaceOf: () => `principal:${auth.principal.id}` }),
              // JSON answers, not SSE: the server is closed once the answer is complete.
              transport: new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
            })).pipe(Effect.tap(({ server, transport }) => Effect.promise(() => server.connect(transport)))),
            ({ transport }) =>
              Effect.promise(() => transport.handleRequest(request, { parsedBody, authInfo: toAuthInfo(auth, "") })),
            ({ server }) => Effect.promise(() => server.close().catch(() => undefined))
          )

        const stateful = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.gen(function* () {
            const sessionId = request.headers.get("mcp-session-id")
            const authInfo = toAuthInfo(auth, "")
            if (sessionId === null) {
              if (request.method !== "POST") return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required; initialize a session with POST first.")
              // Sessions still initialising count too: concurrent inits must not overshoot the cap
              // (the store would then evict a live session to make room).
              if ((yield* store.size) + opening >= options.maxSessions) {
                yield* Effect.logWarning(`mcp_session_refused reason=capacity max=${options.maxSessions}`)
                return jsonRpcError(503, -32000, `This server already holds its maximum of ${options.maxSessions} MCP sessions; retry later (idle sessions expire).`)
              }
              opening += 1
              const { server, transport, response } = yield* Effect.gen(function* () {
                const opened = yield* openSession(auth)
                const answer = yield* Effect.promise(() => opened.transport.handleRequest(request, { parsedBody, authInfo }))
                return { ...opened, response: answer }
              }).pipe(Effect.ensuring(Effect.sync(() => (opening -= 1))))
              // Not an initialize request (the transport refused it): nothing to keep.
              if (transport.sessionId === undefined) yield* Effect.promise(() => server.close().catch(() => undefined))
              return response
            }
            const session = yield* store.get(sessionId)
            if (Option.isNone(session)) {
              return jsonRpcError(404, -32001, "Session not found: it expired or was closed. Initialize a new session.")
            }
            if (session.value.binding !== bindingOf(auth)) {
              yield* Effect.logWarning(`mcp_session_refused session=${sessionId} reason=credential-mismatch`)
              return jsonRpcError(403, -32001, "This MCP session belongs to another credential; use the credential that opened it or initialize a new session.")
            }
            return yield* Effect.promise(() => session.value.transport.handleRequest(request, { parsedBody, authInfo }))
          })

        return McpHttp.of({
          handle: options.stateless ? stateless : stateful,
          sessionCount: store.size
        })
      })
    )
}
