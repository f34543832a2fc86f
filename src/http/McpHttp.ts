import { randomUUID } from "node:crypto"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
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
import { StateStore, type StateStoreUnavailable } from "../state/StateStore.js"
import { CredentialCheck, type CredentialCheckUnavailable, type CredentialRejected } from "./CredentialCheck.js"

export interface McpHttpOptions {
  /** One server per request, no MCP sessions; per-session state is then keyed by the principal. */
  readonly stateless: boolean
  readonly maxSessions: number
  /** Sessions one principal may hold; `None` when every caller is the same principal (auth mode `none`). */
  readonly maxSessionsPerPrincipal: Option.Option<number>
  readonly idleTimeoutMs: number
  /** INFRAHUB_MCP_PING_INTERVAL_MS: ping each session's client so proxies keep idle streams open. */
  readonly pingIntervalMs: Option.Option<number>
}

interface HttpSession {
  readonly server: Server
  readonly transport: WebStandardStreamableHTTPServerTransport
  /** Who opened the session: its later requests must present the same principal and credential. */
  readonly binding: string
  readonly principalId: string
  readonly pinger: Option.Option<Fiber.RuntimeFiber<unknown>>
}

export interface McpHttpShape {
  /** Serves one `/mcp` request (POST, GET or DELETE) for an authenticated caller. */
  readonly handle: (request: Request, parsedBody: unknown, auth: RequestAuth) => Effect.Effect<Response>
  readonly sessionCount: Effect.Effect<number>
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const jsonRpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}): Response =>
  json(status, { jsonrpc: "2.0", error: { code, message }, id: null }, headers)

const RETRY_AFTER_SECONDS = "5"

const unavailable = (error: StateStoreUnavailable | CredentialCheckUnavailable) =>
  jsonRpcError(503, -32000, `${error.message} ${error.remediation}`, { "retry-after": RETRY_AFTER_SECONDS })

/** RFC 6750 §3: an `error_description` holds printable ASCII without `"` and `\`. */
const challengeText = (text: string): string => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7E]/g, " ")

/** 401 for a credential Infrahub refused, with the challenge of the scheme the client should use. */
const rejected = (auth: RequestAuth, error: CredentialRejected): Response => {
  const description = `${error.message} ${error.remediation}`
  const challenge = auth.credential._tag === "Password"
    ? `Basic realm="infrahub-mcp", charset="UTF-8"`
    : `Bearer realm="infrahub-mcp", error="invalid_token", error_description="${challengeText(description)}"`
  return json(401, { error: "invalid_token", error_description: description }, { "www-authenticate": challenge })
}

const containsInitialize = (body: unknown): boolean =>
  Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body)

/** Where a session's place is held in the `StateStore`: the server's group and its principal's. */
const SERVER_GROUP = "mcp-sessions"
const principalGroup = (principalId: string) => `mcp-sessions:${principalId}`

type Claim = "admitted" | "principal-full" | "server-full"

/**
 * Streamable HTTP sessions: one SDK server and transport per MCP session, kept in a bounded store
 * with idle expiry, closed on DELETE, on expiry and at shutdown. A session is bound to the caller
 * that opened it; a request for it with another credential is refused, so a leaked session id is
 * not a way into someone else's identity or session branch.
 *
 * Places are counted in the `StateStore` (one bounded group for the server, one per principal):
 * claimed before a session is created, refused (never evicted) when full, renewed on use, released
 * when the session ends. The caller's own credential is proven with Infrahub first, so junk
 * credentials cannot take places from real users.
 */
export class McpHttp extends Context.Tag("infrahub-mcp/McpHttp")<McpHttp, McpHttpShape>() {
  static readonly layer = (
    options: McpHttpOptions
  ): Layer.Layer<McpHttp, never, McpBridge | SessionBranches | Fingerprints | StateStore | CredentialCheck> =>
    Layer.scoped(
      McpHttp,
      Effect.gen(function* () {
        const bridge = yield* McpBridge
        const branches = yield* SessionBranches
        const runtime = yield* Effect.runtime<never>()
        const fingerprints = yield* Fingerprints
        const state = yield* StateStore
        const credentials = yield* CredentialCheck
        const ttl = Duration.millis(options.idleTimeoutMs)
        const bindingOf = (auth: RequestAuth): string => `${auth.principal.id}\u0000${fingerprints.credential(auth.credential)}`
        const workspaceOf = (sessionId: string) => `session:${sessionId}`

        /** Holds (or renews) a session's place; existing members are always admitted. */
        const claim = (sessionId: string, principalId: string): Effect.Effect<Claim, StateStoreUnavailable> =>
          Effect.gen(function* () {
            const perPrincipal = options.maxSessionsPerPrincipal
            if (Option.isSome(perPrincipal) && !(yield* state.admit(principalGroup(principalId), sessionId, ttl, perPrincipal.value))) {
              return "principal-full"
            }
            if (yield* state.admit(SERVER_GROUP, sessionId, ttl, options.maxSessions)) return "admitted"
            if (Option.isSome(perPrincipal)) yield* state.leave(principalGroup(principalId), sessionId)
            return "server-full"
          })

        const release = (sessionId: string, principalId: string) =>
          state.leave(SERVER_GROUP, sessionId).pipe(
            Effect.zipRight(state.leave(principalGroup(principalId), sessionId)),
            Effect.catchAll((error) => Effect.logWarning(`mcp_session_release_failed session=${sessionId}: ${error.message}`))
          )

        const stopPinger = (session: HttpSession) =>
          Option.match(session.pinger, { onNone: () => Effect.void, onSome: Fiber.interrupt })

        const close = (sessionId: string, session: HttpSession) =>
          stopPinger(session).pipe(
            Effect.zipRight(Effect.promise(() => session.server.close().catch(() => undefined))),
            Effect.zipRight(branches.forget(workspaceOf(sessionId))),
            Effect.zipRight(release(sessionId, session.principalId))
          )

        const store = yield* makeInMemory<HttpSession>({
          maxEntries: options.maxSessions,
          idleTimeoutMs: options.idleTimeoutMs,
          onEvict: (sessionId, session, reason) =>
            Effect.logInfo(`mcp_session_closed session=${sessionId} reason=${reason}`).pipe(Effect.zipRight(close(sessionId, session)))
        })

        const startPinger = (server: Server) =>
          Option.map(options.pingIntervalMs, (interval) =>
            // A client that does not answer a ping is left to idle expiry, not dropped here; one
            // without a stream to receive it must not stall the next ping for the SDK's 60 s timeout.
            Runtime.runFork(runtime)(
              Effect.promise(() => server.ping().catch(() => undefined)).pipe(
                Effect.timeout(Duration.millis(interval)),
                Effect.ignore,
                Effect.repeat(Schedule.spaced(Duration.millis(interval))),
                Effect.delay(Duration.millis(interval))
              )
            )
          )

        const openSession = (auth: RequestAuth, sessionId: string) =>
          Effect.sync(() => {
            const server = bridge.makeServer({
              fallbackAuth: Option.none(),
              workspaceOf: (id) => (id === undefined ? `principal:${auth.principal.id}` : workspaceOf(id))
            })
            const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
              sessionIdGenerator: () => sessionId,
              onsessioninitialized: () =>
                Runtime.runPromise(runtime)(
                  store
                    .set(sessionId, { server, transport, binding: bindingOf(auth), principalId: auth.principal.id, pinger: startPinger(server) })
                    .pipe(Effect.zipRight(Effect.logInfo(`mcp_session_opened session=${sessionId} user=${auth.principal.user ?? auth.principal.id}`)))
                ),
              onsessionclosed: () =>
                Runtime.runPromise(runtime)(
                  store.modify(sessionId, (current) => [current, Option.none()] as const).pipe(
                    // The transport closes itself on DELETE; what is ours to stop is the pinger and the place.
                    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (closed) => stopPinger(closed) })),
                    Effect.zipRight(branches.forget(workspaceOf(sessionId))),
                    Effect.zipRight(release(sessionId, auth.principal.id)),
                    Effect.zipRight(Effect.logInfo(`mcp_session_closed session=${sessionId} reason=client`))
                  )
                )
            })
            return { server, transport }
          }).pipe(Effect.tap(({ server, transport }) => Effect.promise(() => server.connect(transport))))

        /** An `initialize` request: prove the credential, claim a place, then let the SDK open the session. */
        const initialize = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.gen(function* () {
            const sessionId = randomUUID()
            const claimed = yield* claim(sessionId, auth.principal.id)
            if (claimed === "principal-full") {
              yield* Effect.logWarning(`mcp_session_refused reason=principal-capacity user=${auth.principal.user ?? auth.principal.id}`)
              return jsonRpcError(
                429,
                -32000,
                `You already hold the maximum of ${Option.getOrElse(options.maxSessionsPerPrincipal, () => options.maxSessions)} MCP sessions per caller (INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL): close sessions you no longer use (DELETE /mcp) or wait until idle ones expire.`
              )
            }
            if (claimed === "server-full") {
              yield* Effect.logWarning(`mcp_session_refused reason=capacity max=${options.maxSessions}`)
              return jsonRpcError(503, -32000, `This server already holds its maximum of ${options.maxSessions} MCP sessions; retry later (idle sessions expire).`)
            }
            return yield* Effect.gen(function* () {
              const { server, transport } = yield* openSession(auth, sessionId)
              const response = yield* Effect.promise(() => transport.handleRequest(request, { parsedBody, authInfo: toAuthInfo(auth, "") }))
              // The SDK refused the initialize (bad protocol version, …): nothing to keep.
              if (transport.sessionId === undefined) {
                yield* Effect.promise(() => server.close().catch(() => undefined))
                yield* release(sessionId, auth.principal.id)
              }
              return response
            }).pipe(Effect.onError(() => release(sessionId, auth.principal.id)))
          })

        const stateful = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.gen(function* () {
            const sessionId = request.headers.get("mcp-session-id")
            if (sessionId === null) {
              if (request.method !== "POST" || !containsInitialize(parsedBody)) {
                return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required; initialize a session with POST first.")
              }
              return yield* credentials.verify(auth).pipe(Effect.zipRight(initialize(request, parsedBody, auth)))
            }
            const session = yield* store.get(sessionId)
            if (Option.isNone(session)) {
              return jsonRpcError(404, -32001, "Session not found: it expired or was closed. Initialize a new session.")
            }
            if (session.value.binding !== bindingOf(auth)) {
              yield* Effect.logWarning(`mcp_session_refused session=${sessionId} reason=credential-mismatch`)
              return jsonRpcError(403, -32001, "This MCP session belongs to another credential; use the credential that opened it or initialize a new session.")
            }
            yield* claim(sessionId, session.value.principalId)
            return yield* Effect.promise(() => session.value.transport.handleRequest(request, { parsedBody, authInfo: toAuthInfo(auth, "") }))
          })

        const stateless = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          request.method !== "POST"
            // Without sessions there is no stream to open or session to end: 405 tells the SDK client
            // not to retry (a 200 that closes at once makes it reconnect in a loop).
            ? Effect.succeed(jsonRpcError(405, -32000, "Method not allowed: this server runs without MCP sessions (--stateless); send every message with POST.", { allow: "POST" }))
            : credentials.verify(auth).pipe(
              Effect.zipRight(
                Effect.acquireUseRelease(
                  Effect.sync(() => ({
                    server: bridge.makeServer({ fallbackAuth: Option.none(), workspaceOf: () => `principal:${auth.principal.id}` }),
                    // JSON answers, not SSE: the server is closed once the answer is complete.
                    transport: new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
                  })).pipe(Effect.tap(({ server, transport }) => Effect.promise(() => server.connect(transport)))),
                  ({ transport }) => Effect.promise(() => transport.handleRequest(request, { parsedBody, authInfo: toAuthInfo(auth, "") })),
                  ({ server }) => Effect.promise(() => server.close().catch(() => undefined))
                )
              )
            )

        const serve = options.stateless ? stateless : stateful
        return McpHttp.of({
          handle: (request, parsedBody, auth) =>
            serve(request, parsedBody, auth).pipe(
              Effect.catchTags({
                CredentialRejected: (error) =>
                  Effect.logWarning(`mcp_session_refused reason=credential-rejected user=${auth.principal.user ?? auth.principal.id}`).pipe(
                    Effect.as(rejected(auth, error))
                  ),
                CredentialCheckUnavailable: (error) => Effect.succeed(unavailable(error)),
                StateStoreUnavailable: (error) => Effect.succeed(unavailable(error))
              })
            ),
          sessionCount: store.size
        })
      })
    )
}
