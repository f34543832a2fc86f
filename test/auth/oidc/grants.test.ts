// Grants over the in-memory StateStore, with a stand-in for the IdP (the end-to-end tests cannot make
// the real one unreachable at the right moment, nor two refreshes race): rotation is atomic, reuse
// revokes the whole grant, an unreachable IdP costs the client nothing, and every token dies with
// its grant.
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Option, Redacted } from "effect"
import { decodeJwt } from "jose"
import { makeGrants } from "../../../src/auth/oidc/Grants.js"
import { makeOidcState } from "../../../src/auth/oidc/OidcState.js"
import { type Upstream, UpstreamRequestFailed, type UpstreamTokens, UpstreamTokenInvalid, type VerifiedUpstream } from "../../../src/auth/oidc/Upstream.js"
import { makeMemoryStore } from "../../../src/state/memoryStore.js"
import type { StateStoreShape } from "../../../src/state/StateStore.js"

const tokens: UpstreamTokens = {
  accessToken: Redacted.make("idp-access"),
  refreshToken: Option.some(Redacted.make("idp-refresh")),
  idToken: Option.none(),
  scope: Option.none(),
  expiresAt: Option.none(),
  refreshExpiresAt: Option.none()
}

/** The IdP as the grants see it: its token verifies while `valid`; a refresh answers `refresh`. */
const fakeIdp = (now: number) => {
  const verified: VerifiedUpstream = { subject: "alice", claims: { sub: "alice" }, scopes: ["openid"], expiresAt: Math.floor(now / 1000) + 3600 }
  const control = {
    valid: true,
    refresh: "unreachable" as "unreachable" | "ok",
    revoked: 0
  }
  const upstream: Upstream = {
    exchangeCode: () => Effect.die("not used here"),
    refresh: () =>
      control.refresh === "ok"
        ? Effect.succeed({ ...tokens, accessToken: Redacted.make("idp-access-2") })
        : Effect.fail(new UpstreamRequestFailed({ kind: "unreachable", error: Option.none(), message: "The identity provider is unreachable." })),
    revoke: () => Effect.sync(() => void (control.revoked += 1)),
    verify: () => (control.valid ? Effect.succeed(verified) : Effect.fail(new UpstreamTokenInvalid({ expired: true, message: "expired" })))
  }
  return { upstream, control, verified }
}

/**
 * A store whose every operation first lets other fibers run, as a network round trip to a shared
 * store does: a read-then-write that is not atomic would then interleave with another one.
 */
const overTheNetwork = (store: StateStoreShape): StateStoreShape => ({
  ...store,
  get: (key) => Effect.zipRight(Effect.yieldNow(), store.get(key)),
  set: (key, value, ttl) => Effect.zipRight(Effect.yieldNow(), store.set(key, value, ttl)),
  take: (key) => Effect.zipRight(Effect.yieldNow(), store.take(key)),
  compareAndSet: (key, expected, next, ttl) => Effect.zipRight(Effect.yieldNow(), store.compareAndSet(key, expected, next, ttl))
})

const setup = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const idp = fakeIdp(now)
  const state = makeOidcState(overTheNetwork(yield* makeMemoryStore({ maxEntries: 1000 })))
  const grants = makeGrants({ issuer: "https://mcp.example", audience: "https://mcp.example/mcp", key: new Uint8Array(32) }, state, idp.upstream)
  const first = yield* grants.issue("grant-1", "client-1", tokens, idp.verified)
  return { grants, idp, first }
})

const jtiOf = (accessToken: string) => String(decodeJwt(accessToken).jti)

describe("grants", () => {
  it.scoped("of two concurrent refreshes with one token, one wins and the other counts as reuse, which revokes the grant", () =>
    Effect.gen(function* () {
      const { grants, idp, first } = yield* setup
      const outcomes = yield* Effect.all([grants.refresh(first.refresh_token, "client-1"), grants.refresh(first.refresh_token, "client-1")], {
        concurrency: "unbounded"
      })
      expect(outcomes.map((o) => o._tag).sort()).toEqual(["Issued", "Refused"])
      const refused = outcomes.find((o) => o._tag === "Refused")
      expect(refused?._tag === "Refused" && refused.description).toMatch(/already used; every token of this sign-in is now revoked/)
      const issued = outcomes.find((o) => o._tag === "Issued")
      if (issued?._tag !== "Issued") throw new Error("no tokens issued")
      expect(Option.isNone(yield* grants.byAccessToken(jtiOf(issued.tokens.access_token)))).toBe(true)
      expect(Option.isNone(yield* grants.byAccessToken(jtiOf(first.access_token)))).toBe(true)
      expect((yield* grants.refresh(issued.tokens.refresh_token, "client-1"))._tag).toBe("Refused")
      expect(idp.control.revoked).toBe(1) // the IdP is told once
    })
  )

  it.scoped("rotates the refresh token: the new one works, the old one is reuse", () =>
    Effect.gen(function* () {
      const { grants, first } = yield* setup
      const second = yield* grants.refresh(first.refresh_token, "client-1")
      if (second._tag !== "Issued") throw new Error(`refresh refused: ${JSON.stringify(second)}`)
      expect(second.tokens.refresh_token).not.toBe(first.refresh_token)
      expect(Option.isSome(yield* grants.byAccessToken(jtiOf(first.access_token)))).toBe(true) // access tokens outlive a rotation
      const third = yield* grants.refresh(second.tokens.refresh_token, "client-1")
      expect(third._tag).toBe("Issued")
      const replay = yield* grants.refresh(second.tokens.refresh_token, "client-1")
      expect(replay).toMatchObject({ _tag: "Refused", description: expect.stringMatching(/already used/) })
      expect(Option.isNone(yield* grants.byAccessToken(jtiOf(first.access_token)))).toBe(true)
    })
  )

  it.scoped("when the IdP is unreachable for a refresh it needs, the client keeps its refresh token and can retry", () =>
    Effect.gen(function* () {
      const { grants, idp, first } = yield* setup
      idp.control.valid = false // the IdP's token no longer verifies: the refresh must go to the IdP
      const unavailable = yield* grants.refresh(first.refresh_token, "client-1")
      expect(unavailable).toMatchObject({ _tag: "Unavailable", description: expect.stringMatching(/unreachable\. Retry shortly/) })
      idp.control.refresh = "ok"
      idp.control.valid = true
      const retried = yield* grants.refresh(first.refresh_token, "client-1")
      expect(retried._tag).toBe("Issued")
      expect(idp.control.revoked).toBe(0)
    })
  )

  it.scoped("refuses a refresh token presented by another client, and leaves the grant alone", () =>
    Effect.gen(function* () {
      const { grants, first } = yield* setup
      expect(yield* grants.refresh(first.refresh_token, "client-2")).toMatchObject({ _tag: "Refused", description: expect.stringMatching(/another client/) })
      expect((yield* grants.refresh(first.refresh_token, "client-1"))._tag).toBe("Issued")
    })
  )

  it.scoped("revoking through an access token kills its grant's refresh token too, and only for its own client", () =>
    Effect.gen(function* () {
      const { grants, first } = yield* setup
      yield* grants.revokeByAccessTokenId(jtiOf(first.access_token), "client-2")
      expect(Option.isSome(yield* grants.byAccessToken(jtiOf(first.access_token)))).toBe(true)
      yield* grants.revokeByAccessTokenId(jtiOf(first.access_token), "client-1")
      expect(Option.isNone(yield* grants.byAccessToken(jtiOf(first.access_token)))).toBe(true)
      expect(yield* grants.refresh(first.refresh_token, "client-1")).toMatchObject({ _tag: "Refused", description: expect.stringMatching(/unknown, expired or revoked/) })
    })
  )
})
