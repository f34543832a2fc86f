import { createHash, randomBytes, randomUUID } from "node:crypto"
import { errors as joseErrors, jwtVerify, SignJWT } from "jose"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

/**
 * The sandbox's accounts and Infrahub-style authentication (infrahub-api.md §1): API tokens sent as
 * `X-INFRAHUB-KEY`, and username/password logins that yield HS256 JWTs with Infrahub's claims and
 * lifetimes (access 1 h, refresh 30 days).
 */

export const ACCESS_TOKEN_LIFETIME_S = 3600
export const REFRESH_TOKEN_LIFETIME_S = 2_592_000

export interface Account {
  readonly id: string
  readonly name: string
  readonly role: string
}

/** Who a request acted as, for the request log (never the secret itself). */
export type CredentialTrace =
  | { readonly type: "token"; readonly sha256: string }
  | { readonly type: "user"; readonly name: string }
  | null

export interface Caller {
  readonly account: Account | null
  readonly trace: CredentialTrace
}

/** An authentication failure Infrahub answers with HTTP 401 and `message`. */
export interface AuthFailure {
  readonly status: 401 | 404
  readonly message: string
}

/** A credential Infrahub does not accept, with what the request log may say about it. */
export interface RefusedCredential extends AuthFailure {
  readonly trace: CredentialTrace
}

export const tokenTrace = (token: string): CredentialTrace => ({
  type: "token",
  sha256: createHash("sha256").update(token).digest("hex").slice(0, 12)
})

export interface AccountsOptions {
  readonly tokens: ReadonlyArray<{ readonly token: Redacted.Redacted<string>; readonly account: Account }>
  readonly users: ReadonlyArray<{ readonly password: Redacted.Redacted<string>; readonly account: Account }>
  /** Seconds since the epoch; injectable so tests can expire tokens. */
  readonly now?: () => number
  readonly accessLifetimeS?: number
}

export const makeAccounts = (options: AccountsOptions) => {
  const secret = randomBytes(32)
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const accessLifetime = options.accessLifetimeS ?? ACCESS_TOKEN_LIFETIME_S
  const tokens = new Map(options.tokens.map((entry) => [Redacted.value(entry.token), entry.account]))
  const users = new Map(options.users.map((entry) => [entry.account.name, entry]))
  const accountsById = new Map([...options.tokens, ...options.users].map((entry) => [entry.account.id, entry.account]))
  /** Refresh-token sessions still valid (logout deletes them, as Infrahub deletes the record). */
  const sessions = new Set<string>()

  const sign = (account: Account, type: "access" | "refresh", sessionId: string, lifetime: number) => {
    const issuedAt = now()
    const jwt = new SignJWT({
      fresh: false,
      type,
      session_id: sessionId,
      ...(type === "access" ? { user_claims: { role: account.role } } : {})
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(account.id)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + lifetime)
    return Effect.promise(() => jwt.sign(secret))
  }

  const verify = (token: string, expected: "access" | "refresh") =>
    Effect.promise(async (): Promise<Either.Either<{ account: Account; sessionId: string }, AuthFailure>> => {
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], currentDate: new Date(now() * 1000) })
        if (payload["type"] !== expected) {
          // Infrahub's own wording differs by type ("an access", "a refresh"): keep both exact.
          return Either.left({ status: 401, message: `Invalid token, current token is not ${expected === "access" ? "an access" : "a refresh"} token` })
        }
        const account = typeof payload.sub === "string" ? accountsById.get(payload.sub) : undefined
        const sessionId = typeof payload["session_id"] === "string" ? payload["session_id"] : ""
        if (account === undefined) return Either.left({ status: 401, message: "Invalid token" })
        if (expected === "refresh" && !sessions.has(sessionId)) {
          return Either.left({ status: 401, message: "The provided refresh token has been invalidated in the database" })
        }
        return Either.right({ account, sessionId })
      } catch (error) {
        return Either.left({ status: 401, message: error instanceof joseErrors.JWTExpired ? "Expired Signature" : "Invalid token" })
      }
    })

  return {
    accounts: [...accountsById.values()],
    /** Lifetimes of issued tokens, in seconds (also the `max-age` of Infrahub's login cookies). */
    accessLifetimeS: accessLifetime,
    refreshLifetimeS: REFRESH_TOKEN_LIFETIME_S,
    /** `X-INFRAHUB-KEY` wins over a JWT, as in Infrahub's `authentication_token()`. */
    authenticate: (headers: {
      readonly apiKey: string | undefined
      readonly bearer: string | undefined
    }): Effect.Effect<Either.Either<Caller, RefusedCredential>> =>
      Effect.gen(function* () {
        if (headers.apiKey !== undefined) {
          const account = tokens.get(headers.apiKey)
          const trace = tokenTrace(headers.apiKey)
          return account === undefined
            ? Either.left({ status: 401, message: "Invalid token", trace })
            : Either.right({ account, trace })
        }
        if (headers.bearer !== undefined) {
          const verified = yield* verify(headers.bearer, "access")
          return Either.isLeft(verified)
            ? Either.left({ ...verified.left, trace: null })
            : Either.right({ account: verified.right.account, trace: { type: "user", name: verified.right.account.name } })
        }
        return Either.right({ account: null, trace: null })
      }),
    login: (username: string, password: string) =>
      Effect.gen(function* () {
        const user = users.get(username)
        if (user === undefined) return Either.left<AuthFailure>({ status: 404, message: "That login user doesn't exist in the system" })
        if (Redacted.value(user.password) !== password) return Either.left<AuthFailure>({ status: 401, message: "Incorrect password" })
        const sessionId = randomUUID()
        sessions.add(sessionId)
        const access = yield* sign(user.account, "access", sessionId, accessLifetime)
        const refresh = yield* sign(user.account, "refresh", sessionId, REFRESH_TOKEN_LIFETIME_S)
        return Either.right({ account: user.account, access_token: access, refresh_token: refresh })
      }),
    refresh: (refreshToken: string) =>
      Effect.gen(function* () {
        const verified = yield* verify(refreshToken, "refresh")
        if (Either.isLeft(verified)) return Either.left(verified.left)
        const access = yield* sign(verified.right.account, "access", verified.right.sessionId, accessLifetime)
        return Either.right({ account: verified.right.account, access_token: access })
      }),
    logout: (accessToken: string) =>
      Effect.gen(function* () {
        const verified = yield* verify(accessToken, "access")
        if (Either.isRight(verified)) sessions.delete(verified.right.sessionId)
        return verified
      })
  }
}

export type Accounts = ReturnType<typeof makeAccounts>
