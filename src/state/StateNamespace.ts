import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { StateStoreShape, StateStoreUnavailable } from "./StateStore.js"

/**
 * Typed access to one kind of record in the `StateStore`: keys are `<namespace>:<id>`, values are
 * JSON encoded with `schema`. A stored value that no longer decodes (written by another version, or
 * damaged) reads as absent, so a caller fails closed (signs in again, opens a new session) instead of
 * trusting it.
 */
export interface StateNamespace<A> {
  readonly key: (id: string) => string
  readonly get: (id: string) => Effect.Effect<Option.Option<A>, StateStoreUnavailable>
  readonly set: (id: string, value: A, ttl: Duration.DurationInput) => Effect.Effect<void, StateStoreUnavailable>
  readonly setIfAbsent: (id: string, value: A, ttl: Duration.DurationInput) => Effect.Effect<boolean, StateStoreUnavailable>
  readonly take: (id: string) => Effect.Effect<Option.Option<A>, StateStoreUnavailable>
  readonly delete: (id: string) => Effect.Effect<void, StateStoreUnavailable>
  readonly touch: (id: string, ttl: Duration.DurationInput) => Effect.Effect<boolean, StateStoreUnavailable>
  /** Replaces `expected` (as read before) by `next`; `false` when someone else changed it meanwhile. */
  readonly compareAndSet: (
    id: string,
    expected: Option.Option<A>,
    next: Option.Option<A>,
    ttl: Duration.DurationInput
  ) => Effect.Effect<boolean, StateStoreUnavailable>
}

export const stateNamespace = <A, I>(
  store: StateStoreShape,
  namespace: string,
  schema: Schema.Schema<A, I>
): StateNamespace<A> => {
  const codec = Schema.parseJson(schema)
  const encode = Schema.encodeSync(codec)
  const decode = Schema.decodeUnknownOption(codec)
  const key = (id: string) => `${namespace}:${id}`
  const decoded = (raw: Option.Option<string>) => Option.flatMap(raw, decode)
  return {
    key,
    get: (id) => Effect.map(store.get(key(id)), decoded),
    set: (id, value, ttl) => store.set(key(id), encode(value), ttl),
    setIfAbsent: (id, value, ttl) => store.setIfAbsent(key(id), encode(value), ttl),
    take: (id) => Effect.map(store.take(key(id)), decoded),
    delete: (id) => store.delete(key(id)),
    touch: (id, ttl) => store.touch(key(id), ttl),
    // Encoding is deterministic for one schema, so the encoded form compares as the stored string.
    compareAndSet: (id, expected, next, ttl) =>
      store.compareAndSet(key(id), Option.map(expected, encode), Option.map(next, encode), ttl)
  }
}
