import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"

/**
 * The undici HTTP client, loaded on the first request rather than at start: undici is about 1 MB
 * of code that a server answering `initialize` and `tools/list` never runs. Requests then go
 * straight to undici's client (its own URL handling, tracing and keep-alive pool); the pool (an
 * undici `Agent`) lives as long as this layer and is closed with it.
 */
export const layerUndiciOnFirstUse: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const undici = yield* Effect.cached(
      // The client made from the dispatcher, not `layerUndici`: that layer merges its context into
      // every request's (a copy of all services and two fiber-ref scopes per Infrahub request).
      Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
        Effect.flatMap((module) => Effect.map(Scope.extend(module.makeDispatcher, scope), module.makeUndici))
      )
    )
    return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (request) => Effect.flatMap(undici, (client) => Effect.flatMap(request, client.execute)),
      Effect.succeed
    )
  })
)
