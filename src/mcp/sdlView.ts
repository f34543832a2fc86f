// graphql-js by module: its index would load the whole executor and type system at start-up.
import type { FieldDefinitionNode, InputValueDefinitionNode, TypeDefinitionNode, TypeNode } from "graphql/language/ast.js"
import { Kind } from "graphql/language/kinds.js"
import { parse } from "graphql/language/parser.js"
import { print } from "graphql/language/printer.js"

/**
 * One type's slice of Infrahub's GraphQL SDL. The whole document is over a megabyte for a real
 * schema (every kind has a type, a query field with all its filters, four mutations and their
 * inputs), far past what a model should read; the slice of one name is what it needs to write one
 * query or mutation by hand.
 */

/** Where remediation texts send a model that needs GraphQL field and argument names. */
export const GRAPHQL_TYPE_ADVICE =
  "infrahub://graphql-schema/{type} gives the SDL of one name, e.g. infrahub://graphql-schema/DcimDevice (its query field with every filter argument, its fields, and the types they use) or infrahub://graphql-schema/DcimDeviceCreate (the mutation and its input); get_schema(kind) lists a kind's attributes, relationships and filters in fewer tokens."

export interface SdlIndex {
  readonly types: ReadonlyMap<string, TypeDefinitionNode>
  /** Fields of the Query, Mutation and Subscription types, by field name. */
  readonly rootFields: ReadonlyMap<string, ReadonlyArray<{ readonly root: string; readonly field: FieldDefinitionNode }>>
  readonly rootTypes: ReadonlySet<string>
}

const BUILT_IN_SCALARS = new Set(["String", "Int", "Float", "Boolean", "ID"])

const isTypeDefinition = (node: { readonly kind: Kind }): node is TypeDefinitionNode =>
  node.kind === Kind.OBJECT_TYPE_DEFINITION ||
  node.kind === Kind.INTERFACE_TYPE_DEFINITION ||
  node.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION ||
  node.kind === Kind.ENUM_TYPE_DEFINITION ||
  node.kind === Kind.UNION_TYPE_DEFINITION ||
  node.kind === Kind.SCALAR_TYPE_DEFINITION

/** Indexes an SDL document (throws graphql-js's `GraphQLError` when it does not parse). */
export const indexSdl = (sdl: string): SdlIndex => {
  const document = parse(sdl, { noLocation: true })
  const types = new Map<string, TypeDefinitionNode>()
  const rootTypes = new Set(["Query", "Mutation", "Subscription"])
  for (const definition of document.definitions) {
    if (isTypeDefinition(definition)) types.set(definition.name.value, definition)
    if (definition.kind === Kind.SCHEMA_DEFINITION) {
      rootTypes.clear()
      for (const operation of definition.operationTypes) rootTypes.add(operation.type.name.value)
    }
  }
  const rootFields = new Map<string, Array<{ readonly root: string; readonly field: FieldDefinitionNode }>>()
  for (const root of rootTypes) {
    const type = types.get(root)
    if (type?.kind !== Kind.OBJECT_TYPE_DEFINITION) continue
    for (const field of type.fields ?? []) {
      const list = rootFields.get(field.name.value) ?? []
      list.push({ root, field })
      rootFields.set(field.name.value, list)
    }
  }
  return { types, rootFields, rootTypes }
}

const namedType = (type: TypeNode): string => (type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type))

const argumentTypes = (args: ReadonlyArray<InputValueDefinitionNode> | undefined): ReadonlyArray<string> =>
  (args ?? []).map((arg) => namedType(arg.type))

/** The named types a definition mentions directly: field, argument and member types, interfaces. */
const referencedBy = (type: TypeDefinitionNode): ReadonlyArray<string> => {
  switch (type.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_DEFINITION:
      return [
        ...(type.interfaces ?? []).map((i) => i.name.value),
        ...(type.fields ?? []).flatMap((field) => [namedType(field.type), ...argumentTypes(field.arguments)])
      ]
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      return (type.fields ?? []).map((field) => namedType(field.type))
    case Kind.UNION_TYPE_DEFINITION:
      return (type.types ?? []).map((member) => member.name.value)
    default:
      return []
  }
}

/** The exact name, or the one name that matches it ignoring letter case. */
const resolveName = (index: SdlIndex, wanted: string): string | undefined => {
  if (index.types.has(wanted) || index.rootFields.has(wanted)) return wanted
  const lower = wanted.toLowerCase()
  const candidates = new Set([...index.types.keys(), ...index.rootFields.keys()].filter((name) => name.toLowerCase() === lower))
  return candidates.size === 1 ? [...candidates][0] : undefined
}

/**
 * The SDL for `name`: the root fields of that name (e.g. the `DcimDevice` query with every filter
 * argument, or the `DcimDeviceCreate` mutation), the type of that name, and every type they refer
 * to, one level deep. `undefined` when the schema has neither a type nor a root field of that name.
 */
export const sliceSdl = (index: SdlIndex, wanted: string): { readonly name: string; readonly sdl: string } | undefined => {
  const name = resolveName(index, wanted)
  if (name === undefined) return undefined
  const type = index.types.get(name)
  const roots = index.rootFields.get(name) ?? []
  const referenced = new Set<string>()
  for (const { field } of roots) for (const ref of [namedType(field.type), ...argumentTypes(field.arguments)]) referenced.add(ref)
  if (type !== undefined && !index.rootTypes.has(name)) for (const ref of referencedBy(type)) referenced.add(ref)
  referenced.delete(name)
  const parts: Array<string> = []
  for (const { root, field } of roots) parts.push(`type ${root} {\n  ${print(field).split("\n").join("\n  ")}\n}`)
  if (type !== undefined) parts.push(print(type))
  const related = [...referenced]
    .filter((ref) => !BUILT_IN_SCALARS.has(ref) && !index.rootTypes.has(ref))
    .sort()
    .flatMap((ref) => {
      const definition = index.types.get(ref)
      return definition === undefined ? [] : [print(definition)]
    })
  const shown = [...roots.map((r) => `the ${r.root} field`), ...(type === undefined ? [] : ["the type"])].join(", ")
  const header = `# ${name}: ${shown}, and the types they use (one level deep). Read infrahub://graphql-schema/<Name> for any other type.`
  return { name, sdl: [header, ...parts, ...related].join("\n\n") }
}

/** Type and root-field names containing `fragment` (ignoring case), sorted, at most `max`. */
export const namesContaining = (index: SdlIndex, fragment: string, max: number): ReadonlyArray<string> => {
  const lower = fragment.toLowerCase()
  return [...new Set([...index.types.keys(), ...index.rootFields.keys()])]
    .filter((name) => name.toLowerCase().includes(lower) && !name.startsWith("__"))
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
    .slice(0, max)
}
