/**
 * infrahub-mcp as a library: the layers an Effect-based host mounts to serve Infrahub over MCP in its
 * own process (its own HTTP server, its own runtime), and the services they provide. Every type a
 * public signature here uses is exported here too. The sandbox is a separate entry,
 * `infrahub-mcp/sandbox`, so importing this one does not load it.
 *
 * ```ts
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import { authLayer, makeHttpApp, mcpCoreLayer, mcpHttpLayer, ServerConfig, stateLayer } from "infrahub-mcp"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* ServerConfig.load({ transport: "streamable-http", host: "127.0.0.1", port: 8001 })
 *   // The MCP app under /infra of the host's own router: clients connect to /infra/mcp.
 *   const router = HttpRouter.empty.pipe(HttpRouter.mountApp("/infra", makeHttpApp(appOptions)))
 *   const services = mcpHttpLayer(config).pipe(
 *     Layer.provideMerge(Layer.merge(mcpCoreLayer(config), authLayer(config))),
 *     Layer.provideMerge(stateLayer(config))
 *   )
 *   // …serve `router` on the host's HttpServer with `services` provided.
 * })
 * ```
 *
 * See examples/effect-host for a complete host (own routes, own auth mode, a programmatic tool call).
 *
 * @module
 */

/** Configuration: every `INFRAHUB_*` variable, validated at once (`ServerConfig.load`; layers take the result as a value). */
export {
  type CliOptions,
  ConfigurationError,
  type OidcConfig,
  ServerConfig,
  type ServerConfigShape,
  type StateStoreConfig,
  type Transport
} from "./config/ServerConfig.js"
export type { ConfigProblem } from "./config/parse.js"
export type { BranchPattern, PatternSegment, Placeholder } from "./session/branchPattern.js"

/** The transport-independent core (client, schema catalog, session branches, tools, SDK bridge). */
export { authLayer, infrahubLayer, logConfigWarnings, mcpCoreLayer, stateLayer } from "./app/layers.js"

/** Streamable HTTP on a Node HTTP server of ours (`/mcp`, `/health`, `/metrics`, OAuth routes). */
export { httpServerLayer } from "./app/http.js"

/** Streamable HTTP sessions for a host's own server: `McpHttp` configured from `ServerConfig`. */
export { credentialCheckLayer, mcpHttpLayer, mcpHttpOptions } from "./app/mcpHttp.js"

/** stdio: serves one MCP connection on the process's stdin/stdout until stdin closes. */
export { serveStdio } from "./app/stdio.js"

/** Tool calls made by the host itself, without an MCP client. */
export { callTool, ToolCallFailed, type ToolCallRequest, ToolNotAvailable } from "./library/callTool.js"

/** The HTTP app (an `HttpRouter` app) and its session manager, for hosts with their own server. */
export { type HttpAppOptions, makeHttpApp, type MetricsAccess } from "./http/HttpApp.js"
export { McpHttp, type McpHttpOptions, type McpHttpShape } from "./http/McpHttp.js"
export {
  CredentialCheck,
  type CredentialCheckOptions,
  type CredentialCheckShape,
  CredentialCheckUnavailable,
  CredentialRejected
} from "./http/CredentialCheck.js"
export { ListenFailed } from "./http/listen.js"
export { OAuthRoutes, type OAuthRoutesShape } from "./http/OAuthRoutes.js"

/** Request-scoped services: who calls, and the credential their Infrahub calls use. */
export { apiToken, ApiToken, type Credential, InfrahubCredentials, password, Password } from "./auth/InfrahubCredentials.js"
export { AUTH_MODES, type AuthModeName, Principal, type PrincipalMode, type PrincipalShape } from "./auth/Principal.js"

/** Auth modes as layers providing per-request identity (the four built-in ones, or a host's own); the OIDC proxy behind `oidc` mode. */
export {
  AuthMode,
  type AuthModeShape,
  AuthRejected,
  type CustomAuthModeOptions,
  type HostIdentity,
  InvalidAuthModeName,
  type RequestAuth
} from "./auth/AuthMode.js"
export { type OidcIdentity, OidcProxy, type OidcProxyShape, type OidcSettings } from "./auth/oidc/OidcProxy.js"
export { OidcStartupError, OidcUnauthorized } from "./auth/oidc/errors.js"
export type { FloodLimits } from "./auth/oidc/FloodGuard.js"

/** Server state (sessions, sign-ins, rate buckets) and the key credentials are fingerprinted with. */
export { StateStore, type StateStoreShape, StateStoreUnavailable, type BucketSpec, type TokenDecision } from "./state/StateStore.js"
export { Fingerprints, type FingerprintsShape } from "./auth/fingerprint.js"
// Type only: the Valkey/Redis store (and its client) loads when INFRAHUB_MCP_STATE_STORE names one, not with the library.
export type { StateStoreStartupError } from "./state/redisStore.js"

/** Infrahub access: a typed client whose calls require `InfrahubCredentials`. */
export { InfrahubClient, type InfrahubClientOptions, type InfrahubClientShape, type GraphQLRequest } from "./infrahub/InfrahubClient.js"
export * from "./infrahub/errors.js"
export { type KindLookup, type ReadOptions, SchemaCatalog, type SchemaCatalogOptions, type SchemaCatalogShape, UnknownKind } from "./infrahub/SchemaCatalog.js"
export type { AttributeInfo, BranchSchema, FilterTarget, KindCategory, KindInfo, RelationshipInfo } from "./infrahub/schemaModel.js"
export { Branches, type BranchesShape } from "./infrahub/Branches.js"

/** Session branches: where a workspace's writes land. */
export {
  type Needs,
  type OnBranch,
  type Recovery,
  type SessionBranchError,
  SessionBranches,
  type SessionBranchesOptions,
  type SessionBranchesShape,
  type SwitchResult
} from "./session/SessionBranches.js"
export {
  BranchCreationFailed,
  BranchNameExhausted,
  BranchSwitchRefused,
  FixedBranchExists,
  NoSessionBranch,
  SessionBranchLost,
  WriteOutcomeUnknown
} from "./session/errors.js"

/** The MCP layer: tools as data, the access policy, the SDK bridge. */
export { AccessDenied, AccessPolicy, type AccessPolicyOptions, type AccessPolicyShape, type GatedTool, type WriteRefusal } from "./mcp/AccessPolicy.js"
export { type AppServices, type ConnectionOptions, McpBridge, type McpBridgeShape, type ServerIdentity } from "./mcp/McpBridge.js"
export { type ClientLogLevel, RequestContext, type RequestContextShape } from "./session/RequestContext.js"
export { type RequestServices, type ToolDescriptor, ToolRegistry, type ToolRegistryShape } from "./mcp/ToolRegistry.js"
export type { PipelineOptions, ToolCallResult } from "./mcp/pipeline.js"
export { type RateLimiter, RateLimited } from "./mcp/RateLimiter.js"
export type { Remediable } from "./mcp/ToolError.js"
export {
  type ReadServices,
  type ResourceContents,
  type ResourceDescriptor,
  type ResourceError,
  ResourceNotFound,
  ResourceRegistry,
  type ResourceRegistryOptions,
  type ResourceRegistryShape,
  type ResourceTemplateDescriptor,
  ResourceTooLarge
} from "./mcp/ResourceRegistry.js"
export {
  type PromptDescriptor,
  PromptRefused,
  PromptRegistry,
  type PromptRegistryShape,
  type RenderedPrompt
} from "./mcp/PromptRegistry.js"
export type { PromptArgument } from "./mcp/prompts.js"
export {
  type AnyToolSpec,
  makeTool,
  type ResultFacts,
  type ToolAccess,
  type ToolAnnotations,
  type ToolSpec,
  WithFacts
} from "./mcp/ToolSpec.js"
export { allTools, type ToolServices } from "./mcp/tools/index.js"
