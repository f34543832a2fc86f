import { randomUUID } from "node:crypto"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import * as Effect from "effect/Effect"
import { AuthMode } from "../auth/AuthMode.js"
import { McpBridge } from "../mcp/McpBridge.js"

/**
 * Serves MCP over stdin/stdout until the client closes stdin. One server for the process; its one
 * workspace is the process. Only mode `none` has an identity without HTTP headers (config refuses
 * the other modes with stdio before we get here).
 */
export const serveStdio = Effect.gen(function* () {
  const bridge = yield* McpBridge
  const auth = yield* AuthMode
  // Unique per process: with a shared state store, two stdio servers must not share a session branch.
  const workspace = `stdio:${randomUUID()}`
  const server = bridge.makeServer({ fallbackAuth: auth.processAuth, workspaceOf: () => workspace })
  yield* Effect.acquireRelease(
    Effect.promise(() => server.connect(new StdioServerTransport())),
    () => Effect.promise(() => server.close().catch(() => undefined))
  )
  yield* Effect.logInfo("mcp_server_ready transport=stdio")
  yield* Effect.async<void>((resume) => {
    const done = () => resume(Effect.void)
    process.stdin.once("end", done)
    process.stdin.once("close", done)
    return Effect.sync(() => {
      process.stdin.off("end", done)
      process.stdin.off("close", done)
    })
  })
  yield* Effect.logInfo("mcp_server_stopping reason=stdin-closed")
}).pipe(Effect.scoped)
