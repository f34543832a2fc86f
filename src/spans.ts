import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

/**
 * Whether spans are recorded here. The CLI turns the tracer off when no exporter is configured
 * (`app/serve.ts`); a library host keeps Effect's default (on) and its own tracer. Services read it
 * once, when they are built: with it off, a call skips every span's bookkeeping — a stack trace, a
 * context copy and a finalizer each — instead of paying for spans nobody reads.
 */
export const spansRecorded: Effect.Effect<boolean> = FiberRef.get(FiberRef.currentTracerEnabled)

/** `Effect.withSpan(name, options)` when spans are recorded, else the effect itself. */
export const spanIf =
  (recorded: boolean, name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    recorded ? Effect.withSpan(self, name, options) : self

/**
 * `Effect.fn(name)` when spans are recorded, else `Effect.fnUntraced`, for generator bodies. The two
 * run a generator body alike; the traced one adds its span around it.
 */
export const fnIf =
  (recorded: boolean) =>
  (name: string): Effect.fn.Untraced =>
    recorded ? (Effect.fn(name) as Effect.fn.Untraced) : Effect.fnUntraced

/**
 * `Effect.annotateCurrentSpan(key, value)` without its cost where there is no span: Effect's looks
 * the span up through `Effect.currentSpan`, which without one fails with an exception (a stack
 * trace) that is then ignored — once per Infrahub request with tracing off. Same effect otherwise:
 * the attribute goes on the current span when it is one of ours (not an external parent).
 */
export const annotateCurrentSpan = (key: string, value: unknown): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) => {
    const span = Context.getOption(context, Tracer.ParentSpan)
    if (span._tag === "Some" && span.value._tag === "Span") span.value.attribute(key, value)
  })
