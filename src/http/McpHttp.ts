import { randomUUID } from "node:crypto"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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
import { initializeParams, requestedLogLevel, type SessionRecord, sessionRecords } from "./SessionRecords.js"
import { CredentialCheck, type CredentialCheckUnavailable, type CredentialRejected } from "./CredentialCheck.js"
import { eventData } from "./sse.js"

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

/** A session's SDK server and transport on this replica (a cache: the session itself is the stored record). */
interface HttpSession {
  readonly server: Server
  readonly transport: WebStandardStreamableHTTPServerTransport
  /** Who opened the session: its later requests must present the same principal and credential. */
  readonly binding: string
  readonly principalId: string
  readonly pinger: Option.Option<Fiber.RuntimeFiber<unknown>>
  /** When this replica last renewed the session's places (a per-replica cache of the renewal, see `renewPlaces`). */
  readonly placesRenewedAt: { at: number }
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

/** Where a session's place is held in the `StateStore`: the server's group and its principal's. */
const SERVER_GROUP = "mcp-sessions"
const principalGroup = (principalId: string) => `mcp-sessions:${principalId}`

type Claim = "admitted" | "principal-full" | "server-full"

/** The stored session could not be re-created here (the SDK refused its replayed `initialize`). */
class SessionNotResumable extends Data.TaggedError("SessionNotResumable")<{ readonly detail: string }> {}

/** What a request's session id leads to. */
type Lookup = Data.TaggedEnum<{
  Missing: Record<never, never>
  Foreign: Record<never, never>
  Found: { readonly session: HttpSession }
}>
const Lookup = Data.taggedEnum<Lookup>()

/** Whether an answer (SSE events or one JSON body) carries a JSON-RPC error. */
const answersWithError = (text: string): boolean => {
  const events = eventData(text)
  return (events.length > 0 ? events : text.trim() === "" ? [] : [text]).some((payload) => {
    // Anything but a JSON object without `error` means the replay did not succeed.
    const message = Either.getOrUndefined(Either.try((): unknown => JSON.parse(payload)))
    return typeof message !== "object" || message === null || "error" in message
  })
}

const notFound = () => jsonRpcError(404, -32001, "Session not found: it expired or was closed. Initialize a new session.")

/**
 * Streamable HTTP sessions. A session is a record in the `StateStore` (`SessionRecords.ts`: binding,
 * `initialize` params, log level), kept while in use and removed on DELETE; the SDK server and
 * transport that serve it are a per-replica cache. A replica that receives a request for a session
 * it does not hold (opened on another replica, or before a restart) re-creates the server from the
 * record by replaying the client's `initialize` into a fresh transport, then serves the request,
 * whose notifications and progress go out on that request's own response stream. A standalone GET
 * stream stays on the replica that opened it.
 *
 * A session is bound to the caller that opened it; a request for it with another credential is
 * refused, so a leaked session id is not a way into someone else's identity or session branch.
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
        const records = sessionRecords(state)
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

        // Places live for the idle timeout; renewing them on every request would cost two store round
        // trips per request for nothing, so each replica renews a session's places at most this often.
        const renewEveryMs = Math.max(1_000, Math.floor(options.idleTimeoutMs / 10))
        const renewPlaces = (sessionId: string, session: HttpSession) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            if (now - session.placesRenewedAt.at < renewEveryMs) return
            yield* claim(sessionId, session.principalId)
            session.placesRenewedAt.at = now
          })

        const release = (sessionId: string, principalId: string) =>
          state.leave(SERVER_GROUP, sessionId).pipe(
            Effect.zipRight(state.leave(principalGroup(principalId), sessionId)),
            Effect.catchAll((error) => Effect.logWarning(`mcp_session_release_failed session=${sessionId}: ${error.message}`))
          )

        /** The session is over for everyone: its record, its places and its session branch go. */
        const end = (sessionId: string, principalId: string) =>
          records.delete(sessionId).pipe(
            Effect.catchAll((error) => Effect.logWarning(`mcp_session_record_delete_failed session=${sessionId}: ${error.message}`)),
            Effect.zipRight(branches.forget(workspaceOf(sessionId))),
            Effect.zipRight(release(sessionId, principalId))
          )

        const stopPinger = (session: HttpSession) =>
          Option.match(session.pinger, { onNone: () => Effect.void, onSome: Fiber.interrupt })

        /** This replica stops serving the session; the session itself lives on in the store. */
        const dropLocal = (session: HttpSession) =>
          stopPinger(session).pipe(Effect.zipRight(Effect.promise(() => session.server.close().catch(() => undefined))))

        // Idle or capacity eviction and shutdown only drop this replica's copy: another replica may be
        // serving the session, and the record, places and session branch expire by their own TTLs.
        const local = yield* makeInMemory<HttpSession>({
          maxEntries: options.maxSessions,
          idleTimeoutMs: options.idleTimeoutMs,
          onEvict: (sessionId, session, reason) =>
            Effect.logInfo(`mcp_session_closed session=${sessionId} reason=${reason}`).pipe(Effect.zipRight(dropLocal(session)))
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

        /** An SDK server and transport for `sessionId`, registered here once the transport initializes. */
        const openSession = (auth: RequestAuth, sessionId: string, how: "opened" | "resumed") =>
          Effect.sync(() => {
            const server = bridge.makeServer({
              fallbackAuth: Option.none(),
              workspaceOf: (id) => (id === undefined ? `principal:${auth.principal.id}` : workspaceOf(id))
            })
            const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
              sessionIdGenerator: () => sessionId,
              onsessioninitialized: () =>
                Runtime.runPromise(runtime)(
                  local
                    .set(sessionId, { server, transport, binding: bindingOf(auth), principalId: auth.principal.id, pinger: startPinger(server), placesRenewedAt: { at: Number.NEGATIVE_INFINITY } })
                    .pipe(Effect.zipRight(Effect.logInfo(`mcp_session_${how} session=${sessionId} user=${auth.principal.user ?? auth.principal.id}`)))
                ),
              onsessionclosed: () =>
                Runtime.runPromise(runtime)(
                  local.modify(sessionId, (current) => [current, Option.none()] as const).pipe(
                    // The transport closes itself on DELETE; what is ours to stop is the pinger, the record and the place.
                    Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (closed) => stopPinger(closed) })),
                    Effect.zipRight(end(sessionId, auth.principal.id)),
                    Effect.zipRight(Effect.logInfo(`mcp_session_closed session=${sessionId} reason=client`))
                  )
                )
            })
            return { server, transport }
          }).pipe(Effect.tap(({ server, transport }) => Effect.promise(() => server.connect(transport))))

        const serveRequest = (transport: WebStandardStreamableHTTPServerTransport, request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.promise(() => transport.handleRequest(request, { parsedBody, authInfo: toAuthInfo(auth, "") }))

        /** An `initialize` request: prove the credential, claim a place, store the record, then let the SDK open the session. */
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
              // Stored before the client learns the id: its next request may reach another replica.
              yield* records.set(sessionId, {
                binding: bindingOf(auth),
                principalId: auth.principal.id,
                initialize: Option.getOrUndefined(initializeParams(parsedBody))
              }, ttl)
              const { server, transport } = yield* openSession(auth, sessionId, "opened")
              const response = yield* serveRequest(transport, request, parsedBody, auth)
              // The SDK refused the initialize (bad protocol version, …): nothing to keep.
              if (transport.sessionId === undefined) {
                yield* Effect.promise(() => server.close().catch(() => undefined))
                yield* end(sessionId, auth.principal.id)
              }
              return response
            }).pipe(Effect.onError(() => end(sessionId, auth.principal.id)))
          })

        /** Sends a message the client sent earlier into a fresh transport, and reads the answer to its end. */
        const replay = (transport: WebStandardStreamableHTTPServerTransport, sessionId: string, protocolVersion: string | null, message: unknown, auth: RequestAuth) =>
          Effect.gen(function* () {
            const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" }
            if (!isInitializeRequest(message)) {
              headers["mcp-session-id"] = sessionId
              if (protocolVersion !== null) headers["mcp-protocol-version"] = protocolVersion
            }
            const response = yield* serveRequest(transport, new Request("http://replay.invalid/mcp", { method: "POST", headers }), message, auth)
            const text = yield* Effect.promise(() => response.text())
            if (!response.ok || answersWithError(text)) {
              return yield* new SessionNotResumable({ detail: `${response.status} ${text.slice(0, 300)}` })
            }
          })

        /** Re-creates a stored session on this replica: the client's `initialize` (and log level) replayed into a new server. */
        const resume = (sessionId: string, record: SessionRecord, request: Request, auth: RequestAuth) =>
          Effect.gen(function* () {
            const protocolVersion = request.headers.get("mcp-protocol-version")
            const { server, transport } = yield* openSession(auth, sessionId, "resumed")
            const replayed = Effect.gen(function* () {
              yield* replay(transport, sessionId, protocolVersion, { jsonrpc: "2.0", id: "resume-initialize", method: "initialize", params: record.initialize }, auth)
              yield* replay(transport, sessionId, protocolVersion, { jsonrpc: "2.0", method: "notifications/initialized" }, auth)
              if (record.logLevel !== undefined) {
                yield* replay(transport, sessionId, protocolVersion, { jsonrpc: "2.0", id: "resume-log-level", method: "logging/setLevel", params: { level: record.logLevel } }, auth)
              }
            })
            yield* replayed.pipe(
              Effect.tapError(() =>
                local.modify(sessionId, () => [undefined, Option.none()] as const).pipe(
                  Effect.zipRight(Effect.promise(() => server.close().catch(() => undefined)))
                )
              )
            )
            return Option.getOrThrowWith(yield* local.get(sessionId), () => new Error("a resumed session is registered by its initialize"))
          })

        // One resumption per session at a time: concurrent first requests on this replica share it.
        const resuming = new Map<string, Deferred.Deferred<HttpSession, SessionNotResumable>>()
        const resumeOnce = (sessionId: string, record: SessionRecord, request: Request, auth: RequestAuth) =>
          Effect.suspend(() => {
            const pending = resuming.get(sessionId)
            if (pending !== undefined) return Deferred.await(pending)
            return Effect.gen(function* () {
              const deferred = yield* Deferred.make<HttpSession, SessionNotResumable>()
              resuming.set(sessionId, deferred)
              const exit = yield* Effect.exit(resume(sessionId, record, request, auth))
              resuming.delete(sessionId)
              yield* Deferred.done(deferred, exit)
              return yield* exit
            }).pipe(Effect.uninterruptible)
          })

        /**
         * The session's server on this replica: the cached one while its record lives, else one
         * re-created from the record, for the credential that opened it only.
         */
        const sessionFor = (sessionId: string, request: Request, auth: RequestAuth) =>
          Effect.gen(function* () {
            const cached = yield* local.get(sessionId)
            if (Option.isSome(cached)) {
              if (cached.value.binding !== bindingOf(auth)) return Lookup.Foreign()
              if (yield* records.touch(sessionId, ttl)) return Lookup.Found({ session: cached.value })
              // Ended elsewhere (DELETE on another replica) or expired: this copy is stale.
              yield* local.delete(sessionId)
              yield* dropLocal(cached.value)
              return Lookup.Missing()
            }
            const record = yield* records.get(sessionId)
            if (Option.isNone(record)) return Lookup.Missing()
            if (record.value.binding !== bindingOf(auth)) return Lookup.Foreign()
            yield* records.touch(sessionId, ttl)
            return Lookup.Found({ session: yield* resumeOnce(sessionId, record.value, request, auth) })
          })

        const rememberLogLevel = (sessionId: string, parsedBody: unknown) =>
          Option.match(requestedLogLevel(parsedBody), {
            onNone: () => Effect.void,
            onSome: (level) =>
              records.get(sessionId).pipe(
                Effect.flatMap(Option.match({
                  onNone: () => Effect.void,
                  onSome: (record) => records.set(sessionId, { ...record, logLevel: level }, ttl)
                }))
              )
          })

        const stateful = (request: Request, parsedBody: unknown, auth: RequestAuth) =>
          Effect.gen(function* () {
            const sessionId = request.headers.get("mcp-session-id")
            if (sessionId === null) {
              if (request.method !== "POST" || Option.isNone(initializeParams(parsedBody))) {
                return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required; initialize a session with POST first.")
              }
              return yield* credentials.verify(auth).pipe(Effect.zipRight(initialize(request, parsedBody, auth)))
            }
            const found = yield* sessionFor(sessionId, request, auth)
            if (found._tag === "Missing") return notFound()
            if (found._tag === "Foreign") {
              yield* Effect.logWarning(`mcp_session_refused session=${sessionId} reason=credential-mismatch`)
              return jsonRpcError(403, -32001, "This MCP session belongs to another credential; use the credential that opened it or initialize a new session.")
            }
            const session = found.session
            yield* renewPlaces(sessionId, session)
            const response = yield* serveRequest(session.transport, request, parsedBody, auth)
            yield* rememberLogLevel(sessionId, parsedBody)
            return response
          }).pipe(
            Effect.catchTag("SessionNotResumable", (error) =>
              Effect.logWarning(`mcp_session_not_resumable session=${request.headers.get("mcp-session-id")}: ${error.detail}`).pipe(Effect.as(notFound()))
            )
          )

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
          sessionCount: local.size
        })
      })
    )
}
