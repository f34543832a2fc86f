/**
 * The proxy's endpoints as an `HttpRouter`: each path answers its methods, 405 with `Allow` for the
 * others, CORS (`HttpMiddleware.cors`) where browser-based MCP clients call cross-origin, a body
 * limit enforced while reading, and one mapping of infrastructure failures to OAuth answers.
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StateStoreUnavailable } from "../../state/StateStore.js"
import { methodNotAllowed, oauthError, refusal } from "./answers.js"
import { localPath, type PublicUrls } from "./Metadata.js"
import type { RequestBodyTooLarge } from "./requestBody.js"

export type EndpointHandler = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  StateStoreUnavailable | RequestBodyTooLarge,
  HttpServerRequest.HttpServerRequest | HttpServerRequest.ParsedSearchParams
>

export interface Endpoint {
  /** Request paths this endpoint answers (see `aliases`). */
  readonly paths: ReadonlyArray<string>
  readonly methods: Readonly<Partial<Record<"GET" | "POST", EndpointHandler>>>
  /** Browser-based MCP clients call it cross-origin, without cookies. */
  readonly cors: boolean
}

/** A path relative to BASE_URL, with and without BASE_URL's prefix (a reverse proxy may strip it or not). */
export const aliases = (urls: PublicUrls, path: string): ReadonlyArray<string> =>
  urls.basePath === "" ? [path] : [path, `${urls.basePath}${path}`]

const cors = HttpMiddleware.cors({
  allowedMethods: ["GET", "POST", "OPTIONS"],
  allowedHeaders: ["authorization", "content-type", "mcp-protocol-version"],
  maxAge: 86400
})

/** Failures that are not the endpoint's answer: an oversized body, the state store, a defect. */
const answered = (handler: EndpointHandler) =>
  handler.pipe(
    Effect.catchTags({
      // No Connection: close (as for /mcp, `http/bodyLimit.ts`): closing at once resets a client still
      // uploading, whose system then drops this answer unread. The rest of the body stays unread on
      // the paused socket until the client gives up or INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT closes it.
      RequestBodyTooLarge: (error) => Effect.succeed(oauthError("invalid_request", error.message, 413)),
      StateStoreUnavailable: (error) =>
        Effect.logError(`oidc_auth state_store_unavailable: ${error.message}`).pipe(
          Effect.zipRight(HttpServerRequest.HttpServerRequest),
          Effect.map((request) =>
            refusal(request, 503, "temporarily_unavailable", `${error.message} ${error.remediation}`, { "retry-after": "5" })
          )
        )
    }),
    Effect.catchAllCause((cause) =>
      Effect.as(
        Effect.logError("oidc_auth endpoint_failed", cause),
        oauthError("server_error", "The authorization server failed unexpectedly; try again. The cause is in the server log.", 500)
      )
    )
  )

const dispatch = (urls: PublicUrls, endpoint: Endpoint) => {
  const allowed = Object.keys(endpoint.methods)
  const route = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const handler = endpoint.methods[request.method as "GET" | "POST"]
    const response = handler === undefined ? Effect.succeed(methodNotAllowed(allowed)) : answered(handler)
    return yield* Effect.annotateLogs(response, { oauth_path: localPath(urls, new URL(request.url, urls.origin).pathname) })
  })
  return endpoint.cors ? cors(route) : route
}

/**
 * The endpoints as one router, every body read under `maxBodyBytes` (requests on other paths fail
 * with `RouteNotFound`, for the server to answer).
 */
export const oauthApp = (urls: PublicUrls, endpoints: ReadonlyArray<Endpoint>, maxBodyBytes: number) =>
  Effect.map(
    HttpRouter.toHttpApp(
      endpoints.reduce<HttpRouter.HttpRouter>(
        (router, endpoint) =>
          endpoint.paths.reduce((withPath, path) => HttpRouter.all(withPath, path as HttpRouter.PathInput, dispatch(urls, endpoint)), router),
        HttpRouter.empty
      )
    ),
    HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes))
  )
