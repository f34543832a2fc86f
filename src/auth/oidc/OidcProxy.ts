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
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { compactVerify, decodeJwt } from "jose"
import { StateStore, type StateStoreUnavailable } from "../../state/StateStore.js"
import { json, sanitizeDescription } from "./answers.js"
import { makeAuthorizeEndpoints } from "./AuthorizeEndpoints.js"
import { makeClients } from "./Clients.js"
import { discover } from "./Discovery.js"
import { OidcStartupError, OidcUnauthorized } from "./errors.js"
import { DEFAULT_FLOOD_LIMITS, type FloodLimits, makeFloodGuard } from "./FloodGuard.js"
import { makeGrants } from "./Grants.js"
import { deriveLocalKeys, verifyAccessToken } from "./LocalTokens.js"
import {
  authorizationServerMetadata,
  type CallbackPath,
  CALLBACK_PATHS,
  protectedResourceMetadata,
  publicUrls,
  wellKnownPaths
} from "./Metadata.js"
import { makeOidcState } from "./OidcState.js"
import { isScopeString } from "./Registration.js"
import { aliases, DEFAULT_OAUTH_MAX_BODY_BYTES, type Endpoint, oauthApp } from "./routes.js"
import { parseAddressRange, requestSource, trustedProxyList } from "./sourceAddress.js"
import { makeTokenEndpoints } from "./TokenEndpoints.js"
import { makeUpstream } from "./Upstream.js"

export { OidcStartupError, OidcUnauthorized } from "./errors.js"

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

const BASE_SCOPES = ["openid", "email", "profile"]

export interface OidcProxyShape {
  /** The OAuth routes (metadata, registration, authorize/consent, callbacks, token, revoke); `RouteNotFound` elsewhere. */
  readonly app: HttpApp.Default<HttpServerError.RouteNotFound>
  /** Verifies a `/mcp` request's `Authorization` header: the proxy's JWT, its grant, then the IdP's token. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<OidcIdentity, OidcUnauthorized | StateStoreUnavailable>
  /** 401 for a failed authenticate: JSON body + `WWW-Authenticate: Bearer … resource_metadata="…"`. */
  readonly unauthorized: (error: OidcUnauthorized) => HttpServerResponse.HttpServerResponse
  readonly resourceMetadataUrl: string
}

export class OidcProxy extends Context.Tag("infrahub-mcp/OidcProxy")<OidcProxy, OidcProxyShape>() {
  /**
   * Fetches discovery + JWKS at start-up; an unreachable or invalid discovery document fails with
   * OidcStartupError (a message naming INFRAHUB_MCP_OIDC_CONFIG_URL and the fix).
   */
  static readonly layer = (settings: OidcSettings): Layer.Layer<OidcProxy, OidcStartupError, HttpClient.HttpClient | StateStore> =>
    Layer.effect(OidcProxy, make(settings))
}

const startupError = (message: string) => new OidcStartupError({ message })

const redactUrl = (raw: string): string => {
  if (!URL.canParse(raw)) return raw
  const url = new URL(raw)
  url.username = ""
  url.password = ""
  return url.href
}

const JOSE_REASONS: Record<string, string> = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "bad signature",
  ERR_JOSE_ALG_NOT_ALLOWED: "algorithm not allowed",
  ERR_JWS_INVALID: "not a well-formed JWT",
  ERR_JWT_INVALID: "not a well-formed JWT"
}

const tokenRejection = (error: unknown): OidcUnauthorized => {
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : ""
  if (code === "ERR_JWT_EXPIRED") return new OidcUnauthorized({ reason: "expired", detail: "exp" })
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && error instanceof Error && "claim" in error) {
    return new OidcUnauthorized({ reason: "invalid", detail: `wrong or missing ${String(error.claim)} claim` })
  }
  return new OidcUnauthorized({ reason: "invalid", detail: JOSE_REASONS[code] ?? "not issued by this server" })
}

/** RFC 6750 §2.1: `Bearer` (any case), one space or more, then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i

const make = (settings: OidcSettings) =>
  Effect.gen(function* () {
    const urls = publicUrls(settings.baseUrl, settings.callbackPath ?? "/oauth/callback")
    if (typeof urls === "string") {
      return yield* startupError(
        `INFRAHUB_MCP_OIDC_BASE_URL ${urls}: "${settings.baseUrl}". Set it to the public URL MCP clients use to reach this server, e.g. https://mcp.example.com.`
      )
    }
    if (settings.clientId.trim() === "") {
      return yield* startupError("INFRAHUB_MCP_OIDC_CLIENT_ID is empty. Set it to this server's client ID at the identity provider.")
    }
    if (Option.isSome(settings.jwtSigningKey) && Redacted.value(settings.jwtSigningKey.value).length < 32) {
      return yield* startupError(
        "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is shorter than 32 characters, so the tokens it signs could be forged. Use at least 32 random characters (e.g. `openssl rand -base64 32`)."
      )
    }
    const badScope = settings.writeScopes.find((s) => !isScopeString(s) || s.includes(" "))
    if (badScope !== undefined) {
      return yield* startupError(
        `INFRAHUB_MCP_AUTH_SCOPES_WRITE contains "${badScope}", which is not an OAuth scope token. List scopes separated by commas, e.g. "write" or "infrahub:write".`
      )
    }
    const invalidProxy = (settings.trustedProxies ?? []).find((entry) => parseAddressRange(entry) === undefined)
    if (invalidProxy !== undefined) {
      return yield* startupError(
        `INFRAHUB_MCP_OIDC_TRUSTED_PROXIES contains "${invalidProxy}", which is not an IP address or CIDR range. List your reverse proxies' addresses, e.g. "10.0.0.5,10.1.0.0/16".`
      )
    }
    const audience = Option.filter(settings.audience, (a) => a.trim() !== "")
    const userClaim = settings.userClaim.trim() === "" ? "email" : settings.userClaim

    const idp = yield* discover(settings.configUrl)
    const http = yield* HttpClient.HttpClient
    const store = yield* StateStore
    const keys = deriveLocalKeys(settings)
    const upstream = makeUpstream(idp, http, { clientId: settings.clientId, clientSecret: settings.clientSecret, audience })
    const state = makeOidcState(store)
    const flood = makeFloodGuard(store, { ...DEFAULT_FLOOD_LIMITS, ...settings.floodLimits })
    const clients = makeClients(state, flood)
    const grants = makeGrants({ issuer: urls.base, audience: urls.resource, key: keys.accessToken }, state, upstream)
    const trusted = (settings.trustedProxies ?? []).length > 0 ? Option.some(trustedProxyList(settings.trustedProxies ?? [])) : Option.none()
    const sourceOf = (request: Parameters<typeof requestSource>[0]) => requestSource(request, trusted)
    const scopes = [...new Set([...BASE_SCOPES, ...settings.writeScopes])]
    const revocation = idp.metadata.revocation_endpoint !== undefined

    const authorizeEndpoints = makeAuthorizeEndpoints({
      urls,
      idp,
      upstream,
      keys,
      consent: settings.consent,
      upstreamClientId: settings.clientId,
      audience,
      defaultScopes: scopes,
      serverName: "Infrahub MCP",
      state,
      clients,
      flood,
      sourceOf
    })
    const tokenEndpoints = makeTokenEndpoints({
      urls,
      upstream,
      grants,
      state,
      clients,
      sourceOf,
      // Revocation accepts our tokens whatever their expiry: the signature alone proves they are ours.
      accessTokenId: (token) =>
        Effect.tryPromise(() => compactVerify(token, keys.accessToken, { algorithms: ["HS256"] })).pipe(
          Effect.flatMap(() => Effect.try(() => decodeJwt(token).jti)),
          Effect.map(Option.fromNullable),
          Effect.orElseSucceed(() => Option.none<string>())
        )
    })

    const document = (body: unknown) => Effect.sync(() => json(body))
    const at = (...paths: ReadonlyArray<string>) => [...new Set(paths.flatMap((path) => aliases(urls, path)))]
    const endpoints: ReadonlyArray<Endpoint> = [
      { paths: wellKnownPaths(urls, "oauth-protected-resource"), methods: { GET: document(protectedResourceMetadata(urls, scopes)) }, cors: true },
      { paths: wellKnownPaths(urls, "oauth-authorization-server"), methods: { GET: document(authorizationServerMetadata(urls, scopes, revocation)) }, cors: true },
      { paths: at("/register"), methods: { POST: tokenEndpoints.register() }, cors: true },
      { paths: at("/authorize"), methods: { GET: authorizeEndpoints.authorize() }, cors: false },
      { paths: at("/consent"), methods: { GET: authorizeEndpoints.showConsent(), POST: authorizeEndpoints.decideConsent() }, cors: false },
      { paths: at(...CALLBACK_PATHS), methods: { GET: authorizeEndpoints.callback() }, cors: false },
      { paths: at("/token"), methods: { POST: tokenEndpoints.token() }, cors: true },
      ...(revocation ? [{ paths: at("/revoke"), methods: { POST: tokenEndpoints.revoke() }, cors: true }] : [])
    ]
    const app = yield* oauthApp(urls, endpoints, settings.maxBodyBytes ?? DEFAULT_OAUTH_MAX_BODY_BYTES)

    const authenticate = Effect.fn("OidcProxy.authenticate")(function* (authorization: string | undefined) {
      const header = authorization?.trim() ?? ""
      if (header === "") return yield* new OidcUnauthorized({ reason: "missing", detail: "" })
      const match = BEARER.exec(header)
      if (match?.[1] === undefined) {
        return yield* new OidcUnauthorized({ reason: "malformed", detail: "expected `Bearer <token>`" })
      }
      const token = match[1]
      const now = yield* Clock.currentTimeMillis
      const payload = yield* Effect.tryPromise({
        try: () => verifyAccessToken(keys.accessToken, token, { issuer: urls.base, audience: urls.resource, now: new Date(now) }),
        catch: tokenRejection
      })
      const grant = yield* grants.byAccessToken(String(payload.jti))
      if (Option.isNone(grant)) return yield* new OidcUnauthorized({ reason: "unknown_session", detail: "" })
      if (payload["client_id"] !== grant.value.clientId) {
        return yield* new OidcUnauthorized({ reason: "invalid", detail: "client_id does not match the sign-in" })
      }
      const verified = yield* upstream.verify(grant.value.upstream, Option.none()).pipe(
        Effect.mapError((error) => new OidcUnauthorized({ reason: "upstream_rejected", detail: error.message }))
      )
      const named = verified.claims[userClaim]
      return {
        subject: verified.subject,
        user: typeof named === "string" && named !== "" ? named : verified.subject,
        scopes: verified.scopes,
        clientId: grant.value.clientId,
        expiresAt: Number(payload.exp),
        claims: verified.claims
      } satisfies OidcIdentity
    })

    const unauthorized = (error: OidcUnauthorized) => {
      const description = sanitizeDescription(`${error.message} ${error.remediation}`)
      return json({ error: "invalid_token", error_description: description }, 401, {
        "www-authenticate": `Bearer error="invalid_token", error_description="${description}", resource_metadata="${urls.resourceMetadataUrl}"`
      })
    }

    yield* Effect.logInfo(
      `oidc_auth enabled=true config_url=${redactUrl(settings.configUrl)} client_id=${settings.clientId} issuer=${idp.metadata.issuer} base_url=${urls.base} consent=${settings.consent}`
    )
    if (keys.source === "random") {
      yield* Effect.logWarning(
        "oidc_auth signing_key=random: the tokens this server issues stop working when it restarts, and no other replica accepts them. Set INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY (or INFRAHUB_MCP_OIDC_CLIENT_SECRET) to keep them valid."
      )
    }
    if (settings.consent === "skip") {
      yield* Effect.logWarning("oidc_auth consent=skip: sign-ins are approved without asking the user; use only in tests.")
    }

    return OidcProxy.of({ app, authenticate, unauthorized, resourceMetadataUrl: urls.resourceMetadataUrl })
  })
