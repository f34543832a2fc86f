import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Principal } from "../../auth/Principal.js"
import { Branches } from "../../infrahub/Branches.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { SessionBranches } from "../../session/SessionBranches.js"
import { AccessPolicy } from "../AccessPolicy.js"
import { compactJson } from "../render.js"
import { makeTool, READ_ANNOTATIONS } from "../ToolSpec.js"

const SessionInfo = Schema.Struct({
  session_branch: Schema.NullOr(Schema.String).annotations({ description: "Where this session's writes land; null until the first write." }),
  has_session_branch: Schema.Boolean,
  default_branch: Schema.NullOr(Schema.String).annotations({ description: "Infrahub's default branch (propose_changes targets it); null if it could not be read." }),
  infrahub_address: Schema.String,
  user: Schema.NullOr(Schema.String),
  auth_mode: Schema.String,
  write_tools_available: Schema.Boolean.annotations({ description: "False in read-only mode or without the write scope." })
})

export const getSessionInfo = makeTool({
  name: "get_session_info",
  title: "Get session info",
  description:
    "Show this session's state: its session branch (where writes land, created on the first write), Infrahub's default branch, the Infrahub address, who you are and whether write tools are available.",
  parameters: Schema.Struct({}),
  result: SessionInfo,
  access: "read",
  annotations: { ...READ_ANNOTATIONS, openWorldHint: false },
  render: compactJson,
  handler: () =>
    Effect.gen(function* () {
      const sessions = yield* SessionBranches
      const branches = yield* Branches
      const client = yield* InfrahubClient
      const principal = yield* Principal
      const policy = yield* AccessPolicy
      const current = yield* sessions.current
      const defaultBranch = yield* branches.defaultBranch.pipe(Effect.option)
      return {
        session_branch: Option.getOrNull(current),
        has_session_branch: Option.isSome(current),
        default_branch: Option.getOrNull(defaultBranch),
        infrahub_address: client.address,
        user: principal.user ?? null,
        auth_mode: principal.mode,
        write_tools_available: Option.isNone(policy.decide({ name: "node_upsert", access: "write" }, principal))
      }
    })
})
