import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose"
import type { Idp } from "./Discovery.js"
import { rootCause } from "./answers.js"

/**
 * The IdP's tokens for one sign-in, as this server holds them (in the state store: the secrets sit
 * inside the value, which a shared store encrypts at rest). Never sent to MCP clients.
 */
export const UpstreamTokens = Schema.Struct({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.OptionFromNullOr(Schema.Redacted(Schema.String)),
  idToken: Schema.OptionFromNullOr(Schema.Redacted(Schema.String)),
  /** The token response's `scope`: the only scope source when the access token is opaque. */
  scope: Schema.OptionFromNullOr(Schema.String),
  /** Epoch ms, from `expires_in`. */
  expiresAt: Schema.OptionFromNullOr(Schema.Number),
  /** Epoch ms, from Keycloak's `refresh_expires_in`. */
  refreshExpiresAt: Schema.OptionFromNullOr(Schema.Number)
})
export type UpstreamTokens = typeof UpstreamTokens.Type

/** Who the IdP says the user is, after verification. */
export const VerifiedUpstream = Schema.Struct({
  subject: Schema.String,
  claims: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  scopes: Schema.Array(Schema.String),
  /** Epoch seconds: nothing minted from these tokens may outlive this. */
  expiresAt: Schema.Number
})
export type VerifiedUpstream = typeof VerifiedUpstream.Type

/** The IdP's token endpoint failed or refused; `error` is its RFC 6749 error code when it sent one. */
export class UpstreamRequestFailed extends Data.TaggedError("UpstreamRequestFailed")<{
  readonly kind: "unreachable" | "refused" | "protocol"
  readonly error: Option.Option<string>
  readonly message: string
}> {}

/** The IdP's token did not verify (signature, issuer, audience, expiry, or no usable token at all). */
export class UpstreamTokenInvalid extends Data.TaggedError("UpstreamTokenInvalid")<{
  readonly expired: boolean
  readonly message: string
}> {}

/** FastMCP accepts RS256 only; ES256 and PS256 cover the other common IdP defaults. */
const UPSTREAM_ALGORITHMS = ["RS256", "ES256", "PS256"]
/** IdP and proxy clocks differ a little. */
const CLOCK_TOLERANCE_SECONDS = 5
const TIMEOUT = Duration.seconds(10)

const NumberLike = Schema.Union(Schema.Number, Schema.NumberFromString)
const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  token_type: Schema.String,
  expires_in: Schema.optional(NumberLike),
  refresh_token: Schema.optional(Schema.NonEmptyString),
  id_token: Schema.optional(Schema.NonEmptyString),
  scope: Schema.optional(Schema.String),
  refresh_expires_in: Schema.optional(NumberLike)
})
const ErrorResponse = Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })

/** Scopes from `scope` (space-separated string or array), else Entra's `scp`. */
export const scopesOf = (claims: JWTPayload): ReadonlyArray<string> => {
  const list = (value: unknown): ReadonlyArray<string> | undefined =>
    typeof value === "string"
      ? value.split(" ").filter((s) => s !== "")
      : Array.isArray(value)
        ? value.filter((s): s is string => typeof s === "string" && s !== "")
        : undefined
  return list(claims["scope"]) ?? list(claims["scp"]) ?? []
}

/** A compact JWS has three segments and a decodable header; anything else (Google's `ya29…`) is opaque. */
const isJws = (token: string): boolean => {
  if (token.split(".").length !== 3) return false
  try {
    return typeof decodeProtectedHeader(token).alg === "string"
  } catch {
    return false
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** RFC 6749 §2.3.1: client_secret_basic form-encodes both parts before base64. */
const basicAuthorization = (clientId: string, secret: Redacted.Redacted<string>): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(Redacted.value(secret))}`).toString("base64")}`

export interface UpstreamSettings {
  readonly clientId: string
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
  readonly audience: Option.Option<string>
}

/** The IdP's token and revocation endpoints, and verification of what they return. */
export const makeUpstream = (idp: Idp, http: HttpClient.HttpClient, settings: UpstreamSettings) => {
  const { metadata, jwks } = idp

  const post = (url: string, params: Record<string, string>) => {
    const body = Option.isSome(settings.clientSecret) ? params : { ...params, client_id: settings.clientId }
    let request = HttpClientRequest.post(url).pipe(HttpClientRequest.acceptJson, HttpClientRequest.bodyUrlParams(body))
    if (Option.isSome(settings.clientSecret)) {
      request = HttpClientRequest.setHeader(request, "authorization", basicAuthorization(settings.clientId, settings.clientSecret.value))
    }
    return http.execute(request).pipe(
      Effect.mapError(
        (error) =>
          new UpstreamRequestFailed({
            kind: "unreachable",
            error: Option.none(),
            message: `The identity provider at ${url} is unreachable (${rootCause(error)}).`
          })
      ),
      Effect.timeoutFail({
        duration: TIMEOUT,
        onTimeout: () =>
          new UpstreamRequestFailed({
            kind: "unreachable",
            error: Option.none(),
            message: `The identity provider at ${url} did not answer within ${Duration.format(TIMEOUT)}.`
          })
      })
    )
  }

  const tokenRequest = (params: Record<string, string>) =>
    Effect.gen(function* () {
      const response = yield* post(metadata.token_endpoint, params)
      const body = yield* response.json.pipe(Effect.orElseSucceed((): unknown => undefined))
      if (response.status !== 200) {
        const refusal = Schema.decodeUnknownOption(ErrorResponse)(body)
        return yield* new UpstreamRequestFailed({
          kind: "refused",
          error: Option.map(refusal, (r) => r.error),
          message: Option.match(refusal, {
            onNone: () => `The identity provider's token endpoint answered HTTP ${response.status}.`,
            onSome: (r) =>
              `The identity provider refused the token request: ${r.error}${r.error_description === undefined ? "" : ` (${r.error_description})`}.`
          })
        })
      }
      const tokens = yield* Schema.decodeUnknown(TokenResponse)(body).pipe(
        Effect.mapError(
          (error) =>
            new UpstreamRequestFailed({
              kind: "protocol",
              error: Option.none(),
              message: `The identity provider's token response is not usable: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
            })
        )
      )
      if (tokens.token_type.toLowerCase() !== "bearer") {
        return yield* new UpstreamRequestFailed({
          kind: "protocol",
          error: Option.none(),
          message: `The identity provider issued a "${tokens.token_type}" token; only bearer tokens are supported.`
        })
      }
      const now = yield* Clock.currentTimeMillis
      return {
        accessToken: Redacted.make(tokens.access_token),
        refreshToken: Option.map(Option.fromNullable(tokens.refresh_token), Redacted.make),
        idToken: Option.map(Option.fromNullable(tokens.id_token), Redacted.make),
        scope: Option.fromNullable(tokens.scope),
        expiresAt: Option.map(Option.fromNullable(tokens.expires_in), (s) => now + s * 1000),
        refreshExpiresAt: Option.map(
          Option.filter(Option.fromNullable(tokens.refresh_expires_in), (s) => s > 0),
          (s) => now + s * 1000
        )
      } satisfies UpstreamTokens
    })

  const verifyJwt = (token: string, audience: Option.Option<string>, now: number) =>
    Effect.tryPromise({
      try: () =>
        jwtVerify(token, jwks, {
          issuer: metadata.issuer,
          ...(Option.isSome(audience) ? { audience: audience.value } : {}),
          algorithms: UPSTREAM_ALGORITHMS,
          requiredClaims: ["exp", "sub"],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now)
        }).then((result) => result.payload),
      catch: (error) =>
        new UpstreamTokenInvalid({
          expired: error instanceof Error && "code" in error && error.code === "ERR_JWT_EXPIRED",
          message: describe(error)
        })
    })

  return {
    /** The authorization-code exchange at the IdP, with our PKCE verifier and the redirect_uri we sent. */
    exchangeCode: (code: string, redirectUri: string, codeVerifier: string) =>
      tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier }),

    /** Refreshes at the IdP; an IdP that does not rotate its refresh token keeps the old one valid. */
    refresh: (tokens: UpstreamTokens) =>
      Effect.gen(function* () {
        if (Option.isNone(tokens.refreshToken)) {
          return yield* new UpstreamRequestFailed({
            kind: "refused",
            error: Option.some("invalid_grant"),
            message: "The identity provider issued no refresh token for this sign-in."
          })
        }
        const fresh = yield* tokenRequest({ grant_type: "refresh_token", refresh_token: Redacted.value(tokens.refreshToken.value) })
        return {
          ...fresh,
          refreshToken: Option.orElse(fresh.refreshToken, () => tokens.refreshToken),
          idToken: Option.orElse(fresh.idToken, () => tokens.idToken),
          refreshExpiresAt: Option.orElse(fresh.refreshExpiresAt, () => tokens.refreshExpiresAt)
        } satisfies UpstreamTokens
      }),

    /** RFC 7009 at the IdP, best effort: a failure is logged, never surfaced. */
    revoke: (tokens: UpstreamTokens) =>
      Effect.gen(function* () {
        if (metadata.revocation_endpoint === undefined) return
        const [token, hint] = Option.match(tokens.refreshToken, {
          onSome: (refresh) => [refresh, "refresh_token"] as const,
          onNone: () => [tokens.accessToken, "access_token"] as const
        })
        const response = yield* post(metadata.revocation_endpoint, { token: Redacted.value(token), token_type_hint: hint })
        if (response.status !== 200) yield* Effect.logWarning(`oidc_auth upstream_revocation status=${response.status}`)
      }).pipe(Effect.catchAll((error) => Effect.logWarning(`oidc_auth upstream_revocation failed: ${error.message}`))),

    /**
     * Verifies the IdP's access token (JWKS from discovery, issuer, audience when configured, expiry).
     * An opaque access token cannot be verified here, so the ID token from the same token response
     * stands in for it (audience = our client_id), and the scopes come from the token response.
     */
    verify: (tokens: UpstreamTokens, expectedNonce: Option.Option<string>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const accessToken = Redacted.value(tokens.accessToken)
        if (isJws(accessToken)) {
          const claims = yield* verifyJwt(accessToken, settings.audience, now)
          return {
            subject: String(claims.sub),
            claims,
            scopes: scopesOf(claims),
            expiresAt: Number(claims.exp)
          } satisfies VerifiedUpstream
        }
        if (Option.isNone(tokens.idToken)) {
          return yield* new UpstreamTokenInvalid({
            expired: false,
            message:
              "the access token is opaque and the identity provider sent no ID token to verify instead; the openid scope must be requested"
          })
        }
        const claims = yield* verifyJwt(Redacted.value(tokens.idToken.value), Option.some(settings.clientId), now)
        if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims["azp"] !== settings.clientId) {
          return yield* new UpstreamTokenInvalid({ expired: false, message: "the ID token's azp is not this client" })
        }
        if (Option.isSome(expectedNonce) && claims["nonce"] !== expectedNonce.value) {
          return yield* new UpstreamTokenInvalid({ expired: false, message: "the ID token's nonce does not match this sign-in" })
        }
        const idTokenExpiry = Number(claims.exp)
        const expiresAt = Option.match(tokens.expiresAt, {
          onNone: () => idTokenExpiry,
          onSome: (ms) => Math.min(idTokenExpiry, Math.floor(ms / 1000))
        })
        if (expiresAt * 1000 <= now) {
          return yield* new UpstreamTokenInvalid({ expired: true, message: "the opaque access token has expired" })
        }
        return {
          subject: String(claims.sub),
          claims,
          scopes: Option.match(tokens.scope, { onNone: () => [], onSome: (s) => s.split(" ").filter((x) => x !== "") }),
          expiresAt
        } satisfies VerifiedUpstream
      })
  }
}

export type Upstream = ReturnType<typeof makeUpstream>
