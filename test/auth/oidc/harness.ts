// Mounts the OIDC proxy on a real HTTP server (node:http through @effect/platform, converting with
// HttpServerRequest.toWeb / HttpServerResponse.fromWeb as the edge does) next to a real test IdP.
// `/mcp` authenticates and echoes the identity, so tests see exactly what the MCP edge would get.
import http from "node:http"
import { FetchHttpClient, HttpServerRequest, HttpServerResponse, type HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Logger, Option, Redacted, Scope } from "effect"
import type { CallbackPath } from "../../../src/auth/oidc/Metadata.js"
import { OidcProxy, type OidcSettings } from "../../../src/auth/oidc/OidcProxy.js"
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, startIdp, type TestIdp, WRITE_SCOPE } from "../../support/idp.js"

export interface HarnessOptions {
  readonly upstreamClient: "confidential" | "public"
  readonly consent?: "required" | "skip"
  /** `resource`: the IdP tokens' real audience; `wrong`: one they never carry; `none`: not checked. */
  readonly audience?: "resource" | "wrong" | "none"
  readonly jwtSigningKey?: string
  readonly accessTokenFormat?: "jwt" | "opaque"
  readonly callbackPath?: CallbackPath
  /** A path prefix of BASE_URL, e.g. `/infrahub` (the server answers with and without it). */
  readonly basePath?: string
}

export interface Harness {
  readonly base: string
  readonly mcpUrl: string
  readonly idp: TestIdp
  readonly settings: OidcSettings
  /** Every log line the proxy wrote, as `LEVEL message`. */
  readonly logs: ReadonlyArray<string>
  /** Replaces the proxy with a fresh instance on the same URL, as a process restart would. */
  readonly restart: () => Promise<void>
  readonly close: () => Promise<void>
}

export const startHarness = async (options: HarnessOptions): Promise<Harness> => {
  const scope = Effect.runSync(Scope.make())
  const logs: Array<string> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
  )
  const current: { proxy?: Context.Tag.Service<OidcProxy> } = {}

  const app = Effect.gen(function* () {
    const proxy = current.proxy
    if (proxy === undefined) return HttpServerResponse.text("proxy not started", { status: 503 })
    const request = yield* HttpServerRequest.toWeb(yield* HttpServerRequest.HttpServerRequest)
    const handled = yield* proxy.handle(request)
    if (Option.isSome(handled)) return HttpServerResponse.fromWeb(handled.value)
    if (new URL(request.url).pathname !== `${options.basePath ?? ""}/mcp`) {
      return HttpServerResponse.text("not found", { status: 404 })
    }
    return yield* proxy.authenticate(request).pipe(
      Effect.map((identity) => HttpServerResponse.unsafeJson(identity)),
      Effect.catchTag("OidcUnauthorized", (error) => Effect.succeed(HttpServerResponse.fromWeb(proxy.unauthorized(error))))
    )
  })

  const program = Effect.gen(function* () {
    const nodeServer = http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, { port: 0, host: "127.0.0.1" })
    // Runs before the server's own close, which would otherwise wait for idle keep-alive sockets.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const base = `http://127.0.0.1:${(server.address as HttpServer.TcpAddress).port}${options.basePath ?? ""}`
    const idp = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startIdp({
          resource: `${base}/mcp`,
          redirectUris: [`${base}/oauth/callback`, `${base}/auth/callback`],
          accessTokenFormat: options.accessTokenFormat ?? "jwt"
        })
      ),
      (idp) => Effect.promise(() => idp.close())
    )
    const settings: OidcSettings = {
      configUrl: idp.discoveryUrl,
      clientId: options.upstreamClient === "confidential" ? CONFIDENTIAL_CLIENT.id : PUBLIC_CLIENT.id,
      clientSecret:
        options.upstreamClient === "confidential" ? Option.some(Redacted.make(CONFIDENTIAL_CLIENT.secret)) : Option.none(),
      baseUrl: base,
      audience:
        options.audience === "resource" ? Option.some(`${base}/mcp`) : options.audience === "wrong" ? Option.some("https://elsewhere.example/api") : Option.none(),
      userClaim: "email",
      writeScopes: [WRITE_SCOPE],
      jwtSigningKey: Option.map(Option.fromNullable(options.jwtSigningKey), Redacted.make),
      consent: options.consent ?? "required",
      ...(options.callbackPath === undefined ? {} : { callbackPath: options.callbackPath })
    }
    yield* server.serve(app)
    return { base, idp, settings }
  })

  const buildProxy = (settings: OidcSettings) =>
    Layer.build(OidcProxy.layer(settings).pipe(Layer.provide(FetchHttpClient.layer))).pipe(
      Effect.map((context) => Context.get(context, OidcProxy)),
      Effect.provide(logger),
      Scope.extend(scope)
    )

  const { base, idp, settings } = await Effect.runPromise(program.pipe(Effect.provide(logger), Scope.extend(scope)))
  current.proxy = await Effect.runPromise(buildProxy(settings)).catch(async (error: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  return {
    base,
    mcpUrl: `${base}/mcp`,
    idp,
    settings,
    logs,
    restart: async () => {
      current.proxy = await Effect.runPromise(buildProxy(settings))
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
