import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import type { Principal, PrincipalShape } from "../auth/Principal.js"
import { AccessPolicy } from "./AccessPolicy.js"
import { toJsonSchema } from "./jsonSchema.js"
import { errorText, type PipelineOptions, type ToolCallResult, toolRunner } from "./pipeline.js"
import type { RequestContext } from "../session/RequestContext.js"
import { provideMissing } from "../provided.js"
import { spanIf, spansRecorded } from "../spans.js"
import { ToolError } from "./ToolError.js"
import type { AnyToolSpec } from "./ToolSpec.js"

/** The services a tool call needs from its request; everything else is captured when the registry is built. */
export type RequestServices = InfrahubCredentials | Principal | RequestContext

/** A tool as `tools/list` shows it. */
export interface ToolDescriptor {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly inputSchema: Record<string, unknown>
  readonly outputSchema: Record<string, unknown>
  readonly annotations: {
    readonly title: string
    readonly readOnlyHint: boolean
    readonly destructiveHint: boolean
    readonly idempotentHint: boolean
    readonly openWorldHint: boolean
  }
}

export interface ToolRegistryShape {
  /** The tools this principal may use: the access policy hides what it would refuse. */
  readonly list: (principal: PrincipalShape) => ReadonlyArray<ToolDescriptor>
  readonly call: (name: string, args: unknown) => Effect.Effect<ToolCallResult, never, RequestServices>
}

const describe = (tool: AnyToolSpec): ToolDescriptor => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: toJsonSchema(tool.parameters),
  outputSchema: toJsonSchema(tool.result),
  annotations: { title: tool.title, ...tool.annotations }
})

export class ToolRegistry extends Context.Tag("infrahub-mcp/ToolRegistry")<ToolRegistry, ToolRegistryShape>() {
  /**
   * Builds the registry from tool specs. The app services the tools need are captured once here, so
   * a call only needs its request's services (credentials, principal, request context).
   */
  static readonly make = <R>(tools: ReadonlyArray<AnyToolSpec<R>>, options: PipelineOptions) =>
    Effect.gen(function* () {
      const context = yield* Effect.context<Exclude<R, RequestServices> | AccessPolicy>()
      const policy = yield* AccessPolicy
      const recordSpans = yield* spansRecorded
      // Each tool's pipeline is built once, with the app services already provided: a call then
      // adds only its request's services.
      const runners = new Map(
        tools.map((tool) => {
          const run = toolRunner(tool, options, recordSpans)
          return [tool.name, (args: unknown) => run(args).pipe(provideMissing(context)) as Effect.Effect<ToolCallResult, never, RequestServices>] as const
        })
      )
      const descriptors = new Map(tools.map((tool) => [tool.name, describe(tool)]))

      const list = (principal: PrincipalShape) =>
        tools.filter((tool) => policy.decide(tool, principal)._tag === "None").flatMap((tool) => {
          const descriptor = descriptors.get(tool.name)
          return descriptor === undefined ? [] : [descriptor]
        })

      const unknownTool = (name: string): ToolCallResult => {
        const error = new ToolError({
          message: `Unknown tool '${name}'.`,
          remediation: `Call one of: ${[...runners.keys()].join(", ")} (tools/list shows the ones available to you).`
        })
        return { content: [{ type: "text", text: errorText(error) }], isError: true }
      }

      const call = (name: string, args: unknown): Effect.Effect<ToolCallResult, never, RequestServices> => {
        const run = runners.get(name)
        const program = run === undefined ? Effect.sync(() => unknownTool(name)) : run(args)
        return spanIf(recordSpans, "ToolRegistry.call", { attributes: { tool: name } })(program)
      }

      return ToolRegistry.of({ list, call })
    })

  static readonly layer = <R>(
    tools: ReadonlyArray<AnyToolSpec<R>>,
    options: PipelineOptions
  ): Layer.Layer<ToolRegistry, never, Exclude<R, RequestServices> | AccessPolicy> =>
    Layer.effect(ToolRegistry, ToolRegistry.make(tools, options))
}

