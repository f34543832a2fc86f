/**
 * Grants: one per sign-in of one MCP client, in the state store. Every token we issue points at its
 * grant (access tokens by `jti`, refresh tokens by hash), and every lookup goes through the grant,
 * so deleting the grant revokes all of it at once without searching for its tokens.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StateStoreUnavailable } from "../../state/StateStore.js"
import { signAccessToken } from "./LocalTokens.js"
import { type Grant, type OidcState, untilExpiry } from "./OidcState.js"
import { hashToken, randomToken } from "./secrets.js"
import type { Upstream, UpstreamTokens, VerifiedUpstream } from "./Upstream.js"

export interface TokenResponse {
  readonly access_token: string
  readonly token_type: "Bearer"
  readonly expires_in: number
  readonly refresh_token: string
  readonly scope: string
}

export type RefreshOutcome =
  | { readonly _tag: "Issued"; readonly tokens: TokenResponse }
  | { readonly _tag: "Refused"; readonly description: string }
  | { readonly _tag: "Unavailable"; readonly description: string }

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

export interface GrantSettings {
  readonly issuer: string
  readonly audience: string
  readonly key: Uint8Array
}

const refused = (description: string): RefreshOutcome => ({ _tag: "Refused", description })

export const makeGrants = (settings: GrantSettings, state: OidcState, upstream: Upstream) => {
  /** Issues an access token for `grant`, recorded by `jti` until it expires. */
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
      yield* state.accessTokens.set(jti, { grantId: grant.id }, Duration.seconds(Math.max(1, expiresAt - nowSeconds)))
      return {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: Math.max(0, expiresAt - nowSeconds),
        refresh_token: refreshToken,
        scope
      } satisfies TokenResponse
    })

  /** Records a refresh token for `grant`, for as long as the grant lives. */
  const recordRefreshToken = (grant: Grant, token: string, now: number) =>
    state.refreshTokens.set(hashToken(token), { grantId: grant.id, clientId: grant.clientId }, untilExpiry(grant.expiresAt, now))

  /** Drops the grant, and with it everything issued from it; tells the IdP too (best effort). */
  const revoke = (grantId: string): Effect.Effect<void, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const grant = yield* state.grants.take(grantId)
      if (Option.isSome(grant)) yield* upstream.revoke(grant.value.upstream)
    })

  /** Starts a grant for a redeemed authorization code and issues its first tokens. */
  const issue = (grantId: string, clientId: string, tokens: UpstreamTokens, verified: VerifiedUpstream) =>
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
      yield* recordRefreshToken(grant, refreshToken, now)
      yield* state.grants.set(grant.id, grant, untilExpiry(grant.expiresAt, now))
      return yield* mint(grant, refreshToken)
    })

  /** The refresh token came back after rotation: two parties hold it, so the whole grant goes (OAuth 2.1 §4.3.1). */
  const reused = (grant: Grant, clientId: string) =>
    Effect.gen(function* () {
      yield* Effect.logWarning(`oidc_auth refresh_token_reuse client_id=${clientId}: grant revoked`)
      yield* revoke(grant.id)
      return refused("This refresh token was already used; every token of this sign-in is now revoked. Sign in again.")
    })

  /**
   * The refresh grant. The presented token must be the grant's current one. The grant is rotated
   * with compare-and-set, so of two concurrent uses of one token exactly one wins and the other
   * counts as reuse, even on two replicas.
   */
  const refresh = (presented: string, clientId: string): Effect.Effect<RefreshOutcome, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const presentedHash = hashToken(presented)
      const record = yield* state.refreshTokens.get(presentedHash)
      const found = Option.isSome(record) ? yield* state.grants.get(record.value.grantId) : Option.none<Grant>()
      if (Option.isNone(record) || Option.isNone(found)) {
        return refused("The refresh token is unknown, expired or revoked. Sign in again.")
      }
      const grant = found.value
      if (record.value.clientId !== clientId) return refused("The refresh token was issued to another client.")
      if (grant.currentRefreshHash !== presentedHash) return yield* reused(grant, clientId)

      const nextRefresh = randomToken()
      const claimed: Grant = { ...grant, currentRefreshHash: hashToken(nextRefresh) }
      if (!(yield* state.grants.compareAndSet(grant.id, Option.some(grant), Option.some(claimed), untilExpiry(grant.expiresAt, now)))) {
        // Someone else rotated (or revoked) it between our read and our swap: the same token, used twice.
        const current = yield* state.grants.get(grant.id)
        return Option.isSome(current) ? yield* reused(current.value, clientId) : refused("This sign-in was revoked. Sign in again.")
      }

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
            const later = yield* Clock.currentTimeMillis
            yield* state.grants.compareAndSet(grant.id, Option.some(claimed), Option.some(grant), untilExpiry(grant.expiresAt, later))
            return { _tag: "Unavailable", description: `${failure.message} Retry shortly.` } as const
          }
          yield* Effect.logInfo(`oidc_auth upstream_refresh_refused client_id=${clientId}: ${failure.message}`)
          yield* revoke(grant.id)
          return refused(`The identity provider no longer accepts this sign-in (${failure.message}). Sign in again.`)
        }
        next = refreshed.right
      }
      const after = yield* Clock.currentTimeMillis
      const [upstreamTokens, verified] = next
      const renewed: Grant = {
        ...claimed,
        upstream: upstreamTokens,
        verified,
        expiresAt: stale ? grantLifetime(upstreamTokens, verified, after) : grant.expiresAt
      }
      yield* recordRefreshToken(renewed, nextRefresh, after)
      // The grant may have been revoked (a reuse of this same token) while the IdP answered.
      if (!(yield* state.grants.compareAndSet(grant.id, Option.some(claimed), Option.some(renewed), untilExpiry(renewed.expiresAt, after)))) {
        return refused("This sign-in was revoked while refreshing. Sign in again.")
      }
      return { _tag: "Issued", tokens: yield* mint(renewed, nextRefresh) } as const
    })

  /** The grant behind an access token's `jti`, if both are still live. */
  const byAccessToken = (jti: string): Effect.Effect<Option.Option<Grant>, StateStoreUnavailable> =>
    Effect.flatMap(state.accessTokens.get(jti), (record) =>
      Option.isSome(record) ? state.grants.get(record.value.grantId) : Effect.succeed(Option.none<Grant>())
    )

  /** RFC 7009 by refresh token: revokes its grant when it belongs to `clientId`. */
  const revokeByRefreshToken = (token: string, clientId: string) =>
    Effect.gen(function* () {
      const record = yield* state.refreshTokens.get(hashToken(token))
      if (Option.isSome(record) && record.value.clientId === clientId) yield* revoke(record.value.grantId)
    })

  /** RFC 7009 by access token: revokes its grant when it belongs to `clientId`. */
  const revokeByAccessTokenId = (jti: string, clientId: string) =>
    Effect.gen(function* () {
      const grant = yield* byAccessToken(jti)
      if (Option.isSome(grant) && grant.value.clientId === clientId) yield* revoke(grant.value.id)
    })

  return { issue, refresh, byAccessToken, revoke, revokeByRefreshToken, revokeByAccessTokenId }
}

export type Grants = ReturnType<typeof makeGrants>
