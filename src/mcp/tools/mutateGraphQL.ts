import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DocumentNode } from "graphql"
import { BranchAgnosticWrite, NotADataMutation, writeTargets } from "../../infrahub/dataMutationGuard.js"
import { InfrahubProtocolError } from "../../infrahub/errors.js"
import { requireDataMutation } from "../../infrahub/graphqlGuard.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import { SessionBranches } from "../../session/SessionBranches.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool, WithFacts } from "../ToolSpec.js"
import { GraphQLData, GraphQLVariables } from "./graphql.js"
import { asRecord } from "../../infrahub/responses.js"
import { landingFacts, WRITE } from "./writeShared.js"

/**
 * The top-level fields of a failed mutation document that did produce data. Infrahub runs each
 * top-level mutation field on its own, so those were applied; a field whose value is null was not.
 */
const appliedFields = (data: unknown): Readonly<Record<string, unknown>> | undefined => {
  const entries = Object.entries(asRecord(data) ?? {}).filter(([, value]) => value !== null && value !== undefined)
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

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
    if (targets.notDataMutations.length > 0) return yield* new NotADataMutation({ fields: targets.notDataMutations })
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
    description: "A GraphQL mutation document, e.g. mutation { DcimDeviceUpdate(data: {id: \"…\", tags: [{id: \"…\"}]}) { ok } }. Branch and schema mutations are refused. Inputs: infrahub://graphql-schema/{Kind}Create (or Update)."
  }),
  variables: GraphQLVariables
})

export const mutateGraphQL = makeTool({
  name: "mutate_graphql",
  title: "Run a GraphQL mutation",
  description:
    "Run a GraphQL mutation on your session branch (created on the first write), for changes node_upsert cannot express: several objects at once, adding to a relationship without replacing it (RelationshipAdd), relationship properties, resource pools. Returns Infrahub's data object; the branch is in _meta and a note. Always the session branch, never the default branch. Branch and schema management mutations are refused.",
  parameters: MutateGraphQLParams,
  result: GraphQLData,
  access: "write",
  annotations: { ...WRITE, destructiveHint: true },
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      const document = yield* Either.match(requireDataMutation(args.query), { onLeft: Effect.fail, onRight: Effect.succeed })
      const sessions = yield* SessionBranches
      const client = yield* InfrahubClient
      yield* refuseBranchAgnosticWrites(document, args.variables ?? {})
      const written = yield* sessions.write((branch) => client.graphql({ query: args.query, variables: args.variables, branch })).pipe(
        Effect.catchTag("InfrahubGraphQLError", (error) => {
          const applied = appliedFields(error.data)
          const check = "Check the mutation against infrahub://graphql-schema/{Kind}Create (or Update, Upsert, Delete: the mutation and its input)"
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
      return new WithFacts({ ...written.value }, landingFacts(written, { note: true }))
    })
})
