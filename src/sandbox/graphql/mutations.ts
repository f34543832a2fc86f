import {
  GraphQLBoolean,
  type GraphQLFieldConfigMap,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLInputObjectType,
  GraphQLString,
  type GraphQLResolveInfo
} from "graphql"
import type { BaseKindSchema, SchemaRegistry } from "../schema/types.js"
import type { NodeRecord } from "../store/records.js"
import type { RequestContext } from "./context.js"
import { validationError } from "./errors.js"
import { runWrite } from "./guard.js"
import { reconcileBranch } from "./ipam.js"
import type { InputCatalog } from "./inputs.js"
import { isInternal } from "./model.js"
import type { TypeCatalog } from "./types.js"
import {
  changeRelationship,
  createNode,
  deleteNode,
  findObject,
  type Input,
  updateFound,
  updateNode,
  upsertNode,
  type WriteContext
} from "./writes.js"

/** `<Kind>Create/Update/Upsert/Delete`, `<Generic>Update`, `RelationshipAdd/Remove`. */

type Args = Readonly<Record<string, unknown>>

const attrValue = (data: Input, name: string): unknown => {
  const given = data[name]
  return typeof given === "object" && given !== null ? (given as Record<string, unknown>)["value"] : undefined
}

/**
 * `InfrahubProposedChangeMutation.mutate_create`: one open proposed change per source branch, the
 * source branch must exist and not be merged, `created_by` is the caller, and only `main` can be the
 * destination. The checks after creation run inside the transaction, so a refusal stores nothing.
 */
const createProposedChange = (ctx: RequestContext, w: WriteContext, data: Input): NodeRecord => {
  const state = attrValue(data, "state")
  if (state !== undefined && state !== null && state !== "" && state !== "open") {
    throw validationError("A proposed change has to be in the open state during creation")
  }
  const sourceName = attrValue(data, "source_branch")
  const alreadyOpen = w.tx
    .nodesOfKinds(["CoreProposedChange"])
    .some((node) => node.attributes["source_branch"]?.value === sourceName && node.attributes["state"]?.value === "open")
  if (alreadyOpen) throw validationError(`An open proposed change already exists for branch '${String(sourceName)}'`)
  const source = typeof sourceName === "string" ? ctx.state.store.branch(sourceName) : undefined
  if (source === undefined) throw validationError("The specified source branch for this proposed change was not found.")
  if (source.status === "MERGED") {
    throw validationError(`Cannot create proposed change: branch '${source.name}' has been merged`)
  }
  const overrides = w.actorId !== null && w.tx.getNode(w.actorId) !== undefined ? { created_by: { id: w.actorId } } : {}
  const node = createNode(w, "CoreProposedChange", data, overrides)
  const destination = node.attributes["destination_branch"]?.value
  if (destination === source.name) throw validationError("The source and destination branch can't be the same")
  if (destination !== "main") {
    throw validationError("Currently only the 'main' branch is supported as a destination for a proposed change")
  }
  return node
}

/** Moving a proposed change to `merged` merges its source branch, as Infrahub's merge workflow does. */
const updateProposedChange = (ctx: RequestContext, w: WriteContext, data: Input): NodeRecord => {
  const found = findObject(w, "CoreProposedChange", data["id"], data["hfid"])
  if (attrValue(data, "state") === "merged") {
    if (found.attributes["state"]?.value !== "open") throw validationError("Only proposed change in OPEN state can be merged")
    const sourceName = found.attributes["source_branch"]?.value
    const source = typeof sourceName === "string" ? ctx.state.store.branch(sourceName) : undefined
    if (source === undefined) throw validationError("The specified source branch for this proposed change was not found.")
    const node = updateFound(w, found, data)
    if (source.status !== "MERGED") {
      ctx.state.store.mergeBranch(source.name)
      reconcileBranch(ctx.state, ctx.state.store.defaultBranch.name, w.now)
    }
    return node
  }
  return updateFound(w, found, data)
}

export const nodeMutationFields = (
  registry: SchemaRegistry,
  types: TypeCatalog,
  inputs: InputCatalog
): GraphQLFieldConfigMap<unknown, RequestContext> => {
  const fields: GraphQLFieldConfigMap<unknown, RequestContext> = {}
  const payload = (name: string, schema: BaseKindSchema, withObject: boolean) => {
    const output = types.output(schema.kind)
    return new GraphQLObjectType({
      name,
      ...(schema.description !== null ? { description: schema.description } : {}),
      fields: {
        ok: { type: GraphQLBoolean },
        ...(withObject && output !== undefined ? { object: { type: output } } : {})
      }
    })
  }
  const dataArg = (type: GraphQLInputObjectType) => ({
    data: { type: new GraphQLNonNull(type) },
    context: { type: inputs.contextInput }
  })
  const write =
    (body: (ctx: RequestContext, w: WriteContext, data: Input) => { ok: boolean; object?: NodeRecord }) =>
    (_root: unknown, args: Args, ctx: RequestContext, info: GraphQLResolveInfo) =>
      runWrite(ctx, info, args, (w) => body(ctx, w, (args["data"] ?? {}) as Input))

  for (const entry of registry.byKind.values()) {
    const schema = entry.schema
    if (isInternal(schema)) continue
    const kind = schema.kind
    if (entry.category === "generic") {
      if (schema.attributes.length + schema.relationships.length === 0) continue
      fields[`${kind}Update`] = {
        type: payload(`${kind}Update`, schema, true),
        ...(schema.description !== null ? { description: schema.description } : {}),
        args: dataArg(inputs.updateInput(schema)),
        resolve: write((_ctx, w, data) => ({ ok: true, object: updateNode(w, kind, data) }))
      }
      continue
    }
    const isProposedChange = kind === "CoreProposedChange"
    fields[`${kind}Create`] = {
      type: payload(`${kind}Create`, schema, true),
      args: dataArg(inputs.createInput(schema)),
      resolve: write((ctx, w, data) => ({
        ok: true,
        object: isProposedChange ? createProposedChange(ctx, w, data) : createNode(w, kind, data)
      }))
    }
    fields[`${kind}Update`] = {
      type: payload(`${kind}Update`, schema, true),
      args: dataArg(inputs.updateInput(schema)),
      resolve: write((ctx, w, data) => ({
        ok: true,
        object: isProposedChange ? updateProposedChange(ctx, w, data) : updateNode(w, kind, data)
      }))
    }
    fields[`${kind}Upsert`] = {
      type: payload(`${kind}Upsert`, schema, true),
      args: dataArg(inputs.upsertInput(schema)),
      resolve: write((_ctx, w, data) => ({ ok: true, object: upsertNode(w, kind, data).node }))
    }
    fields[`${kind}Delete`] = {
      type: payload(`${kind}Delete`, schema, false),
      args: { data: { type: new GraphQLNonNull(inputs.deleteInput) }, context: { type: inputs.contextInput } },
      resolve: write((_ctx, w, data) => {
        deleteNode(w, kind, data)
        return { ok: true }
      })
    }
  }
  return fields
}

export const relationshipMutationFields = (inputs: InputCatalog): GraphQLFieldConfigMap<unknown, RequestContext> => {
  const nodesInput = new GraphQLInputObjectType({
    name: "RelationshipNodesInput",
    fields: {
      id: { type: new GraphQLNonNull(GraphQLString), description: "ID of the node at the source of the relationship" },
      name: { type: new GraphQLNonNull(GraphQLString), description: "Name of the relationship to add or remove nodes" },
      nodes: { type: new GraphQLList(inputs.relatedNodeInput), description: "List of nodes to add or remove to the relationships" }
    }
  })
  const field = (action: "add" | "remove", name: string) => ({
    type: new GraphQLObjectType({ name, fields: { ok: { type: GraphQLBoolean } } }),
    args: { data: { type: new GraphQLNonNull(nodesInput) }, context: { type: inputs.contextInput } },
    resolve: (_root: unknown, args: Args, ctx: RequestContext, info: GraphQLResolveInfo) =>
      runWrite(ctx, info, args, (w) => {
        changeRelationship(w, action, (args["data"] ?? {}) as Input)
        return { ok: true }
      })
  })
  return { RelationshipAdd: field("add", "RelationshipAdd"), RelationshipRemove: field("remove", "RelationshipRemove") }
}
