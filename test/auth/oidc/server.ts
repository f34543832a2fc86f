// Serves an OIDC proxy on a real node:http listener (127.0.0.1, random port) through @effect/platform,
// as the server does: the proxy's OAuth routes, and `/mcp` which authenticates and echoes the
// identity, so tests see exactly what the MCP edge would get. The proxy is read per request, so a
// test can replace it (a restart) while the listener stays.
import http from "node:http"
import type { HttpServer } from "@effect/platform"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect } from "effect"
import type { OidcProxyShape } from "../../../src/auth/oidc/OidcProxy.js"

export const serveProxy = (current: () => OidcProxyShape | undefined, options: { readonly mcpPath?: string } = {}) =>
  Effect.gen(function* () {
    const nodeServer = http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: 0, host: "127.0.0.1" })
    // Runs before the server's own close, which would otherwise wait for idle keep-alive sockets.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const app = Effect.gen(function* () {
      const proxy = current()
      if (proxy === undefined) return HttpServerResponse.text("proxy not started", { status: 503 })
      const request = yield* HttpServerRequest.HttpServerRequest
      if (new URL(request.url, "http://localhost").pathname === (options.mcpPath ?? "/mcp")) {
        return yield* proxy.authenticate(request.headers["authorization"]).pipe(
          Effect.map((identity) => HttpServerResponse.unsafeJson(identity)),
          Effect.catchTag("OidcUnauthorized", (error) => Effect.succeed(proxy.unauthorized(error)))
        )
      }
      return yield* proxy.app.pipe(
        Effect.catchTag("RouteNotFound", () => Effect.succeed(HttpServerResponse.text("not found", { status: 404 })))
      )
    })
    yield* server.serve(app)
    return `http://127.0.0.1:${(server.address as HttpServer.TcpAddress).port}`
  })
