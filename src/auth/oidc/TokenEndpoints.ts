/**
 * The back-channel endpoints MCP clients call directly: `/register` (RFC 7591), `/token` (RFC 6749
 * authorization_code with PKCE, and refresh_token) and `/revoke` (RFC 7009).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { IssuedCode } from "./AuthorizeEndpoints.js"
import type { ExpiringStore } from "./ExpiringStore.js"
import type { PublicUrls } from "./Metadata.js"
import { type RegisteredClient, validateRegistration } from "./Registration.js"
import { hashToken, isPkceVerifier, randomToken, s256, safeEqual } from "./secrets.js"
import { refreshUpstream, type Sessions, UPSTREAM_REFRESH_MARGIN_MS } from "./Sessions.js"
import type { Upstream, UpstreamTokens, VerifiedUpstream } from "./Upstream.js"
import { json, oauthError, parseForm, readBody } from "./web.js"

export interface TokenDeps {
  readonly urls: PublicUrls
  readonly upstream: Upstream
  readonly sessions: Sessions
  readonly clients: ExpiringStore<string, RegisteredClient>
  readonly codes: ExpiringStore<string, IssuedCode>
  /** The `jti` of one of our access tokens, whatever its expiry; none if it is not ours. */
  readonly accessTokenId: (token: string) => Effect.Effect<Option.Option<string>>
}

/** Registrations are forgotten after this long unused; the SDK registers again when told invalid_client. */
export const CLIENT_TTL_MS = 30 * 24 * 3600 * 1000
const FORM_LIMIT = 16 * 1024

const invalidGrant = (description: string) => oauthError("invalid_grant", description)

export const makeTokenEndpoints = (deps: TokenDeps) => {
  const { urls } = deps

  const register = Effect.fn("OidcProxy.register")(function* (request: Request) {
    const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase()
    if (type !== "application/json") {
      return oauthError("invalid_client_metadata", "Send the client metadata as application/json (RFC 7591).")
    }
    const text = yield* readBody(request, FORM_LIMIT).pipe(Effect.either)
    if (text._tag === "Left") return oauthError("invalid_client_metadata", `The registration was refused: ${text.left.message}.`)
    const body = yield* Effect.try(() => JSON.parse(text.right) as unknown).pipe(Effect.option)
    if (Option.isNone(body)) return oauthError("invalid_client_metadata", "The request body is not valid JSON.")
    const result = validateRegistration(body.value)
    if (result._tag === "Invalid") return oauthError(result.error, result.description)
    const now = yield* Clock.currentTimeMillis
    const client: RegisteredClient = {
      clientId: randomToken(),
      clientName: result.clientName,
      redirectUris: result.redirectUris,
      scope: result.scope,
      issuedAt: Math.floor(now / 1000)
    }
    deps.clients.set(client.clientId, client, now + CLIENT_TTL_MS, now)
    yield* Effect.logInfo(`oidc_auth client_registered client_id=${client.clientId}`)
    return json(
      {
        client_id: client.clientId,
        client_id_issued_at: client.issuedAt,
        ...(client.clientName === undefined ? {} : { client_name: client.clientName }),
        redirect_uris: client.redirectUris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
        ...(client.scope === undefined ? {} : { scope: client.scope })
      },
      201
    )
  })

  /** The client named in the body (public clients authenticate with nothing else). */
  const knownClient = (form: ReadonlyMap<string, string>, now: number) => {
    const clientId = form.get("client_id")
    if (clientId === undefined || clientId === "") {
      return {
        _tag: "Refused",
        response: oauthError("invalid_client", "client_id is required in the request body (token_endpoint_auth_method none).", 401)
      } as const
    }
    const client = deps.clients.get(clientId, now)
    if (client === undefined) {
      return {
        _tag: "Refused",
        response: oauthError("invalid_client", "Unknown client_id: registrations end when the server restarts. Register again.", 401)
      } as const
    }
    return { _tag: "Known", client } as const
  }

  const redeemCode = (form: ReadonlyMap<string, string>, client: RegisteredClient) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const code = form.get("code")
      if (code === undefined || code === "") return oauthError("invalid_request", "code is required.")
      const record = deps.codes.get(hashToken(code), now)
      if (record === undefined) return invalidGrant("The authorization code is unknown or expired. Sign in again.")
      if (record.use.redeemed) {
        // RFC 6749 §4.1.2: a code used twice revokes what it issued; someone else may hold it.
        record.use.compromised = true
        yield* Effect.logWarning(`oidc_auth authorization_code_replay client_id=${client.clientId}: grant revoked`)
        yield* deps.sessions.revoke(record.grantId)
        return invalidGrant("The authorization code was already used; the tokens issued for it are revoked. Sign in again.")
      }
      record.use.redeemed = true // single use from the first attempt on, whatever its outcome
      if (record.clientId !== client.clientId) return invalidGrant("The authorization code was issued to another client.")
      const redirectUri = form.get("redirect_uri")
      if (record.redirectUriSent ? redirectUri !== record.redirectUri : redirectUri !== undefined && redirectUri !== record.redirectUri) {
        return invalidGrant("redirect_uri does not match the one of the authorization request.")
      }
      const verifier = form.get("code_verifier")
      if (verifier === undefined || !isPkceVerifier(verifier) || !safeEqual(s256(verifier), record.codeChallenge)) {
        return invalidGrant("PKCE verification failed: code_verifier does not match the code_challenge.")
      }
      let next: readonly [UpstreamTokens, VerifiedUpstream] = [record.upstream, record.verified]
      if (record.verified.expiresAt * 1000 - now <= UPSTREAM_REFRESH_MARGIN_MS) {
        // Short-lived IdP tokens may expire between the callback and this request.
        const refreshed = yield* Effect.either(refreshUpstream(deps.upstream, record.upstream))
        if (refreshed._tag === "Left") {
          return invalidGrant(`The identity provider's token expired before the code was redeemed (${refreshed.left.message}). Sign in again.`)
        }
        next = refreshed.right
      }
      if (record.use.compromised) {
        return invalidGrant("The authorization code was presented twice; no tokens are issued for it. Sign in again.")
      }
      return json(yield* deps.sessions.issue(record.grantId, client.clientId, ...next))
    })

  const refresh = (form: ReadonlyMap<string, string>, client: RegisteredClient) =>
    Effect.gen(function* () {
      const token = form.get("refresh_token")
      if (token === undefined || token === "") return oauthError("invalid_request", "refresh_token is required.")
      const result = yield* deps.sessions.refresh(token, client.clientId)
      switch (result._tag) {
        case "Issued":
          return json(result.tokens)
        case "Refused":
          return invalidGrant(result.description)
        case "Unavailable":
          return oauthError("temporarily_unavailable", result.description, 503)
      }
    })

  const token = Effect.fn("OidcProxy.token")(function* (request: Request) {
    const parsed = yield* parseForm(request, FORM_LIMIT).pipe(Effect.either)
    if (parsed._tag === "Left") return oauthError("invalid_request", `The token request is malformed: ${parsed.left.message}.`)
    const form = parsed.right
    const known = knownClient(form, yield* Clock.currentTimeMillis)
    if (known._tag === "Refused") return known.response
    const resource = form.get("resource")
    if (resource !== undefined && resource !== urls.resource) {
      return oauthError("invalid_target", `resource must be ${urls.resource}, the MCP endpoint of this server.`)
    }
    switch (form.get("grant_type")) {
      case "authorization_code":
        return yield* redeemCode(form, known.client)
      case "refresh_token":
        return yield* refresh(form, known.client)
      case undefined:
        return oauthError("invalid_request", "grant_type is required.")
      default:
        return oauthError("unsupported_grant_type", "Only authorization_code and refresh_token are supported.")
    }
  })

  /** RFC 7009: always 200 once the client is known, whether or not the token was live. */
  const revoke = Effect.fn("OidcProxy.revoke")(function* (request: Request) {
    const parsed = yield* parseForm(request, FORM_LIMIT).pipe(Effect.either)
    if (parsed._tag === "Left") return oauthError("invalid_request", `The revocation request is malformed: ${parsed.left.message}.`)
    const form = parsed.right
    const known = knownClient(form, yield* Clock.currentTimeMillis)
    if (known._tag === "Refused") return known.response
    const token = form.get("token")
    if (token === undefined || token === "") return oauthError("invalid_request", "token is required.")
    yield* deps.sessions.revokeByRefreshToken(token, known.client.clientId)
    const jti = yield* deps.accessTokenId(token)
    if (Option.isSome(jti)) yield* deps.sessions.revokeByAccessTokenId(jti.value, known.client.clientId)
    return new Response(null, { status: 200, headers: { "cache-control": "no-store" } })
  })

  return { register, token, revoke }
}
