import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

export type ClientLogLevel = "debug" | "info" | "warning" | "error"

export interface RequestContextShape {
  /** Correlates log lines of one MCP request. */
  readonly requestId: string
  /**
   * Key of the caller's workspace, the unit of per-session state (the session branch): the MCP
   * session id over stateful HTTP, the process over stdio, the principal over stateless HTTP.
   */
  readonly workspace: string
  /** Sends `notifications/progress` when the client asked for progress; a no-op otherwise. */
  readonly reportProgress: (progress: number, total?: number, message?: string) => Effect.Effect<void>
  /** Sends a `notifications/message` log line to the client (e.g. "moved to a new session branch"). */
  readonly notify: (level: ClientLogLevel, message: string) => Effect.Effect<void>
}

/**
 * Request-scoped facts about the MCP request being served. Declared here, below the MCP layer,
 * because session branches need the workspace and the client log; the MCP bridge provides it per call.
 */
export class RequestContext extends Context.Tag("infrahub-mcp/RequestContext")<RequestContext, RequestContextShape>() {
  /** For callers outside a client connection (tests, library hosts). */
  static readonly detached = (workspace: string): RequestContextShape => ({
    requestId: "detached",
    workspace,
    reportProgress: () => Effect.void,
    notify: () => Effect.void
  })
}
