import {
  type GraphQLFieldConfigMap,
  GraphQLID,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString
} from "graphql"
import type { SchemaRegistry } from "../schema/types.js"
import { branchMutationFields } from "./branch-mutations.js"
import type { RequestContext } from "./context.js"
import { filterArgs } from "./filters.js"
import { buildInputs } from "./inputs.js"
import { isInternal } from "./model.js"
import { nodeMutationFields, relationshipMutationFields } from "./mutations.js"
import { accountProfile, listNodes } from "./resolvers.js"
import { buildTypes } from "./types.js"

/** The full GraphQL schema the sandbox serves (and prints at `/schema.graphql`). */
export const buildSchema = (registry: SchemaRegistry): GraphQLSchema => {
  const types = buildTypes(registry)
  const inputs = buildInputs(registry)

  const queryFields: GraphQLFieldConfigMap<unknown, RequestContext> = {
    Branch: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(types.branchType))),
      args: { ids: { type: new GraphQLList(GraphQLID) }, name: { type: GraphQLString } },
      resolve: (_root, args: { ids?: ReadonlyArray<string> | null; name?: string | null }, ctx) =>
        ctx.state.store
          .branches()
          .filter((branch) => (args.name === undefined || args.name === null ? true : branch.name === args.name))
          .filter((branch) => (args.ids === undefined || args.ids === null ? true : args.ids.includes(branch.id)))
    },
    InfrahubInfo: {
      type: new GraphQLNonNull(types.infoType),
      resolve: (_root, _args, ctx) => ({ deployment_id: ctx.state.deploymentId, version: ctx.state.version })
    }
  }
  for (const entry of registry.byKind.values()) {
    const kind = entry.schema.kind
    const page = types.paginated(kind)
    if (isInternal(entry.schema) || page === undefined) continue
    queryFields[kind] = {
      type: new GraphQLNonNull(page),
      ...(entry.schema.description !== null ? { description: entry.schema.description } : {}),
      args: filterArgs(registry, entry.schema, true, types.orderInput),
      resolve: (_root, args: Readonly<Record<string, unknown>>, ctx) => listNodes(ctx, kind, args)
    }
  }
  const account = types.output("CoreGenericAccount")
  if (account !== undefined) {
    queryFields["AccountProfile"] = { type: account, resolve: (_root, _args, ctx) => accountProfile(ctx) }
  }

  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: queryFields }),
    mutation: new GraphQLObjectType({
      name: "Mutation",
      fields: {
        ...branchMutationFields(types, inputs),
        ...relationshipMutationFields(inputs),
        ...nodeMutationFields(registry, types, inputs)
      }
    }),
    types: [...types.extraTypes]
  })
}
