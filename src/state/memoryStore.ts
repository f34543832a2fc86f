import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type BucketSpec, StateStore, type StateStoreShape, StateStoreUnavailable, type TokenDecision } from "./StateStore.js"

export interface MemoryStoreOptions {
  /**
   * Most entries held at once (values, group members and buckets together). Past it, after expired
   * entries are dropped, writes fail with `StateStoreUnavailable`: refusing is safe, evicting live
   * state (somebody's sign-in) to make room is not.
   */
  readonly maxEntries: number
}

interface Expiring {
  readonly expiresAt: number
}
interface ValueEntry extends Expiring {
  readonly value: string
}
/** A group's members (member → deadline) and the earliest deadline among them, or earlier. */
interface Group {
  readonly members: Map<string, number>
  /**
   * No member expires before this, so reads skip the scan until then: with many members (one per
   * HTTP session) a scan on every `admit` would make each request cost more the more sessions
   * there are. Renewing the earliest member leaves it low, which only costs one early scan.
   */
  nextExpiry: number
}
interface BucketEntry extends Expiring {
  readonly tokens: number
  readonly updatedAt: number
}

// Expired entries are never returned (every read checks the deadline); the sweep only frees memory,
// so it runs at most this often, on a write (state only grows through writes).
const SWEEP_INTERVAL_MS = 30_000

const millis = (ttl: Duration.DurationInput): number => Duration.toMillis(Duration.decode(ttl))

/**
 * The in-memory `StateStore`: one process's state, the default when no shared store is configured.
 * Each operation runs as one synchronous step (JavaScript runs it to completion before any other
 * fiber), so it is atomic without a lock. Time comes from Effect's `Clock`, so `TestClock` drives
 * expiry in tests; there is no background fiber (a jump of days in a test costs one sweep).
 */
export const makeMemoryStore = (options: MemoryStoreOptions): Effect.Effect<StateStoreShape> =>
  Effect.sync(() => {
    const values = new Map<string, ValueEntry>()
    const groups = new Map<string, Group>()
    const buckets = new Map<string, BucketEntry>()
    let groupMembers = 0
    let sweptAt = Number.NEGATIVE_INFINITY

    const size = () => values.size + buckets.size + groupMembers

    const liveValue = (key: string, now: number): ValueEntry | undefined => {
      const entry = values.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt > now) return entry
      values.delete(key)
      return undefined
    }

    const liveGroup = (name: string, now: number): Group | undefined => {
      const group = groups.get(name)
      if (group === undefined) return undefined
      if (group.nextExpiry > now) return group
      let nextExpiry = Number.POSITIVE_INFINITY
      for (const [member, expiresAt] of group.members) {
        if (expiresAt <= now) {
          group.members.delete(member)
          groupMembers -= 1
        } else if (expiresAt < nextExpiry) nextExpiry = expiresAt
      }
      group.nextExpiry = nextExpiry
      if (group.members.size > 0) return group
      groups.delete(name)
      return undefined
    }

    const sweep = (now: number): void => {
      sweptAt = now
      for (const key of values.keys()) liveValue(key, now)
      for (const group of groups.keys()) liveGroup(group, now)
      for (const [key, bucket] of buckets) if (bucket.expiresAt <= now) buckets.delete(key)
    }

    /** Room for `needed` new entries, sweeping once when full; refuses rather than evicting. */
    const ensureRoom = (operation: string, now: number, needed = 1): Option.Option<StateStoreUnavailable> => {
      if (size() + needed <= options.maxEntries) return Option.none()
      sweep(now)
      return size() + needed <= options.maxEntries
        ? Option.none()
        : Option.some(
            new StateStoreUnavailable({
              operation,
              detail: `the in-memory store is full (${options.maxEntries} entries); refusing new state rather than dropping live state`
            })
          )
    }

    const step = <A>(f: (now: number) => A): Effect.Effect<A> =>
      Effect.clockWith((clock) => Effect.sync(() => f(clock.unsafeCurrentTimeMillis())))

    /** A step that may add state: sweeps first when the last sweep is old enough. */
    const stepOrFail = <A>(f: (now: number) => A | StateStoreUnavailable): Effect.Effect<A, StateStoreUnavailable> =>
      Effect.flatMap(
        step((now) => {
          if (now - sweptAt >= SWEEP_INTERVAL_MS) sweep(now)
          return f(now)
        }),
        (result) => (result instanceof StateStoreUnavailable ? Effect.fail(result) : Effect.succeed(result))
      )

    const put = (operation: string, key: string, value: string, ttl: Duration.DurationInput, now: number) => {
      if (liveValue(key, now) === undefined) {
        const full = ensureRoom(operation, now)
        if (Option.isSome(full)) return full.value
      }
      values.set(key, { value, expiresAt: now + millis(ttl) })
      return undefined
    }

    const bucketAt = (bucket: BucketSpec, entry: BucketEntry | undefined, now: number): number =>
      entry === undefined || entry.expiresAt <= now
        ? bucket.burst
        : Math.min(bucket.burst, entry.tokens + ((now - entry.updatedAt) * bucket.ratePerSecond) / 1000)

    const store: StateStoreShape = {
      backend: "memory",
      get: (key) => step((now) => Option.fromNullable(liveValue(key, now)?.value)),
      set: (key, value, ttl) => stepOrFail((now) => put("set", key, value, ttl, now)),
      setIfAbsent: (key, value, ttl) =>
        stepOrFail((now) => (liveValue(key, now) !== undefined ? false : (put("setIfAbsent", key, value, ttl, now) ?? true))),
      take: (key) =>
        step((now) => {
          const entry = liveValue(key, now)
          values.delete(key)
          return Option.fromNullable(entry?.value)
        }),
      delete: (key) => step(() => void values.delete(key)),
      touch: (key, ttl) =>
        step((now) => {
          const entry = liveValue(key, now)
          if (entry === undefined) return false
          values.set(key, { value: entry.value, expiresAt: now + millis(ttl) })
          return true
        }),
      compareAndSet: (key, expected, next, ttl) =>
        stepOrFail((now) => {
          const current = Option.fromNullable(liveValue(key, now)?.value)
          if (!Option.getEquivalence<string>((a, b) => a === b)(current, expected)) return false
          if (Option.isNone(next)) {
            values.delete(key)
            return true
          }
          return put("compareAndSet", key, next.value, ttl, now) ?? true
        }),
      admit: (group, member, ttl, limit) =>
        stepOrFail((now) => {
          const live = liveGroup(group, now) ?? { members: new Map<string, number>(), nextExpiry: Number.POSITIVE_INFINITY }
          const known = live.members.has(member)
          if (!known && live.members.size >= limit) return false
          if (!known) {
            const full = ensureRoom("admit", now)
            if (Option.isSome(full)) return full.value
            groupMembers += 1
          }
          const expiresAt = now + millis(ttl)
          live.members.set(member, expiresAt)
          if (expiresAt < live.nextExpiry) live.nextExpiry = expiresAt
          groups.set(group, live)
          return true
        }),
      leave: (group, member) =>
        step((now) => {
          const live = liveGroup(group, now)
          if (live?.members.delete(member) === true) {
            groupMembers -= 1
            if (live.members.size === 0) groups.delete(group)
          }
        }),
      count: (group) => step((now) => liveGroup(group, now)?.members.size ?? 0),
      takeToken: (key, bucket) =>
        stepOrFail((now): TokenDecision | StateStoreUnavailable => {
          const entry = buckets.get(key)
          if (entry === undefined) {
            const full = ensureRoom("takeToken", now)
            if (Option.isSome(full)) return full.value
          }
          const tokens = bucketAt(bucket, entry, now)
          // A bucket left alone refills completely; after that it carries no information.
          const refillMs = Math.ceil((bucket.burst * 1000) / bucket.ratePerSecond)
          if (tokens < 1) {
            buckets.set(key, { tokens, updatedAt: now, expiresAt: now + refillMs })
            return { _tag: "Refused", retryAfterMs: Math.ceil(((1 - tokens) * 1000) / bucket.ratePerSecond) }
          }
          buckets.set(key, { tokens: tokens - 1, updatedAt: now, expiresAt: now + refillMs })
          return { _tag: "Allowed" }
        }),
      health: Effect.void
    }

    return store
  })

/** Default capacity of the in-memory store: far above any honest load, low enough to bound memory. */
export const DEFAULT_MEMORY_ENTRIES = 1_000_000

/** The in-memory store as a layer (the default backend). */
export const memoryStoreLayer = (options: MemoryStoreOptions = { maxEntries: DEFAULT_MEMORY_ENTRIES }): Layer.Layer<StateStore> =>
  Layer.effect(StateStore, makeMemoryStore(options))
