/** The OIDC proxy's settings (and their one default), the identity it verifies, and the service it offers (no implementation here). */
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { StateStoreUnavailable } from "../../state/StateStore.js"
import type { OidcUnauthorized } from "./errors.js"
import type { FloodLimits } from "./FloodGuard.js"
import type { CallbackPath } from "./Metadata.js"

/** Largest OAuth request body accepted by default: every legitimate one is well under 4 KiB. */
export const DEFAULT_OAUTH_MAX_BODY_BYTES = 16 * 1024

export interface OidcSettings {
  readonly configUrl: string
  readonly clientId: string
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
  /** Public origin (+ optional path prefix) of this server, no trailing slash. */
  readonly baseUrl: string
  readonly audience: Option.Option<string>
  readonly userClaim: string
  readonly writeScopes: ReadonlyArray<string>
  readonly jwtSigningKey: Option.Option<Redacted.Redacted<string>>
  /** "skip" only for tests that do not exercise the page. */
  readonly consent: "required" | "skip"
  /**
   * The redirect URI path registered at the IdP. Default `/oauth/callback`; IdP clients registered
   * for the Python server (FastMCP) use `/auth/callback`. Both paths are served either way.
   */
  readonly callbackPath?: CallbackPath
  /**
   * Reverse proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` names the client for the
   * per-source flood bounds; from anybody else it is ignored. Default: none.
   */
  readonly trustedProxies?: ReadonlyArray<string>
  /** Largest OAuth request body, enforced while reading (default 16 KiB). */
  readonly maxBodyBytes?: number
  /** Flood bounds (defaults: `DEFAULT_FLOOD_LIMITS`). */
  readonly floodLimits?: Partial<FloodLimits>
}

export interface OidcIdentity {
  readonly subject: string
  readonly user: string
  readonly scopes: ReadonlyArray<string>
  readonly clientId: string
  /** Epoch seconds: expiry of the access token presented. */
  readonly expiresAt: number
  readonly claims: Readonly<Record<string, unknown>>
}

export interface OidcProxyShape {
  /** The OAuth routes (metadata, registration, authorize/consent, callbacks, token, revoke); `RouteNotFound` elsewhere. */
  readonly app: HttpApp.Default<HttpServerError.RouteNotFound>
  /** Verifies a `/mcp` request's `Authorization` header: the proxy's JWT, its grant, then the IdP's token. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<OidcIdentity, OidcUnauthorized | StateStoreUnavailable>
  /** 401 for a failed authenticate: JSON body + `WWW-Authenticate: Bearer … resource_metadata="…"`. */
  readonly unauthorized: (error: OidcUnauthorized) => HttpServerResponse.HttpServerResponse
  readonly resourceMetadataUrl: string
}
