import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

/**
 * `self`, failing with `onTimeout()` (and interrupted) when it has not finished within `ms`
 * milliseconds of wall-clock time. `Effect.timeoutFail` races `self` against a sleeping fiber: two
 * forked fibers, the loser interrupted and the winner's fiber refs merged back, on every Infrahub
 * request. This forks `self` alone and times it with one Node timer. A network deadline is wall-clock
 * time, so `TestClock` does not drive it.
 */
export const deadline =
  <E2>(ms: number, onTimeout: () => E2) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.fork(restore(self)), (child) =>
        restore(
          Effect.async<A, E | E2>((resume) => {
            let done = false
            const finish = (effect: Effect.Effect<A, E | E2>) => {
              if (done) return
              done = true
              clearTimeout(timer)
              resume(effect)
            }
            const timer = setTimeout(() => finish(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout()))), ms)
            child.addObserver((exit) => finish(exit))
            // The caller went away: stop the timer and the request.
            return Effect.suspend(() => {
              done = true
              clearTimeout(timer)
              return Fiber.interrupt(child)
            })
          })
        )
      )
    )
