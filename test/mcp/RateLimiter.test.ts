import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Principal, type PrincipalShape } from "../../src/auth/Principal.js"
import { makeRateLimiter } from "../../src/mcp/RateLimiter.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { StateStore, StateStoreUnavailable } from "../../src/state/StateStore.js"

const who = (id: string): PrincipalShape => ({ id, user: id, scopes: [], mode: "token-passthrough" })

/** One call through the limiter as `principal`: "ok" or the failure's tag. */
const callAs = (principal: PrincipalShape) =>
  Effect.flatMap(StateStore, (store) =>
    makeRateLimiter(store, { requestsPerSecond: 1, burst: 2 }).limited(Effect.succeed("ok" as const)).pipe(
      Effect.catchAll((error) => Effect.succeed(error._tag)),
      Effect.provideService(Principal, principal)
    )
  )

describe("makeRateLimiter", () => {
  it.effect("keeps one bucket per principal: one caller spending its bucket does not refuse another", () =>
    Effect.gen(function* () {
      const junk = who("token:junk")
      const real = who("token:real")
      expect([yield* callAs(junk), yield* callAs(junk), yield* callAs(junk)]).toEqual(["ok", "ok", "RateLimited"])
      expect([yield* callAs(real), yield* callAs(real)]).toEqual(["ok", "ok"])
      expect(yield* callAs(real)).toBe("RateLimited")
      yield* TestClock.adjust("1 second")
      expect([yield* callAs(junk), yield* callAs(junk)]).toEqual(["ok", "RateLimited"])
    }).pipe(Effect.provide(memoryStoreLayer()))
  )

  it.effect("refuses with the wait until the next token", () =>
    Effect.gen(function* () {
      const store = yield* StateStore
      const limiter = makeRateLimiter(store, { requestsPerSecond: 2, burst: 1 })
      yield* limiter.limited(Effect.void).pipe(Effect.provideService(Principal, who("p")))
      const refused = yield* Effect.flip(limiter.limited(Effect.void).pipe(Effect.provideService(Principal, who("p"))))
      expect(refused).toMatchObject({ _tag: "RateLimited", retryAfterMs: 500 })
      expect(refused._tag === "RateLimited" && refused.remediation).toBe("Wait 0.5 s and retry; batch work into fewer calls (filters, limit) where you can.")
    }).pipe(Effect.provide(memoryStoreLayer()))
  )

  it.effect("fails closed when the state store fails", () =>
    Effect.gen(function* () {
      expect(yield* callAs(who("p"))).toBe("StateStoreUnavailable")
    }).pipe(Effect.provide(Layer.effect(StateStore, Effect.map(StateStore, (store) => StateStore.of({
      ...store,
      takeToken: () => Effect.fail(new StateStoreUnavailable({ operation: "takeToken", detail: "timeout" }))
    }))).pipe(Layer.provide(memoryStoreLayer()))))
  )
})
