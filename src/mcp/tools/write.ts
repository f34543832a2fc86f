import { Effect, Either, Option, Schema } from "effect"
import { Branches, isClosedStatus } from "../../infrahub/Branches.js"
import { type InfrahubGraphQLError, InfrahubProtocolError } from "../../infrahub/errors.js"
import type { DocumentNode } from "graphql"
import { BranchAgnosticWrite, writeTargets } from "../../infrahub/agnosticGuard.js"
import { requireDataMutation } from "../../infrahub/graphqlGuard.js"
import { type LiteralValue, renderLiteral } from "../../infrahub/graphqlLiteral.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import type { KindInfo } from "../../infrahub/schemaModel.js"
import { NoSessionBranch } from "../../session/errors.js"
import { type OnBranch, SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool, type ToolAnnotations } from "../ToolSpec.js"
import { GraphQLVariables } from "./graphql.js"

const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }

/** Where a write landed, and whether the session moved to a new branch on the way. */
const Landing = {
  branch: Schema.String.annotations({ description: "The session branch the write landed on (never the default branch)." }),
  branch_created: Schema.Boolean.annotations({ description: "True when this write created the session branch." }),
  recovered_from: Schema.NullOr(
    Schema.Struct({ branch: Schema.String, reason: Schema.String })
  ).annotations({ description: "Set when the previous session branch was merged or deleted and this write moved to a new one." })
}

const landing = <A>(result: OnBranch<A>) => ({
  branch: result.branch,
  branch_created: result.created,
  recovered_from: Option.match(result.recovered, {
    onNone: () => null,
    onSome: (recovery) => ({ branch: recovery.from, reason: recovery.reason })
  })
})

// Custom messages and exact optionals: without them a bad value is reported as "Expected <the
// parameter's description>, actual …; Expected undefined, actual …", which tells a model nothing.
const KindParam = Schema.String.pipe(Schema.minLength(1, { message: () => "kind must not be empty; get_schema() lists the kinds" })).annotations({
  description: "Kind of the object, e.g. DcimDevice (see get_schema())."
})

const HfidParam = Schema.Array(Schema.String).pipe(
  Schema.minItems(1, { message: () => "hfid must list the values of the kind's human_friendly_id fields, or be left out" })
).annotations({
  description: 'Human-friendly id: the values of the kind\'s human_friendly_id fields, e.g. ["atl1-edge1"].'
})

const IdParam = Schema.String.pipe(Schema.minLength(1, { message: () => "id must not be empty: pass the object's id, or leave it out" })).annotations({
  description: "The object's id (UUID)."
})

const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

/** The `{ok object {…}}` of a mutation named `field`, or a protocol error. */
const mutationPayload = (data: Readonly<Record<string, unknown>>, field: string) =>
  Option.match(Option.fromNullable(asRecord(data[field])), {
    onNone: () => Effect.fail(new InfrahubProtocolError({ detail: `${field} answered without a result` })),
    onSome: (payload) => Effect.succeed(payload)
  })

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

const render = (value: LiteralValue) =>
  Effect.try({
    try: () => renderLiteral(value),
    catch: (error) =>
      new ToolError({
        message: `A value cannot be sent to Infrahub: ${error instanceof Error ? error.message : String(error)}.`,
        remediation: "Use strings, numbers, booleans, null, lists or plain objects as attribute values."
      })
  })

/**
 * The top-level fields of a failed mutation document that did produce data. Infrahub runs each
 * top-level mutation field on its own, so those were applied; a field whose value is null was not.
 */
const appliedFields = (data: unknown): Readonly<Record<string, unknown>> | undefined => {
  const entries = Object.entries(asRecord(data) ?? {}).filter(([, value]) => value !== null && value !== undefined)
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

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
      const document = `mutation { ${mutation}(data: ${yield* render({ ...identity, ...inputs })}) { ok object { id display_label } } }`
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
      const document = `mutation { ${mutation}(data: ${yield* render(identity)}) { ok } }`
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

const NodeEdges = Schema.NullishOr(
  Schema.Struct({
    edges: Schema.Array(Schema.Struct({ node: Schema.NullOr(Schema.Struct({ id: Schema.String, __typename: Schema.String })) }))
  })
)
const NodeKinds = Schema.Struct({ nodes: Schema.optional(NodeEdges), groups: Schema.optional(NodeEdges) })

/**
 * The concrete kind of each node id, looked up on `branch`: through `CoreNode` and, because Infrahub's
 * group kinds do not implement it, `CoreGroup`. Partial answers count (one of the two may fail).
 */
const kindsOfNodes = (ids: ReadonlyArray<string>, branch: string | undefined) =>
  Effect.gen(function* () {
    const client = yield* InfrahubClient
    const selection = "edges { node { id __typename } }"
    const data = yield* client
      .graphql({
        query: `query ($ids: [ID]) { nodes: CoreNode(ids: $ids) { ${selection} } groups: CoreGroup(ids: $ids) { ${selection} } }`,
        variables: { ids },
        branch
      })
      .pipe(Effect.catchTag("InfrahubGraphQLError", (error) => Effect.succeed((error.data ?? {}) as Readonly<Record<string, unknown>>)))
    const decoded = yield* Schema.decodeUnknown(NodeKinds)(data).pipe(
      Effect.mapError(() => new InfrahubProtocolError({ detail: "the node kind lookup answered an unexpected shape" }))
    )
    const kinds = new Map<string, string>()
    for (const edge of [...(decoded.nodes?.edges ?? []), ...(decoded.groups?.edges ?? [])]) {
      if (edge.node !== null) kinds.set(edge.node.id, edge.node.__typename)
    }
    return kinds
  })

/**
 * Keeps mutate_graphql on the session branch for real: refuses mutations of branch-agnostic kinds
 * (from the cached schema, no request), and looks up the kinds of the nodes RelationshipAdd/Remove
 * change (one request, only for documents that contain those mutations).
 */
const refuseBranchAgnosticWrites = (document: DocumentNode, variables: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const catalog = yield* SchemaCatalog
    const schema = yield* catalog.forBranch(undefined)
    const targets = yield* Either.match(writeTargets(document, schema, variables), { onLeft: Effect.fail, onRight: Effect.succeed })
    if (targets.agnosticFields.length > 0) return yield* new BranchAgnosticWrite({ targets: targets.agnosticFields })
    if (targets.relationshipNodeIds.length === 0) return
    const sessions = yield* SessionBranches
    // Nodes created on the session branch exist only there; branch-agnostic nodes exist everywhere.
    const kinds = yield* kindsOfNodes(targets.relationshipNodeIds, Option.getOrUndefined(yield* sessions.current))
    const unknown = targets.relationshipNodeIds.filter((id) => !kinds.has(id))
    if (unknown.length > 0) {
      return yield* new ToolError({
        message: `RelationshipAdd/RelationshipRemove: no node ${unknown.join(", ")} was found, so its kind cannot be checked. Nothing was sent.`,
        remediation: "Check the node id with get_nodes or search_nodes (on your session branch for nodes you created there), or set the relationship with <Kind>Update instead."
      })
    }
    const agnostic = [...new Set(kinds.values())].filter((kind) => schema.kinds.get(kind)?.branchSupport === "agnostic")
    if (agnostic.length > 0) return yield* new BranchAgnosticWrite({ targets: agnostic.map((kind) => `relationships of ${kind}`) })
  })

const MutateGraphQLParams = Schema.Struct({
  query: Schema.String.pipe(Schema.minLength(1, { message: () => "query must not be empty: pass a GraphQL mutation document" })).annotations({
    description: "A GraphQL mutation document, e.g. mutation { DcimDeviceUpdate(data: {id: \"…\", tags: [{id: \"…\"}]}) { ok } }. Branch and schema mutations are refused."
  }),
  variables: GraphQLVariables
})

const MutateGraphQLResult = Schema.Struct({
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  ...Landing
})

export const mutateGraphQL = makeTool({
  name: "mutate_graphql",
  title: "Run a GraphQL mutation",
  description:
    "Run a GraphQL mutation on your session branch (created on the first write), for changes node_upsert cannot express: relationships, several objects at once. Always the session branch, never the default branch. Branch and schema management mutations are refused.",
  parameters: MutateGraphQLParams,
  result: MutateGraphQLResult,
  access: "write",
  annotations: { ...WRITE, destructiveHint: true },
  render: (result) => compactJson({ branch: result.branch, recovered_from: result.recovered_from, data: result.data }),
  handler: (args) =>
    Effect.gen(function* () {
      const document = yield* Either.match(requireDataMutation(args.query), { onLeft: Effect.fail, onRight: Effect.succeed })
      const sessions = yield* SessionBranches
      const client = yield* InfrahubClient
      yield* refuseBranchAgnosticWrites(document, args.variables ?? {})
      const written = yield* sessions.write((branch) => client.graphql({ query: args.query, variables: args.variables, branch })).pipe(
        Effect.catchTag("InfrahubGraphQLError", (error) => {
          const applied = appliedFields(error.data)
          const check = "Check the mutation against infrahub://graphql-schema (inputs are <Kind>CreateInput / <Kind>UpdateInput)"
          return Effect.fail(
            applied === undefined
              ? new ToolError({ message: error.message, remediation: `${check} and retry.` })
              : new ToolError({
                  message: `${error.message}\nApplied before the error (kept on your session branch): ${compactJson(applied)}`,
                  remediation: `${check}, then retry only the parts that failed: the fields listed as applied are already on your session branch.`
                })
          )
        })
      )
      return { data: { ...written.value }, ...landing(written) }
    })
})

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
    "Without arguments: forget this session's branch, so the next write starts a new one (the old branch stays in Infrahub). With branch: continue on that branch instead. The default branch and merged branches are refused.",
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
