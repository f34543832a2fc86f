import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { RequestAuth } from "../auth/AuthMode.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { REMEDIATION_SEPARATOR as REMEDIATION, type ToolCallResult } from "../mcp/pipeline.js"
import { RequestContext } from "../session/RequestContext.js"
import { ToolRegistry } from "../mcp/ToolRegistry.js"
import { SessionBranches } from "../session/SessionBranches.js"

/** One tool call made by the host itself, on behalf of `auth` (for example what its `AuthMode` returned). */
export interface ToolCallRequest {
  readonly tool: string
  /** The tool's arguments, as a client would send them (validated against its input schema); `{}` when left out. */
  readonly arguments?: unknown
  readonly auth: RequestAuth
  /**
   * The workspace whose session branch the call's writes land on. Calls that name the same workspace
   * share one session branch; the default, `principal:<id>`, is the one the principal's stateless
   * HTTP requests use.
   */
  readonly workspace?: string
}

/** The tool does not exist, or the access policy hides it from this principal (read-only server, missing write scope). */
export class ToolNotAvailable extends Schema.TaggedError<ToolNotAvailable>()("ToolNotAvailable", {
  tool: Schema.String,
  available: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `The tool '${this.tool}' is not available to this caller: it does not exist, or the access policy hides it (read-only server, or a missing write scope).`
  }
  get remediation(): string {
    return `Call one of: ${this.available.join(", ")}.`
  }
}

/** The tool ran and refused or failed: bad arguments, an Infrahub error, a refused write… (what a client sees as `isError`). */
export class ToolCallFailed extends Schema.TaggedError<ToolCallFailed>()("ToolCallFailed", {
  tool: Schema.String,
  message: Schema.String,
  remediation: Schema.String
}) {}


const failureOf = (tool: string, result: ToolCallResult): ToolCallFailed => {
  const text = result.content.map((part) => part.text).join("\n")
  const at = text.lastIndexOf(REMEDIATION)
  return at < 0
    ? new ToolCallFailed({ tool, message: text, remediation: "" })
    : new ToolCallFailed({ tool, message: text.slice(0, at), remediation: text.slice(at + REMEDIATION.length) })
}

/**
 * Runs a tool as an MCP client's `tools/call` would — access policy, rate limit, argument
 * validation, retries, audit line and size limit included — for the caller in `request.auth`,
 * without a client connection. A result the client would see with `isError` fails as
 * `ToolCallFailed`; a successful one comes back as the client would receive it.
 */
export const callTool: (
  request: ToolCallRequest
) => Effect.Effect<ToolCallResult, ToolNotAvailable | ToolCallFailed, ToolRegistry | SessionBranches> = Effect.fn("callTool")(function* (
  request: ToolCallRequest
) {
  const tools = yield* ToolRegistry
  const sessions = yield* SessionBranches
  const { principal, credential } = request.auth
  const available = tools.list(principal).map((tool) => tool.name)
  if (!available.includes(request.tool)) return yield* new ToolNotAvailable({ tool: request.tool, available })
  const context = RequestContext.detached(request.workspace ?? `principal:${principal.id}`)
  const result = yield* sessions.touch.pipe(
    // As the MCP bridge does: any call keeps the workspace's session branch from idling out.
    Effect.zipRight(tools.call(request.tool, request.arguments ?? {})),
    Effect.provideService(RequestContext, context),
    Effect.provideService(Principal, principal),
    Effect.provideService(InfrahubCredentials, credential)
  )
  if (result.isError === true) return yield* failureOf(request.tool, result)
  return result
})
