import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { deadline } from "../../src/infrahub/deadline.js"

const timedOut = () => ({ _tag: "TimedOut" as const })

describe("deadline", () => {
  it.live("gives the value of an effect that finishes in time", () =>
    Effect.gen(function* () {
      expect(yield* Effect.succeed(42).pipe(deadline(60_000, timedOut))).toBe(42)
    })
  )

  it.live("passes a failure through as it is", () =>
    Effect.gen(function* () {
      const error = yield* Effect.fail("refused" as const).pipe(deadline(60_000, timedOut), Effect.flip)
      expect(error).toBe("refused")
    })
  )

  it.live("fails with the timeout error once the time is up, and interrupts the work", () =>
    Effect.gen(function* () {
      const interrupted = yield* Deferred.make<void>()
      const error = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)),
        deadline(10, timedOut),
        Effect.flip
      )
      expect(error).toEqual({ _tag: "TimedOut" })
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    })
  )

  it.live("interrupting the caller interrupts the work too", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const caller = yield* Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)),
        deadline(60_000, timedOut),
        Effect.fork
      )
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(caller)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    })
  )
})
