import {
  GraphQLBoolean,
  type GraphQLFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLResolveInfo,
  GraphQLString
} from "graphql"
import { type BranchRecord, branchNameProblem, DEFAULT_BRANCH } from "../store/branches.js"
import { branchTimestamp } from "../store/time.js"
import { graphqlNow } from "./clock.js"
import type { RequestContext } from "./context.js"
import { reconcileBranch } from "./ipam.js"
import { branchNotFound, validationError } from "./errors.js"
import { guardBranchStatus } from "./guard.js"
import type { InputCatalog } from "./inputs.js"
import type { TypeCatalog } from "./types.js"

/** Infrahub's branch mutations (`graphql/mutations/branch.py`), run synchronously by the sandbox. */

type Args = Readonly<Record<string, unknown>>

const dataOf = (args: Args): Readonly<Record<string, unknown>> => (args["data"] ?? {}) as Readonly<Record<string, unknown>>

/** Python's `str(data.name)`: a missing name looks up the branch "None". */
const nameOf = (args: Args): string => {
  const name = dataOf(args)["name"]
  return typeof name === "string" ? name : "None"
}

const requireBranch = (ctx: RequestContext, name: string): BranchRecord => {
  const branch = ctx.state.store.branch(name)
  if (branch === undefined) throw branchNotFound(name)
  return branch
}

/** `wait_until_completion: false` (or the deprecated `background_execution: true`) answers with a task. */
const inBackground = (args: Args): boolean => args["background_execution"] === true || args["wait_until_completion"] === false

export const branchMutationFields = (types: TypeCatalog, inputs: InputCatalog): GraphQLFieldConfigMap<unknown, RequestContext> => {
  const createInput = new GraphQLInputObjectType({
    name: "BranchCreateInput",
    fields: {
      id: { type: GraphQLString },
      name: { type: new GraphQLNonNull(GraphQLString) },
      description: { type: GraphQLString },
      origin_branch: { type: GraphQLString },
      branched_from: { type: GraphQLString },
      sync_with_git: { type: GraphQLBoolean },
      is_isolated: { type: GraphQLBoolean, deprecationReason: "Non isolated mode is not supported anymore" }
    }
  })
  const nameInput = new GraphQLInputObjectType({ name: "BranchNameInput", fields: { name: { type: GraphQLString } } })
  const updateInput = new GraphQLInputObjectType({
    name: "BranchUpdateInput",
    fields: {
      name: { type: new GraphQLNonNull(GraphQLString) },
      description: { type: GraphQLString },
      is_isolated: { type: GraphQLBoolean, deprecationReason: "Non isolated mode is not supported anymore" }
    }
  })
  const payload = (name: string, withObject: boolean, withTask: boolean) =>
    new GraphQLObjectType({
      name,
      fields: {
        ok: { type: GraphQLBoolean },
        ...(withObject ? { object: { type: types.branchType } } : {}),
        ...(withTask ? { task: { type: types.taskInfoType } } : {})
      }
    })
  const taskArgs = {
    data: { type: new GraphQLNonNull(nameInput) },
    context: { type: inputs.contextInput },
    wait_until_completion: { type: GraphQLBoolean }
  }
  const task = (ctx: RequestContext, args: Args) => (inBackground(args) ? { id: ctx.state.newId() } : null)
  const guarded =
    (body: (ctx: RequestContext, args: Args) => unknown) =>
    (_root: unknown, args: Args, ctx: RequestContext, info: GraphQLResolveInfo) => {
      guardBranchStatus(ctx, info)
      return body(ctx, args)
    }

  return {
    BranchCreate: {
      type: payload("BranchCreate", true, true),
      args: {
        data: { type: new GraphQLNonNull(createInput) },
        context: { type: inputs.contextInput },
        background_execution: { type: GraphQLBoolean, deprecationReason: "Please use `wait_until_completion` instead" },
        wait_until_completion: { type: GraphQLBoolean }
      },
      resolve: guarded((ctx, args) => {
        const data = dataOf(args)
        const name = String(data["name"])
        const { store } = ctx.state
        if (store.branch(name) !== undefined) throw validationError(`The branch ${name} already exists`)
        const problem = branchNameProblem(name)
        if (problem !== undefined) throw validationError(problem)
        const origin = data["origin_branch"]
        if (typeof origin === "string" && origin !== DEFAULT_BRANCH) throw validationError(`origin_branch must be '${DEFAULT_BRANCH}'`)
        const branchedFrom = data["branched_from"]
        if (typeof branchedFrom === "string" && Number.isNaN(Date.parse(branchedFrom))) {
          throw validationError(`invalid field branched_from: ${branchedFrom} is not a valid timestamp`)
        }
        const record = store.createBranch({
          name,
          id: typeof data["id"] === "string" ? data["id"] : undefined,
          description: typeof data["description"] === "string" ? data["description"] : undefined,
          sync_with_git: typeof data["sync_with_git"] === "boolean" ? data["sync_with_git"] : undefined,
          branched_from: typeof branchedFrom === "string" ? branchTimestamp(new Date(branchedFrom)) : undefined
        })
        if (inBackground(args)) return { ok: true, object: null, task: task(ctx, args) }
        return { ok: true, object: record, task: null }
      })
    },
    BranchDelete: {
      type: payload("BranchDelete", false, true),
      args: taskArgs,
      resolve: guarded((ctx, args) => {
        const branch = requireBranch(ctx, nameOf(args))
        if (branch.is_default) throw validationError(`The default branch '${branch.name}' cannot be deleted`)
        ctx.state.store.deleteBranch(branch.name)
        return { ok: true, task: task(ctx, args) }
      })
    },
    BranchUpdate: {
      type: payload("BranchUpdate", false, false),
      args: { data: { type: new GraphQLNonNull(updateInput) }, context: { type: inputs.contextInput } },
      resolve: guarded((ctx, args) => {
        const branch = requireBranch(ctx, nameOf(args))
        const description = dataOf(args)["description"]
        if (typeof description === "string") ctx.state.store.updateBranch(branch.name, { description })
        return { ok: true }
      })
    },
    BranchRebase: {
      type: payload("BranchRebase", true, true),
      args: taskArgs,
      resolve: guarded((ctx, args) => {
        const branch = requireBranch(ctx, nameOf(args))
        if (branch.status === "MERGED") throw validationError(`Branch '${branch.name}' has already been merged`)
        if (branch.is_default) throw validationError(`The default branch '${branch.name}' cannot be rebased`)
        const rebased = ctx.state.store.rebaseBranch(branch.name)
        reconcileBranch(ctx.state, branch.name, graphqlNow(ctx.state.now))
        return { ok: true, object: rebased, task: task(ctx, args) }
      })
    },
    BranchValidate: {
      type: payload("BranchValidate", true, true),
      args: taskArgs,
      resolve: guarded((ctx, args) => ({ ok: true, object: requireBranch(ctx, nameOf(args)), task: task(ctx, args) }))
    },
    BranchMerge: {
      type: payload("BranchMerge", true, true),
      args: taskArgs,
      resolve: guarded((ctx, args) => {
        const branch = requireBranch(ctx, nameOf(args))
        if (branch.is_default) throw validationError(`The default branch '${branch.name}' cannot be merged`)
        if (branch.status === "MERGED") throw validationError(`Branch '${branch.name}' has already been merged`)
        const merged = ctx.state.store.mergeBranch(branch.name)
        reconcileBranch(ctx.state, ctx.state.store.defaultBranch.name, graphqlNow(ctx.state.now))
        return { ok: true, object: merged, task: task(ctx, args) }
      })
    }
  }
}
