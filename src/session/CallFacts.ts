import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * What a tool call learns on its way that its audit line must report even when the call fails: the
 * branch a write was sent to (a timed-out write has no result to read it from). The pipeline
 * provides one per call; code outside a tool call (tests, library hosts) simply has none. Declared
 * here, below the MCP layer, because the session branch is what records it.
 */
export interface CallFactsShape {
  readonly recordBranch: (branch: string) => Effect.Effect<void>
}

export class CallFacts extends Context.Tag("infrahub-mcp/CallFacts")<CallFacts, CallFactsShape>() {}

/** Records the branch this call writes to, when it runs inside a tool call. */
export const recordWriteBranch = (branch: string): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(CallFacts), (facts) =>
    Option.match(facts, { onNone: () => Effect.void, onSome: (found) => found.recordBranch(branch) })
  )
