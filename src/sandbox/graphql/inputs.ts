import {
  GraphQLBoolean,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString
} from "graphql"
import type { AttributeKind, BaseKindSchema, RelationshipSchema, SchemaRegistry } from "../schema/types.js"
import { schemaOf } from "./model.js"
import { BigIntScalar, GenericScalar } from "./scalars.js"

/**
 * Mutation input types, named as Infrahub names them (`graphql/mutations/attribute.py`,
 * `graphql/types/attribute.py`, `GraphQLSchemaManager.generate_graphql_mutation_*_input`).
 */

export interface InputCatalog {
  readonly deleteInput: GraphQLInputObjectType
  readonly contextInput: GraphQLInputObjectType
  readonly relatedNodeInput: GraphQLInputObjectType
  readonly createInput: (schema: BaseKindSchema) => GraphQLInputObjectType
  readonly updateInput: (schema: BaseKindSchema) => GraphQLInputObjectType
  readonly upsertInput: (schema: BaseKindSchema) => GraphQLInputObjectType
}

const attributeInputFamily = (kind: AttributeKind): { name: string; value: GraphQLInputType; pool: boolean } => {
  switch (kind) {
    case "Number":
    case "Bandwidth":
    case "NumberPool":
      return { name: "NumberAttribute", value: BigIntScalar, pool: true }
    case "Boolean":
    case "Checkbox":
      return { name: "CheckboxAttribute", value: GraphQLBoolean, pool: false }
    case "List":
      return { name: "ListAttribute", value: GenericScalar, pool: false }
    case "JSON":
      return { name: "JSONAttribute", value: GenericScalar, pool: false }
    case "Any":
      return { name: "AnyAttribute", value: GenericScalar, pool: false }
    default:
      return { name: "TextAttribute", value: GraphQLString, pool: false }
  }
}

const isIpKind = (registry: SchemaRegistry, kind: string, generic: string): boolean => {
  if (kind === generic) return true
  const entry = registry.byKind.get(kind)
  return entry !== undefined && entry.category === "node" && entry.schema.inherit_from.includes(generic)
}

export const buildInputs = (registry: SchemaRegistry): InputCatalog => {
  const genericPool = new GraphQLInputObjectType({
    name: "GenericPoolInput",
    fields: { id: { type: new GraphQLNonNull(GraphQLString) }, identifier: { type: GraphQLString }, data: { type: GenericScalar } }
  })
  const addressPool = new GraphQLInputObjectType({
    name: "IPAddressPoolInput",
    fields: { ...genericPool.toConfig().fields, prefixlen: { type: GraphQLInt } }
  })
  const prefixPool = new GraphQLInputObjectType({
    name: "PrefixPoolInput",
    fields: {
      ...genericPool.toConfig().fields,
      size: { type: GraphQLInt },
      member_type: { type: GraphQLString },
      prefix_type: { type: GraphQLString }
    }
  })
  const relatedInput = (name: string, pool: GraphQLInputObjectType) =>
    new GraphQLInputObjectType({
      name,
      fields: {
        id: { type: GraphQLString },
        hfid: { type: new GraphQLList(GraphQLString) },
        kind: { type: GraphQLString },
        from_pool: { type: pool },
        _relation__is_visible: { type: GraphQLBoolean },
        _relation__is_protected: { type: GraphQLBoolean },
        _relation__owner: { type: GraphQLString },
        _relation__source: { type: GraphQLString }
      }
    })
  const relatedNodeInput = relatedInput("RelatedNodeInput", genericPool)
  const relatedAddressInput = relatedInput("RelatedIPAddressNodeInput", addressPool)
  const relatedPrefixInput = relatedInput("RelatedPrefixNodeInput", prefixPool)

  const attributeInputs = new Map<string, GraphQLInputObjectType>()
  const attributeInput = (kind: AttributeKind, mode: "Create" | "Update"): GraphQLInputObjectType => {
    const family = attributeInputFamily(kind)
    const name = `${family.name}${mode}`
    const existing = attributeInputs.get(name)
    if (existing !== undefined) return existing
    const type = new GraphQLInputObjectType({
      name,
      fields: {
        ...(mode === "Update" ? { is_default: { type: GraphQLBoolean } } : {}),
        is_visible: { type: GraphQLBoolean },
        is_protected: { type: GraphQLBoolean },
        source: { type: GraphQLString },
        owner: { type: GraphQLString },
        value: { type: family.value },
        ...(family.pool ? { from_pool: { type: genericPool } } : {})
      }
    })
    attributeInputs.set(name, type)
    return type
  }

  const relatedFor = (rel: RelationshipSchema): GraphQLInputObjectType => {
    if (isIpKind(registry, rel.peer, "BuiltinIPPrefix")) return relatedPrefixInput
    if (isIpKind(registry, rel.peer, "BuiltinIPAddress")) return relatedAddressInput
    return relatedNodeInput
  }

  const nodeInput = (schema: BaseKindSchema, mode: "Create" | "Update" | "Upsert"): GraphQLInputObjectType =>
    new GraphQLInputObjectType({
      name: `${schema.kind}${mode}Input`,
      fields: () => {
        const fields: GraphQLInputFieldConfigMap = { id: { type: GraphQLString } }
        if (mode !== "Create") fields["hfid"] = { type: new GraphQLList(GraphQLString) }
        for (const attribute of schema.attributes) {
          if (attribute.read_only) continue
          const type = attributeInput(attribute.kind, mode === "Create" ? "Create" : "Update")
          // Upsert inputs mark a field required when it is mandatory and has no (truthy) default.
          const required = mode === "Upsert" && !attribute.optional && !attribute.default_value
          fields[attribute.name] = {
            type: required ? new GraphQLNonNull(type) : type,
            ...(attribute.description !== null ? { description: attribute.description } : {})
          }
        }
        for (const rel of schema.relationships) {
          if (rel.read_only) continue
          const peer = schemaOf(registry, rel.peer)
          if (peer === undefined || peer.namespace === "Internal") continue
          const related = relatedFor(rel)
          const base: GraphQLInputType = rel.cardinality === "one" ? related : new GraphQLList(related)
          const required = mode === "Upsert" && !rel.optional
          fields[rel.name] = {
            type: required ? new GraphQLNonNull(base) : base,
            ...(rel.description !== null ? { description: rel.description } : {})
          }
        }
        return fields
      }
    })

  const cache = new Map<string, GraphQLInputObjectType>()
  const cached = (schema: BaseKindSchema, mode: "Create" | "Update" | "Upsert"): GraphQLInputObjectType => {
    const key = `${schema.kind}${mode}`
    const existing = cache.get(key)
    if (existing !== undefined) return existing
    const type = nodeInput(schema, mode)
    cache.set(key, type)
    return type
  }

  const contextAccount = new GraphQLInputObjectType({
    name: "ContextAccountInput",
    fields: { id: { type: new GraphQLNonNull(GraphQLString), description: "The Infrahub ID of the account" } }
  })

  return {
    deleteInput: new GraphQLInputObjectType({
      name: "DeleteInput",
      fields: { id: { type: GraphQLString }, hfid: { type: new GraphQLList(GraphQLString) } }
    }),
    contextInput: new GraphQLInputObjectType({
      name: "ContextInput",
      fields: {
        account: {
          type: contextAccount,
          description:
            "The account context can be used to override the account information that will be associated with the mutation"
        }
      }
    }),
    relatedNodeInput,
    createInput: (schema) => cached(schema, "Create"),
    updateInput: (schema) => cached(schema, "Update"),
    upsertInput: (schema) => cached(schema, "Upsert")
  }
}
