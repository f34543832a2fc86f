import { createHash, timingSafeEqual } from "node:crypto"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { AuthMode } from "../auth/AuthMode.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import type { PrincipalMode } from "../auth/Principal.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { StateStore } from "../state/StateStore.js"
import { boundedBody, limitBody } from "./bodyLimit.js"
import { checkHost } from "./hostCheck.js"
import { invalidRequest } from "./jsonRpc.js"
import { McpHttp } from "./McpHttp.js"
import { metricsJson, prometheusText } from "./metricsReport.js"
import { OAuthRoutes } from "./OAuthRoutes.js"
import { toServerResponse } from "./sse.js"

/** Who may read `/metrics`: anybody, a caller with the bearer token, or nobody. */
export type MetricsAccess =
  | { readonly _tag: "Open" }
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "Off"; readonly mode: PrincipalMode }

export interface HttpAppOptions {
  /** Origins accepted besides loopback ones (`scheme://host[:port]`). */
  readonly allowedOrigins: ReadonlyArray<string>
  /** Host names accepted in `Host` besides IP addresses and `localhost` (see `hostCheck.ts`). */
  readonly allowedHosts: ReadonlyArray<string> | "any"
  readonly prometheus: boolean
  /** Largest request body on any route (INFRAHUB_MCP_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number
  readonly metrics: MetricsAccess
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])
const HEALTH_TIMEOUT = Duration.seconds(5)

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson(body, { status, headers })

/** DNS-rebinding protection: a browser page may only reach us from loopback or a configured origin. */
const originAllowed = (origin: string | undefined, allowed: ReadonlyArray<string>): boolean => {
  if (origin === undefined) return true // not a browser: nothing to rebind
  if (!URL.canParse(origin)) return false
  const url = new URL(origin)
  return LOOPBACK.has(url.hostname) || allowed.includes(url.origin)
}

/**
 * A body-less web Request carrying the headers the SDK transport reads; the body is passed parsed.
 * The Node request's header record goes straight into the Request (copied once, not through a
 * `Headers` of our own first).
 */
const webRequestOf = (request: HttpServerRequest.HttpServerRequest): Request => {
  const url = Option.getOrElse(HttpServerRequest.toURL(request), () => new URL(request.url, "http://localhost"))
  return new Request(url, { method: request.method, headers: request.headers })
}

const health = Effect.gen(function* () {
  const auth = yield* AuthMode
  const client = yield* InfrahubClient
  const store = yield* StateStore
  const infrahub = Option.match(auth.sharedCredential, {
    // Passthrough modes hold no credential of their own: prove Infrahub answers at all.
    onNone: () => Effect.asVoid(client.probe),
    onSome: (credential) => Effect.asVoid(Effect.provideService(client.version, InfrahubCredentials, credential))
  }).pipe(
    Effect.timeoutFail({ duration: HEALTH_TIMEOUT, onTimeout: () => ({ message: "Infrahub did not answer within 5 s" }) })
  )
  // Without its state store the server refuses every session request, so it is not healthy either.
  const state = store.health.pipe(
    Effect.timeoutFail({ duration: HEALTH_TIMEOUT, onTimeout: () => ({ message: `The ${store.backend} state store did not answer within 5 s.` }) }),
    Effect.mapError((error) => ({ message: "remediation" in error ? `${error.message} ${error.remediation}` : error.message }))
  )
  const [infrahubCheck, stateCheck] = yield* Effect.all([Effect.either(infrahub), Effect.either(state)], { concurrency: 2 })
  const facts = { auth_mode: auth.mode, state_store: { backend: store.backend, status: Either.isRight(stateCheck) ? "ok" : "unavailable" } }
  const failure = Either.isLeft(stateCheck) ? stateCheck.left : Either.isLeft(infrahubCheck) ? infrahubCheck.left : undefined
  return failure === undefined
    ? json(200, { status: "healthy", ...facts })
    : json(503, { status: "unhealthy", reason: failure.message, ...facts })
})

const jsonRpcError = (status: number, code: number, message: string) =>
  json(status, { jsonrpc: "2.0", error: { code, message }, id: null })

/**
 * A POST's JSON-RPC payload, or the error answer: -32700 for what is not JSON, -32600 for JSON that
 * is not an acceptable JSON-RPC payload. The body is already in memory and bounded (`boundedBody`).
 */
const jsonRpcBody = (body: Uint8Array, protocolVersion: string | null) =>
  Either.try(() => JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8")) as unknown).pipe(
    Either.mapLeft(() => jsonRpcError(400, -32700, "Parse error: the body is not valid JSON.")),
    Either.flatMap((parsed) =>
      Option.match(invalidRequest(parsed, protocolVersion), {
        onNone: () => Either.right(parsed),
        onSome: (message) => Either.left(jsonRpcError(400, -32600, message))
      })
    )
  )

/** Compares secrets in constant time (digests first, so lengths do not leak either). */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** Whether `/metrics` may be served to this request, or the refusal to send instead. */
const metricsRefusal = (access: MetricsAccess, authorization: string | undefined): Option.Option<HttpServerResponse.HttpServerResponse> => {
  switch (access._tag) {
    case "Open":
      return Option.none()
    case "Off":
      return Option.some(json(403, {
        error: "forbidden",
        error_description: `/metrics is off in auth mode '${access.mode}' unless INFRAHUB_MCP_METRICS_TOKEN is set: set it, and send Authorization: Bearer <that token>.`
      }))
    case "Token": {
      const given = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1]
      if (given !== undefined && sameSecret(given, Redacted.value(access.token))) return Option.none()
      return Option.some(json(401, {
        error: "invalid_token",
        error_description: "/metrics needs Authorization: Bearer <INFRAHUB_MCP_METRICS_TOKEN>; it was missing or wrong."
      }, { "www-authenticate": `Bearer realm="infrahub-mcp-metrics"` }))
    }
  }
}

/**
 * The HTTP surface: `/mcp`, `/health`, `/metrics` and the OAuth routes (or their 404s), behind the
 * `Host` check. Bodies are read only up to a limit, on every route that reads one.
 */
export const makeHttpApp = (options: HttpAppOptions) => {
  // `/mcp` reads its own body (bounded, then parsed from the bytes), not through `limitBody`'s
  // rebuilt request: it is the one hot route.
  const mcp = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const bytes = yield* boundedBody(request, options.maxBodyBytes)
    if (Either.isLeft(bytes)) return bytes.left
    const origin = request.headers["origin"]
    if (!originAllowed(origin, options.allowedOrigins)) {
      yield* Effect.logWarning(`http_refused reason=origin origin=${origin ?? ""}`)
      return json(403, {
        jsonrpc: "2.0",
        error: { code: -32000, message: `Origin ${origin} is not allowed; set INFRAHUB_MCP_ALLOWED_ORIGINS to allow it.` },
        id: null
      })
    }
    const webRequest = webRequestOf(request)
    const authMode = yield* AuthMode
    const auth = yield* Effect.either(authMode.authenticate(webRequest))
    if (auth._tag === "Left") {
      // Fail closed: refused before any Infrahub request.
      return json(auth.left.status, { error: auth.left.error, error_description: auth.left.description }, {
        "www-authenticate": auth.left.challenge
      })
    }
    const body = request.method === "POST" ? jsonRpcBody(bytes.right, request.headers["mcp-protocol-version"] ?? null) : Either.right(undefined)
    if (Either.isLeft(body)) return body.left
    const sessions = yield* McpHttp
    const response = yield* sessions.handle(webRequest, body.right, auth.right)
    return yield* toServerResponse(response, request.method === "GET")
  })

  const metrics = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const refusal = metricsRefusal(options.metrics, request.headers["authorization"])
    if (Option.isSome(refusal)) return refusal.value
    if (options.prometheus) {
      return HttpServerResponse.text(yield* prometheusText, { contentType: "text/plain; version=0.0.4" })
    }
    return json(200, yield* metricsJson)
  })

  const notFound = (request: HttpServerRequest.HttpServerRequest) =>
    json(404, {
      error: "not_found",
      error_description: `No route ${request.method} ${new URL(request.url, "http://x").pathname}. MCP clients connect to /mcp; /health and /metrics are for operators.`
    })

  const bounded = limitBody(options.maxBodyBytes)
  // The OIDC proxy reads its bodies under its own, smaller limit while reading; every other path
  // here (the disabled OAuth probes, the 404) is bounded by the server's limit before it answers.
  // The body is read once: around the whole fallback, or (OIDC) only on the way to the 404.
  const oauthOrNotFound = Effect.flatMap(OAuthRoutes, (oauth) =>
    oauth.boundsBodies
      ? Effect.catchTag(oauth.app, "RouteNotFound", ({ request }) => bounded(Effect.succeed(notFound(request))))
      : bounded(Effect.catchTag(oauth.app, "RouteNotFound", ({ request }) => Effect.succeed(notFound(request))))
  )

  return HttpRouter.empty.pipe(
    HttpRouter.get("/health", health),
    HttpRouter.get("/metrics", metrics),
    HttpRouter.post("/mcp", mcp),
    HttpRouter.get("/mcp", mcp),
    HttpRouter.del("/mcp", mcp),
    HttpRouter.all("*", oauthOrNotFound),
    // The Host check wraps every route, so a wrong Host is refused unread.
    checkHost(options.allowedHosts)
  )
}
