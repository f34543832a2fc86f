import {
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLString,
  isNonNullType
} from "graphql"
import type { AttributeKind, AttributeSchema, KindSchema, SchemaRegistry } from "../schema/types.js"
import { branchStatuses } from "../store/branches.js"
import type { AttributeRecord, EdgeRecord, NodeRecord } from "../store/records.js"
import type { RequestContext } from "./context.js"
import { COMPUTED_PREFIX_ATTRIBUTES, ipRoleOf, prefixDerived, utilizationOf } from "./ipam.js"
import { filterArgs } from "./filters.js"
import { macFields } from "./mac.js"
import { hierarchyOf, isInternal, kindSatisfies, schemaOf } from "./model.js"
import { attributeProperty, computeDisplayLabel, computeHfid } from "./paths.js"
import {
  ancestorsOf,
  descendantsOf,
  hierarchyPage,
  manyRelationship,
  oneRelationship,
  type Page,
  permissionsFor
} from "./resolvers.js"
import { BigIntScalar, DateTimeScalar, GenericScalar } from "./scalars.js"

/**
 * The output types of the sandbox's GraphQL schema, named as Infrahub's `GraphQLSchemaManager`
 * names them: one object type per node/profile/template kind, one interface per generic,
 * `Edged<Kind>`, `NestedEdged<Kind>`, `Paginated<Kind>`, `NestedPaginated<Kind>`, and the
 * attribute types (`TextAttribute`, `Dropdown`, `NumberAttribute`, `IPHost`, …).
 */

type NodeOutput = GraphQLObjectType<NodeRecord, RequestContext> | GraphQLInterfaceType

export interface AttributeSource {
  readonly node: NodeRecord
  readonly attribute: AttributeSchema
  readonly record: AttributeRecord | undefined
}

/**
 * A prefix's `netmask`, `hostmask`, `network_address`, `broadcast_address` and `utilization`, computed
 * from its value and children when read (`BuiltinIPPrefix.to_graphql`); other kinds read what is stored.
 */
const computedPrefixAttribute = (ctx: RequestContext, node: NodeRecord, attribute: AttributeSchema): AttributeSource => {
  const record = node.attributes[attribute.name]
  const { registry } = ctx.state
  if (ipRoleOf(registry, node.kind) !== "prefix") return { node, attribute, record }
  const value = attribute.name === "utilization" ? utilizationOf(registry, ctx.view(), node) : prefixDerived(registry, node, attribute.name)
  return {
    node,
    attribute,
    record: {
      id: record?.id ?? `${node.id}-${attribute.name}`,
      value,
      is_default: record?.is_default ?? false,
      is_protected: record?.is_protected ?? false,
      is_visible: record?.is_visible ?? true,
      source: record?.source ?? null,
      owner: record?.owner ?? null,
      updated_at: record?.updated_at ?? node.updated_at
    }
  }
}

export interface TypeCatalog {
  readonly orderInput: GraphQLInputObjectType
  readonly output: (kind: string) => NodeOutput | undefined
  readonly paginated: (kind: string) => GraphQLObjectType | undefined
  readonly branchType: GraphQLObjectType
  readonly infoType: GraphQLObjectType
  readonly taskInfoType: GraphQLObjectType
  readonly extraTypes: ReadonlyArray<GraphQLNamedType>
}

const nonNull = <T extends GraphQLOutputType>(type: T) => new GraphQLNonNull(type)

/** The attribute query type of each attribute kind (`infrahub/types.py graphql_query`). */
export const attributeTypeName = (kind: AttributeKind): string => {
  switch (kind) {
    case "Dropdown":
      return "Dropdown"
    case "MacAddress":
      return "MacAddress"
    case "IPHost":
      return "IPHost"
    case "IPNetwork":
      return "IPNetwork"
    case "Number":
    case "Bandwidth":
    case "NumberPool":
      return "NumberAttribute"
    case "Boolean":
    case "Checkbox":
      return "CheckboxAttribute"
    case "List":
      return "ListAttribute"
    case "JSON":
      return "JSONAttribute"
    case "Any":
      return "AnyAttribute"
    default:
      return "TextAttribute"
  }
}

const prop =
  (name: string) =>
  (source: AttributeSource): unknown =>
    attributeProperty(source.attribute, source.record, name)

const macProp =
  (name: string) =>
  (source: AttributeSource): unknown => {
    const value = source.record?.value
    const fields = typeof value === "string" ? macFields(value) : undefined
    return fields === undefined ? null : (fields as Record<string, unknown>)[name]
  }

const hierarchyFieldNames = ["parent", "children", "ancestors", "descendants"]

export const buildTypes = (registry: SchemaRegistry): TypeCatalog => {
  const outputs = new Map<string, NodeOutput>()
  const edged = new Map<string, GraphQLObjectType>()
  const nestedEdged = new Map<string, GraphQLObjectType>()
  const paginated = new Map<string, GraphQLObjectType>()
  const nestedPaginated = new Map<string, GraphQLObjectType>()

  const orderDirection = new GraphQLEnumType({
    name: "InfrahubOrderDirection",
    values: { ASC: { value: "ASC" }, DESC: { value: "DESC" } }
  })
  const metadataOrder = new GraphQLInputObjectType({
    name: "InfrahubNodeMetadataOrder",
    fields: {
      created_at: { type: orderDirection, description: "Order by creation timestamp" },
      updated_at: { type: orderDirection, description: "Order by updated timestamp" }
    }
  })
  const orderByItem = new GraphQLInputObjectType({
    name: "OrderByItem",
    fields: {
      field: { type: new GraphQLNonNull(GraphQLString), description: "Field to order by: an attribute (`name__value`), a relationship attribute (`owner__name__value`), or node metadata (`node_metadata__created_at`)." },
      direction: { type: orderDirection, defaultValue: "ASC", description: "Sort direction (default ASC)" }
    }
  })
  const orderInput = new GraphQLInputObjectType({
    name: "OrderInput",
    fields: {
      disable: { type: GraphQLBoolean },
      node_metadata: {
        type: metadataOrder,
        description: "Order settings for node metadata",
        deprecationReason: "Use `by` with the `node_metadata__created_at` / `node_metadata__updated_at` fields instead."
      },
      by: { type: new GraphQLList(new GraphQLNonNull(orderByItem)), description: "Ordered list of fields to order results by." }
    }
  })

  /** A lineage source/owner: only nodes whose kind implements the lineage interface can be returned. */
  const lookupLineage = (id: unknown, ctx: RequestContext, kind: string): NodeRecord | null => {
    const node = typeof id === "string" ? ctx.view().getNode(id) : undefined
    return node !== undefined && kindSatisfies(registry, node.kind, kind) ? node : null
  }
  const lineage = (kind: string): GraphQLOutputType => outputs.get(kind) ?? GraphQLString

  const attributeInterface = new GraphQLInterfaceType({
    name: "AttributeInterface",
    fields: {
      is_default: { type: GraphQLBoolean },
      is_inherited: { type: GraphQLBoolean },
      is_protected: { type: GraphQLBoolean },
      is_visible: { type: GraphQLBoolean },
      updated_at: { type: DateTimeScalar }
    }
  })

  const attributeType = (
    name: string,
    description: string,
    fields: Record<string, GraphQLFieldConfig<AttributeSource, RequestContext>>
  ): GraphQLObjectType<AttributeSource, RequestContext> =>
    new GraphQLObjectType<AttributeSource, RequestContext>({
      name,
      description,
      interfaces: [attributeInterface],
      fields: () => ({
        ...fields,
        id: { type: GraphQLString, resolve: (source) => source.record?.id ?? null },
        is_from_profile: { type: GraphQLBoolean, resolve: () => false },
        is_default: { type: GraphQLBoolean, resolve: (source) => source.record?.is_default ?? null },
        is_inherited: { type: GraphQLBoolean, resolve: () => false },
        is_protected: { type: GraphQLBoolean, resolve: (source) => source.record?.is_protected ?? null },
        is_visible: { type: GraphQLBoolean, resolve: (source) => source.record?.is_visible ?? null },
        updated_at: { type: DateTimeScalar, resolve: (source) => source.record?.updated_at ?? null },
        source: { type: lineage("LineageSource"), resolve: (source, _args, ctx) => lookupLineage(source.record?.source, ctx, "LineageSource") },
        owner: { type: lineage("LineageOwner"), resolve: (source, _args, ctx) => lookupLineage(source.record?.owner, ctx, "LineageOwner") }
      })
    })

  const value = (type: GraphQLOutputType) => ({ type, resolve: prop("value") })
  const text = (name: string) => ({ type: GraphQLString, resolve: prop(name) })
  const int = (name: string) => ({ type: GraphQLInt, resolve: prop(name) })
  const mac = (name: string, type: GraphQLOutputType = GraphQLString) => ({ type, resolve: macProp(name) })
  const attributeTypes = new Map<string, GraphQLObjectType<AttributeSource, RequestContext>>([
    ["TextAttribute", attributeType("TextAttribute", "Attribute of type Text", { value: value(GraphQLString) })],
    [
      "Dropdown",
      attributeType("Dropdown", "Attribute of type Dropdown", {
        value: value(GraphQLString),
        label: text("label"),
        color: text("color"),
        description: text("description")
      })
    ],
    [
      "IPHost",
      attributeType("IPHost", "Attribute of type IPHost", {
        value: value(GraphQLString),
        ip: text("ip"),
        hostmask: text("hostmask"),
        netmask: text("netmask"),
        prefixlen: int("prefixlen"),
        version: int("version"),
        with_hostmask: text("with_hostmask"),
        with_netmask: text("with_netmask")
      })
    ],
    [
      "IPNetwork",
      attributeType("IPNetwork", "Attribute of type IPNetwork", {
        value: value(GraphQLString),
        broadcast_address: text("broadcast_address"),
        hostmask: text("hostmask"),
        netmask: text("netmask"),
        prefixlen: int("prefixlen"),
        num_addresses: int("num_addresses"),
        version: int("version"),
        with_hostmask: text("with_hostmask"),
        with_netmask: text("with_netmask")
      })
    ],
    [
      "MacAddress",
      attributeType("MacAddress", "Attribute of type MacAddress", {
        value: value(GraphQLString),
        oui: mac("oui"),
        ei: mac("ei"),
        version: mac("version", GraphQLInt),
        binary: mac("binary"),
        eui48: mac("eui48"),
        eui64: mac("eui64"),
        bare: { ...mac("bare"), description: "Format without delimiters" },
        dot_notation: { ...mac("dot_notation"), description: "Format often used by Cisco devices" },
        semicolon_notation: { ...mac("semicolon_notation"), description: "Format used by UNIX based systems" },
        split_notation: { ...mac("split_notation"), description: "Format used by PostgreSQL" }
      })
    ],
    ["NumberAttribute", attributeType("NumberAttribute", "Attribute of type Number", { value: value(BigIntScalar) })],
    ["CheckboxAttribute", attributeType("CheckboxAttribute", "Attribute of type Checkbox", { value: value(GraphQLBoolean) })],
    ["ListAttribute", attributeType("ListAttribute", "Attribute of type List", { value: value(GenericScalar) })],
    ["JSONAttribute", attributeType("JSONAttribute", "Attribute of type JSON", { value: value(GenericScalar) })],
    ["AnyAttribute", attributeType("AnyAttribute", "Attribute of type GenericScalar", { value: value(GenericScalar) })]
  ])
  const attributeTypeFor = (kind: AttributeKind): GraphQLOutputType =>
    attributeTypes.get(attributeTypeName(kind)) ?? GraphQLString

  const relationshipProperty = new GraphQLObjectType<EdgeRecord, RequestContext>({
    name: "RelationshipProperty",
    description: "Defines properties for relationships",
    fields: () => ({
      is_visible: { type: GraphQLBoolean },
      is_protected: { type: GraphQLBoolean },
      updated_at: { type: DateTimeScalar },
      source: { type: lineage("LineageSource"), resolve: (edge, _args, ctx) => lookupLineage(edge.source, ctx, "LineageSource") },
      owner: { type: lineage("LineageOwner"), resolve: (edge, _args, ctx) => lookupLineage(edge.owner, ctx, "LineageOwner") }
    })
  })

  const decision = new GraphQLEnumType({
    name: "BranchRelativePermissionDecision",
    values: { DENY: { value: "DENY" }, ALLOW_DEFAULT: { value: "ALLOW_DEFAULT" }, ALLOW_OTHER: { value: "ALLOW_OTHER" }, ALLOW: { value: "ALLOW" } }
  })
  const objectPermission = new GraphQLObjectType({
    name: "ObjectPermission",
    fields: {
      kind: { type: nonNull(GraphQLString), description: "The kind this permission refers to." },
      view: { type: nonNull(decision), description: "Indicates if the account has the read permission" },
      create: { type: nonNull(decision), description: "Indicates if the account has the create permission" },
      update: { type: nonNull(decision), description: "Indicates if the account has the update permission" },
      delete: { type: nonNull(decision), description: "Indicates if the account has the delete permission" }
    }
  })
  const objectPermissionNode = new GraphQLObjectType({
    name: "ObjectPermissionNode",
    fields: { node: { type: nonNull(objectPermission) } }
  })
  const paginatedPermission = new GraphQLObjectType({
    name: "PaginatedObjectPermission",
    fields: {
      count: {
        type: nonNull(GraphQLInt),
        description: "The number of permissions applicable, will be 1 for normal nodes or possibly more for generics"
      },
      edges: { type: nonNull(new GraphQLList(nonNull(objectPermissionNode))) }
    }
  })
  const permissionsField: GraphQLFieldConfig<Page, RequestContext> = {
    type: nonNull(paginatedPermission),
    resolve: (page, _args, ctx) => permissionsFor(ctx, page.kind)
  }

  const entries = [...registry.byKind.values()]

  const relationshipFields = (entry: KindSchema): GraphQLFieldConfigMap<NodeRecord, RequestContext> => {
    const schema = entry.schema
    const hierarchy = hierarchyOf(entry)
    const fields: GraphQLFieldConfigMap<NodeRecord, RequestContext> = {}
    for (const rel of schema.relationships) {
      if (hierarchy !== undefined && hierarchyFieldNames.includes(rel.name)) continue
      const peer = schemaOf(registry, rel.peer)
      if (peer === undefined || isInternal(peer)) continue
      if (rel.cardinality === "one") {
        const type = nestedEdged.get(rel.peer)
        if (type === undefined) continue
        fields[rel.name] = {
          type: nonNull(type),
          ...(rel.description !== null ? { description: rel.description } : {}),
          resolve: (node, _args, ctx) => oneRelationship(ctx, node, rel.name)
        }
      } else {
        const type = nestedPaginated.get(rel.peer)
        if (type === undefined) continue
        const args: GraphQLFieldConfigArgumentMap = {
          ...filterArgs(registry, peer, false, orderInput),
          ...(hierarchy !== undefined ? { include_descendants: { type: GraphQLBoolean } } : {})
        }
        fields[rel.name] = {
          type: nonNull(type),
          ...(rel.description !== null ? { description: rel.description } : {}),
          args,
          resolve: (node, fieldArgs, ctx) => manyRelationship(ctx, node, rel.name, rel.peer, fieldArgs)
        }
      }
    }
    if (hierarchy !== undefined) {
      const hierarchySchema = schemaOf(registry, hierarchy)
      const edgeType = nestedEdged.get(hierarchy)
      const pageType = nestedPaginated.get(hierarchy)
      if (hierarchySchema !== undefined && edgeType !== undefined && pageType !== undefined) {
        const args = filterArgs(registry, hierarchySchema, false, orderInput)
        fields["parent"] = { type: nonNull(edgeType), resolve: (node, _args, ctx) => oneRelationship(ctx, node, "parent") }
        fields["children"] = {
          type: nonNull(pageType),
          args,
          resolve: (node, fieldArgs, ctx) => manyRelationship(ctx, node, "children", hierarchy, fieldArgs)
        }
        fields["ancestors"] = {
          type: nonNull(pageType),
          args,
          resolve: (node, fieldArgs, ctx) => hierarchyPage(ctx, ancestorsOf(ctx, node), hierarchy, fieldArgs)
        }
        fields["descendants"] = {
          type: nonNull(pageType),
          args,
          resolve: (node, fieldArgs, ctx) => hierarchyPage(ctx, descendantsOf(ctx, node), hierarchy, fieldArgs)
        }
      }
    }
    return fields
  }

  const nodeFields = (entry: KindSchema): GraphQLFieldConfigMap<NodeRecord, RequestContext> => {
    const schema = entry.schema
    const isInterface = entry.category === "generic"
    const fields: GraphQLFieldConfigMap<NodeRecord, RequestContext> = {
      id: {
        type: isInterface ? GraphQLString : nonNull(GraphQLString),
        description: "Unique identifier",
        resolve: (node) => node.id
      },
      hfid: {
        type: new GraphQLList(nonNull(GraphQLString)),
        description: "Human friendly identifier",
        resolve: (node, _args, ctx) => computeHfid(ctx.state.registry, ctx.view(), node)
      },
      display_label: {
        type: GraphQLString,
        resolve: (node, _args, ctx) => computeDisplayLabel(ctx.state.registry, ctx.view(), node)
      }
    }
    if (!isInterface) fields["_updated_at"] = { type: DateTimeScalar, resolve: (node) => node.updated_at }
    for (const attribute of schema.attributes) {
      // Infrahub describes an object's own attributes as "<description> (required)"; inherited
      // ones come from the generic's interface with the plain description.
      const description =
        isInterface || attribute.inherited
          ? (attribute.description ?? undefined)
          : `${attribute.description ?? "None"}${attribute.optional ? "" : " (required)"}`
      fields[attribute.name] = {
        type: attributeTypeFor(attribute.kind),
        ...(description !== undefined ? { description } : {}),
        resolve: COMPUTED_PREFIX_ATTRIBUTES.has(attribute.name)
          ? (node, _args, ctx): AttributeSource => computedPrefixAttribute(ctx, node, attribute)
          : (node): AttributeSource => ({ node, attribute, record: node.attributes[attribute.name] })
      }
    }
    return { ...fields, ...relationshipFields(entry) }
  }

  const genericEntries = entries.filter((entry) => entry.category === "generic")
  const concreteEntries = entries.filter((entry) => entry.category !== "generic")

  for (const entry of genericEntries) {
    outputs.set(
      entry.schema.kind,
      new GraphQLInterfaceType({
        name: entry.schema.kind,
        ...(entry.schema.description !== null ? { description: entry.schema.description } : {}),
        fields: () => nodeFields(entry) as GraphQLFieldConfigMap<unknown, unknown>,
        resolveType: (node: NodeRecord) => node.kind
      })
    )
  }
  // Infrahub always defines the CoreNode interface, even when the schema does not list it.
  if (!outputs.has("CoreNode")) {
    outputs.set(
      "CoreNode",
      new GraphQLInterfaceType({
        name: "CoreNode",
        description: "Interface for all nodes in Infrahub",
        fields: {
          id: { type: GraphQLString, description: "Unique identifier" },
          hfid: { type: new GraphQLList(nonNull(GraphQLString)), description: "Human friendly identifier" },
          display_label: { type: GraphQLString }
        },
        resolveType: (node: NodeRecord) => node.kind
      })
    )
  }

  /** Interface fields must be matched exactly (same type, same arguments); otherwise the interface is left out. */
  const implementable = (object: GraphQLObjectType, candidate: GraphQLInterfaceType): boolean => {
    const own = object.getFields()
    return Object.values(candidate.getFields()).every((field) => {
      const mine = own[field.name]
      if (mine === undefined) return false
      const wanted = String(field.type)
      const actual = String(mine.type)
      if (actual !== wanted && actual !== `${wanted}!`) return false
      return (
        field.args.every((arg) => mine.args.some((other) => other.name === arg.name && String(other.type) === String(arg.type))) &&
        mine.args.every((other) => field.args.some((arg) => arg.name === other.name) || !isNonNullType(other.type))
      )
    })
  }

  for (const entry of concreteEntries) {
    const schema = entry.schema
    const inherits = entry.schema.inherit_from
    const candidates = [
      ...inherits,
      ...(entry.category === "node" && !inherits.includes("CoreGroup") && !inherits.includes("CoreNode") ? ["CoreNode"] : [])
    ]
    const object: GraphQLObjectType<NodeRecord, RequestContext> = new GraphQLObjectType<NodeRecord, RequestContext>({
      name: schema.kind,
      ...(schema.description !== null ? { description: schema.description } : {}),
      interfaces: () =>
        candidates
          .map((name) => outputs.get(name))
          .filter((candidate): candidate is GraphQLInterfaceType => candidate instanceof GraphQLInterfaceType)
          .filter((candidate) => implementable(object, candidate)),
      fields: () => nodeFields(entry)
    })
    outputs.set(schema.kind, object)
  }

  for (const [kind, output] of outputs) {
    const schema = schemaOf(registry, kind)
    const description = schema?.description ?? undefined
    const isGeneric = output instanceof GraphQLInterfaceType
    const edge = new GraphQLObjectType({
      name: `Edged${kind}`,
      ...(description !== undefined ? { description } : {}),
      fields: { node: { type: output } }
    })
    const nested = new GraphQLObjectType({
      name: `NestedEdged${kind}`,
      ...(description !== undefined ? { description } : {}),
      fields: { node: { type: output }, properties: { type: relationshipProperty } }
    })
    edged.set(kind, edge)
    nestedEdged.set(kind, nested)
    paginated.set(
      kind,
      new GraphQLObjectType<Page, RequestContext>({
        name: `Paginated${kind}`,
        ...(description !== undefined ? { description } : {}),
        fields: {
          count: { type: nonNull(GraphQLInt) },
          edges: { type: nonNull(new GraphQLList(nonNull(edge))) },
          permissions: permissionsField
        }
      })
    )
    nestedPaginated.set(
      kind,
      new GraphQLObjectType<Page, RequestContext>({
        name: `NestedPaginated${kind}`,
        ...(description !== undefined ? { description } : {}),
        fields: isGeneric
          ? { count: { type: nonNull(GraphQLInt) }, edges: { type: new GraphQLList(nonNull(nested)) } }
          : {
              count: { type: nonNull(GraphQLInt) },
              edges: { type: nonNull(new GraphQLList(nonNull(nested))) },
              permissions: permissionsField
            }
      })
    )
  }

  const branchStatus = new GraphQLEnumType({
    name: "InfrahubBranchStatus",
    values: Object.fromEntries(branchStatuses.map((status) => [status, { value: status }]))
  })
  const branchType = new GraphQLObjectType({
    name: "Branch",
    description: "Branch",
    fields: {
      id: { type: nonNull(GraphQLString) },
      name: { type: nonNull(GraphQLString) },
      description: { type: GraphQLString },
      origin_branch: { type: GraphQLString },
      branched_from: { type: GraphQLString },
      created_at: { type: GraphQLString },
      sync_with_git: { type: GraphQLBoolean },
      is_default: { type: GraphQLBoolean },
      is_isolated: { type: GraphQLBoolean, deprecationReason: "non isolated mode is not supported anymore" },
      has_schema_changes: { type: GraphQLBoolean },
      status: { type: nonNull(branchStatus) },
      graph_version: { type: GraphQLInt }
    }
  })
  const infoType = new GraphQLObjectType({
    name: "Info",
    fields: { deployment_id: { type: nonNull(GraphQLString) }, version: { type: nonNull(GraphQLString) } }
  })
  const taskInfoType = new GraphQLObjectType({ name: "TaskInfo", fields: { id: { type: GraphQLString } } })

  return {
    orderInput,
    output: (kind) => outputs.get(kind),
    paginated: (kind) => paginated.get(kind),
    branchType,
    infoType,
    taskInfoType,
    extraTypes: [
      ...attributeTypes.values(),
      ...outputs.values(),
      ...edged.values(),
      ...nestedEdged.values(),
      ...nestedPaginated.values(),
      ...paginated.values()
    ]
  }
}
