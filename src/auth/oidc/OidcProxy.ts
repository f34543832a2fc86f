/**
 * OIDC mode: this server is the OAuth 2.1 authorization server MCP clients see (metadata, dynamic
 * registration, authorize + consent, token, revoke) and, behind it, one pre-registered client of
 * the real identity provider, as FastMCP's OIDCProxy. Clients receive our own short-lived HS256
 * tokens bound to `<BASE_URL>/mcp`; each `/mcp` request verifies ours, then re-verifies the IdP's.
 *
 * State (registrations, sign-ins in flight, codes, sessions) lives in bounded in-memory stores.
 * A restart therefore signs everybody out: clients get 401, their refresh fails with invalid_grant,
 * and they sign in again. One replica is assumed; several would need a shared store and key.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { compactVerify, decodeJwt } from "jose"
import { makeAuthorizeEndpoints, type IssuedCode, type Transaction } from "./AuthorizeEndpoints.js"
import { discover } from "./Discovery.js"
import { OidcStartupError, OidcUnauthorized } from "./errors.js"
import { ExpiringStore } from "./ExpiringStore.js"
import { deriveLocalKeys, verifyAccessToken } from "./LocalTokens.js"
import {
  authorizationServerMetadata,
  type CallbackPath,
  isAuthorizationServerPath,
  isProtectedResourcePath,
  localPath,
  protectedResourceMetadata,
  publicUrls
} from "./Metadata.js"
import type { RegisteredClient } from "./Registration.js"
import { isScopeString } from "./Registration.js"
import { makeSessions } from "./Sessions.js"
import { makeTokenEndpoints } from "./TokenEndpoints.js"
import { makeUpstream } from "./Upstream.js"
import { CORS, json, oauthError, sanitizeDescription } from "./web.js"

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
const CAPACITY = { clients: 1000, transactions: 1000, codes: 1000, sessions: 10_000 } as const

export class OidcProxy extends Context.Tag("infrahub-mcp/OidcProxy")<
  OidcProxy,
  {
    /** Answers the OAuth/well-known routes; Option.none() when the path is not one of them. */
    readonly handle: (request: Request) => Effect.Effect<Option.Option<Response>>
    /** Verifies a /mcp request's bearer token (the proxy's JWT, then the stored upstream token). */
    readonly authenticate: (request: Request) => Effect.Effect<OidcIdentity, OidcUnauthorized>
    /** 401 for a failed authenticate: JSON body + `WWW-Authenticate: Bearer … resource_metadata="…"`. */
    readonly unauthorized: (error: OidcUnauthorized) => Response
    readonly resourceMetadataUrl: string
  }
>() {
  /**
   * Fetches discovery + JWKS at start-up; an unreachable or invalid discovery document fails with
   * OidcStartupError (a message naming INFRAHUB_MCP_OIDC_CONFIG_URL and the fix).
   */
  static readonly layer = (settings: OidcSettings): Layer.Layer<OidcProxy, OidcStartupError, HttpClient.HttpClient> =>
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
    const audience = Option.filter(settings.audience, (a) => a.trim() !== "")
    const userClaim = settings.userClaim.trim() === "" ? "email" : settings.userClaim

    const idp = yield* discover(settings.configUrl)
    const http = yield* HttpClient.HttpClient
    const keys = deriveLocalKeys(settings)
    const upstream = makeUpstream(idp, http, { clientId: settings.clientId, clientSecret: settings.clientSecret, audience })
    const sessions = makeSessions(
      { issuer: urls.base, audience: urls.resource, key: keys.accessToken, capacity: CAPACITY.sessions },
      upstream
    )
    const clients = new ExpiringStore<string, RegisteredClient>(CAPACITY.clients)
    const transactions = new ExpiringStore<string, Transaction>(CAPACITY.transactions)
    const codes = new ExpiringStore<string, IssuedCode>(CAPACITY.codes)
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
      clients,
      transactions,
      codes
    })
    const tokenEndpoints = makeTokenEndpoints({
      urls,
      upstream,
      sessions,
      clients,
      codes,
      // Revocation accepts our tokens whatever their expiry: the signature alone proves they are ours.
      accessTokenId: (token) =>
        Effect.tryPromise(() => compactVerify(token, keys.accessToken, { algorithms: ["HS256"] })).pipe(
          Effect.flatMap(() => Effect.try(() => decodeJwt(token).jti)),
          Effect.map(Option.fromNullable),
          Effect.orElseSucceed(() => Option.none<string>())
        )
    })

    type Handler = (request: Request) => Effect.Effect<Response>
    interface Route {
      readonly methods: Readonly<Record<string, Handler>>
      readonly cors: boolean
    }
    const prm = protectedResourceMetadata(urls, scopes)
    const asm = authorizationServerMetadata(urls, scopes, revocation)
    const fixed = (document: unknown): Handler => () => Effect.sync(() => json(document))

    const routeFor = (pathname: string): Route | undefined => {
      if (isProtectedResourcePath(urls, pathname)) return { methods: { GET: fixed(prm) }, cors: true }
      if (isAuthorizationServerPath(urls, pathname)) return { methods: { GET: fixed(asm) }, cors: true }
      switch (localPath(urls, pathname)) {
        case "/register":
          return { methods: { POST: tokenEndpoints.register }, cors: true }
        case "/authorize":
          return { methods: { GET: authorizeEndpoints.authorize }, cors: false }
        case "/consent":
          return { methods: { GET: authorizeEndpoints.showConsent, POST: authorizeEndpoints.decideConsent }, cors: false }
        case "/oauth/callback":
        case "/auth/callback":
          return { methods: { GET: authorizeEndpoints.callback }, cors: false }
        case "/token":
          return { methods: { POST: tokenEndpoints.token }, cors: true }
        case "/revoke":
          return revocation ? { methods: { POST: tokenEndpoints.revoke }, cors: true } : undefined
        default:
          return undefined
      }
    }

    const withCors = (response: Response): Response => {
      const headers = new Headers(response.headers)
      for (const [name, value] of Object.entries(CORS)) headers.set(name, value)
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
    }

    const handle = (request: Request): Effect.Effect<Option.Option<Response>> => {
      const pathname = URL.canParse(request.url) ? new URL(request.url).pathname : ""
      const route = routeFor(pathname)
      if (route === undefined) return Effect.succeed(Option.none())
      const allowed = Object.keys(route.methods)
      const handler = route.methods[request.method]
      const response: Effect.Effect<Response> =
        request.method === "OPTIONS" && route.cors
          ? Effect.succeed(new Response(null, { status: 204 }))
          : handler === undefined
            ? Effect.succeed(
                oauthError("invalid_request", `Use ${allowed.join(" or ")} on this endpoint.`, 405, { allow: allowed.join(", ") })
              )
            : handler(request).pipe(
                Effect.catchAllCause((cause) =>
                  Effect.as(
                    Effect.logError("oidc_auth endpoint_failed", cause),
                    oauthError("server_error", "The authorization server failed unexpectedly; try again. The cause is in the server log.", 500)
                  )
                )
              )
      return response.pipe(
        Effect.map((r) => Option.some(route.cors ? withCors(r) : r)),
        Effect.annotateLogs({ oauth_path: localPath(urls, pathname) })
      )
    }

    const authenticate = Effect.fn("OidcProxy.authenticate")(function* (request: Request) {
      const header = request.headers.get("authorization")?.trim() ?? ""
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
      const grant = yield* sessions.byAccessToken(String(payload.jti))
      if (grant === undefined) return yield* new OidcUnauthorized({ reason: "unknown_session", detail: "" })
      if (payload["client_id"] !== grant.clientId) {
        return yield* new OidcUnauthorized({ reason: "invalid", detail: "client_id does not match the sign-in" })
      }
      const verified = yield* upstream.verify(grant.upstream, Option.none()).pipe(
        Effect.mapError((error) => new OidcUnauthorized({ reason: "upstream_rejected", detail: error.message }))
      )
      const named = verified.claims[userClaim]
      return {
        subject: verified.subject,
        user: typeof named === "string" && named !== "" ? named : verified.subject,
        scopes: verified.scopes,
        clientId: grant.clientId,
        expiresAt: Number(payload.exp),
        claims: verified.claims
      } satisfies OidcIdentity
    })

    const unauthorized = (error: OidcUnauthorized): Response => {
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
        "oidc_auth signing_key=random: the tokens this server issues stop working when it restarts. Set INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY (or INFRAHUB_MCP_OIDC_CLIENT_SECRET) to keep them valid."
      )
    }
    if (settings.consent === "skip") {
      yield* Effect.logWarning("oidc_auth consent=skip: sign-ins are approved without asking the user; use only in tests.")
    }

    return OidcProxy.of({ handle, authenticate, unauthorized, resourceMetadataUrl: urls.resourceMetadataUrl })
  })
