import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { BranchAgnosticWrite } from "../../infrahub/dataMutationGuard.js"
import { type InfrahubGraphQLError, InfrahubProtocolError } from "../../infrahub/errors.js"
import type { LiteralValue } from "../../infrahub/graphqlLiteral.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import type { KindInfo } from "../../infrahub/schemaModel.js"
import { SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool } from "../ToolSpec.js"
import { asRecord } from "../../infrahub/responses.js"
import { HfidParam, IdParam, KindParam, Landing, landing, mutationPayload, renderValue, WRITE } from "./writeShared.js"

/** Refuses what Infrahub would refuse or silently mis-handle: unknown, relationship and read-only names. */
const attributeInputs = (kind: KindInfo, data: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const attributes = new Map(kind.attributes.map((a) => [a.name, a]))
    const relationships = new Set(kind.relationships.map((r) => r.name))
    const writable = kind.attributes.filter((a) => !a.readOnly).map((a) => a.name)
    const unknown = Object.keys(data).filter((name) => !attributes.has(name) && !relationships.has(name))
    const relationshipNames = Object.keys(data).filter((name) => relationships.has(name))
    const readOnly = Object.keys(data).filter((name) => attributes.get(name)?.readOnly === true)
    if (unknown.length > 0) {
      return yield* new ToolError({
        message: `${kind.kind} has no attribute ${unknown.map((n) => `'${n}'`).join(", ")}; nothing was written. Writable attributes: ${writable.join(", ")}.`,
        remediation: `Use the attribute names above (get_schema("${kind.kind}") lists them with their kinds).`
      })
    }
    if (relationshipNames.length > 0) {
      return yield* new ToolError({
        message: `node_upsert sets scalar attributes only; ${relationshipNames.join(", ")} ${relationshipNames.length === 1 ? "is a relationship" : "are relationships"} of ${kind.kind}. Nothing was written.`,
        remediation: `Set relationships with mutate_graphql, e.g. mutation { ${kind.kind}Update(data: {id: "<id>", ${relationshipNames[0]}: {id: "<peer id>"}}) { ok } }.`
      })
    }
    if (readOnly.length > 0) {
      return yield* new ToolError({
        message: `${readOnly.join(", ")} ${readOnly.length === 1 ? "is" : "are"} read-only on ${kind.kind} (computed by Infrahub); nothing was written.`,
        remediation: `Leave them out. Writable attributes: ${writable.join(", ")}.`
      })
    }
    const inputs: Record<string, LiteralValue> = {}
    for (const [name, value] of Object.entries(data)) {
      inputs[name] = { value: value as LiteralValue }
    }
    return inputs
  })

/** A GraphQL error from a write, with the place to check next. */
const writeFailed = (kind: string) => (error: InfrahubGraphQLError) =>
  Effect.fail(
    new ToolError({
      message: error.message,
      remediation: `Check the values against infrahub://schema/${kind} (required attributes, allowed choices, unique values) and retry.`
    })
  )

const NodeUpsertParams = Schema.Struct({
  kind: KindParam,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description: 'Attribute values by name, e.g. {"name": "atl1-edge2", "status": "active"}. Scalar attributes only.',
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
    "Create an object (no id/hfid) or update one (by id or hfid) on your session branch, which is created on the first write. Scalar attributes only; set relationships with mutate_graphql. The default branch is never written: propose_changes opens a proposed change for review.",
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
      const kind = yield* catalog.kind(args.kind, undefined)
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
        return yield* new ToolError({ message: "data is empty: there is nothing to write.", remediation: "Pass the attribute values to set in data." })
      }
      const inputs = yield* attributeInputs(kind, args.data)
      const identity: Record<string, LiteralValue> = args.id !== undefined ? { id: args.id } : args.hfid !== undefined ? { hfid: [...args.hfid] } : {}
      const mutation = `${kind.kind}${creating ? "Create" : "Update"}`
      const document = `mutation { ${mutation}(data: ${yield* renderValue({ ...identity, ...inputs })}) { ok object { id display_label } } }`
      const written = yield* sessions.write((branch) =>
        client.graphql({ query: document, branch }).pipe(Effect.flatMap((data) => mutationPayload(data, mutation)))
      ).pipe(Effect.catchTag("InfrahubGraphQLError", writeFailed(kind.kind)))
      const object = asRecord(written.value["object"])
      const id = object?.["id"]
      if (typeof id !== "string") return yield* new InfrahubProtocolError({ detail: `${mutation} answered without an object id` })
      const label = object?.["display_label"]
      return {
        action: creating ? ("created" as const) : ("updated" as const),
        id,
        kind: kind.kind,
        display_label: typeof label === "string" ? label : null,
        ...landing(written)
      }
    })
})

const NodeDeleteParams = Schema.Struct({
  kind: KindParam,
  id: Schema.optionalWith(IdParam, { exact: true }),
  hfid: Schema.optionalWith(HfidParam, { exact: true })
})

const NodeDeleteResult = Schema.Struct({
  deleted_id: Schema.NullOr(Schema.String),
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
      ).pipe(Effect.catchTag("InfrahubGraphQLError", writeFailed(kind.kind)))
      return {
        deleted_id: args.id ?? null,
        deleted_hfid: args.id === undefined && args.hfid !== undefined ? args.hfid : null,
        kind: kind.kind,
        ...landing(written)
      }
    })
})
