import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, FiberRef, HashMap, Option } from "effect"
import { annotateLogsOnce, provideMissing } from "../src/provided.js"

class Greeting extends Context.Tag("test/Greeting")<Greeting, { readonly text: string }>() {}
class Count extends Context.Tag("test/Count")<Count, { readonly value: number }>() {}

const hello = { text: "hello" }
const one = { value: 1 }
const captured = Context.make(Greeting, hello).pipe(Context.add(Count, one))

const seen = Effect.all({ greeting: Greeting, count: Count })
const toolAnnotation = FiberRef.getWith(FiberRef.currentLogAnnotations, (annotations) => Effect.succeed(HashMap.get(annotations, "tool")))

describe("provideMissing", () => {
  it.effect("provides the services when the fiber lacks them", () =>
    Effect.gen(function* () {
      expect(yield* seen.pipe(provideMissing(captured))).toEqual({ greeting: hello, count: one })
    })
  )

  it.effect("runs the effect as it is when the fiber already holds the very same services", () =>
    Effect.gen(function* () {
      const result = yield* seen.pipe(provideMissing(captured), Effect.provide(captured))
      expect(result.greeting).toBe(hello)
      expect(result.count).toBe(one)
    })
  )

  it.effect("still provides its own when the fiber holds a different service under the same tag, as Effect.provide does", () =>
    Effect.gen(function* () {
      const other = { text: "other" }
      const result = yield* seen.pipe(provideMissing(captured), Effect.provideService(Greeting, other), Effect.provideService(Count, one))
      expect(result.greeting).toBe(hello)
      // Outside the effect the fiber's own service is back.
      expect(yield* Greeting.pipe(Effect.provideService(Greeting, other))).toBe(other)
    })
  )
})

describe("annotateLogsOnce", () => {
  it.effect("annotates the effect's logs, and only the effect's", () =>
    Effect.gen(function* () {
      expect(yield* toolAnnotation.pipe(annotateLogsOnce("tool", "get_nodes"))).toEqual(Option.some("get_nodes"))
      expect(yield* toolAnnotation).toEqual(Option.none())
    })
  )

  it.effect("leaves an annotation that already says the same as it is", () =>
    Effect.gen(function* () {
      const inside = yield* toolAnnotation.pipe(annotateLogsOnce("tool", "get_nodes"), Effect.annotateLogs("tool", "get_nodes"))
      expect(inside).toEqual(Option.some("get_nodes"))
    })
  )

  it.effect("replaces a different value for the effect, and restores it after", () =>
    Effect.gen(function* () {
      const [inside, after] = yield* Effect.all([toolAnnotation.pipe(annotateLogsOnce("tool", "get_nodes")), toolAnnotation]).pipe(
        Effect.annotateLogs("tool", "other")
      )
      expect(inside).toEqual(Option.some("get_nodes"))
      expect(after).toEqual(Option.some("other"))
    })
  )
})
