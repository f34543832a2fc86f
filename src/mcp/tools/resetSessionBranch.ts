import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { makeTool } from "../ToolSpec.js"
import { WRITE } from "./writeShared.js"

const ResetParams = Schema.Struct({
  branch: Schema.optionalWith(
    Schema.String.pipe(
      Schema.minLength(1, { message: () => "branch must not be empty: leave it out to start a fresh session branch" })
    ).annotations({
      description: "Switch to this branch (created when missing and it matches the session-branch pattern). Omit to start afresh: the next write creates a new branch."
    }),
    { exact: true }
  )
})

const ResetResult = Schema.Struct({
  action: Schema.Literal("reset", "switched", "created"),
  session_branch: Schema.NullOr(Schema.String),
  previous_branch: Schema.NullOr(Schema.String),
  created: Schema.Boolean
})

export const resetSessionBranch = makeTool({
  name: "reset_session_branch",
  title: "Reset the session branch",
  description:
    "Without arguments: forget this session's branch, so the next write starts a new one (the old branch stays in Infrahub). With branch: continue on that branch instead (created when missing and it matches the session-branch pattern with your own user). Refused: the default branch, merged branches, a branch another user created as their session branch, and one another user's session holds.",
  parameters: ResetParams,
  result: ResetResult,
  access: "write",
  annotations: WRITE,
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      const sessions = yield* SessionBranches
      if (args.branch === undefined) {
        const previous = yield* sessions.reset
        return { action: "reset" as const, session_branch: null, previous_branch: Option.getOrNull(previous), created: false }
      }
      const switched = yield* sessions.switchTo(args.branch)
      return {
        action: switched.created ? ("created" as const) : ("switched" as const),
        session_branch: switched.branch,
        previous_branch: Option.getOrNull(switched.previous),
        created: switched.created
      }
    })
})
