/** The OIDC proxy's implementation, loaded by `OidcProxy.layer` (see `OidcProxy.ts`). */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { compactVerify, decodeJwt } from "jose"
import { StateStore } from "../../state/StateStore.js"
import { json, sanitizeDescription } from "./answers.js"
import { makeAuthorizeEndpoints } from "./AuthorizeEndpoints.js"
import { makeClients } from "./Clients.js"
import { discover } from "./Discovery.js"
import { OidcStartupError, OidcUnauthorized } from "./errors.js"
import { DEFAULT_FLOOD_LIMITS, makeFloodGuard } from "./FloodGuard.js"
import { makeGrants } from "./Grants.js"
import { deriveLocalKeys, verifyAccessToken } from "./LocalTokens.js"
import {
  authorizationServerMetadata,
  CALLBACK_PATHS,
  protectedResourceMetadata,
  publicUrls,
  wellKnownPaths
} from "./Metadata.js"
import { makeOidcState } from "./OidcState.js"
import { isScopeString } from "./Registration.js"
import { aliases, type Endpoint, oauthApp } from "./routes.js"
import { parseAddressRange, requestSource, trustedProxyList } from "./sourceAddress.js"
import { makeTokenEndpoints } from "./TokenEndpoints.js"
import { makeUpstream } from "./Upstream.js"
import { DEFAULT_OAUTH_MAX_BODY_BYTES, type OidcIdentity, type OidcProxyShape, type OidcSettings } from "./proxyTypes.js"

const BASE_SCOPES = ["openid", "email", "profile"]

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

export const make = (settings: OidcSettings) =>
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

    const proxy: OidcProxyShape = { app, authenticate, unauthorized, resourceMetadataUrl: urls.resourceMetadataUrl }
    return proxy
  })
