import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, TestClock } from "effect"
import { makeMemoryStore, memoryStoreLayer } from "../../src/state/memoryStore.js"
import { stateStoreContract } from "./contract.js"

stateStoreContract("in memory", memoryStoreLayer())

describe("the in-memory StateStore over time", () => {
  it.effect("forgets a value at its time to live, and touch pushes that back", () =>
    Effect.gen(function* () {
      const store = yield* makeMemoryStore({ maxEntries: 100 })
      yield* store.set("a", "1", "10 seconds")
      yield* store.set("b", "2", "10 seconds")
      yield* TestClock.adjust("9 seconds")
      expect(yield* store.touch("b", "10 seconds")).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(yield* store.get("a")).toEqual(Option.none())
      expect(yield* store.get("b")).toEqual(Option.some("2"))
      yield* TestClock.adjust("10 seconds")
      expect(yield* store.get("b")).toEqual(Option.none())
    })
  )

  it.effect("lets group members expire, so a bounded group reopens by itself", () =>
    Effect.gen(function* () {
      const store = yield* makeMemoryStore({ maxEntries: 100 })
      expect(yield* store.admit("g", "a", "1 minute", 1)).toBe(true)
      expect(yield* store.admit("g", "b", "1 minute", 1)).toBe(false)
      yield* TestClock.adjust("1 minute")
      expect(yield* store.count("g")).toBe(0)
      expect(yield* store.admit("g", "b", "1 minute", 1)).toBe(true)
    })
  )

  it.effect("expires each group member at its own deadline, also after the earliest one was renewed", () =>
    Effect.gen(function* () {
      const store = yield* makeMemoryStore({ maxEntries: 100 })
      expect(yield* store.admit("g", "a", "10 seconds", 3)).toBe(true)
      expect(yield* store.admit("g", "b", "20 seconds", 3)).toBe(true)
      expect(yield* store.admit("g", "c", "30 seconds", 3)).toBe(true)
      yield* TestClock.adjust("5 seconds")
      // Renewing the member that would expire first: the next to go is now b.
      expect(yield* store.admit("g", "a", "40 seconds", 3)).toBe(true)
      yield* TestClock.adjust("5 seconds")
      expect(yield* store.count("g")).toBe(3)
      yield* TestClock.adjust("10 seconds")
      expect(yield* store.count("g")).toBe(2)
      expect(yield* store.admit("g", "d", "1 second", 3)).toBe(true)
      expect(yield* store.admit("g", "e", "1 second", 3)).toBe(false)
      yield* TestClock.adjust("1 second")
      expect(yield* store.admit("g", "e", "1 minute", 3)).toBe(true)
      yield* TestClock.adjust("10 seconds")
      expect(yield* store.count("g")).toBe(2)
      yield* store.leave("g", "a")
      expect(yield* store.count("g")).toBe(1)
      yield* TestClock.adjust("1 minute")
      expect(yield* store.count("g")).toBe(0)
    })
  )

  it.effect("refills a token bucket at its rate", () =>
    Effect.gen(function* () {
      const store = yield* makeMemoryStore({ maxEntries: 100 })
      const bucket = { ratePerSecond: 2, burst: 2 }
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Allowed")
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Allowed")
      const refused = yield* store.takeToken("k", bucket)
      expect(refused).toEqual({ _tag: "Refused", retryAfterMs: 500 })
      yield* TestClock.adjust("500 millis")
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Allowed")
      yield* TestClock.adjust("1 hour")
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Allowed")
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Allowed")
      expect((yield* store.takeToken("k", bucket))._tag).toBe("Refused")
    })
  )

  it.effect("when full, refuses new state instead of evicting live state, and makes room as entries expire", () =>
    Effect.gen(function* () {
      const store = yield* makeMemoryStore({ maxEntries: 2 })
      yield* store.set("a", "1", "1 minute")
      yield* store.set("b", "2", "2 minutes")
      const refused = yield* Effect.either(store.set("c", "3", "1 minute"))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("StateStoreUnavailable")
      expect(Either.isLeft(refused) && refused.left.message).toContain("full")
      yield* store.set("a", "updated", "1 minute") // an existing key still updates
      expect(yield* store.get("b")).toEqual(Option.some("2"))
      yield* TestClock.adjust("1 minute")
      yield* store.set("c", "3", "1 minute")
      expect(yield* store.get("c")).toEqual(Option.some("3"))
    })
  )
})
