import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, Schema } from "effect"
import { stateNamespace } from "../../src/state/StateNamespace.js"
import { StateStore } from "../../src/state/StateStore.js"

/**
 * What every `StateStore` backend must do, independent of time: the in-memory and the Redis layer run
 * the same cases, so the rest of the code cannot tell them apart. Keys are unique per case, so the
 * cases can share one store.
 */
export const stateStoreContract = <E>(name: string, layer: Layer.Layer<StateStore, E>) =>
  describe(`StateStore contract: ${name}`, () => {
    let n = 0
    const key = (label: string) => `contract:${label}:${Date.now()}:${n++}`

    it.layer(layer)((it) => {
      it.effect("stores, reads, overwrites and deletes a value", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("value")
          expect(yield* store.get(k)).toEqual(Option.none())
          yield* store.set(k, "one", "1 minute")
          yield* store.set(k, "two", "1 minute")
          expect(yield* store.get(k)).toEqual(Option.some("two"))
          yield* store.delete(k)
          expect(yield* store.get(k)).toEqual(Option.none())
        })
      )

      it.effect("setIfAbsent claims a key once", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("claim")
          expect(yield* store.setIfAbsent(k, "first", "1 minute")).toBe(true)
          expect(yield* store.setIfAbsent(k, "second", "1 minute")).toBe(false)
          expect(yield* store.get(k)).toEqual(Option.some("first"))
        })
      )

      it.effect("take hands a single-use value out exactly once, even to concurrent takers", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("take")
          yield* store.set(k, "code", "1 minute")
          const taken = yield* Effect.all(Array.from({ length: 8 }, () => store.take(k)), { concurrency: "unbounded" })
          expect(taken.filter(Option.isSome)).toEqual([Option.some("code")])
          expect(yield* store.get(k)).toEqual(Option.none())
        })
      )

      it.effect("touch renews only what exists", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("touch")
          expect(yield* store.touch(k, "1 minute")).toBe(false)
          yield* store.set(k, "v", "1 minute")
          expect(yield* store.touch(k, "2 minutes")).toBe(true)
          expect(yield* store.get(k)).toEqual(Option.some("v"))
        })
      )

      it.effect("compareAndSet swaps only from the expected value; exactly one of two racers wins", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("cas")
          expect(yield* store.compareAndSet(k, Option.none(), Option.some("a"), "1 minute")).toBe(true)
          expect(yield* store.compareAndSet(k, Option.none(), Option.some("b"), "1 minute")).toBe(false)
          const racers = yield* Effect.all(
            [
              store.compareAndSet(k, Option.some("a"), Option.some("x"), "1 minute"),
              store.compareAndSet(k, Option.some("a"), Option.some("y"), "1 minute")
            ],
            { concurrency: "unbounded" }
          )
          expect(racers.filter(Boolean)).toHaveLength(1)
          const winner = (yield* store.get(k)).pipe(Option.getOrThrow)
          expect(["x", "y"]).toContain(winner)
          expect(yield* store.compareAndSet(k, Option.some(winner), Option.none(), "1 minute")).toBe(true)
          expect(yield* store.get(k)).toEqual(Option.none())
        })
      )

      it.effect("admit refuses newcomers past the limit without evicting members; leave makes room", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const g = key("group")
          expect(yield* store.admit(g, "a", "1 minute", 2)).toBe(true)
          expect(yield* store.admit(g, "b", "1 minute", 2)).toBe(true)
          expect(yield* store.admit(g, "c", "1 minute", 2)).toBe(false)
          expect(yield* store.admit(g, "a", "1 minute", 2)).toBe(true) // a member is renewed, not counted twice
          expect(yield* store.count(g)).toBe(2)
          yield* store.leave(g, "a")
          expect(yield* store.count(g)).toBe(1)
          expect(yield* store.admit(g, "c", "1 minute", 2)).toBe(true)
        })
      )

      it.effect("concurrent admissions never overshoot the limit", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const g = key("race")
          const admitted = yield* Effect.all(
            Array.from({ length: 20 }, (_, i) => store.admit(g, `m${i}`, "1 minute", 5)),
            { concurrency: "unbounded" }
          )
          expect(admitted.filter(Boolean)).toHaveLength(5)
          expect(yield* store.count(g)).toBe(5)
        })
      )

      it.effect("a token bucket starts full, then refuses with the wait until the next token", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const k = key("bucket")
          const bucket = { ratePerSecond: 0.001, burst: 3 } // one token per 1000 s: nothing refills during the test
          const decisions = yield* Effect.forEach([1, 2, 3, 4], () => store.takeToken(k, bucket))
          expect(decisions.slice(0, 3).every((d) => d._tag === "Allowed")).toBe(true)
          const last = decisions[3]
          expect(last?._tag).toBe("Refused")
          expect(last?._tag === "Refused" && last.retryAfterMs).toBeGreaterThan(900_000)
          // Another key has its own bucket.
          expect((yield* store.takeToken(key("bucket"), bucket))._tag).toBe("Allowed")
        })
      )

      it.effect("typed namespaces round-trip records and read damaged ones as absent", () =>
        Effect.gen(function* () {
          const store = yield* StateStore
          const ns = stateNamespace(store, key("ns"), Schema.Struct({ branch: Schema.String, created: Schema.Number }))
          yield* ns.set("w1", { branch: "mcp/x", created: 1 }, "1 minute")
          expect(yield* ns.get("w1")).toEqual(Option.some({ branch: "mcp/x", created: 1 }))
          yield* store.set(ns.key("w2"), "{not json", "1 minute")
          expect(yield* ns.get("w2")).toEqual(Option.none())
          const current = yield* ns.get("w1")
          expect(yield* ns.compareAndSet("w1", current, Option.some({ branch: "mcp/y", created: 2 }), "1 minute")).toBe(true)
          expect(yield* ns.compareAndSet("w1", current, Option.none(), "1 minute")).toBe(false)
        })
      )

      it.effect("answers health checks", () => Effect.flatMap(StateStore, (store) => store.health))
    })
  })
