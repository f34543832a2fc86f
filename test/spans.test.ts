import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Tracer } from "effect"
import { annotateCurrentSpan, fnIf, spanIf, spansRecorded } from "../src/spans.js"

/** The name of the span the effect runs in, if any. */
const currentSpanName = Effect.map(Effect.option(Effect.currentSpan), Option.map((span) => span.name))

/** Builds the span helpers the way a service does (reading the flag once), then runs one call. */
const viaHelpers = Effect.gen(function* () {
  const recorded = yield* spansRecorded
  const traced = fnIf(recorded)("Service.method")(function* () {
    return yield* currentSpanName
  })
  return {
    recorded,
    fromSpanIf: yield* spanIf(recorded, "Service.effect")(currentSpanName),
    fromFnIf: yield* traced()
  }
})

describe("spans only where a tracer reads them", () => {
  it.effect("records spans by default (a library host's tracer sees them)", () =>
    Effect.gen(function* () {
      const seen = yield* viaHelpers
      expect(seen).toEqual({ recorded: true, fromSpanIf: Option.some("Service.effect"), fromFnIf: Option.some("Service.method") })
    })
  )

  it.effect("records none once the tracer is off, as the CLI sets it without an exporter", () =>
    Effect.gen(function* () {
      const seen = yield* viaHelpers.pipe(Effect.provide(Layer.setTracerEnabled(false)))
      expect(seen).toEqual({ recorded: false, fromSpanIf: Option.none(), fromFnIf: Option.none() })
    })
  )
})

describe("annotateCurrentSpan", () => {
  it.effect("puts the attribute on the current span, as Effect's does", () =>
    Effect.gen(function* () {
      const attributes = yield* annotateCurrentSpan("branch", "main").pipe(
        Effect.zipRight(Effect.currentSpan),
        Effect.map((span) => span.attributes.get("branch")),
        Effect.withSpan("InfrahubClient.graphql")
      )
      expect(attributes).toBe("main")
    })
  )

  it.effect("does nothing, and does not fail, where there is no span or only an external parent", () =>
    Effect.gen(function* () {
      expect(yield* Effect.exit(annotateCurrentSpan("branch", "main"))).toEqual(Exit.void)
      const external = Tracer.externalSpan({ traceId: "a".repeat(32), spanId: "b".repeat(16) })
      expect(yield* Effect.exit(annotateCurrentSpan("branch", "main").pipe(Effect.withParentSpan(external)))).toEqual(Exit.void)
    })
  )
})
