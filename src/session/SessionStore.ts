import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

/**
 * A small key→value store for per-workspace state (key: MCP session id, "stdio", or a principal id).
 * Entries expire after a period without use, and the store holds at most `maxEntries`, dropping the
 * least recently used one when full, so abandoned sessions cannot grow memory without bound. The
 * interface is narrow on purpose: a shared store (Redis, …) can implement it later.
 */
export interface SessionStore<V> {
  /** The live value; reading it counts as use and restarts its idle timer. */
  readonly get: (key: string) => Effect.Effect<Option.Option<V>>
  readonly set: (key: string, value: V) => Effect.Effect<void>
  /**
   * Reads and replaces one entry in a single atomic step: `f` sees the live value (or none) and
   * returns a result plus the new value (`Option.none()` deletes the entry).
   */
  readonly modify: <A>(key: string, f: (current: Option.Option<V>) => readonly [A, Option.Option<V>]) => Effect.Effect<A>
  readonly delete: (key: string) => Effect.Effect<void>
  /** Number of live entries. */
  readonly size: Effect.Effect<number>
}

/** Why the store dropped an entry by itself (explicit `delete`, overwrites and `modify` → none are not evictions). */
export type EvictionReason = "idle" | "capacity" | "shutdown"

export interface InMemoryOptions<V> {
  readonly maxEntries: number
  readonly idleTimeoutMs: number
  /**
   * Called after the store dropped an entry: idle expiry, capacity, or the scope closing (so held
   * resources can be released). Runs outside the store's critical section; a failure is logged and
   * does not affect the store.
   */
  readonly onEvict?: (key: string, value: V, reason: EvictionReason) => Effect.Effect<void>
}

// Expired entries are never returned (every read checks the deadline); the sweeper only frees
// memory and reports evictions, so it need not run more often than this.
const MAX_SWEEP_INTERVAL_MS = 60_000

interface Entry<V> {
  readonly value: V
  readonly lastUsed: number
}

type Evicted<V> = readonly [key: string, value: V, reason: EvictionReason]

/**
 * An in-memory `SessionStore`. Idle time is measured with Effect's `Clock` (so `TestClock` drives
 * it); a sweeper fiber lives in the caller's scope, and closing the scope evicts every entry with
 * reason "shutdown".
 */
export const makeInMemory = <V>(options: InMemoryOptions<V>): Effect.Effect<SessionStore<V>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { maxEntries, idleTimeoutMs, onEvict } = options
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      return yield* Effect.dieMessage(`SessionStore: maxEntries must be a positive integer, got ${maxEntries}.`)
    }
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs <= 0) {
      return yield* Effect.dieMessage(`SessionStore: idleTimeoutMs must be a positive number, got ${idleTimeoutMs}.`)
    }

    // Map iteration order is insertion order; every use re-inserts the key, so the first key is the
    // least recently used one.
    const entries = new Map<string, Entry<V>>()
    const isExpired = (entry: Entry<V>, now: number) => now - entry.lastUsed >= idleTimeoutMs

    const notify = (evicted: ReadonlyArray<Evicted<V>>): Effect.Effect<void> =>
      onEvict === undefined || evicted.length === 0
        ? Effect.void
        : Effect.forEach(
            evicted,
            ([key, value, reason]) =>
              Effect.suspend(() => onEvict(key, value, reason)).pipe(
                Effect.catchAllCause((cause) =>
                  Effect.logWarning("SessionStore: onEvict failed; the entry is gone regardless", cause)
                ),
                Effect.annotateLogs({ key, reason })
              ),
            { discard: true }
          )

    /**
     * Runs `f` as one synchronous step: JavaScript runs it to completion before any other fiber, so
     * each store operation is atomic without a lock. Eviction callbacks run afterwards.
     */
    const atomically = <A>(f: (now: number, evicted: Array<Evicted<V>>) => A): Effect.Effect<A> =>
      Effect.clockWith((clock) =>
        Effect.suspend(() => {
          const evicted: Array<Evicted<V>> = []
          const result = f(clock.unsafeCurrentTimeMillis(), evicted)
          return Effect.as(notify(evicted), result)
        })
      )

    const live = (key: string, now: number, evicted: Array<Evicted<V>>): Option.Option<V> => {
      const entry = entries.get(key)
      if (entry === undefined) return Option.none()
      if (isExpired(entry, now)) {
        entries.delete(key)
        evicted.push([key, entry.value, "idle"])
        return Option.none()
      }
      return Option.some(entry.value)
    }

    const put = (key: string, value: V, now: number, evicted: Array<Evicted<V>>): void => {
      entries.delete(key)
      entries.set(key, { value, lastUsed: now })
      for (const [oldest, entry] of entries) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
        evicted.push([oldest, entry.value, isExpired(entry, now) ? "idle" : "capacity"])
      }
    }

    const purge = (now: number, evicted: Array<Evicted<V>>): void => {
      for (const [key, entry] of entries) {
        if (isExpired(entry, now)) {
          entries.delete(key)
          evicted.push([key, entry.value, "idle"])
        }
      }
    }

    const store: SessionStore<V> = {
      get: (key) =>
        atomically((now, evicted) => {
          const current = live(key, now, evicted)
          if (Option.isSome(current)) put(key, current.value, now, evicted)
          return current
        }),
      set: (key, value) => atomically((now, evicted) => put(key, value, now, evicted)),
      modify: (key, f) =>
        atomically((now, evicted) => {
          const [result, next] = f(live(key, now, evicted))
          if (Option.isSome(next)) put(key, next.value, now, evicted)
          else entries.delete(key)
          return result
        }),
      delete: (key) =>
        Effect.sync(() => {
          entries.delete(key)
        }),
      size: atomically((now, evicted) => {
        purge(now, evicted)
        return entries.size
      })
    }

    // Added before the sweeper is forked: finalizers run in reverse, so the sweeper stops first.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        const evicted: Array<Evicted<V>> = [...entries].map(([key, entry]) => [key, entry.value, "shutdown"] as const)
        entries.clear()
        return notify(evicted)
      })
    )
    const interval = Duration.millis(Math.min(idleTimeoutMs, MAX_SWEEP_INTERVAL_MS))
    yield* Effect.sleep(interval).pipe(Effect.zipRight(atomically(purge)), Effect.forever, Effect.forkScoped)
    return store
  })
