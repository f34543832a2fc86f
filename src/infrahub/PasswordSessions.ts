import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as RcMap from "effect/RcMap"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Fingerprints } from "../auth/fingerprint.js"
import type { Password } from "../auth/InfrahubCredentials.js"
import { stateNamespace } from "../state/StateNamespace.js"
import { StateStore } from "../state/StateStore.js"
import { type InfrahubError, type InfrahubTimeout, InfrahubUnauthorized, type InfrahubUnreachable } from "./errors.js"
import { decodeAnswer, errorsOf, failureOf, isExpiredToken, isOk, LoginAnswer, RefreshAnswer } from "./responses.js"

/**
 * A login as the state store keeps it: Infrahub's tokens, and until when (this server's clock,
 * epoch ms) each is trusted. The store's time to live is `until`, so a lapsed login disappears.
 */
const StoredLogin = Schema.Struct({
  access: Schema.Redacted(Schema.String),
  refresh: Schema.optional(Schema.Redacted(Schema.String)),
  /** From then on the access token is renewed before use instead of being refused by Infrahub first. */
  accessUntil: Schema.Number,
  /** The refresh token's end (the access token's without one): the login is useless afterwards. */
  until: Schema.Number
})
type StoredLogin = typeof StoredLogin.Type

/** Where the tokens in hand come from: only tokens fresh from a login prove a credential wrong. */
interface InHand {
  readonly login: StoredLogin
  readonly fresh: boolean
}

/** How long a token we cannot read is trusted: well under Infrahub's default access lifetime (1 h). */
const UNREADABLE_TOKEN_LIFETIME = Duration.minutes(5)

/** The times of a JWT, read without verifying it: Infrahub verifies, we only want its lifetime. */
const decodeJwtTimes = Schema.decodeUnknownOption(
  Schema.compose(Schema.StringFromBase64Url, Schema.parseJson(Schema.Struct({ iat: Schema.Number, exp: Schema.Number })))
)

/**
 * The lifetime Infrahub gave a token (`exp - iat`). Measured on the token's own clock, so a skew
 * between Infrahub's clock and ours neither shortens nor stretches it.
 */
const lifetimeOf = (token: Redacted.Redacted<string>): Duration.Duration =>
  Option.fromNullable(Redacted.value(token).split(".")[1]).pipe(
    Option.flatMap(decodeJwtTimes),
    Option.filter((times) => times.exp >= times.iat),
    Option.match({
      onNone: () => UNREADABLE_TOKEN_LIFETIME,
      onSome: (times) => Duration.seconds(times.exp - times.iat)
    })
  )

export interface PasswordSessionsOptions {
  /** Infrahub's address: a login is only ever sent back to the Infrahub that issued it. */
  readonly address: string
  /** The client's transport: base URL, timeout and error mapping included; the body is read. */
  readonly send: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, InfrahubUnreachable | InfrahubTimeout>
}

export interface PasswordSessionsShape {
  /**
   * Sends `use` with a valid access token for exactly this credential and returns Infrahub's answer.
   * An expired token is refreshed once; a stored login Infrahub no longer accepts (it restarted
   * with new keys, the session was revoked) is dropped and the credential logs in once more; only
   * a refusal of tokens fresh from a login reaches the caller.
   */
  readonly withAccessToken: (
    credential: Password,
    use: (accessToken: Redacted.Redacted<string>) => Effect.Effect<HttpClientResponse.HttpClientResponse, InfrahubError>
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, InfrahubError>
}

/**
 * Infrahub username/password credentials become JWTs at `/api/auth/login`. Logins live in the
 * `StateStore` (replicas share them, a restart keeps them), keyed by the credential's fingerprint:
 * only the exact same username and password find a login, and the key reveals neither.
 */
export const PasswordSessions = {
  make: (
    options: PasswordSessionsOptions
  ): Effect.Effect<PasswordSessionsShape, never, StateStore | Fingerprints | Scope.Scope> =>
    Effect.gen(function* () {
      const fingerprints = yield* Fingerprints
      const logins = stateNamespace(
        yield* StateStore,
        `infrahub-login:${fingerprints.secret("infrahub-address", options.address)}`,
        StoredLogin
      )

      /**
       * Stores tokens just received, trusted for the lifetimes Infrahub wrote into them. `until` is
       * kept across refreshes: a refresh renews the access token, never the refresh token.
       */
      const remember = (
        credential: Password,
        tokens: { readonly access: Redacted.Redacted<string>; readonly refresh: Redacted.Redacted<string> | undefined },
        until: Option.Option<number>
      ) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const accessUntil = now + Duration.toMillis(lifetimeOf(tokens.access))
          const login: StoredLogin = {
            access: tokens.access,
            ...(tokens.refresh === undefined ? {} : { refresh: tokens.refresh }),
            accessUntil,
            until: Option.getOrElse(until, () =>
              tokens.refresh === undefined ? accessUntil : now + Duration.toMillis(lifetimeOf(tokens.refresh))
            )
          }
          yield* logins.set(fingerprints.credential(credential), login, Duration.millis(Math.max(0, login.until - now)))
          return login
        })

      const login = Effect.fn("PasswordSessions.login")(function* (credential: Password) {
        const response = yield* options.send(
          HttpClientRequest.post("/api/auth/login").pipe(
            HttpClientRequest.bodyUnsafeJson({ username: credential.username, password: Redacted.value(credential.password) })
          )
        )
        // Infrahub answers 404 for an unknown user: to the caller, every refusal is wrong credentials.
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          const errors = yield* errorsOf(response)
          const detail = errors.map((e) => e.message).join(" | ")
          return yield* new InfrahubUnauthorized({ status: 401, detail: detail.length > 0 ? detail : "login refused" })
        }
        if (!isOk(response)) return yield* failureOf(response)
        const tokens = yield* decodeAnswer("/api/auth/login", LoginAnswer)(response)
        const access = Redacted.make(tokens.access_token)
        const refresh = tokens.refresh_token === undefined ? undefined : Redacted.make(tokens.refresh_token)
        return yield* remember(credential, { access, refresh }, Option.none())
      })

      // Concurrent first calls with one credential share one login. An `RcMap` entry lives exactly
      // as long as someone waits for it (no time to live to tune, failures are not kept), and its
      // lookup runs in the first caller's context, so the login shows in that caller's trace.
      const inFlight = yield* RcMap.make({ lookup: login })
      const sharedLogin = (credential: Password): Effect.Effect<InHand, InfrahubError> =>
        Effect.scoped(RcMap.get(inFlight, credential)).pipe(Effect.map((fresh) => ({ login: fresh, fresh: true })))

      /** A new access token from the refresh token; a refused refresh (revoked, expired) logs in afresh. */
      const refresh = Effect.fn("PasswordSessions.refresh")(function* (credential: Password, stale: StoredLogin) {
        if (stale.refresh === undefined) return yield* sharedLogin(credential)
        const response = yield* options.send(
          HttpClientRequest.post("/api/auth/refresh").pipe(HttpClientRequest.bearerToken(Redacted.value(stale.refresh)))
        )
        if (!isOk(response)) return yield* sharedLogin(credential)
        const renewed = yield* decodeAnswer("/api/auth/refresh", RefreshAnswer)(response)
        const login = yield* remember(
          credential,
          { access: Redacted.make(renewed.access_token), refresh: stale.refresh },
          Option.some(stale.until)
        )
        return { login, fresh: false } satisfies InHand
      })

      /** Drops a login Infrahub refused, unless someone already replaced it. */
      const forget = (credential: Password, login: StoredLogin) =>
        logins.compareAndSet(fingerprints.credential(credential), Option.some(login), Option.none(), Duration.zero)

      /** Tokens for this credential: the stored login (renewed when past its lifetime), else a login. */
      const tokensFor = (credential: Password) =>
        Effect.gen(function* () {
          const stored = yield* logins.get(fingerprints.credential(credential))
          if (Option.isNone(stored)) return yield* sharedLogin(credential)
          const now = yield* Clock.currentTimeMillis
          if (now >= stored.value.accessUntil) return yield* refresh(credential, stored.value)
          return { login: stored.value, fresh: false } satisfies InHand
        })

      const withAccessToken = Effect.fn("PasswordSessions.withAccessToken")(function* (
        credential: Password,
        use: (accessToken: Redacted.Redacted<string>) => Effect.Effect<HttpClientResponse.HttpClientResponse, InfrahubError>
      ) {
        const inHand = yield* tokensFor(credential)
        const first = yield* use(inHand.login.access)
        if (first.status !== 401) return first
        const expired = isExpiredToken(yield* errorsOf(first))
        if (!expired && inHand.fresh) {
          // Tokens fresh from a login refused: that is Infrahub's word on the credential itself.
          yield* forget(credential, inHand.login)
          return first
        }
        const retry = expired
          ? yield* refresh(credential, inHand.login)
          : yield* Effect.zipRight(forget(credential, inHand.login), sharedLogin(credential))
        const second = yield* use(retry.login.access)
        if (second.status === 401) yield* forget(credential, retry.login)
        return second
      })

      return { withAccessToken }
    })
}
