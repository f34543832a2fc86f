import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { AuthMode } from "../auth/AuthMode.js"
import { Fingerprints } from "../auth/fingerprint.js"
import { OidcProxy, type OidcStartupError } from "../auth/oidc/OidcProxy.js"
import { DEFAULT_OAUTH_MAX_BODY_BYTES } from "../auth/oidc/proxyTypes.js"
import { ConfigurationError, type ServerConfigShape } from "../config/ServerConfig.js"
import { OAuthRoutes } from "../http/OAuthRoutes.js"
import { Branches } from "../infrahub/Branches.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { SchemaCatalog } from "../infrahub/SchemaCatalog.js"
import { AccessPolicy } from "../mcp/AccessPolicy.js"
import { McpBridge } from "../mcp/McpBridge.js"
import { PromptRegistry } from "../mcp/PromptRegistry.js"
import { makeRateLimiter } from "../mcp/RateLimiter.js"
import { ResourceRegistry } from "../mcp/ResourceRegistry.js"
import { ToolRegistry } from "../mcp/ToolRegistry.js"
import { allTools } from "../mcp/tools/index.js"
import { SessionBranches } from "../session/SessionBranches.js"
import { memoryStoreLayer } from "../state/memoryStore.js"
import type { StateStoreStartupError } from "../state/redisStore.js"
import { StateStore } from "../state/StateStore.js"
import { SERVER_NAME, VERSION } from "../version.js"
import { layerUndiciOnFirstUse } from "./lazyHttpClient.js"

/** Effectively forever (a year; timers need a finite value). */
const STDIO_WORKSPACE_LIFETIME_MS = 365 * 24 * 3600 * 1000

/** How long a fetched schema is trusted before a cheap hash check (reads stay at one request meanwhile). */
const SCHEMA_FRESH_MS = 30_000

/**
 * INFRAHUB_MCP_CACHE_ENABLED: the schema is then trusted for CACHE_READ_TTL seconds, even by
 * get_schema and the schema resources, which otherwise confirm Infrahub's schema hash on every read.
 */
const schemaCacheOptions = (config: ServerConfigShape) =>
  Option.match(config.cache, {
    onNone: () => ({ freshForMs: SCHEMA_FRESH_MS, honourRevalidate: true }),
    onSome: (cache) => ({ freshForMs: cache.readTtlSeconds * 1000, honourRevalidate: false })
  })

/** Longest wait for one state-store command before the request it serves fails closed. */
const STATE_COMMAND_TIMEOUT_MS = 5_000

/**
 * The server's state and the key that fingerprints credentials. In this process by default, with a
 * random per-process fingerprint key. With INFRAHUB_MCP_STATE_STORE set to Valkey/Redis, the store
 * is shared and the key derives from INFRAHUB_MCP_STATE_KEY, so every replica computes the same
 * fingerprints (a session bound on one replica is recognised on another). The Redis client is
 * loaded only then.
 */
export const stateLayer = (config: ServerConfigShape): Layer.Layer<StateStore | Fingerprints, StateStoreStartupError> => {
  const state = config.state
  if (state._tag === "Memory") return Layer.merge(memoryStoreLayer(), Fingerprints.random)
  const store = Layer.unwrapEffect(
    Effect.map(Effect.promise(() => import("../state/redisStore.js")), ({ redisStoreLayer }) =>
      redisStoreLayer({ url: state.url, secret: state.key, keyPrefix: state.keyPrefix, commandTimeoutMs: STATE_COMMAND_TIMEOUT_MS })
    )
  )
  return Layer.merge(store, Fingerprints.fromSecret(state.key))
}

/** Infrahub access: the HTTP client (undici, keep-alive, loaded on first use) and the typed Infrahub client on top. */
export const infrahubLayer = (config: ServerConfigShape): Layer.Layer<InfrahubClient, never, StateStore | Fingerprints> =>
  InfrahubClient.layer({ address: config.infrahub.address, timeoutMs: config.infrahub.timeoutMs }).pipe(
    Layer.provide(layerUndiciOnFirstUse)
  )

const missingToken = Layer.fail(
  new ConfigurationError({
    problems: [{ variable: "INFRAHUB_API_TOKEN", message: "INFRAHUB_API_TOKEN is not set: set it to an Infrahub API token." }]
  })
)

/**
 * The auth mode chosen by `INFRAHUB_MCP_AUTH_MODE`, with the OAuth routes that go with it: the
 * OIDC proxy's in `oidc` mode (discovery and JWKS are fetched here, so a bad IdP stops start-up),
 * JSON 404s for discovery probes in every other mode.
 */
export const authLayer = (
  config: ServerConfigShape
): Layer.Layer<AuthMode | OAuthRoutes, ConfigurationError | OidcStartupError, Fingerprints | StateStore> => {
  switch (config.auth.mode) {
    case "none":
      return Option.match(config.infrahub.apiToken, {
        onNone: () => missingToken,
        onSome: (token) => Layer.merge(AuthMode.none(token), OAuthRoutes.disabled)
      })
    case "token-passthrough":
      return Layer.merge(AuthMode.tokenPassthrough(config.auth.tokenPassthroughHeader), OAuthRoutes.disabled)
    case "basic-passthrough":
      return Layer.merge(AuthMode.basicPassthrough(config.auth.tokenPassthroughHeader), OAuthRoutes.disabled)
    case "oidc": {
      const token = config.infrahub.apiToken
      const oidc = config.auth.oidc
      if (Option.isNone(token)) return missingToken
      if (Option.isNone(oidc)) {
        return Layer.fail(
          new ConfigurationError({
            problems: [{ variable: "INFRAHUB_MCP_AUTH_MODE", message: "INFRAHUB_MCP_AUTH_MODE=oidc needs the INFRAHUB_MCP_OIDC_* settings." }]
          })
        )
      }
      // OidcConfig's fields are OidcSettings' by design; the rest comes from the wider configuration.
      // Registrations, sign-ins and grants live in the StateStore (from `stateLayer`): shared by
      // replicas when the store is, with INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY shared too. OAuth bodies
      // are read under the proxy's own 16 KiB limit, or INFRAHUB_MCP_MAX_BODY_BYTES if smaller.
      const proxy = OidcProxy.layer({
        ...oidc.value,
        writeScopes: config.auth.writeScopes,
        consent: "required",
        callbackPath: oidc.value.redirectPath,
        maxBodyBytes: Math.min(DEFAULT_OAUTH_MAX_BODY_BYTES, config.http.maxBodyBytes)
      }).pipe(Layer.provide(layerUndiciOnFirstUse))
      const announce = Layer.effectDiscard(
        Effect.logInfo(`auth_middleware enabled=true auth_mode=oidc write_scopes=[${config.auth.writeScopes.join(",")}]`)
      )
      return Layer.mergeAll(AuthMode.oidc(token.value), OAuthRoutes.fromOidc, announce).pipe(Layer.provide(proxy))
    }
  }
}

/**
 * Everything an MCP connection needs, independent of transport: Infrahub client, schema catalog,
 * branches, session branches, the access policy, the tool, resource and prompt registries and the SDK bridge.
 */
export const mcpCoreLayer = (config: ServerConfigShape) => {
  const infrahub = infrahubLayer(config)
  const domain = Layer.mergeAll(
    SchemaCatalog.layer(schemaCacheOptions(config)),
    Branches.layer
  ).pipe(Layer.provideMerge(infrahub))
  const sessions = SessionBranches.layer({
    pattern: config.branch.pattern,
    maxRetries: config.branch.maxRetries,
    // Over stdio the process is the one workspace: it lives as long as the process. Over HTTP,
    // sessions end explicitly (and forget their branch); the idle timeout reclaims stateless ones.
    idleTimeoutMs: config.transport === "stdio" ? STDIO_WORKSPACE_LIFETIME_MS : config.http.sessionIdleTimeoutMs
  }).pipe(Layer.provideMerge(domain))
  const policy = AccessPolicy.layer({
    readOnly: config.readOnly,
    // Write scopes only mean something where there are scopes: OIDC (as the Python server does).
    writeScopes: config.auth.mode === "oidc" ? Option.some(config.auth.writeScopes) : Option.none()
  })
  const registries = Layer.mergeAll(
    // The rate buckets live in the state store (one per principal).
    Layer.unwrapEffect(Effect.map(StateStore, (store) =>
      ToolRegistry.layer(allTools, {
        maxResponseBytes: config.maxResponseBytes,
        rateLimiter: Option.map(config.rateLimit, (rate) => makeRateLimiter(store, rate)),
        retry: config.retry
      })
    )),
    ResourceRegistry.layer({ maxResponseBytes: config.maxResponseBytes }),
    PromptRegistry.layer
  ).pipe(Layer.provideMerge(Layer.merge(sessions, policy)))
  return McpBridge.layer({ name: SERVER_NAME, version: VERSION }).pipe(
    Layer.provideMerge(registries)
  )
}

/** Logs what the configuration accepted but will not use, once at start. */
export const logConfigWarnings = (config: ServerConfigShape) =>
  Effect.forEach(config.warnings, (warning) => Effect.logWarning(warning.message), { discard: true }).pipe(
    Effect.zipRight(
      config.otelEnabled
        ? Effect.logInfo(`otel enabled=true endpoint=${config.otel.endpoint} service_name=${config.otel.serviceName}`)
        : Effect.void
    )
  )
