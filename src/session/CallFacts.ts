import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * What a tool call learns on its way that its audit line must report even when the call fails: the
 * branch a write was sent to (a timed-out write has no result to read it from). One cell per call:
 * the MCP bridge puts a fresh one in each request's context (one request, one call), and the
 * pipeline makes its own when none is there; code outside a tool call (tests, library hosts) simply
 * has none. Declared here, below the MCP layer, because the session branch is what records it.
 */
export interface CallFactsShape {
  readonly recordBranch: (branch: string) => Effect.Effect<void>
  /** The branch recorded so far, if any. */
  readonly recordedBranch: () => Option.Option<string>
}

export class CallFacts extends Context.Tag("infrahub-mcp/CallFacts")<CallFacts, CallFactsShape>() {
  /** A fresh, empty cell for one call (a plain variable, not a `Ref`: written while the call runs, read once it has ended). */
  static readonly make = (): CallFactsShape => {
    let branch = Option.none<string>()
    return {
      recordBranch: (recorded) =>
        Effect.sync(() => {
          branch = Option.some(recorded)
        }),
      recordedBranch: () => branch
    }
  }
}

/** Records the branch this call writes to, when it runs inside a tool call. */
export const recordWriteBranch = (branch: string): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(CallFacts), (facts) =>
    Option.match(facts, { onNone: () => Effect.void, onSome: (found) => found.recordBranch(branch) })
  )
