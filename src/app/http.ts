import { createServer, type Server } from "node:http"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import { constTrue, identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { AuthMode } from "../auth/AuthMode.js"
import type { Fingerprints } from "../auth/fingerprint.js"
import type { ServerConfigShape } from "../config/ServerConfig.js"
import { formatAddress } from "../http/address.js"
import { makeHttpApp, type MetricsAccess } from "../http/HttpApp.js"
import { ListenFailed } from "../http/listen.js"
import type { OAuthRoutes } from "../http/OAuthRoutes.js"
import type { InfrahubClient } from "../infrahub/InfrahubClient.js"
import type { McpBridge } from "../mcp/McpBridge.js"
import type { SessionBranches } from "../session/SessionBranches.js"
import type { StateStore } from "../state/StateStore.js"
import { mcpHttpLayer } from "./mcpHttp.js"

/** How often Node looks for connections past their header or request timeout (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000

/** `/metrics` is operational data: open only where everybody already shares one identity. */
const metricsAccess = (config: ServerConfigShape): MetricsAccess =>
  Option.match(config.http.metricsToken, {
    onSome: (token) => ({ _tag: "Token", token }),
    onNone: () => (config.auth.mode === "none" ? { _tag: "Open" } : { _tag: "Off", mode: config.auth.mode })
  })

/**
 * The Node server with the limits slow or greedy clients meet: a client that trickles its headers or
 * body is cut off, idle keep-alive connections close, and connections past the cap are refused.
 * `requestTimeout` covers receiving the request only, so long SSE responses are not cut by it.
 */
const nodeServer = (config: ServerConfigShape): Server => {
  const limits = config.http.server
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS
  })
  server.maxConnections = limits.maxConnections
  return server
}

/**
 * At shutdown, once the MCP sessions are closed: stop listening and drop every connection left.
 * Without it Node's `close()` waits for each open connection, and at that point nobody answers on
 * them (the request handler is already gone), so a client that reconnects its SSE stream on a
 * kept-alive connection as its session ends held the process for minutes.
 */
const dropConnectionsAtShutdown = (server: Server) =>
  Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (server.listening) server.close()
        server.closeAllConnections()
      })
    )
  )

/**
 * The Streamable HTTP server: `/mcp` with bounded sessions, `/health`, `/metrics` and the OAuth
 * routes, listening on `host:port`. `onListening` runs once with the bound base URL.
 */
export const httpServerLayer = <E, R>(
  config: ServerConfigShape,
  onListening: (baseUrl: string) => Effect.Effect<void, E, R>
): Layer.Layer<
  never,
  E | ListenFailed,
  McpBridge | SessionBranches | AuthMode | InfrahubClient | OAuthRoutes | Fingerprints | StateStore | R
> => {
  const app = makeHttpApp({
    allowedOrigins: config.http.allowedOrigins,
    allowedHosts: config.http.allowedHosts,
    prometheus: config.prometheusEnabled,
    maxBodyBytes: config.http.maxBodyBytes,
    metrics: metricsAccess(config)
  })
  const sessions = mcpHttpLayer(config)
  const announce = Layer.effectDiscard(HttpServer.addressWith((address) => onListening(formatAddress(address))))
  return Layer.unwrapEffect(
    Effect.sync(() => {
      const server = nodeServer(config)
      const listener = NodeHttpServer.layer(() => server, { host: config.host, port: config.port }).pipe(
        Layer.mapError((error) => new ListenFailed({ host: config.host, port: config.port, cause: error.cause }))
      )
      // Built in this order and released in reverse: the handler goes, then the sessions close
      // (ending their streams), then the remaining connections are dropped, then the listener.
      return HttpServer.serve(app).pipe(
        // Without an exporter nobody reads the platform's per-request span either: it would only
        // copy and redact every request's headers into attributes.
        config.otelEnabled ? identity : HttpMiddleware.withTracerDisabledWhen(constTrue),
        Layer.merge(announce),
        Layer.provide(sessions),
        Layer.provide(dropConnectionsAtShutdown(server)),
        Layer.provide(listener)
      )
    })
  )
}
