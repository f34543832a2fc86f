import { createHmac, randomBytes } from "node:crypto"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Password } from "../auth/InfrahubCredentials.js"
import { InfrahubProtocolError, type InfrahubTimeout, InfrahubUnauthorized, type InfrahubUnreachable, type InfrahubError } from "./errors.js"
import { asRecord, errorItems, isExpiredToken } from "./responses.js"

interface Tokens {
  readonly access: Redacted.Redacted<string>
  readonly refresh: Redacted.Redacted<string> | undefined
}

interface Answer {
  readonly status: number
  readonly body: unknown
}

const MAX_CACHED_LOGINS = 10_000

const stringField = (body: unknown, field: string): string | undefined => {
  const value = asRecord(body)?.[field]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

const messagesOf = (body: unknown): string => errorItems(body).map((e) => e.message).join(" | ") || "login refused"

const isExpired = (answer: Answer): boolean => answer.status === 401 && isExpiredToken(answer.body)

export interface PasswordSessionsOptions {
  readonly address: string
  /** The client's own transport (timeout and error mapping included). */
  readonly send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<Answer, InfrahubUnreachable | InfrahubTimeout>
}

/**
 * Infrahub username/password credentials become JWTs at `/api/auth/login`. The access token is
 * reused only for the *exact* same credential: the cache key is an HMAC of username and password
 * under a per-process key, so neither a username alone nor a stale password can pick up someone
 * else's session, and the key never leaves the process. Refreshed when Infrahub says it expired,
 * dropped on any other 401.
 */
export const PasswordSessions = {
  make: (options: PasswordSessionsOptions) => {
    const hmacKey = randomBytes(32)
    const cache = new Map<string, Tokens>()
    /** Logins in flight: concurrent first calls with one credential share a single login. */
    const pending = new Map<string, Deferred.Deferred<Tokens, InfrahubError>>()

    const keyOf = (credential: Password): string =>
      createHmac("sha256", hmacKey)
        .update(credential.username)
        .update("\u0000")
        .update(Redacted.value(credential.password))
        .digest("hex")

    const remember = (key: string, tokens: Tokens): Tokens => {
      cache.delete(key)
      if (cache.size >= MAX_CACHED_LOGINS) {
        const oldest = cache.keys().next()
        if (!oldest.done) cache.delete(oldest.value)
      }
      cache.set(key, tokens)
      return tokens
    }

    const login = (credential: Password, key: string): Effect.Effect<Tokens, InfrahubError> =>
      options.send(
        HttpClientRequest.post(`${options.address}/api/auth/login`).pipe(
          HttpClientRequest.bodyUnsafeJson({ username: credential.username, password: Redacted.value(credential.password) })
        )
      ).pipe(
        Effect.flatMap((answer): Effect.Effect<Tokens, InfrahubError> => {
          if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
            return Effect.fail(new InfrahubUnauthorized({ status: 401, detail: messagesOf(answer.body) }))
          }
          const access = stringField(answer.body, "access_token")
          if (answer.status !== 200 || access === undefined) {
            return Effect.fail(new InfrahubProtocolError({ detail: `/api/auth/login answered HTTP ${answer.status} without an access token` }))
          }
          const refresh = stringField(answer.body, "refresh_token")
          return Effect.succeed(
            remember(key, { access: Redacted.make(access), refresh: refresh === undefined ? undefined : Redacted.make(refresh) })
          )
        })
      )

    const refresh = (credential: Password, key: string, tokens: Tokens): Effect.Effect<Tokens, InfrahubError> => {
      if (tokens.refresh === undefined) return login(credential, key)
      const refreshToken = tokens.refresh
      return options.send(
        HttpClientRequest.post(`${options.address}/api/auth/refresh`).pipe(
          HttpClientRequest.bearerToken(Redacted.value(refreshToken))
        )
      ).pipe(
        Effect.flatMap((answer): Effect.Effect<Tokens, InfrahubError> => {
          const access = stringField(answer.body, "access_token")
          return answer.status === 200 && access !== undefined
            ? Effect.succeed(remember(key, { access: Redacted.make(access), refresh: refreshToken }))
            : login(credential, key) // the refresh token expired or was revoked: log in afresh
        })
      )
    }

    const sharedLogin = (credential: Password, key: string): Effect.Effect<Tokens, InfrahubError> =>
      Effect.gen(function* () {
        const inflight = pending.get(key)
        if (inflight !== undefined) return yield* Deferred.await(inflight)
        const deferred = yield* Deferred.make<Tokens, InfrahubError>()
        pending.set(key, deferred)
        const exit = yield* Effect.exit(login(credential, key))
        pending.delete(key)
        yield* Deferred.done(deferred, exit)
        return yield* exit
      })

    /** Runs `use` with a valid access token for exactly this credential. */
    const withAccessToken = <A extends Answer>(
      credential: Password,
      use: (accessToken: Redacted.Redacted<string>) => Effect.Effect<A, InfrahubError>
    ): Effect.Effect<A, InfrahubError> =>
      Effect.gen(function* () {
        const key = keyOf(credential)
        const tokens = cache.get(key) ?? (yield* sharedLogin(credential, key))
        const first = yield* use(tokens.access)
        if (!isExpired(first)) {
          if (first.status === 401) cache.delete(key)
          return first
        }
        const renewed = yield* refresh(credential, key, tokens)
        const second = yield* use(renewed.access)
        if (second.status === 401) cache.delete(key)
        return second
      })

    return { withAccessToken } as const
  }
}
