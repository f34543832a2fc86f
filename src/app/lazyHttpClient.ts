import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * The undici HTTP client, loaded on the first request rather than at start: undici is about 1 MB
 * of code that a server answering `initialize` and `tools/list` never runs. Requests then go
 * straight to undici's client (its own URL handling, tracing and keep-alive pool); the pool lives
 * as long as this layer.
 */
export const layerUndiciOnFirstUse: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const undici = yield* Effect.cached(
      Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
        Effect.flatMap((module) => Layer.buildWithScope(module.layerUndici, scope)),
        Effect.map(Context.get(HttpClient.HttpClient))
      )
    )
    return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (request) => Effect.flatMap(undici, (client) => Effect.flatMap(request, client.execute)),
      Effect.succeed
    )
  })
)
