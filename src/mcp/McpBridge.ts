import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js"
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  ReadResourceRequestSchema,
  SetLevelRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { RequestAuth } from "../auth/AuthMode.js"
import { ApiToken, InfrahubCredentials, Password } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { isCallerError } from "../infrahub/errors.js"
import { type ClientLogLevel, RequestContext } from "../session/RequestContext.js"
import { CallFacts } from "../session/CallFacts.js"
import { SessionBranches } from "../session/SessionBranches.js"
import { spanIf, spansRecorded } from "../spans.js"
import { methodMetrics } from "./metrics.js"
import { errorText } from "./pipeline.js"
import { PromptRegistry } from "./PromptRegistry.js"
import { refusalOf } from "./requestGuard.js"
import { ResourceRegistry } from "./ResourceRegistry.js"
import type { Remediable } from "./ToolError.js"
import { ToolRegistry } from "./ToolRegistry.js"

export interface ServerIdentity {
  readonly name: string
  readonly version: string
}

/** How one MCP connection (stdio process, or one HTTP session) finds its caller and workspace. */
export interface ConnectionOptions {
  /** The identity used when a request carries none: stdio's process identity; `None` = fail closed. */
  readonly fallbackAuth: Option.Option<RequestAuth>
  /** The workspace key for per-session state, from the MCP session id and the caller. */
  readonly workspaceOf: (sessionId: string | undefined, auth: RequestAuth) => string
}

/** Carries the edge's {@link RequestAuth} through the SDK's `AuthInfo` (`handleRequest(req, { authInfo })`). */
export const toAuthInfo = (auth: RequestAuth, token: string): AuthInfo => ({
  token,
  clientId: auth.principal.id,
  scopes: [...auth.principal.scopes],
  extra: { requestAuth: auth }
})

const requestAuthOf = (authInfo: AuthInfo | undefined): Option.Option<RequestAuth> => {
  const candidate = authInfo?.extra?.["requestAuth"]
  if (typeof candidate !== "object" || candidate === null || !("credential" in candidate) || !("principal" in candidate)) {
    return Option.none()
  }
  // Only our own credential classes: anything else did not come from the edge.
  return candidate.credential instanceof ApiToken || candidate.credential instanceof Password
    ? Option.some(candidate as RequestAuth)
    : Option.none()
}

/**
 * The SDK server with our request checks in front of its dispatch: a request the SDK would answer
 * with an internal error (a raw schema dump, or a stack overflow on deeply nested arguments) gets
 * a clear "Invalid params" instead. Both transports connect through here, so both get the checks.
 */
class CheckedServer extends Server {
  override async connect(transport: Transport): Promise<void> {
    await super.connect(transport)
    const dispatch = transport.onmessage
    transport.onmessage = (message, extra) => {
      const refusal = refusalOf(message)
      if (Option.isSome(refusal)) {
        transport.send(refusal.value).catch(() => undefined)
        return
      }
      dispatch?.(message, extra)
    }
  }
}

const LEVELS: ReadonlyArray<LoggingLevel> = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

/**
 * A JSON-RPC error for the SDK to send. Not `McpError`: its constructor prefixes the message with
 * "MCP error <code>:", which the client then prefixes again.
 */
class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string
  ) {
    super(message)
  }
}

/**
 * What a request's program may fail with: an error that says what went wrong and, most often, what
 * to do next. Whether it is the caller's doing it says itself (`isCallerError`).
 */
type RequestFailure = Remediable | { readonly _tag: string; readonly message: string; readonly remediation?: undefined }

const hasRemediation = (error: RequestFailure): error is Remediable => error.remediation !== undefined

/** The JSON-RPC error for a failure: "Invalid params" when the caller must change the request, else internal. */
const protocolErrorOf = (error: RequestFailure): ProtocolError =>
  new ProtocolError(
    isCallerError(error) ? ErrorCode.InvalidParams : ErrorCode.InternalError,
    hasRemediation(error) ? errorText(error) : error.message
  )

export type AppServices = ToolRegistry | ResourceRegistry | PromptRegistry | SessionBranches

export interface McpBridgeShape {
  /** A fresh SDK server for one connection; its handlers run on the runtime captured when the layer was built. */
  readonly makeServer: (connection: ConnectionOptions) => Server
}

/**
 * The one module that speaks the MCP SDK. Each handler resolves the request's auth, provides the
 * request-scoped services (credentials, principal, request context) and runs the Effect program on
 * the captured runtime with the client's abort signal, so a cancelled request interrupts its fiber.
 */
export class McpBridge extends Context.Tag("infrahub-mcp/McpBridge")<McpBridge, McpBridgeShape>() {
  static readonly layer = (identity: ServerIdentity): Layer.Layer<McpBridge, never, AppServices> =>
    Layer.effect(
      McpBridge,
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<AppServices>()
        const tools = yield* ToolRegistry
        const resources = yield* ResourceRegistry
        const prompts = yield* PromptRegistry
        const sessions = yield* SessionBranches
        const recordSpans = yield* spansRecorded
        const baseAnnotations = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentLogAnnotations)
        // Request metrics are recorded where the SDK's promise settles, outside the request's fiber
        // (a dozen runtime steps less per request), with the runtime's clock and metric labels.
        const clock = Context.get(FiberRefs.getOrDefault(runtime.fiberRefs, DefaultServices.currentServices), Clock.Clock)
        const metricLabels = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMetricLabels)
        // One JSON Schema validator for every connection's server: the SDK would build an Ajv
        // instance per server (per HTTP session), compiling its meta-schemas each time.
        const jsonSchemaValidator = new AjvJsonSchemaValidator()

        const makeServer = (connection: ConnectionOptions): Server => {
          const server = new CheckedServer(
            { name: identity.name, version: identity.version },
            {
              capabilities: { tools: {}, resources: {}, prompts: {}, completions: {}, logging: {} },
              jsonSchemaValidator,
              instructions:
                "Infrahub is the infrastructure source of truth. Discover kinds with get_schema (or infrahub://schema) before querying; writes land on your own session branch and reach the default branch only through propose_changes and human review."
            }
          )
          let minimumLevel: LoggingLevel = "info"

          type Extra = Parameters<Parameters<typeof server.setRequestHandler>[1]>[1]

          const run = <A>(
            method: string,
            extra: Extra,
            progressToken: string | number | undefined,
            program: Effect.Effect<A, RequestFailure, InfrahubCredentials | Principal | RequestContext | AppServices>,
            tool?: string
          ): Promise<A> => {
            const auth = Option.orElse(requestAuthOf(extra.authInfo), () => connection.fallbackAuth)
            if (Option.isNone(auth)) {
              // Fail closed: no identity, no Infrahub call.
              return Promise.reject(new ProtocolError(-32001, "Authentication required: this request carries no credential."))
            }
            const context = RequestContext.of({
              requestId: String(extra.requestId),
              workspace: connection.workspaceOf(extra.sessionId, auth.value),
              reportProgress: (progress, total, message) =>
                progressToken === undefined
                  ? Effect.void
                  : Effect.promise(() =>
                      extra.sendNotification({
                        method: "notifications/progress",
                        params: {
                          progressToken,
                          progress,
                          ...(total === undefined ? {} : { total }),
                          ...(message === undefined ? {} : { message })
                        }
                      })
                    ).pipe(Effect.ignore),
              notify: (level: ClientLogLevel, data: string) =>
                LEVELS.indexOf(level) < LEVELS.indexOf(minimumLevel)
                  ? Effect.void
                  : Effect.promise(() =>
                      extra.sendNotification({ method: "notifications/message", params: { level, logger: identity.name, data } })
                    ).pipe(Effect.ignore)
            })
            const metrics = methodMetrics(method)
            const started = clock.unsafeCurrentTimeMillis()
            const recordRequest = (failed: boolean) => {
              metrics.requests.unsafeUpdate(1, metricLabels)
              metrics.latency.unsafeUpdate(clock.unsafeCurrentTimeMillis() - started, metricLabels)
              if (failed) metrics.errors.unsafeUpdate(1, metricLabels)
            }
            // Any request keeps the workspace alive, not only writes: its session branch must not
            // idle out while the session is busy reading.
            const renewing = Effect.zipRight(sessions.touch, program)
            // The request's services join the app's in one context, built once and run as the
            // fiber's context (no per-service `provideService`, each of which copies the context);
            // its log annotations are set the same way, as the fiber's starting value. A tool call
            // also gets its facts cell and its "tool" annotation here, which the pipeline then
            // finds in place instead of setting them around the call.
            const requestServices = Context.make(InfrahubCredentials, auth.value.credential).pipe(
              Context.add(Principal, auth.value.principal),
              Context.add(RequestContext, context)
            )
            const annotations = HashMap.set(HashMap.set(baseAnnotations, "request_id", context.requestId), "method", method)
            const requestRuntime = Runtime.make({
              context: Context.merge(
                runtime.context,
                tool === undefined ? requestServices : Context.add(requestServices, CallFacts, CallFacts.make())
              ),
              fiberRefs: FiberRefs.updateAs(runtime.fiberRefs, {
                fiberId: FiberId.none,
                fiberRef: FiberRef.currentLogAnnotations,
                value: tool === undefined ? annotations : HashMap.set(annotations, "tool", tool)
              }),
              runtimeFlags: runtime.runtimeFlags
            })
            const annotated = spanIf(recordSpans, `mcp.${method}`)(renewing)
            return Runtime.runPromiseExit(requestRuntime)(annotated, { signal: extra.signal }).then((exit) => {
              recordRequest(Exit.isFailure(exit))
              if (Exit.isSuccess(exit)) return exit.value
              const failure = Cause.failureOption(exit.cause)
              if (Option.isSome(failure)) throw protocolErrorOf(failure.value)
              if (Cause.isInterruptedOnly(exit.cause)) throw new ProtocolError(ErrorCode.RequestTimeout, "Request cancelled.")
              Runtime.runFork(runtime)(Effect.logError(`${method} failed unexpectedly`, exit.cause))
              throw new ProtocolError(ErrorCode.InternalError, `Internal error in ${method} (request ${String(extra.requestId)}); it was logged.`)
            })
          }

          server.setRequestHandler(ListToolsRequestSchema, (_request, extra) =>
            run("tools/list", extra, undefined, Effect.map(Principal, (principal) => ({ tools: [...tools.list(principal)] })))
          )

          server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
            run(
              "tools/call",
              extra,
              request.params._meta?.progressToken,
              Effect.map(tools.call(request.params.name, request.params.arguments ?? {}), (result) => ({
                ...result,
                content: [...result.content]
              })),
              request.params.name
            )
          )

          server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) =>
            run("resources/list", extra, undefined, Effect.succeed({ resources: [...resources.resources] }))
          )

          server.setRequestHandler(ListResourceTemplatesRequestSchema, (_request, extra) =>
            run("resources/templates/list", extra, undefined, Effect.succeed({ resourceTemplates: [...resources.templates] }))
          )

          server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
            run("resources/read", extra, undefined, Effect.map(resources.read(request.params.uri), (contents) => ({ contents: [contents] })))
          )

          server.setRequestHandler(CompleteRequestSchema, (request, extra) => {
            const ref = request.params.ref
            const wantsKind =
              ref.type === "ref/resource" && ref.uri === "infrahub://schema/{kind}" && request.params.argument.name === "kind"
            return run(
              "completion/complete",
              extra,
              undefined,
              wantsKind
                ? Effect.map(resources.completeKind(request.params.argument.value), (values) => ({
                    completion: { values: [...values], total: values.length, hasMore: false }
                  }))
                : Effect.succeed({ completion: { values: [], total: 0, hasMore: false } })
            )
          })

          server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) =>
            run("prompts/list", extra, undefined, Effect.succeed({ prompts: prompts.list.map((prompt) => ({ ...prompt, arguments: [...prompt.arguments] })) }))
          )

          server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
            run(
              "prompts/get",
              extra,
              undefined,
              Effect.map(prompts.get(request.params.name, request.params.arguments), (prompt) => ({
                description: prompt.description,
                messages: [...prompt.messages]
              }))
            )
          )

          server.setRequestHandler(SetLevelRequestSchema, (request) => {
            minimumLevel = request.params.level
            return {}
          })

          return server
        }

        return McpBridge.of({ makeServer })
      })
    )
}
