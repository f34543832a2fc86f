/**
 * infrahub-mcp as a library: the layers an Effect-based host mounts to serve Infrahub over MCP in its
 * own process (its own HTTP server, its own runtime), and the services they provide.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
 * import { authLayer, httpServerLayer, mcpCoreLayer, ServerConfig, stateLayer } from "infrahub-mcp"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* ServerConfig.load({ transport: "streamable-http", host: "127.0.0.1", port: 8001 })
 *   const server = httpServerLayer(config, (url) => Effect.log(`MCP on ${url}/mcp`)).pipe(
 *     Layer.provide(Layer.merge(mcpCoreLayer(config), authLayer(config))),
 *     Layer.provideMerge(stateLayer(config))
 *   )
 *   return yield* Layer.launch(server)
 * })
 * ```
 *
 * @module
 */

/** Configuration: every `INFRAHUB_*` variable, validated at once (`ServerConfig.load`; layers take the result as a value). */
export {
  type CliOptions,
  ConfigurationError,
  ServerConfig,
  type ServerConfigShape,
  type Transport
} from "./config/ServerConfig.js"

/** The transport-independent core (client, schema catalog, session branches, tools, SDK bridge). */
export { authLayer, infrahubLayer, logConfigWarnings, mcpCoreLayer, stateLayer } from "./app/layers.js"

/** Streamable HTTP on a Node HTTP server (`/mcp`, `/health`, `/metrics`, OAuth routes). */
export { httpServerLayer } from "./app/http.js"

/** stdio: serves one MCP connection on the process's stdin/stdout until stdin closes. */
export { serveStdio } from "./app/stdio.js"

/** The HTTP app (an `HttpRouter`) and its session manager, for hosts with their own server. */
export { type HttpAppOptions, makeHttpApp, type MetricsAccess } from "./http/HttpApp.js"
export { McpHttp, type McpHttpOptions } from "./http/McpHttp.js"
export { CredentialCheck, CredentialCheckUnavailable, CredentialRejected } from "./http/CredentialCheck.js"
export { ListenFailed } from "./http/listen.js"
export { OAuthRoutes } from "./http/OAuthRoutes.js"

/** Request-scoped services: who calls, and the credential their Infrahub calls use. */
export { apiToken, ApiToken, type Credential, InfrahubCredentials, password, Password } from "./auth/InfrahubCredentials.js"
export { Principal, type PrincipalShape } from "./auth/Principal.js"

/** Auth modes as layers providing per-request identity; the OIDC proxy behind `oidc` mode. */
export { AuthMode, type AuthModeShape, AuthRejected, type RequestAuth } from "./auth/AuthMode.js"
export { OidcProxy, type OidcSettings } from "./auth/oidc/OidcProxy.js"

/** Infrahub access: a typed client whose calls require `InfrahubCredentials`. */
export { InfrahubClient, type InfrahubClientShape, type GraphQLRequest } from "./infrahub/InfrahubClient.js"
export * from "./infrahub/errors.js"
export { SchemaCatalog } from "./infrahub/SchemaCatalog.js"
export { Branches } from "./infrahub/Branches.js"
export { SessionBranches } from "./session/SessionBranches.js"

/** The MCP layer: tools as data, the access policy, the SDK bridge. */
export { AccessPolicy, AccessDenied } from "./mcp/AccessPolicy.js"
export { McpBridge, type ConnectionOptions } from "./mcp/McpBridge.js"
export { RequestContext } from "./session/RequestContext.js"
export { ToolRegistry } from "./mcp/ToolRegistry.js"
export { makeTool, type ToolSpec } from "./mcp/ToolSpec.js"
export { allTools } from "./mcp/tools/index.js"

/** The Infrahub-compatible sandbox, for tests and demos of hosts that embed this server. */
export { defaultSandboxOptions, type SandboxOptions, startSandbox } from "./sandbox/server.js"
