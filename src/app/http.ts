import { createServer } from "node:http"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AuthMode } from "../auth/AuthMode.js"
import type { Fingerprints } from "../auth/fingerprint.js"
import type { ServerConfigShape } from "../config/ServerConfig.js"
import { formatAddress } from "../http/address.js"
import { makeHttpApp } from "../http/HttpApp.js"
import { McpHttp } from "../http/McpHttp.js"
import type { OAuthRoutes } from "../http/OAuthRoutes.js"
import type { InfrahubClient } from "../infrahub/InfrahubClient.js"
import type { McpBridge } from "../mcp/McpBridge.js"
import type { SessionBranches } from "../session/SessionBranches.js"

/** Largest `/mcp` request body accepted (a tool call with big variables is far below this). */
const MAX_BODY_BYTES = 4 * 1024 * 1024

/**
 * The Streamable HTTP server: `/mcp` with bounded sessions, `/health`, `/metrics` and the OAuth
 * routes, listening on `host:port`. `onListening` runs once with the bound base URL.
 */
export const httpServerLayer = <E, R>(
  config: ServerConfigShape,
  onListening: (baseUrl: string) => Effect.Effect<void, E, R>
): Layer.Layer<never, E | HttpServerError.ServeError, McpBridge | SessionBranches | AuthMode | InfrahubClient | OAuthRoutes | Fingerprints | R> => {
  const app = makeHttpApp({
    allowedOrigins: config.http.allowedOrigins,
    prometheus: config.prometheusEnabled,
    maxBodyBytes: MAX_BODY_BYTES
  })
  const sessions = McpHttp.layer({
    stateless: config.http.stateless,
    maxSessions: config.http.maxSessions,
    idleTimeoutMs: config.http.sessionIdleTimeoutMs,
    pingIntervalMs: config.pingIntervalMs
  })
  const announce = Layer.effectDiscard(HttpServer.addressWith((address) => onListening(formatAddress(address))))
  return HttpServer.serve(app).pipe(
    Layer.merge(announce),
    Layer.provide(sessions),
    Layer.provide(NodeHttpServer.layer(() => createServer(), { host: config.host, port: config.port }))
  )
}
