/**
 * OIDC mode: this server is the OAuth 2.1 authorization server MCP clients see (metadata, dynamic
 * registration, authorize + consent, token, revoke) and, behind it, one pre-registered client of
 * the real identity provider, as FastMCP's OIDCProxy. Clients receive our own short-lived HS256
 * tokens bound to `<BASE_URL>/mcp`; each `/mcp` request verifies ours, then re-verifies the IdP's.
 *
 * State (registrations, sign-ins in flight, codes, grants, issued tokens) lives in the `StateStore`
 * with expiry, bounded against floods. With the in-memory store a restart signs everybody out;
 * replicas sharing a store (and INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY) share every sign-in.
 */

import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { StateStore } from "../../state/StateStore.js"
import type { OidcStartupError } from "./errors.js"
import type { OidcProxyShape, OidcSettings } from "./proxyTypes.js"

export { OidcStartupError, OidcUnauthorized } from "./errors.js"
export type { OidcIdentity, OidcProxyShape, OidcSettings } from "./proxyTypes.js"

export class OidcProxy extends Context.Tag("infrahub-mcp/OidcProxy")<OidcProxy, OidcProxyShape>() {
  /**
   * Fetches discovery + JWKS at start-up; an unreachable or invalid discovery document fails with
   * OidcStartupError (a message naming INFRAHUB_MCP_OIDC_CONFIG_URL and the fix). The proxy's
   * modules (jose, the endpoints, the pages) load here, so the other auth modes never load them.
   */
  static readonly layer = (settings: OidcSettings): Layer.Layer<OidcProxy, OidcStartupError, HttpClient.HttpClient | StateStore> =>
    Layer.effect(
      OidcProxy,
      Effect.flatMap(Effect.promise(() => import("./OidcProxyLive.js")), (live) => live.make(settings))
    )
}
