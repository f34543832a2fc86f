import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Principal } from "../auth/Principal.js"
import { isTransient } from "../infrahub/errors.js"
import { type AccessDenied, type AccessPolicy, requireAccess } from "./AccessPolicy.js"
import { CallFacts } from "../session/CallFacts.js"
import { type ToolMetrics, toolMetrics } from "./metrics.js"
import type { RateLimiter } from "./RateLimiter.js"
import { RequestContext } from "../session/RequestContext.js"
import { annotateLogsOnce } from "../provided.js"
import { spanIf } from "../spans.js"
import { InvalidArguments, type Remediable, ResponseTooLarge } from "./ToolError.js"
import { type AnyToolSpec, WithFacts } from "./ToolSpec.js"

/** The wire shape of a `tools/call` answer (kept free of SDK types; the bridge passes it through). */
export interface ToolCallResult {
  readonly content: ReadonlyArray<{ readonly type: "text"; readonly text: string }>
  readonly structuredContent?: Readonly<Record<string, unknown>>
  readonly isError?: boolean
  readonly _meta?: Readonly<Record<string, unknown>>
}

interface Rendered {
  readonly text: string
  readonly note: string | undefined
  readonly structured: Readonly<Record<string, unknown>>
  readonly meta: Readonly<Record<string, unknown>> | undefined
}

export interface PipelineOptions {
  readonly maxResponseBytes: number
  /** INFRAHUB_MCP_RATE_LIMIT_RPS: one bucket shared by every call. */
  readonly rateLimiter?: Option.Option<RateLimiter>
  /** INFRAHUB_MCP_RETRY_*: retries of read tools after a transient Infrahub failure. */
  readonly retry?: Option.Option<{ readonly maxAttempts: number; readonly baseDelayMs: number }>
}

/**
 * Retries a *read* tool after a transient failure, with exponential backoff. Writes are never retried
 * here: a write that timed out may have been applied, and replaying it is the caller's decision.
 */
const retryTransient =
  (tool: AnyToolSpec, retry: Option.Option<{ readonly maxAttempts: number; readonly baseDelayMs: number }>) =>
  <A, R>(self: Effect.Effect<A, Remediable, R>): Effect.Effect<A, Remediable, R> =>
    Option.match(retry, {
      onNone: () => self,
      onSome: ({ maxAttempts, baseDelayMs }) =>
        tool.access !== "read"
          ? self
          : Effect.retry(self, {
              schedule: Schedule.exponential(Duration.millis(baseDelayMs)),
              times: maxAttempts,
              while: isTransient
            })
    })

/**
 * One line per problem. An optional argument is a union with `undefined`, so every bad value also
 * reports "Expected undefined": noise next to the real problem at the same path, dropped.
 */
export const formatIssues = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const key = (path: ReadonlyArray<PropertyKey>) => path.map(String).join(".")
  const pathsWithOtherIssues = new Set(
    issues.filter((issue) => !issue.message.startsWith("Expected undefined, actual")).map((issue) => key(issue.path))
  )
  return issues
    .filter((issue) => !(issue.message.startsWith("Expected undefined, actual") && pathsWithOtherIssues.has(key(issue.path))))
    .map((issue) => (issue.path.length > 0 ? `${key(issue.path)}: ${issue.message}` : issue.message))
    .join("; ")
}

/*
 * The pure steps of a call (decoding the arguments, encoding and rendering the result, the size
 * check) are plain functions returning `Either`: they need no services and never wait, so running
 * them as effects would only add runtime steps to every call.
 */

const DECODE_OPTIONS = { onExcessProperty: "error", errors: "all" } as const

/** Decodes raw arguments against the tool's schema; unknown arguments are refused, not ignored. */
const decodeArgs = (tool: AnyToolSpec): ((raw: unknown) => Either.Either<unknown, InvalidArguments>) => {
  const decode = Schema.decodeUnknownEither(tool.parameters)
  return (raw) =>
    Either.mapLeft(decode(raw ?? {}, DECODE_OPTIONS), (error) => new InvalidArguments({ tool: tool.name, detail: formatIssues(error) }))
}

/**
 * Encodes the result for `structuredContent` and renders the text content; facts go beside them. A
 * result that does not match its own schema is our bug, not the caller's: it is thrown, a defect.
 */
const encodeResult = (tool: AnyToolSpec): ((output: unknown) => Rendered) => {
  const encode = Schema.encodeSync(tool.result)
  return (output) => {
    const value: unknown = output instanceof WithFacts ? output.value : output
    const facts = output instanceof WithFacts ? output.facts : undefined
    return {
      structured: encode(value) as Record<string, unknown>,
      text: tool.render(value),
      note: facts?.note,
      meta: facts === undefined || Object.keys(facts.meta).length === 0 ? undefined : facts.meta
    }
  }
}

/** Refuses (never truncates) results over the limit: a truncated table silently misleads a model. */
const limitResponseSize =
  (tool: AnyToolSpec, options: PipelineOptions) =>
  (rendered: Rendered): Either.Either<Rendered, ResponseTooLarge> => {
    const bytes =
      Buffer.byteLength(rendered.text) +
      Buffer.byteLength(rendered.note ?? "") +
      Buffer.byteLength(JSON.stringify(rendered.structured)) +
      Buffer.byteLength(JSON.stringify(rendered.meta ?? {}))
    return bytes > options.maxResponseBytes
      ? Either.left(new ResponseTooLarge({ tool: tool.name, bytes, limit: options.maxResponseBytes }))
      : Either.right(rendered)
  }

/** Between a failure's message and its remediation in the text a client reads (`callTool` splits on it). */
export const REMEDIATION_SEPARATOR = "\n\nRemediation: "

export const errorText = (error: Remediable): string => `${error.message}${REMEDIATION_SEPARATOR}${error.remediation}`

const isRemediable = (error: unknown): error is Remediable =>
  typeof error === "object" &&
  error !== null &&
  "message" in error &&
  "remediation" in error &&
  typeof (error as Remediable).remediation === "string"

/** Typed failures become `isError` results with a Remediation line; defects become an opaque internal error. */
const toCallToolResult =
  (tool: AnyToolSpec) =>
  <R>(self: Effect.Effect<Rendered, Remediable | AccessDenied, R>): Effect.Effect<ToolCallResult, never, R | RequestContext> =>
    Effect.matchCauseEffect(self, {
      onSuccess: (rendered) =>
        Effect.succeed<ToolCallResult>({
          content: [
            { type: "text", text: rendered.text },
            ...(rendered.note === undefined ? [] : [{ type: "text" as const, text: rendered.note }])
          ],
          structuredContent: rendered.structured,
          ...(rendered.meta === undefined ? {} : { _meta: rendered.meta })
        }),
      onFailure: (cause) =>
        Effect.gen(function* () {
          const failure = Cause.failureOption(cause)
          if (failure._tag === "Some" && isRemediable(failure.value)) {
            return { content: [{ type: "text", text: errorText(failure.value) }], isError: true } satisfies ToolCallResult
          }
          const { requestId } = yield* RequestContext
          yield* Effect.logError(`tool ${tool.name} failed unexpectedly`, cause)
          return {
            content: [
              {
                type: "text",
                text: `Internal error in ${tool.name} (request ${requestId}): the server hit an unexpected problem and logged it.${REMEDIATION_SEPARATOR}Retry once; if it happens again, report it to the operator with the request id.`
              }
            ],
            isError: true
          } satisfies ToolCallResult
        })
    })

/** `unknown`: a write whose request was sent but whose answer never came, so it may have been applied. */
const outcomeOf = <A>(exit: Exit.Exit<A, { readonly _tag: string }>): string =>
  Exit.match(exit, {
    onSuccess: () => "ok",
    onFailure: (cause) => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "None") return "defect"
      if (failure.value._tag === "AccessDenied") return "denied"
      return failure.value._tag === "WriteOutcomeUnknown" ? "unknown" : "error"
    }
  })

/** The branch written (recorded on the way, so failed writes name it too), else the branch read. */
const branchOf = (args: unknown, written: Option.Option<string>, exit: Exit.Exit<Rendered, unknown>): string => {
  if (Option.isSome(written)) return written.value
  if (Exit.isSuccess(exit) && typeof exit.value.structured["branch"] === "string") return exit.value.structured["branch"]
  if (typeof args === "object" && args !== null && "branch" in args && typeof args.branch === "string") return args.branch
  return "default"
}

/**
 * One structured audit line per tool call (who, what, which branch, how it ended) plus metrics. The
 * principal and the clock are read once, up front; the call's duration comes from the clock service
 * (so `TestClock` drives it in tests).
 */
const audited =
  (tool: AnyToolSpec, metrics: ToolMetrics, rawArgs: unknown) =>
  <R>(self: Effect.Effect<Rendered, Remediable | AccessDenied, R>) =>
    Effect.contextWithEffect((context: Context.Context<Principal>) =>
      Effect.clockWith((clock) => {
        const principal = Context.get(context, Principal)
        // The bridge's fresh cell for this request, else one of our own.
        const provided = Context.getOption(context, CallFacts)
        const facts = Option.getOrElse(provided, CallFacts.make)
        const recording = Option.isSome(provided) ? self : Effect.provideService(self, CallFacts, facts)
        const started = clock.unsafeCurrentTimeMillis()
        return Effect.flatMap(Effect.exit(recording), (exit) => {
          const elapsed = clock.unsafeCurrentTimeMillis() - started
          const outcome = outcomeOf(exit)
          const branch = branchOf(rawArgs, facts.recordedBranch(), exit)
          return Metric.increment(metrics.calls(outcome)).pipe(
            Effect.zipRight(Metric.update(metrics.latency, elapsed)),
            Effect.zipRight(
              Effect.logInfo(
                `tool_call tool=${tool.name} user=${principal.user ?? "anonymous"} branch=${branch} outcome=${outcome} duration_ms=${elapsed}`
              )
            ),
            Effect.zipRight(exit)
          )
        })
      })
    )

/**
 * The pipeline around one tool's handler, outermost first: request context ▸ error mapping ▸
 * audit ▸ access policy ▸ rate limit ▸ decode ▸ (retry ▸) handler ▸ encode ▸ size limit.
 * Everything that depends only on the tool (decoder, encoder, tagged metrics, span) is built here
 * once, when the registry is built; the returned function runs one call. `recordSpans` false (no
 * tracer reads them) leaves the span out.
 */
export const toolRunner = <R>(
  tool: AnyToolSpec<R>,
  options: PipelineOptions,
  recordSpans = true
): ((rawArgs: unknown) => Effect.Effect<ToolCallResult, never, R | AccessPolicy | Principal | RequestContext>) => {
  const decode = decodeArgs(tool)
  const encode = encodeResult(tool)
  const limit = limitResponseSize(tool, options)
  const retry = retryTransient(tool, options.retry ?? Option.none())
  const rateLimiter = options.rateLimiter ?? Option.none()
  const access = requireAccess(tool)
  const toResult = toCallToolResult(tool)
  const metrics = toolMetrics(tool.name)
  const span = spanIf(recordSpans, `tool.${tool.name}`)
  /** Decode ▸ handler ▸ encode ▸ size limit: one effect, the handler's, between plain functions. */
  const handle = (rawArgs: unknown): Effect.Effect<Rendered, Remediable, R> =>
    Effect.suspend(() => Effect.flatMap(decode(rawArgs), (args) => Effect.flatMap(retry(tool.handler(args)), (output) => limit(encode(output)))))
  return (rawArgs) =>
    handle(rawArgs).pipe(
      (self) => Option.match(rateLimiter, { onNone: () => self, onSome: (limiter) => limiter.limited(self) }),
      access,
      audited(tool, metrics, rawArgs),
      toResult,
      annotateLogsOnce("tool", tool.name),
      span
    )
}
