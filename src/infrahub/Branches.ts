import * as Cache from "effect/Cache"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { Fingerprints } from "../auth/fingerprint.js"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { spanIf, spansRecorded } from "../spans.js"
import { CallerKey, getOrForget, keepSuccessFor } from "./callerCache.js"
import { InfrahubProtocolError, type InfrahubError } from "./errors.js"
import { InfrahubClient } from "./InfrahubClient.js"

/** A branch as Infrahub's `Branch` query returns it; `status`/`graph_version` exist from Infrahub 1.5. */
export const BranchInfo = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  origin_branch: Schema.optional(Schema.NullOr(Schema.String)),
  branched_from: Schema.optional(Schema.NullOr(Schema.String)),
  created_at: Schema.optional(Schema.NullOr(Schema.String)),
  sync_with_git: Schema.optional(Schema.NullOr(Schema.Boolean)),
  is_default: Schema.optional(Schema.NullOr(Schema.Boolean)),
  has_schema_changes: Schema.optional(Schema.NullOr(Schema.Boolean)),
  status: Schema.optional(Schema.NullOr(Schema.String)),
  graph_version: Schema.optional(Schema.NullOr(Schema.Number))
})
export type BranchInfo = typeof BranchInfo.Type

const BranchList = Schema.Struct({ Branch: Schema.Array(BranchInfo) })

const BASE_FIELDS = "id name description origin_branch branched_from created_at sync_with_git is_default has_schema_changes"
const STATUS_FIELDS = `${BASE_FIELDS} status graph_version`

/** Branch statuses after which a branch takes no more writes. */
export const isClosedStatus = (status: string | null | undefined): boolean => status === "MERGED" || status === "DELETING"

export interface BranchesShape {
  readonly all: Effect.Effect<ReadonlyArray<BranchInfo>, InfrahubError, InfrahubCredentials>
  readonly get: (name: string) => Effect.Effect<Option.Option<BranchInfo>, InfrahubError, InfrahubCredentials>
  /** The default branch's name, resolved from Infrahub (`is_default`), never assumed to be `main`. */
  readonly defaultBranch: Effect.Effect<string, InfrahubError, InfrahubCredentials>
}

/** How long a resolved default branch is trusted (it changes only when an administrator changes it). */
const DEFAULT_BRANCH_TTL = Duration.minutes(10)

/** One entry per credential in passthrough modes: bounded, least recently used evicted first. */
const MAX_CREDENTIALS = 1000

export class Branches extends Context.Tag("infrahub-mcp/Branches")<Branches, BranchesShape>() {
  static readonly make = Effect.gen(function* () {
    const client = yield* InfrahubClient
    const fingerprints = yield* Fingerprints
    const recordSpans = yield* spansRecorded
    // Infrahub < 1.5 has no `status` field; learn that once instead of failing every call.
    const statusSupported = yield* Ref.make(true)

    const decode = (data: unknown) =>
      Schema.decodeUnknown(BranchList)(data).pipe(
        Effect.map((list) => list.Branch),
        Effect.mapError(() => new InfrahubProtocolError({ detail: "the Branch query answered an unexpected shape" }))
      )

    const query = (filter: string, variables: Readonly<Record<string, unknown>> | undefined) => {
      const run = (fields: string) =>
        client.graphql({
          query: variables === undefined ? `query GetAllBranch { Branch { ${fields} } }` : `query GetBranch($branch_name: String!) { Branch(${filter}) { ${fields} } }`,
          variables
        })
      const withStatus = run(STATUS_FIELDS).pipe(
        Effect.catchTag("InfrahubGraphQLError", (error) =>
          error.mentions("status", "graph_version")
            ? Ref.set(statusSupported, false).pipe(Effect.zipRight(run(BASE_FIELDS)))
            : Effect.fail(error)
        )
      )
      return Ref.get(statusSupported).pipe(
        Effect.flatMap((supported) => (supported ? withStatus : run(BASE_FIELDS))),
        Effect.flatMap(decode)
      )
    }

    const all = query("", undefined).pipe(spanIf(recordSpans, "Branches.all"))
    const get = (name: string) =>
      Effect.map(query("name: $branch_name", { branch_name: name }), (list) =>
        Option.fromNullable(list.find((branch) => branch.name === name))
      ).pipe(spanIf(recordSpans, "Branches.get"))

    const defaults = yield* Cache.makeWith({
      capacity: MAX_CREDENTIALS,
      lookup: (key: CallerKey) =>
        key.run(Effect.map(all, (branches) => branches.find((branch) => branch.is_default === true)?.name ?? "main")),
      timeToLive: keepSuccessFor(DEFAULT_BRANCH_TTL)
    })

    const defaultBranch = CallerKey.current(fingerprints).pipe(
      Effect.flatMap((key) => getOrForget(defaults, key)),
      spanIf(recordSpans, "Branches.defaultBranch")
    )

    return Branches.of({ all, get, defaultBranch })
  })

  static readonly layer: Layer.Layer<Branches, never, InfrahubClient | Fingerprints> = Layer.effect(Branches, Branches.make)
}
