import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { InfrahubProtocolError } from "../../infrahub/errors.js"
import { type LiteralValue, renderLiteral } from "../../infrahub/graphqlLiteral.js"
import { asRecord } from "../../infrahub/responses.js"
import type { OnBranch } from "../../session/SessionBranches.js"
import { ToolError } from "../ToolError.js"
import type { ResultFacts, ToolAnnotations } from "../ToolSpec.js"
import { META_BRANCH } from "./graphql.js"

/** What the write tools share: their annotations, where-it-landed fields, parameter schemas, helpers. */

export const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }

/** Where a write landed, and whether the session moved to a new branch on the way. */
export const Landing = {
  branch: Schema.String.annotations({ description: "The session branch the write landed on (never the default branch)." }),
  branch_created: Schema.Boolean.annotations({
    description: "True on the first result on a session branch created for this session (by this write, or by an earlier one that failed)."
  }),
  recovered_from: Schema.NullOr(
    Schema.Struct({ branch: Schema.String, reason: Schema.String })
  ).annotations({ description: "Set when the previous session branch was merged or deleted and this write moved to a new one." })
}

export const landing = <A>(result: OnBranch<A>) => ({
  branch: result.branch,
  branch_created: result.created,
  recovered_from: Option.match(result.recovered, {
    onNone: () => null,
    onSome: (recovery) => ({ branch: recovery.from, reason: recovery.reason })
  })
})

export const META_BRANCH_CREATED = "infrahub-mcp/branch_created"
export const META_RECOVERED_FROM = "infrahub-mcp/recovered_from"

/**
 * Where a write landed, as `_meta` of the result (the same keys for every write tool), and as a
 * short note when the result itself cannot carry it (mutate_graphql returns Infrahub's data as is).
 */
export const landingFacts = <A>(result: OnBranch<A>, options: { readonly note: boolean }): ResultFacts => {
  const where = landing(result)
  const recovered = where.recovered_from === null ? "" : `; your previous session branch '${where.recovered_from.branch}' ${where.recovered_from.reason}`
  return {
    meta: { [META_BRANCH]: where.branch, [META_BRANCH_CREATED]: where.branch_created, [META_RECOVERED_FROM]: where.recovered_from },
    note: options.note
      ? `Written to your session branch '${where.branch}'${where.branch_created ? " (created for this session)" : ""}${recovered}. The default branch changes only through propose_changes and review.`
      : undefined
  }
}

// Custom messages and exact optionals: without them a bad value is reported as "Expected <the
// parameter's description>, actual …; Expected undefined, actual …", which tells a model nothing.
export const KindParam = Schema.String.pipe(Schema.minLength(1, { message: () => "kind must not be empty; get_schema() lists the kinds" })).annotations({
  description: "Kind of the object, e.g. DcimDevice (see get_schema())."
})

export const HfidParam = Schema.Array(Schema.String).pipe(
  Schema.minItems(1, { message: () => "hfid must list the values of the kind's human_friendly_id fields, or be left out" })
).annotations({
  description: 'Human-friendly id: the values of the kind\'s human_friendly_id fields, e.g. ["atl1-edge1"].'
})

export const IdParam = Schema.String.pipe(Schema.minLength(1, { message: () => "id must not be empty: pass the object's id, or leave it out" })).annotations({
  description: "The object's id (UUID)."
})


/** The `{ok object {…}}` of a mutation named `field`, or a protocol error. */
export const mutationPayload = (data: Readonly<Record<string, unknown>>, field: string) =>
  Option.match(Option.fromNullable(asRecord(data[field])), {
    onNone: () => Effect.fail(new InfrahubProtocolError({ detail: `${field} answered without a result` })),
    onSome: (payload) => Effect.succeed(payload)
  })

export const renderValue = (value: LiteralValue) =>
  Effect.try({
    try: () => renderLiteral(value),
    catch: (error) =>
      new ToolError({
        message: `A value cannot be sent to Infrahub: ${error instanceof Error ? error.message : String(error)}.`,
        remediation: "Use strings, numbers, booleans, null, lists or plain objects as attribute values."
      })
  })
