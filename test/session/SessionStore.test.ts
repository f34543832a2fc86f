import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Ref, Scope, TestClock } from "effect"
import { makeInMemory, type EvictionReason } from "../../src/session/SessionStore.js"

type Evicted = readonly [key: string, value: string, reason: EvictionReason]

/** A store whose evictions are recorded, for asserting what the store dropped and why. */
const recordingStore = (options: { maxEntries: number; idleTimeoutMs: number }) =>
  Effect.gen(function* () {
    const evicted = yield* Ref.make<ReadonlyArray<Evicted>>([])
    const store = yield* makeInMemory<string>({
      ...options,
      onEvict: (key, value, reason) => Ref.update(evicted, (all) => [...all, [key, value, reason] as const])
    })
    return { store, evicted }
  })

describe("SessionStore.makeInMemory", () => {
  it.scoped("stores, reads, overwrites and deletes values", () =>
    Effect.gen(function* () {
      const { store, evicted } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 60_000 })
      expect(yield* store.get("a")).toEqual(Option.none())
      yield* store.set("a", "1")
      yield* store.set("b", "2")
      expect(yield* store.get("a")).toEqual(Option.some("1"))
      yield* store.set("a", "3")
      expect(yield* store.get("a")).toEqual(Option.some("3"))
      expect(yield* store.size).toBe(2)
      yield* store.delete("a")
      yield* store.delete("missing")
      expect(yield* store.get("a")).toEqual(Option.none())
      expect(yield* store.size).toBe(1)
      // Overwrites and deletes are the caller's doing, not evictions.
      expect(yield* Ref.get(evicted)).toEqual([])
    })
  )

  it.scoped("expires an entry after the idle timeout, and the sweeper reports it without any access", () =>
    Effect.gen(function* () {
      const { store, evicted } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 1_000 })
      yield* store.set("s1", "branch-a")
      yield* TestClock.adjust("999 millis")
      expect(yield* Ref.get(evicted)).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(evicted)).toEqual([["s1", "branch-a", "idle"]])
      expect(yield* store.get("s1")).toEqual(Option.none())
    })
  )

  it.scoped("reading an entry restarts its idle timer", () =>
    Effect.gen(function* () {
      const { store } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 1_000 })
      yield* store.set("s1", "branch-a")
      yield* TestClock.adjust("600 millis")
      expect(yield* store.get("s1")).toEqual(Option.some("branch-a"))
      yield* TestClock.adjust("600 millis")
      expect(yield* store.get("s1")).toEqual(Option.some("branch-a"))
      yield* TestClock.adjust("1 seconds")
      expect(yield* store.get("s1")).toEqual(Option.none())
    })
  )

  it.scoped("never returns an expired entry, even before the sweeper runs", () =>
    Effect.gen(function* () {
      // 90 s idle: the sweeper runs every 60 s, so at 100 s it has not yet seen the entry expire.
      const { store, evicted } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 90_000 })
      yield* store.set("s1", "branch-a")
      yield* TestClock.adjust("100 seconds")
      expect(yield* Ref.get(evicted)).toEqual([])
      expect(yield* store.get("s1")).toEqual(Option.none())
      expect(yield* Ref.get(evicted)).toEqual([["s1", "branch-a", "idle"]])
    })
  )

  it.scoped("size counts only live entries", () =>
    Effect.gen(function* () {
      const { store } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 90_000 })
      yield* store.set("old", "1")
      yield* TestClock.adjust("50 seconds")
      yield* store.set("new", "2")
      yield* TestClock.adjust("50 seconds")
      expect(yield* store.size).toBe(1)
    })
  )

  it.scoped("when full, evicts the least recently used entry", () =>
    Effect.gen(function* () {
      const { store, evicted } = yield* recordingStore({ maxEntries: 2, idleTimeoutMs: 60_000 })
      yield* store.set("a", "1")
      yield* store.set("b", "2")
      expect(yield* store.get("a")).toEqual(Option.some("1")) // a is now more recent than b
      yield* store.set("c", "3")
      expect(yield* Ref.get(evicted)).toEqual([["b", "2", "capacity"]])
      expect(yield* store.get("a")).toEqual(Option.some("1"))
      expect(yield* store.get("b")).toEqual(Option.none())
      expect(yield* store.get("c")).toEqual(Option.some("3"))
      expect(yield* store.size).toBe(2)
    })
  )

  it.scoped("overwriting a key in a full store evicts nothing", () =>
    Effect.gen(function* () {
      const { store, evicted } = yield* recordingStore({ maxEntries: 2, idleTimeoutMs: 60_000 })
      yield* store.set("a", "1")
      yield* store.set("b", "2")
      yield* store.set("a", "9")
      expect(yield* Ref.get(evicted)).toEqual([])
      expect(yield* store.size).toBe(2)
    })
  )

  it.scoped("modify reads and writes in one step and returns its result", () =>
    Effect.gen(function* () {
      const { store } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 60_000 })
      const created = yield* store.modify("s1", (current) =>
        Option.isNone(current) ? (["created", Option.some("branch-a")] as const) : (["kept", current] as const)
      )
      expect(created).toBe("created")
      const kept = yield* store.modify("s1", (current) =>
        Option.isNone(current) ? (["created", Option.some("branch-b")] as const) : (["kept", current] as const)
      )
      expect(kept).toBe("kept")
      expect(yield* store.get("s1")).toEqual(Option.some("branch-a"))
      const previous = yield* store.modify("s1", (current) => [current, Option.none()] as const)
      expect(previous).toEqual(Option.some("branch-a"))
      expect(yield* store.get("s1")).toEqual(Option.none())
    })
  )

  it.scoped("concurrent modifications do not lose updates", () =>
    Effect.gen(function* () {
      const store = yield* makeInMemory<number>({ maxEntries: 10, idleTimeoutMs: 60_000 })
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        () =>
          Effect.yieldNow().pipe(
            Effect.zipRight(
              store.modify("counter", (current) => {
                const next = Option.getOrElse(current, () => 0) + 1
                return [next, Option.some(next)] as const
              })
            )
          ),
        { concurrency: "unbounded", discard: true }
      )
      expect(yield* store.get("counter")).toEqual(Option.some(200))
    })
  )

  it.scoped("concurrent first writers converge on one value", () =>
    Effect.gen(function* () {
      const store = yield* makeInMemory<string>({ maxEntries: 10, idleTimeoutMs: 60_000 })
      const results = yield* Effect.forEach(
        ["branch-1", "branch-2", "branch-3", "branch-4"],
        (candidate) =>
          store.modify("s1", (current) =>
            Option.isSome(current) ? ([current.value, current] as const) : ([candidate, Option.some(candidate)] as const)
          ),
        { concurrency: "unbounded" }
      )
      expect(new Set(results).size).toBe(1)
    })
  )

  it.scoped("modify sees an expired entry as absent", () =>
    Effect.gen(function* () {
      const { store, evicted } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 90_000 })
      yield* store.set("s1", "stale")
      yield* TestClock.adjust("100 seconds")
      const seen = yield* store.modify("s1", (current) => [current, Option.some("fresh")] as const)
      expect(seen).toEqual(Option.none())
      expect(yield* store.get("s1")).toEqual(Option.some("fresh"))
      expect(yield* Ref.get(evicted)).toEqual([["s1", "stale", "idle"]])
    })
  )

  it.effect("closing the scope evicts everything with reason shutdown and stops the sweeper", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { store, evicted } = yield* recordingStore({ maxEntries: 10, idleTimeoutMs: 1_000 }).pipe(
        Scope.extend(scope)
      )
      yield* store.set("a", "1")
      yield* store.set("b", "2")
      yield* Scope.close(scope, Exit.void)
      expect(yield* Ref.get(evicted)).toEqual([
        ["a", "1", "shutdown"],
        ["b", "2", "shutdown"]
      ])
      yield* TestClock.adjust("10 seconds")
      expect((yield* Ref.get(evicted)).length).toBe(2)
    })
  )

  it.scoped("a failing onEvict is logged and the store keeps working", () =>
    Effect.gen(function* () {
      const store = yield* makeInMemory<string>({
        maxEntries: 1,
        idleTimeoutMs: 1_000,
        onEvict: () => Effect.dieMessage("close failed")
      })
      yield* store.set("a", "1")
      yield* store.set("b", "2")
      expect(yield* store.get("a")).toEqual(Option.none())
      expect(yield* store.get("b")).toEqual(Option.some("2"))
      yield* TestClock.adjust("1 seconds")
      yield* store.set("c", "3")
      yield* TestClock.adjust("1 seconds")
      // The sweeper survived the failing callback and keeps expiring entries.
      expect(yield* store.size).toBe(0)
    })
  )

  const badOptions: ReadonlyArray<readonly [{ maxEntries: number; idleTimeoutMs: number }, string]> = [
    [{ maxEntries: 0, idleTimeoutMs: 1_000 }, "maxEntries must be a positive integer, got 0"],
    [{ maxEntries: 1.5, idleTimeoutMs: 1_000 }, "maxEntries must be a positive integer, got 1.5"],
    [{ maxEntries: 10, idleTimeoutMs: 0 }, "idleTimeoutMs must be a positive number, got 0"],
    [{ maxEntries: 10, idleTimeoutMs: Number.NaN }, "idleTimeoutMs must be a positive number, got NaN"]
  ]
  it.scoped.each(badOptions)("refuses bad options %j", ([options, problem]) =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(makeInMemory<string>(options))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      if (Exit.isFailure(exit)) expect(Cause.pretty(exit.cause)).toContain(problem)
    })
  )
})
