import * as Layer from "effect/Layer"
import type { Fingerprints } from "../auth/fingerprint.js"
import type { ServerConfigShape } from "../config/ServerConfig.js"
import { CredentialCheck, DEFAULT_TRUST } from "../http/CredentialCheck.js"
import { McpHttp, type McpHttpOptions } from "../http/McpHttp.js"
import type { InfrahubClient } from "../infrahub/InfrahubClient.js"
import type { McpBridge } from "../mcp/McpBridge.js"
import type { SessionBranches } from "../session/SessionBranches.js"
import type { StateStore } from "../state/StateStore.js"

/** The session settings of `INFRAHUB_MCP_*` (limits, idle timeout, stateless mode, keep-alive pings). */
export const mcpHttpOptions = (config: ServerConfigShape): McpHttpOptions => ({
  stateless: config.http.stateless,
  maxSessions: config.http.maxSessions,
  maxSessionsPerPrincipal: config.http.maxSessionsPerPrincipal,
  idleTimeoutMs: config.http.sessionIdleTimeoutMs,
  pingIntervalMs: config.pingIntervalMs
})

/**
 * The credential check `INFRAHUB_MCP_AUTH_MODE` calls for: the passthrough modes carry each caller's
 * own credential, proven with Infrahub before it costs a session; the other modes' credential is the
 * server's own.
 */
export const credentialCheckLayer = (
  config: ServerConfigShape
): Layer.Layer<CredentialCheck, never, InfrahubClient | StateStore | Fingerprints> =>
  config.auth.mode === "token-passthrough" || config.auth.mode === "basic-passthrough"
    ? CredentialCheck.againstInfrahub({ trustFor: DEFAULT_TRUST })
    : CredentialCheck.trusted

/**
 * The Streamable HTTP session manager `/mcp` needs (`McpHttp`), configured from `ServerConfig`:
 * what a host mounting `makeHttpApp` in its own server provides, next to `mcpCoreLayer` (which
 * provides everything this requires but the state).
 */
export const mcpHttpLayer = (
  config: ServerConfigShape
): Layer.Layer<McpHttp, never, McpBridge | SessionBranches | InfrahubClient | Fingerprints | StateStore> =>
  McpHttp.layer(mcpHttpOptions(config)).pipe(Layer.provide(credentialCheckLayer(config)))
