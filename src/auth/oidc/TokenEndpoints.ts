/**
 * The back-channel endpoints MCP clients call directly: `/register` (RFC 7591), `/token` (RFC 6749
 * authorization_code with PKCE, and refresh_token) and `/revoke` (RFC 7009).
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { json, oauthError } from "./answers.js"
import type { Clients } from "./Clients.js"
import { type Grants, refreshUpstream, UPSTREAM_REFRESH_MARGIN_MS } from "./Grants.js"
import type { PublicUrls } from "./Metadata.js"
import { CODE_TTL, type OidcState, type RegisteredClient } from "./OidcState.js"
import { decodeRegistration } from "./Registration.js"
import { formBody, jsonBody } from "./requestBody.js"
import { hashToken, isPkceVerifier, s256, safeEqual } from "./secrets.js"
import type { Upstream, UpstreamTokens, VerifiedUpstream } from "./Upstream.js"

export interface TokenDeps {
  readonly urls: PublicUrls
  readonly upstream: Upstream
  readonly grants: Grants
  readonly state: OidcState
  readonly clients: Clients
  /** The flood-bound source of a request (peer address, or the client behind a trusted proxy). */
  readonly sourceOf: (request: HttpServerRequest.HttpServerRequest) => string
  /** The `jti` of one of our access tokens, whatever its expiry; none if it is not ours. */
  readonly accessTokenId: (token: string) => Effect.Effect<Option.Option<string>>
}

/** Every parameter either endpoint reads; anything else a client sends is ignored. */
const optional = Schema.optional(Schema.String)
const TokenForm = Schema.Struct({
  grant_type: optional,
  client_id: optional,
  code: optional,
  code_verifier: optional,
  redirect_uri: optional,
  refresh_token: optional,
  resource: optional
})
type TokenForm = typeof TokenForm.Type
const RevokeForm = Schema.Struct({ client_id: optional, token: optional, token_type_hint: optional })

const invalidGrant = (description: string) => oauthError("invalid_grant", description)

export const makeTokenEndpoints = (deps: TokenDeps) => {
  const { urls, state } = deps

  const register = Effect.fn("OidcProxy.register")(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* Effect.either(jsonBody)
    if (body._tag === "Left") {
      if (body.left._tag === "RequestBodyTooLarge") return yield* body.left
      return oauthError("invalid_client_metadata", `The registration was refused: ${body.left.message}. Send the client metadata as a JSON object (RFC 7591).`)
    }
    const metadata = decodeRegistration(body.right)
    if (metadata._tag === "Invalid") return oauthError(metadata.error, metadata.description)
    const source = deps.sourceOf(request)
    const outcome = yield* deps.clients.register(metadata, source)
    if (outcome._tag === "Refused") {
      yield* Effect.logWarning(`oidc_auth registration_refused source=${source}: ${outcome.description}`)
      return oauthError("temporarily_unavailable", outcome.description, 429, { "retry-after": String(outcome.retryAfterSeconds) })
    }
    const client = outcome.client
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
  const knownClient = (clientId: string | undefined) =>
    Effect.gen(function* () {
      if (clientId === undefined || clientId === "") {
        return {
          _tag: "Refused",
          response: oauthError("invalid_client", "client_id is required in the request body (token_endpoint_auth_method none).", 401)
        } as const
      }
      const client = yield* deps.clients.find(clientId)
      if (Option.isNone(client)) {
        return {
          _tag: "Refused",
          response: oauthError(
            "invalid_client",
            "Unknown client_id: the registration expired after long disuse, or the server's state was reset. Register again.",
            401
          )
        } as const
      }
      return { _tag: "Known", client: client.value } as const
    })

  const redeemCode = (form: TokenForm, client: RegisteredClient) =>
    Effect.gen(function* () {
      const code = form.code
      if (code === undefined || code === "") return oauthError("invalid_request", "code is required.")
      const codeKey = hashToken(code)
      // `take` makes the code single use from the first attempt on, whatever its outcome.
      const taken = yield* state.codes.take(codeKey)
      if (Option.isNone(taken)) {
        const spent = yield* state.codeGrants.get(codeKey)
        if (Option.isNone(spent)) return invalidGrant("The authorization code is unknown or expired. Sign in again.")
        // RFC 6749 §4.1.2: a code used twice revokes what it issued; someone else may hold it.
        yield* state.codeGrants.set(codeKey, { ...spent.value, replayed: true }, CODE_TTL)
        yield* Effect.logWarning(`oidc_auth authorization_code_replay client_id=${client.clientId}: grant revoked`)
        yield* deps.grants.revoke(spent.value.grantId)
        return invalidGrant("The authorization code was already used; the tokens issued for it are revoked. Sign in again.")
      }
      const record = taken.value
      if (record.clientId !== client.clientId) return invalidGrant("The authorization code was issued to another client.")
      const redirectUri = form.redirect_uri
      if (record.redirectUriSent ? redirectUri !== record.redirectUri : redirectUri !== undefined && redirectUri !== record.redirectUri) {
        return invalidGrant("redirect_uri does not match the one of the authorization request.")
      }
      const verifier = form.code_verifier
      if (verifier === undefined || !isPkceVerifier(verifier) || !safeEqual(s256(verifier), record.codeChallenge)) {
        return invalidGrant("PKCE verification failed: code_verifier does not match the code_challenge.")
      }
      let next: readonly [UpstreamTokens, VerifiedUpstream] = [record.upstream, record.verified]
      if (record.verified.expiresAt * 1000 - (yield* Clock.currentTimeMillis) <= UPSTREAM_REFRESH_MARGIN_MS) {
        // Short-lived IdP tokens may expire between the callback and this request.
        const refreshed = yield* Effect.either(refreshUpstream(deps.upstream, record.upstream))
        if (refreshed._tag === "Left") {
          return invalidGrant(`The identity provider's token expired before the code was redeemed (${refreshed.left.message}). Sign in again.`)
        }
        next = refreshed.right
      }
      const tokens = yield* deps.grants.issue(record.grantId, client.clientId, ...next)
      // A replay that arrived while we were issuing found no grant to revoke yet: look once more.
      const replay = yield* state.codeGrants.get(codeKey)
      if (Option.isSome(replay) && replay.value.replayed) {
        yield* deps.grants.revoke(record.grantId)
        return invalidGrant("The authorization code was presented twice; no tokens are issued for it. Sign in again.")
      }
      return json(tokens)
    })

  const refresh = (form: TokenForm, client: RegisteredClient) =>
    Effect.gen(function* () {
      const token = form.refresh_token
      if (token === undefined || token === "") return oauthError("invalid_request", "refresh_token is required.")
      const result = yield* deps.grants.refresh(token, client.clientId)
      switch (result._tag) {
        case "Issued":
          return json(result.tokens)
        case "Refused":
          return invalidGrant(result.description)
        case "Unavailable":
          return oauthError("temporarily_unavailable", result.description, 503)
      }
    })

  const token = Effect.fn("OidcProxy.token")(function* () {
    const parsed = yield* Effect.either(formBody(TokenForm))
    if (parsed._tag === "Left") {
      if (parsed.left._tag === "RequestBodyTooLarge") return yield* parsed.left
      return oauthError("invalid_request", `The token request is malformed: ${parsed.left.message}.`)
    }
    const form = parsed.right
    const known = yield* knownClient(form.client_id)
    if (known._tag === "Refused") return known.response
    if (form.resource !== undefined && form.resource !== urls.resource) {
      return oauthError("invalid_target", `resource must be ${urls.resource}, the MCP endpoint of this server.`)
    }
    switch (form.grant_type) {
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
  const revoke = Effect.fn("OidcProxy.revoke")(function* () {
    const parsed = yield* Effect.either(formBody(RevokeForm))
    if (parsed._tag === "Left") {
      if (parsed.left._tag === "RequestBodyTooLarge") return yield* parsed.left
      return oauthError("invalid_request", `The revocation request is malformed: ${parsed.left.message}.`)
    }
    const known = yield* knownClient(parsed.right.client_id)
    if (known._tag === "Refused") return known.response
    const token = parsed.right.token
    if (token === undefined || token === "") return oauthError("invalid_request", "token is required.")
    yield* deps.grants.revokeByRefreshToken(token, known.client.clientId)
    const jti = yield* deps.accessTokenId(token)
    if (Option.isSome(jti)) yield* deps.grants.revokeByAccessTokenId(jti.value, known.client.clientId)
    return HttpServerResponse.empty({ status: 200, headers: { "cache-control": "no-store" } })
  })

  return { register, token, revoke }
}
