import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ExpiringStore } from "./ExpiringStore.js"
import { signAccessToken } from "./LocalTokens.js"
import { hashToken, randomToken } from "./secrets.js"
import type { Upstream, UpstreamTokens, VerifiedUpstream } from "./Upstream.js"

/**
 * One sign-in of one MCP client: the IdP's tokens behind it, and the refresh token currently valid
 * for it. Everything we issue (access tokens by `jti`, refresh tokens by hash) points at a grant, so
 * revoking the grant revokes all of it at once.
 */
export interface Grant {
  readonly id: string
  readonly clientId: string
  readonly upstream: UpstreamTokens
  readonly verified: VerifiedUpstream
  readonly currentRefreshHash: string
  /** Epoch ms: the life of the refresh token, and so of the grant. */
  readonly expiresAt: number
}

export interface TokenResponse {
  readonly access_token: string
  readonly token_type: "Bearer"
  readonly expires_in: number
  readonly refresh_token: string
  readonly scope: string
}

/** Our access tokens live at most an hour, and never longer than the IdP's token behind them. */
const MAX_ACCESS_TOKEN_SECONDS = 3600
/** A refresh token whose IdP gave no lifetime is kept this long (FastMCP keeps them a year). */
const DEFAULT_REFRESH_MS = 30 * 24 * 3600 * 1000
/** Refresh at the IdP a little before its token expires rather than after. */
export const UPSTREAM_REFRESH_MARGIN_MS = 30_000

const grantLifetime = (upstream: UpstreamTokens, verified: VerifiedUpstream, now: number): number =>
  Option.getOrElse(upstream.refreshExpiresAt, () =>
    Option.isSome(upstream.refreshToken) ? now + DEFAULT_REFRESH_MS : verified.expiresAt * 1000
  )

/** Refreshes at the IdP and verifies what comes back. */
export const refreshUpstream = (upstream: Upstream, tokens: UpstreamTokens) =>
  Effect.flatMap(upstream.refresh(tokens), (fresh) =>
    Effect.map(upstream.verify(fresh, Option.none()), (verified) => [fresh, verified] as const)
  )

export interface SessionSettings {
  readonly issuer: string
  readonly audience: string
  readonly key: Uint8Array
  readonly capacity: number
}

export const makeSessions = (settings: SessionSettings, upstream: Upstream) => {
  const grants = new ExpiringStore<string, Grant>(settings.capacity)
  const accessTokens = new ExpiringStore<string, string>(settings.capacity * 2)
  /** Every refresh token ever issued for a live grant, so that a rotated one can be recognised on reuse. */
  const refreshTokens = new ExpiringStore<string, { readonly grantId: string; readonly clientId: string }>(
    settings.capacity * 4
  )

  const mint = (grant: Grant, refreshToken: string) =>
    Effect.gen(function* () {
      const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const expiresAt = Math.min(nowSeconds + MAX_ACCESS_TOKEN_SECONDS, grant.verified.expiresAt)
      const jti = randomToken()
      const scope = grant.verified.scopes.join(" ")
      const accessToken = yield* Effect.promise(() =>
        signAccessToken(settings.key, {
          issuer: settings.issuer,
          audience: settings.audience,
          subject: grant.verified.subject,
          clientId: grant.clientId,
          scope,
          jti,
          issuedAt: nowSeconds,
          expiresAt
        })
      )
      accessTokens.set(jti, grant.id, expiresAt * 1000, nowSeconds * 1000)
      return {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: Math.max(0, expiresAt - nowSeconds),
        refresh_token: refreshToken,
        scope
      } satisfies TokenResponse
    })

  const store = (grant: Grant, now: number) => {
    grants.set(grant.id, grant, grant.expiresAt, now)
    refreshTokens.set(grant.currentRefreshHash, { grantId: grant.id, clientId: grant.clientId }, grant.expiresAt, now)
  }

  /** Drops the grant and everything issued from it; tells the IdP too (best effort). */
  const revoke = (grantId: string) =>
    Effect.gen(function* () {
      const grant = grants.get(grantId, yield* Clock.currentTimeMillis)
      grants.delete(grantId)
      accessTokens.deleteWhere((id) => id === grantId)
      refreshTokens.deleteWhere((record) => record.grantId === grantId)
      if (grant !== undefined) yield* upstream.revoke(grant.upstream)
    })

  return {
    /** Starts a grant for a redeemed authorization code and issues its first tokens. */
    issue: (grantId: string, clientId: string, tokens: UpstreamTokens, verified: VerifiedUpstream) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const refreshToken = randomToken()
        const grant: Grant = {
          id: grantId,
          clientId,
          upstream: tokens,
          verified,
          currentRefreshHash: hashToken(refreshToken),
          expiresAt: grantLifetime(tokens, verified, now)
        }
        store(grant, now)
        return yield* mint(grant, refreshToken)
      }),

    /**
     * The refresh grant. The presented token must be the grant's current one: a rotated token
     * coming back means two parties hold it, so the whole grant is revoked (OAuth 2.1 §4.3.1).
     */
    refresh: (presented: string, clientId: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const presentedHash = hashToken(presented)
        const record = refreshTokens.get(presentedHash, now)
        const grant = record === undefined ? undefined : grants.get(record.grantId, now)
        if (record === undefined || grant === undefined) {
          return { _tag: "Refused", description: "The refresh token is unknown, expired or revoked. Sign in again." } as const
        }
        if (record.clientId !== clientId) {
          return { _tag: "Refused", description: "The refresh token was issued to another client." } as const
        }
        if (grant.currentRefreshHash !== presentedHash) {
          yield* Effect.logWarning(`oidc_auth refresh_token_reuse client_id=${clientId}: grant revoked`)
          yield* revoke(grant.id)
          return {
            _tag: "Refused",
            description: "This refresh token was already used; every token of this sign-in is now revoked. Sign in again."
          } as const
        }
        // Rotate before any await, so a concurrent second use of the same token counts as reuse.
        const nextRefresh = randomToken()
        const claimed: Grant = { ...grant, currentRefreshHash: hashToken(nextRefresh) }
        store(claimed, now)

        // Refresh at the IdP when its token is (nearly) expired, or no longer verifies (e.g. its
        // signing key was rotated away): minting on top of it would only produce 401s.
        const stale =
          grant.verified.expiresAt * 1000 - now <= UPSTREAM_REFRESH_MARGIN_MS ||
          (yield* Effect.isFailure(upstream.verify(grant.upstream, Option.none())))
        let next: readonly [UpstreamTokens, VerifiedUpstream] = [grant.upstream, grant.verified]
        if (stale) {
          const refreshed = yield* Effect.either(refreshUpstream(upstream, grant.upstream))
          if (refreshed._tag === "Left") {
            const failure = refreshed.left
            if (failure._tag === "UpstreamRequestFailed" && failure.kind === "unreachable") {
              // Not the client's fault: put the presented token back so that it can retry.
              const current = grants.get(grant.id, now)
              if (current !== undefined && current.currentRefreshHash === claimed.currentRefreshHash) store(grant, now)
              return { _tag: "Unavailable", description: `${failure.message} Retry shortly.` } as const
            }
            yield* Effect.logInfo(`oidc_auth upstream_refresh_refused client_id=${clientId}: ${failure.message}`)
            yield* revoke(grant.id)
            return {
              _tag: "Refused",
              description: `The identity provider no longer accepts this sign-in (${failure.message}). Sign in again.`
            } as const
          }
          next = refreshed.right
        }
        // The grant may have been revoked (a reuse of this same token) while the IdP answered.
        const after = yield* Clock.currentTimeMillis
        const current = grants.get(grant.id, after)
        if (current === undefined || current.currentRefreshHash !== claimed.currentRefreshHash) {
          return { _tag: "Refused", description: "This sign-in was revoked while refreshing. Sign in again." } as const
        }
        const [upstreamTokens, verified] = next
        const renewed: Grant = {
          ...claimed,
          upstream: upstreamTokens,
          verified,
          expiresAt: stale ? grantLifetime(upstreamTokens, verified, after) : grant.expiresAt
        }
        store(renewed, after)
        return { _tag: "Issued", tokens: yield* mint(renewed, nextRefresh) } as const
      }),

    /** The grant behind an access token's `jti`, if it is still live. */
    byAccessToken: (jti: string) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const grantId = accessTokens.get(jti, now)
        return grantId === undefined ? undefined : grants.get(grantId, now)
      }),

    /** RFC 7009: revoke whichever grant the presented token (refresh token or access-token jti) belongs to. */
    revokeByRefreshToken: (token: string, clientId: string) =>
      Effect.gen(function* () {
        const record = refreshTokens.get(hashToken(token), yield* Clock.currentTimeMillis)
        if (record !== undefined && record.clientId === clientId) yield* revoke(record.grantId)
      }),

    revokeByAccessTokenId: (jti: string, clientId: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const grantId = accessTokens.get(jti, now)
        const grant = grantId === undefined ? undefined : grants.get(grantId, now)
        if (grant !== undefined && grant.clientId === clientId) yield* revoke(grant.id)
      }),

    revoke
  }
}

export type Sessions = ReturnType<typeof makeSessions>
