import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

/*
 * `Effect.provide` and `Effect.annotateLogs` set a fiber ref for the span of an effect: a guarded
 * acquire/use/release, two copies of the fiber's refs and (for a context) a copy of every service.
 * On a path that runs per tool call, where the MCP bridge has usually set the same values already
 * when it built the request's fiber, that is work for nothing. These do it only when it changes
 * something; the effect sees exactly what it would have seen otherwise.
 */

// By key, not by entry: an entry is an array allocated per service per call.
const holdsAll = (current: Context.Context<never>, wanted: Context.Context<never>): boolean => {
  for (const key of wanted.unsafeMap.keys()) {
    if (current.unsafeMap.get(key) !== wanted.unsafeMap.get(key)) return false
  }
  return true
}

/** `Effect.provide(context)`, skipped when the fiber's context already holds these very services. */
export const provideMissing =
  <S>(context: Context.Context<S>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, S>> =>
    Effect.contextWithEffect((current: Context.Context<never>) =>
      holdsAll(current, context as Context.Context<never>)
        ? (self as Effect.Effect<A, E, never>)
        : Effect.provide(self, context as Context.Context<never>)
    ) as Effect.Effect<A, E, Exclude<R, S>>

/** `Effect.annotateLogs(key, value)`, skipped when the fiber's log annotations already say so. */
export const annotateLogsOnce =
  (key: string, value: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    FiberRef.getWith(FiberRef.currentLogAnnotations, (annotations) =>
      Option.contains(HashMap.get(annotations, key), value) ? self : Effect.annotateLogs(self, key, value)
    )
