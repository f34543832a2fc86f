/**
 * An Effect application that embeds infrahub-mcp: its own HTTP server and router with its own
 * routes, its own authentication ("acme-sso") and the MCP app mounted under /infra — so MCP clients
 * connect to /infra/mcp — plus a tool call the application makes itself at start.
 *
 *   npm run build
 *   INFRAHUB_ADDRESS=http://127.0.0.1:8000 INFRAHUB_API_TOKEN=<token> PORT=8080 npx tsx examples/effect-host/main.ts
 *
 * Every other INFRAHUB_MCP_* setting (read-only, session limits, allowed origins…) applies as it
 * does to the `infrahub-mcp` command; INFRAHUB_MCP_AUTH_MODE stays unset: authentication is ours.
 */
import { createServer } from "node:http"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  apiToken,
  AuthMode,
  AuthRejected,
  callTool,
  ConfigurationError,
  type Credential,
  makeHttpApp,
  type MetricsAccess,
  mcpCoreLayer,
  mcpHttpLayer,
  OAuthRoutes,
  type RequestAuth,
  ServerConfig,
  type ServerConfigShape,
  stateLayer
} from "infrahub-mcp"

/** Where the MCP app lives in our URL space: /infra/mcp for clients, /infra/health for probes. */
const MCP_PREFIX = "/infra"

/**
 * ACME's single sign-on: the company's gateway authenticates every request and passes the user on
 * in `X-Acme-User` (stripping any such header a client sends). Infrahub calls use our service token.
 */
const acmeSso = (credential: Credential) =>
  AuthMode.custom({
    name: "acme-sso",
    sharedCredential: credential,
    authenticate: (request) => {
      const user = request.headers.get("x-acme-user")?.trim() ?? ""
      return user === ""
        ? Effect.fail(new AuthRejected({
            status: 401,
            error: "invalid_request",
            description: "This endpoint is behind ACME SSO: sign in through the gateway, which sends X-Acme-User.",
            challenge: `Bearer realm="acme"`
          }))
        : Effect.succeed({ credential, principal: { id: `acme:${user}`, user, scopes: [] } })
    }
  })

/** The HTTP app's settings, from the same configuration as the command's. */
const mcpApp = (config: ServerConfigShape) => {
  const metrics: MetricsAccess = Option.match(config.http.metricsToken, {
    onSome: (token) => ({ _tag: "Token", token }),
    onNone: () => ({ _tag: "Off", mode: "acme-sso" })
  })
  return makeHttpApp({
    allowedOrigins: config.http.allowedOrigins,
    allowedHosts: config.http.allowedHosts,
    prometheus: config.prometheusEnabled,
    maxBodyBytes: config.http.maxBodyBytes,
    metrics
  })
}

const main = Effect.gen(function* () {
  // PORT=0 picks a free port (the listening line says which).
  const port = yield* Config.integer("PORT").pipe(Config.withDefault(8080))
  const config = yield* ServerConfig.load({ transport: "streamable-http", host: "127.0.0.1", port })
  const token = yield* Option.match(config.infrahub.apiToken, {
    onNone: () =>
      Effect.fail(new ConfigurationError({
        problems: [{ variable: "INFRAHUB_API_TOKEN", message: "INFRAHUB_API_TOKEN is not set: set it to the service token ACME's Infrahub calls use." }]
      })),
    onSome: (secret) => Effect.succeed(apiToken(Redacted.value(secret)))
  })

  // What the MCP app needs: the core (Infrahub client, tools, session branches), the session
  // manager, our auth mode, no OAuth routes (SSO is the gateway's), and the server's state.
  const services = Layer.mergeAll(mcpHttpLayer(config), acmeSso(token), OAuthRoutes.disabled).pipe(
    Layer.provideMerge(mcpCoreLayer(config)),
    Layer.provideMerge(stateLayer(config))
  )

  return yield* Effect.gen(function* () {
    // A tool call of our own at start, as the service itself (no MCP client involved).
    const service: RequestAuth = { credential: token, principal: { id: "acme:inventory-service", user: "inventory-service", scopes: [], mode: "acme-sso" } }
    const devices = yield* callTool({ tool: "get_nodes", arguments: { kind: "DcimDevice", limit: 1 }, auth: service })
    const deviceCount = devices.structuredContent?.["total_count"]
    yield* Console.log(`acme_startup_check devices=${String(deviceCount)}`)

    const router = HttpRouter.empty.pipe(
      HttpRouter.get("/", HttpServerResponse.json({ service: "acme-infra-portal", devices: deviceCount, mcp: `${MCP_PREFIX}/mcp` })),
      HttpRouter.get("/ping", HttpServerResponse.text("pong")),
      HttpRouter.mountApp(MCP_PREFIX, mcpApp(config))
    )
    const listening = Layer.effectDiscard(
      HttpServer.addressWith((address) => Console.log(`acme_host_listening url=${HttpServer.formatAddress(address)}`))
    )
    return yield* HttpServer.serve(router).pipe(
      Layer.merge(listening),
      Layer.provide(NodeHttpServer.layer(createServer, { host: config.host, port: config.port })),
      Layer.launch
    )
  }).pipe(Effect.provide(services))
})

NodeRuntime.runMain(main)
