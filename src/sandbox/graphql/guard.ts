import { type GraphQLResolveInfo, Kind } from "graphql"
import type { RequestContext } from "./context.js"
import { branchAlreadyMerged, branchNeedsRebase, branchNotFound } from "./errors.js"
import { graphqlNow } from "./clock.js"
import type { WriteContext } from "./writes.js"

/**
 * Infrahub's mutation middleware (`graphql/middleware.py`): a mutation on a branch that must be
 * rebased, or that has been merged, is refused unless the operation's first field is allowed there.
 * The check looks at the branch of the URL, as Infrahub's does.
 */
const allowedOnNeedRebase = ["BranchRebase", "BranchDelete"]
const allowedOnMerged = ["BranchDelete"]

const firstSelectionName = (info: GraphQLResolveInfo): string => {
  const first = info.operation.selectionSet.selections[0]
  if (first === undefined || first.kind === Kind.INLINE_FRAGMENT) return ""
  return first.name.value
}

export const guardBranchStatus = (ctx: RequestContext, info: GraphQLResolveInfo): void => {
  const branch = ctx.state.store.branch(ctx.branchName)
  if (branch === undefined) throw branchNotFound(ctx.branchName)
  const name = firstSelectionName(info)
  if (branch.status === "NEED_REBASE" && !allowedOnNeedRebase.includes(name)) throw branchNeedsRebase(branch.name)
  if (branch.status === "MERGED" && !allowedOnMerged.includes(name)) throw branchAlreadyMerged(branch.name)
}

/** The account a mutation is recorded against: the `context.account` override, else the caller. */
const actingAccount = (ctx: RequestContext, args: Readonly<Record<string, unknown>>): string | null => {
  const context = args["context"]
  if (typeof context === "object" && context !== null) {
    const account = (context as Record<string, unknown>)["account"]
    if (typeof account === "object" && account !== null) {
      const id = (account as Record<string, unknown>)["id"]
      if (typeof id === "string") return id
    }
  }
  return ctx.actor?.accountId ?? null
}

/** Runs one mutation field in its own transaction: all of it is stored, or none of it. */
export const runWrite = <A>(
  ctx: RequestContext,
  info: GraphQLResolveInfo,
  args: Readonly<Record<string, unknown>>,
  body: (w: WriteContext) => A
): A => {
  guardBranchStatus(ctx, info)
  const tx = ctx.state.store.begin(ctx.branchName)
  const result = body({
    registry: ctx.state.registry,
    tx,
    now: graphqlNow(ctx.state.now),
    actorId: actingAccount(ctx, args),
    newId: ctx.state.newId
  })
  tx.commit()
  return result
}
