import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Principal } from "../auth/Principal.js"
import { type AccessDenied, type AccessPolicy, requireAccess } from "./AccessPolicy.js"
import { latencyMs, toolCallsTotal } from "./metrics.js"
import type { RateLimiter } from "./RateLimiter.js"
import { RequestContext } from "./RequestContext.js"
import { InvalidArguments, type Remediable, ResponseTooLarge } from "./ToolError.js"
import type { AnyToolSpec } from "./ToolSpec.js"

/** The wire shape of a `tools/call` answer (kept free of SDK types; the bridge passes it through). */
export interface ToolCallResult {
  readonly content: ReadonlyArray<{ readonly type: "text"; readonly text: string }>
  readonly structuredContent?: Readonly<Record<string, unknown>>
  readonly isError?: boolean
}

interface Rendered {
  readonly text: string
  readonly structured: Readonly<Record<string, unknown>>
}

export interface PipelineOptions {
  readonly maxResponseBytes: number
  /** INFRAHUB_MCP_RATE_LIMIT_RPS: one bucket shared by every call. */
  readonly rateLimiter?: Option.Option<RateLimiter>
  /** INFRAHUB_MCP_RETRY_*: retries of read tools after a transient Infrahub failure. */
  readonly retry?: Option.Option<{ readonly maxAttempts: number; readonly baseDelayMs: number }>
}

/** Failures worth retrying: the request may not have reached Infrahub, or Infrahub was briefly unwell. */
const isTransient = (error: Remediable): boolean =>
  error._tag === "InfrahubUnreachable" ||
  error._tag === "InfrahubTimeout" ||
  (error._tag === "InfrahubServerError" && "status" in error && typeof error.status === "number" && error.status >= 500)

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

/** Decodes raw arguments against the tool's schema; unknown arguments are refused, not ignored. */
const decodeArgs =
  (tool: AnyToolSpec) =>
  (raw: unknown): Effect.Effect<unknown, InvalidArguments> =>
    Schema.decodeUnknown(tool.parameters)(raw ?? {}, { onExcessProperty: "error", errors: "all" }).pipe(
      Effect.mapError((error) => new InvalidArguments({ tool: tool.name, detail: formatIssues(error) }))
    )

/** Encodes the result for `structuredContent` and renders the text content. */
const encodeResult =
  (tool: AnyToolSpec) =>
  (value: unknown): Effect.Effect<Rendered> =>
    Schema.encode(tool.result)(value).pipe(
      // A result that does not match its own schema is our bug, not the caller's: a defect.
      Effect.orDie,
      Effect.map((encoded) => ({ text: tool.render(value), structured: encoded as Record<string, unknown> }))
    )

/** Refuses (never truncates) results over the limit: a truncated table silently misleads a model. */
const limitResponseSize =
  (tool: AnyToolSpec, options: PipelineOptions) =>
  (rendered: Rendered): Effect.Effect<Rendered, ResponseTooLarge> => {
    const bytes = Buffer.byteLength(rendered.text) + Buffer.byteLength(JSON.stringify(rendered.structured))
    return bytes > options.maxResponseBytes
      ? Effect.fail(new ResponseTooLarge({ tool: tool.name, bytes, limit: options.maxResponseBytes }))
      : Effect.succeed(rendered)
  }

export const errorText = (error: Remediable): string => `${error.message}\n\nRemediation: ${error.remediation}`

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
    self.pipe(
      Effect.map((rendered): ToolCallResult => ({
        content: [{ type: "text", text: rendered.text }],
        structuredContent: rendered.structured
      })),
      Effect.catchAllCause((cause) =>
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
                text: `Internal error in ${tool.name} (request ${requestId}): the server hit an unexpected problem and logged it.\n\nRemediation: Retry once; if it happens again, report it to the operator with the request id.`
              }
            ],
            isError: true
          } satisfies ToolCallResult
        })
      )
    )

const outcomeOf = <A>(exit: Exit.Exit<A, { readonly _tag: string }>): string =>
  Exit.match(exit, {
    onSuccess: () => "ok",
    onFailure: (cause) => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "None") return "defect"
      return failure.value._tag === "AccessDenied" ? "denied" : "error"
    }
  })

const branchOf = (args: unknown, exit: Exit.Exit<Rendered, unknown>): string => {
  if (Exit.isSuccess(exit) && typeof exit.value.structured["branch"] === "string") return exit.value.structured["branch"]
  if (typeof args === "object" && args !== null && "branch" in args && typeof args.branch === "string") return args.branch
  return "default"
}

/** One structured audit line per tool call (who, what, which branch, how it ended) plus metrics. */
const audited =
  (tool: AnyToolSpec, rawArgs: unknown) =>
  <R>(self: Effect.Effect<Rendered, Remediable | AccessDenied, R>) =>
    Effect.gen(function* () {
      const principal = yield* Principal
      const started = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(self)
      const elapsed = (yield* Clock.currentTimeMillis) - started
      const outcome = outcomeOf(exit)
      yield* Metric.increment(Metric.tagged(Metric.tagged(toolCallsTotal, "tool", tool.name), "outcome", outcome))
      yield* Metric.update(Metric.tagged(latencyMs, "method", `tools/call:${tool.name}`), elapsed)
      yield* Effect.logInfo(
        `tool_call tool=${tool.name} user=${principal.user ?? "anonymous"} branch=${branchOf(rawArgs, exit)} outcome=${outcome} duration_ms=${elapsed}`
      )
      return yield* exit
    })

/**
 * The pipeline around every tool handler, outermost first: request context ▸ error mapping ▸
 * audit ▸ access policy ▸ rate limit ▸ decode ▸ (retry ▸) handler ▸ encode ▸ size limit.
 */
export const runTool = <R>(
  tool: AnyToolSpec<R>,
  rawArgs: unknown,
  options: PipelineOptions
): Effect.Effect<ToolCallResult, never, R | AccessPolicy | Principal | RequestContext> =>
  decodeArgs(tool)(rawArgs).pipe(
    Effect.flatMap((args): Effect.Effect<unknown, Remediable, R> =>
      retryTransient(tool, options.retry ?? Option.none())(tool.handler(args))
    ),
    Effect.flatMap(encodeResult(tool)),
    Effect.flatMap(limitResponseSize(tool, options)),
    (self) => Option.match(options.rateLimiter ?? Option.none(), { onNone: () => self, onSome: (limiter) => limiter.limited(self) }),
    requireAccess(tool),
    audited(tool, rawArgs),
    toCallToolResult(tool),
    Effect.annotateLogs({ tool: tool.name }),
    Effect.withSpan(`tool.${tool.name}`)
  )

