import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { requireReadOnly } from "../../infrahub/graphqlGuard.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { compactJson } from "../render.js"
import { ToolError } from "../ToolError.js"
import { makeTool, READ_ANNOTATIONS } from "../ToolSpec.js"

export const GraphQLVariables = Schema.optional(
  Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description: 'GraphQL variables for the document, e.g. {"name": "atl1"} for `query ($name: String!) { … }`.'
  })
)

const QueryGraphQLParams = Schema.Struct({
  query: Schema.String.pipe(Schema.minLength(1, { message: () => "query must not be empty: pass a GraphQL query document" })).annotations({
    description: "A GraphQL query document (no mutations). Field names follow the schema: read infrahub://graphql-schema or get_schema(kind)."
  }),
  branch: Schema.optional(
    Schema.String.pipe(Schema.minLength(1, { message: () => "branch must not be empty: name a branch (see infrahub://branches), or leave it out for the default branch" })).annotations({ description: "Branch to query. Defaults to Infrahub's default branch." })
  ),
  variables: GraphQLVariables
})

const QueryGraphQLResult = Schema.Struct({
  branch: Schema.NullOr(Schema.String).annotations({ description: "Branch read; null = Infrahub's default branch." }),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/** Infrahub's GraphQL errors, passed back with a hint on where to look. */
const graphQLHint =
  "Check field and argument names against infrahub://graphql-schema (or get_schema(kind) for a kind's attributes, relationships and filters), then retry."

export const queryGraphQL = makeTool({
  name: "query_graphql",
  title: "Query GraphQL",
  description:
    "Run a read-only GraphQL query against Infrahub for anything the other tools do not cover (nested relationships, specific fields, counts). Mutations are refused: use mutate_graphql for changes.",
  parameters: QueryGraphQLParams,
  result: QueryGraphQLResult,
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) => compactJson(result.data),
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
      return { branch: args.branch ?? null, data: { ...data } }
    })
})
