import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Branches, isClosedStatus } from "../../infrahub/Branches.js"
import { type InfrahubGraphQLError, InfrahubProtocolError } from "../../infrahub/errors.js"
import { renderLiteral } from "../../infrahub/graphqlLiteral.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { NoSessionBranch } from "../../session/errors.js"
import { SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool } from "../ToolSpec.js"
import { asRecord } from "../../infrahub/responses.js"
import { mutationPayload, WRITE } from "./writeShared.js"

const ProposeChangesParams = Schema.Struct({
  title: Schema.Trim.pipe(Schema.minLength(1, { message: () => "title must not be blank" })).annotations({
    description: "Title of the proposed change, e.g. 'Add edge router atl1-edge2'."
  }),
  description: Schema.optionalWith(Schema.String.annotations({ description: "What changed and why, for the reviewer." }), { exact: true }),
  destination_branch: Schema.optionalWith(
    Schema.String.pipe(
      Schema.minLength(1, { message: () => "destination_branch must not be empty: leave it out to target the default branch" })
    ).annotations({ description: "Target branch; defaults to Infrahub's default branch." }),
    { exact: true }
  )
})

const ProposeChangesResult = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  source_branch: Schema.String,
  destination_branch: Schema.String,
  state: Schema.NullOr(Schema.String),
  existing: Schema.Boolean.annotations({ description: "True when the branch already had an open proposed change, which is returned instead of a new one." })
})

const ExistingProposals = Schema.Struct({
  CoreProposedChange: Schema.Struct({
    edges: Schema.Array(
      Schema.Struct({
        node: Schema.Struct({
          id: Schema.String,
          name: Schema.Struct({ value: Schema.NullOr(Schema.String) }),
          destination_branch: Schema.Struct({ value: Schema.NullOr(Schema.String) }),
          state: Schema.Struct({ value: Schema.NullOr(Schema.String) })
        })
      })
    )
  })
})

export const proposeChanges = makeTool({
  name: "propose_changes",
  title: "Propose changes",
  description:
    "Open a Proposed Change from your session branch to the default branch (or destination_branch) so a human can review and merge your writes. If the branch already has an open proposed change, that one is returned.",
  parameters: ProposeChangesParams,
  result: ProposeChangesResult,
  access: "write",
  annotations: WRITE,
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      const sessions = yield* SessionBranches
      const client = yield* InfrahubClient
      const branches = yield* Branches
      const source = yield* sessions.current
      if (Option.isNone(source)) return yield* new NoSessionBranch()
      const destination = args.destination_branch ?? (yield* branches.defaultBranch)
      const findOpen = client
        .graphql({
          query: `query { CoreProposedChange(source_branch__value: ${renderLiteral(source.value)}, state__value: "open") { edges { node { id name { value } destination_branch { value } state { value } } } } }`
        })
        .pipe(
          Effect.flatMap((data) => Schema.decodeUnknown(ExistingProposals)(data)),
          Effect.mapError((error) => (error._tag === "ParseError" ? new InfrahubProtocolError({ detail: "CoreProposedChange answered an unexpected shape" }) : error)),
          Effect.map((found) => Option.fromNullable(found.CoreProposedChange.edges[0]?.node))
        )
      const existing = yield* findOpen
      if (Option.isSome(existing)) {
        return {
          id: existing.value.id,
          title: existing.value.name.value ?? args.title,
          source_branch: source.value,
          destination_branch: existing.value.destination_branch.value ?? destination,
          state: existing.value.state.value,
          existing: true
        }
      }
      const data = {
        name: { value: args.title },
        description: { value: args.description ?? "" },
        source_branch: { value: source.value },
        destination_branch: { value: destination }
      }
      const created = yield* client
        .graphql({ query: `mutation { CoreProposedChangeCreate(data: ${renderLiteral(data)}) { ok object { id state { value } } } }` })
        .pipe(
          Effect.flatMap((answer) => mutationPayload(answer, "CoreProposedChangeCreate")),
          Effect.catchTag("InfrahubGraphQLError", (error) => proposalRefused(source.value, error))
        )
      const object = asRecord(created["object"])
      const id = object?.["id"]
      if (typeof id !== "string") return yield* new InfrahubProtocolError({ detail: "CoreProposedChangeCreate answered without an id" })
      const state = asRecord(object?.["state"])?.["value"]
      yield* Effect.logInfo(`proposed_change_created id=${id} source=${source.value} destination=${destination}`)
      return {
        id,
        title: args.title,
        source_branch: source.value,
        destination_branch: destination,
        state: typeof state === "string" ? state : null,
        existing: false
      }
    })
})

/**
 * Why Infrahub refused a proposed change. When the session branch itself was merged or deleted
 * (nothing has noticed yet: only a write moves the session to a fresh branch), say so: pointing at
 * get_session_info would show the closed branch as if all were well. One extra request, on refusal only.
 */
const proposalRefused = (source: string, error: InfrahubGraphQLError) =>
  Effect.gen(function* () {
    const branches = yield* Branches
    const found = yield* Effect.option(branches.get(source))
    const afresh =
      "Your next write (node_upsert, node_delete, mutate_graphql) moves the session to a fresh branch, or call reset_session_branch(); make the remaining changes there, then call propose_changes again."
    if (Option.isSome(found) && Option.isNone(found.value)) {
      return yield* new ToolError({
        message: `Cannot propose changes: your session branch '${source}' no longer exists in Infrahub (it was deleted).`,
        remediation: afresh
      })
    }
    if (Option.isSome(found) && Option.isSome(found.value) && isClosedStatus(found.value.value.status)) {
      return yield* new ToolError({
        message: `Cannot propose changes: your session branch '${source}' ${found.value.value.status === "MERGED" ? "was already merged" : "is being deleted"}, so it takes no proposed change.`,
        remediation: `Check with get_nodes whether its changes reached the default branch. ${afresh}`
      })
    }
    return yield* new ToolError({
      message: `Infrahub refused the proposed change: ${error.errors.map((e) => e.message).join(" | ")}`,
      remediation: "Check destination_branch (infrahub://branches lists the branches; Infrahub may accept only the default branch as destination) and retry."
    })
  })
