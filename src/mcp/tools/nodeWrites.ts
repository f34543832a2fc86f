import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { BranchAgnosticWrite } from "../../infrahub/dataMutationGuard.js"
import { type InfrahubGraphQLError, InfrahubProtocolError } from "../../infrahub/errors.js"
import type { LiteralValue } from "../../infrahub/graphqlLiteral.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import { SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool, WithFacts } from "../ToolSpec.js"
import { asRecord } from "../../infrahub/responses.js"
import { nodeInput } from "./nodeInput.js"
import { HfidParam, IdParam, KindParam, Landing, landing, landingFacts, mutationPayload, renderValue, WRITE } from "./writeShared.js"

/** A GraphQL error from a write, with the place to check next. */
const writeFailed = (remediation: string) => (error: InfrahubGraphQLError) =>
  Effect.fail(new ToolError({ message: error.message, remediation }))

const NodeUpsertParams = Schema.Struct({
  kind: KindParam,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description:
      'Attribute and relationship values by name, e.g. {"name": "atl1-edge2", "status": "active", "location": {"hfid": ["atl1"], "kind": "LocationSite"}, "tags": ["<tag id>", ["edge"]]}. A relationship takes an id, an hfid list, {"hfid": [...], "kind": ...} (kind needed when the peer is generic without its own hfid), or for cardinality many a list of those, which replaces the current peers. Numbers may be given as strings.',
    message: () => 'data must be an object of attribute values by name, e.g. {"name": "atl1-edge2"}'
  }),
  id: Schema.optionalWith(IdParam, { exact: true }),
  hfid: Schema.optionalWith(HfidParam, { exact: true })
})

const NodeUpsertResult = Schema.Struct({
  action: Schema.Literal("created", "updated"),
  id: Schema.String,
  kind: Schema.String,
  display_label: Schema.NullOr(Schema.String),
  ...Landing
})

export const nodeUpsert = makeTool({
  name: "node_upsert",
  title: "Create or update a node",
  description:
    "Create an object (no id/hfid) or update one (by id or hfid) on your session branch, which is created on the first write. Sets attributes and relationships in one mutation, checked against the schema first (a create must include the kind's mandatory relationships). The default branch is never written: propose_changes opens a proposed change for review. Use mutate_graphql for several objects at once or to add peers without replacing them.",
  parameters: NodeUpsertParams,
  result: NodeUpsertResult,
  access: "write",
  annotations: WRITE,
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      const catalog = yield* SchemaCatalog
      const sessions = yield* SessionBranches
      const client = yield* InfrahubClient
      const { schema, kind } = yield* catalog.lookup(args.kind, undefined)
      const creating = args.id === undefined && args.hfid === undefined
      if (kind.branchSupport === "agnostic") {
        return yield* new BranchAgnosticWrite({ targets: [`${kind.kind}${creating ? "Create" : "Update"}`] })
      }
      if (creating && kind.category !== "node") {
        return yield* new ToolError({
          message: `${kind.kind} is a ${kind.category} kind; objects are created as one of its concrete kinds.`,
          remediation: `Create one of: ${kind.usedBy.join(", ") || "(none)"}.`
        })
      }
      if (Object.keys(args.data).length === 0) {
        return yield* new ToolError({ message: "data is empty: there is nothing to write.", remediation: "Pass the attribute and relationship values to set in data." })
      }
      const inputs = yield* Either.match(nodeInput(schema, kind, args.data, creating), { onLeft: Effect.fail, onRight: Effect.succeed })
      const identity: Record<string, LiteralValue> = args.id !== undefined ? { id: args.id } : args.hfid !== undefined ? { hfid: [...args.hfid] } : {}
      const mutation = `${kind.kind}${creating ? "Create" : "Update"}`
      const document = `mutation { ${mutation}(data: ${yield* renderValue({ ...identity, ...inputs })}) { ok object { id display_label } } }`
      const written = yield* sessions.write((branch) =>
        client.graphql({ query: document, branch }).pipe(Effect.flatMap((data) => mutationPayload(data, mutation)))
      ).pipe(
        Effect.catchTag(
          "InfrahubGraphQLError",
          writeFailed(
            `Check the values against infrahub://schema/${kind.kind} (required attributes, allowed choices, unique values, relationship peers) and retry; for what node_upsert cannot express, use mutate_graphql.`
          )
        )
      )
      const object = asRecord(written.value["object"])
      const id = object?.["id"]
      if (typeof id !== "string") return yield* new InfrahubProtocolError({ detail: `${mutation} answered without an object id` })
      const label = object?.["display_label"]
      const result = {
        action: creating ? ("created" as const) : ("updated" as const),
        id,
        kind: kind.kind,
        display_label: typeof label === "string" ? label : null,
        ...landing(written)
      }
      return new WithFacts(result, landingFacts(written, { note: false }))
    })
})

const NodeDeleteParams = Schema.Struct({
  kind: KindParam,
  id: Schema.optionalWith(IdParam, { exact: true }),
  hfid: Schema.optionalWith(HfidParam, { exact: true })
})

const NodeDeleteResult = Schema.Struct({
  deleted_id: Schema.Union(Schema.String, Schema.Array(Schema.String)).annotations({
    description: "The id given, or the hfid when deleted by hfid (as the Python server reports it)."
  }),
  deleted_hfid: Schema.NullOr(Schema.Array(Schema.String)),
  kind: Schema.String,
  ...Landing
})

export const nodeDelete = makeTool({
  name: "node_delete",
  title: "Delete a node",
  description:
    "Delete an object by id or hfid on your session branch (created on the first write). The default branch is untouched until a reviewed proposed change is merged.",
  parameters: NodeDeleteParams,
  result: NodeDeleteResult,
  access: "write",
  annotations: { ...WRITE, destructiveHint: true },
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      if (args.id === undefined && args.hfid === undefined) {
        return yield* new ToolError({
          message: "node_delete needs the object's id or hfid.",
          remediation: "Find the object with get_nodes or search_nodes, then pass its id."
        })
      }
      const catalog = yield* SchemaCatalog
      const sessions = yield* SessionBranches
      const client = yield* InfrahubClient
      const kind = yield* catalog.kind(args.kind, undefined)
      if (kind.branchSupport === "agnostic") return yield* new BranchAgnosticWrite({ targets: [`${kind.kind}Delete`] })
      if (kind.category !== "node") {
        return yield* new ToolError({
          message: `${kind.kind} is a ${kind.category} kind; delete through the object's concrete kind.`,
          remediation: "get_nodes on the generic kind shows each object's concrete kind."
        })
      }
      const identity: LiteralValue = args.id !== undefined ? { id: args.id } : { hfid: [...(args.hfid ?? [])] }
      const mutation = `${kind.kind}Delete`
      const document = `mutation { ${mutation}(data: ${yield* renderValue(identity)}) { ok } }`
      const written = yield* sessions.write((branch) =>
        client.graphql({ query: document, branch }).pipe(Effect.flatMap((data) => mutationPayload(data, mutation)))
      ).pipe(
        Effect.catchTag(
          "InfrahubGraphQLError",
          writeFailed(`Check the id or hfid against infrahub://schema/${kind.kind} and get_nodes on your session branch, then retry.`)
        )
      )
      const result = {
        deleted_id: args.id ?? args.hfid ?? [],
        deleted_hfid: args.id === undefined && args.hfid !== undefined ? args.hfid : null,
        kind: kind.kind,
        ...landing(written)
      }
      return new WithFacts(result, landingFacts(written, { note: false }))
    })
})
