import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { AuthMode } from "../auth/AuthMode.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { McpHttp } from "./McpHttp.js"
import { metricsJson, prometheusText } from "./metricsReport.js"
import { OAuthRoutes } from "./OAuthRoutes.js"

export interface HttpAppOptions {
  /** Origins accepted besides loopback ones (`scheme://host[:port]`). */
  readonly allowedOrigins: ReadonlyArray<string>
  readonly prometheus: boolean
  /** Largest `/mcp` request body accepted. */
  readonly maxBodyBytes: number
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

/** A body-less web Request carrying the headers the SDK transport reads; the body is passed parsed. */
const webRequestOf = (request: HttpServerRequest.HttpServerRequest): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) headers.set(name, value)
  return new Request(new URL(request.url, `http://${request.headers["host"] ?? "localhost"}`), { method: request.method, headers })
}

const health = Effect.gen(function* () {
  const auth = yield* AuthMode
  const client = yield* InfrahubClient
  const check = Option.match(auth.sharedCredential, {
    // Passthrough modes hold no credential of their own: prove Infrahub answers at all.
    onNone: () => Effect.asVoid(client.probe),
    onSome: (credential) => Effect.asVoid(Effect.provideService(client.version, InfrahubCredentials, credential))
  })
  return yield* check.pipe(
    Effect.timeoutFail({ duration: HEALTH_TIMEOUT, onTimeout: () => ({ message: "Infrahub did not answer within 5 s" }) }),
    Effect.as(json(200, { status: "healthy", auth_mode: auth.mode })),
    Effect.catchAll((error) => Effect.succeed(json(503, { status: "unhealthy", reason: error.message })))
  )
})

const MCP_BODY_TOO_LARGE = (limit: number) =>
  json(413, { jsonrpc: "2.0", error: { code: -32600, message: `Request body over ${limit} bytes.` }, id: null })

/** The HTTP surface: `/mcp`, `/health`, `/metrics` and the OAuth routes (or their 404s). */
export const makeHttpApp = (options: HttpAppOptions) => {
  const mcp = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
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
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > options.maxBodyBytes) return MCP_BODY_TOO_LARGE(options.maxBodyBytes)
    let parsedBody: unknown = undefined
    if (request.method === "POST") {
      const text = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
      if (Buffer.byteLength(text) > options.maxBodyBytes) return MCP_BODY_TOO_LARGE(options.maxBodyBytes)
      const parsed = Either.try(() => JSON.parse(text) as unknown)
      if (Either.isLeft(parsed)) {
        return json(400, { jsonrpc: "2.0", error: { code: -32700, message: "Parse error: the body is not valid JSON." }, id: null })
      }
      parsedBody = parsed.right
    }
    const sessions = yield* McpHttp
    const response = yield* sessions.handle(webRequest, parsedBody, auth.right)
    return HttpServerResponse.fromWeb(response)
  })

  const metrics = Effect.gen(function* () {
    if (options.prometheus) {
      return HttpServerResponse.text(yield* prometheusText, { contentType: "text/plain; version=0.0.4" })
    }
    return json(200, yield* metricsJson)
  })

  const oauthOrNotFound = Effect.flatMap(OAuthRoutes, (oauth) => oauth.app).pipe(
    Effect.catchTag("RouteNotFound", ({ request }) =>
      Effect.succeed(json(404, {
        error: "not_found",
        error_description: `No route ${request.method} ${new URL(request.url, "http://x").pathname}. MCP clients connect to /mcp; /health and /metrics are for operators.`
      }))
    )
  )

  return HttpRouter.empty.pipe(
    HttpRouter.get("/health", health),
    HttpRouter.get("/metrics", metrics),
    HttpRouter.post("/mcp", mcp),
    HttpRouter.get("/mcp", mcp),
    HttpRouter.del("/mcp", mcp),
    HttpRouter.all("*", oauthOrNotFound)
  )
}
