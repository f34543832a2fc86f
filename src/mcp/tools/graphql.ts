import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { requireReadOnly } from "../../infrahub/graphqlGuard.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { compactJson } from "../render.js"
import { GRAPHQL_TYPE_ADVICE } from "../sdlView.js"
import { ToolError } from "../ToolError.js"
import { makeTool, READ_ANNOTATIONS, WithFacts } from "../ToolSpec.js"

export const GraphQLVariables = Schema.optional(
  Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description: 'GraphQL variables for the document, e.g. {"name": "atl1"} for `query ($name: String!) { … }`.'
  })
)

const QueryGraphQLParams = Schema.Struct({
  query: Schema.String.pipe(Schema.minLength(1, { message: () => "query must not be empty: pass a GraphQL query document" })).annotations({
    description: "A GraphQL query document (no mutations). Field and argument names: get_schema(kind), or infrahub://graphql-schema/{type} (e.g. infrahub://graphql-schema/DcimDevice)."
  }),
  branch: Schema.optional(
    Schema.String.pipe(Schema.minLength(1, { message: () => "branch must not be empty: name a branch (see infrahub://branches), or leave it out for the default branch" })).annotations({ description: "Branch to query. Defaults to Infrahub's default branch." })
  ),
  variables: GraphQLVariables
})

/**
 * GraphQL data, returned as the result itself (text and `structuredContent`), as the Python server
 * does: a client reads `result["DcimDevice"]`. Facts about the call go to `_meta`.
 */
export const GraphQLData = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description: "Infrahub's GraphQL `data` object: one key per top-level field (or alias) of the document."
})

/** The `_meta` key naming the branch a GraphQL tool ran on (`null`: Infrahub's default branch). */
export const META_BRANCH = "infrahub-mcp/branch"

/** Infrahub's GraphQL errors, passed back with a hint on where to look. */
const graphQLHint = `Check field and argument names, then retry: ${GRAPHQL_TYPE_ADVICE}`

export const queryGraphQL = makeTool({
  name: "query_graphql",
  title: "Query GraphQL",
  description:
    "Run a read-only GraphQL query against Infrahub for anything the other tools do not cover (nested relationships, specific fields, counts). Mutations are refused: use mutate_graphql for changes.",
  parameters: QueryGraphQLParams,
  result: GraphQLData,
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: compactJson,
  handler: (args) =>
    Effect.gen(function* () {
      yield* Either.match(requireReadOnly(args.query), { onLeft: Effect.fail, onRight: () => Effect.void })
      const client = yield* InfrahubClient
      const data = yield* client.graphql({ query: args.query, branch: args.branch, variables: args.variables }).pipe(
        Effect.catchTag("InfrahubGraphQLError", (error) =>
          Effect.fail(
            new ToolError({
              message:
                error.data === null || error.data === undefined
                  ? error.message
                  : `${error.message}\nPartial data: ${compactJson(error.data)}`,
              remediation: graphQLHint
            })
          )
        )
      )
      return new WithFacts({ ...data }, { meta: { [META_BRANCH]: args.branch ?? null }, note: undefined })
    })
})
