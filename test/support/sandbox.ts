import { NodeContext } from "@effect/platform-node"
import { Effect, Exit, Redacted, Scope } from "effect"
import type { LoggedRequest } from "../../src/sandbox/http/debug.js"
import { defaultSandboxOptions, type RunningSandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/server.js"

export interface TestSandbox {
  readonly url: string
  /** The admin API token. */
  readonly token: string
  readonly tokens: ReadonlyArray<string>
  readonly running: RunningSandbox
  /** Requests served since the last `clearRequests()`, oldest first. */
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearRequests: () => void
  /** Runs a GraphQL document against the sandbox over HTTP as the admin (test setup and checks). */
  readonly graphql: (query: string, branch?: string, variables?: Record<string, unknown>) => Promise<{ data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string }> }>
  readonly close: () => Promise<void>
}

/**
 * Idle kept-alive connections stay open this long, far longer than any client keeps one, so no client
 * reuses a connection as the sandbox closes it (a race the tests are not about; see SandboxOptions).
 */
const KEEP_ALIVE_MS = 10 * 60_000

/** Starts a real sandbox (HTTP on 127.0.0.1, random port) in this process. */
export const startTestSandbox = async (options: Partial<SandboxOptions> = {}): Promise<TestSandbox> => {
  const scope = Effect.runSync(Scope.make())
  const running = await Effect.runPromise(
    startSandbox({ ...defaultSandboxOptions, keepAliveTimeoutMs: KEEP_ALIVE_MS, ...options }).pipe(Scope.extend(scope), Effect.provide(NodeContext.layer))
  )
  const tokens = running.tokens.map(Redacted.value)
  const token = tokens[0] ?? ""
  return {
    url: running.url,
    token,
    tokens,
    running,
    requests: () => running.debug.requests(),
    clearRequests: () => running.debug.clearRequests(),
    graphql: async (query, branch, variables) => {
      const response = await fetch(`${running.url}/graphql${branch === undefined ? "" : `/${branch}`}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-infrahub-key": token },
        body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) })
      })
      return (await response.json()) as { data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string }> }
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
