import { GraphQLError, GraphQLScalarType, Kind, type ValueNode, print } from "graphql"

/**
 * The custom scalars Infrahub's schema uses: graphene's BigInt, DateTime and GenericScalar.
 * Coercion follows graphene so that what it rejects, the sandbox rejects.
 */

const toInteger = (value: unknown): number => {
  if (typeof value === "boolean") return value ? 1 : 0
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value)
  if (typeof value === "bigint") return Number(value)
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value.trim())
  throw new GraphQLError(`BigInt cannot represent non-integer value: ${JSON.stringify(value)}`)
}

export const BigIntScalar = new GraphQLScalarType({
  name: "BigInt",
  description:
    "The `BigInt` scalar type represents non-fractional whole numeric values.\n`BigInt` is not constrained to 32-bit like the `Int` type and thus is a less\ncompatible type.",
  serialize: toInteger,
  // graphene's `int(value)`: numeric strings and booleans pass, anything else fails.
  parseValue: toInteger,
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT) throw new GraphQLError(`BigInt cannot represent non-integer value: ${print(node)}`, { nodes: node })
    return Number(node.value)
  }
})

const isoDateTime = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/

/** Renders a stored ISO timestamp the way graphene's DateTime serializes a datetime (`isoformat()`). */
const serializeDateTime = (value: unknown): string => {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime cannot represent value: ${JSON.stringify(value)}`)
  }
  return `${date.toISOString().slice(0, 23)}000+00:00`
}

const parseDateTime = (value: unknown): string => {
  if (typeof value !== "string" || !isoDateTime.test(value) || Number.isNaN(new Date(value).getTime())) {
    throw new GraphQLError(`DateTime cannot represent value: ${JSON.stringify(value)}`)
  }
  return new Date(value).toISOString()
}

export const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  description:
    "The `DateTime` scalar type represents a DateTime\nvalue as specified by\n[iso8601](https://en.wikipedia.org/wiki/ISO_8601).",
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new GraphQLError(`DateTime cannot represent non-string value: ${print(node)}`, { nodes: node })
    return parseDateTime(node.value)
  }
})

const literalValue = (node: ValueNode, variables: Readonly<Record<string, unknown>> | null | undefined): unknown => {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return node.value
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value)
    case Kind.NULL:
      return null
    case Kind.LIST:
      return node.values.map((item) => literalValue(item, variables))
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalValue(field.value, variables)]))
    case Kind.VARIABLE:
      return variables?.[node.name.value]
  }
}

export const GenericScalar = new GraphQLScalarType({
  name: "GenericScalar",
  description:
    "The `GenericScalar` scalar type represents a generic\nGraphQL scalar value that could be:\nString, Boolean, Int, Float, List or Object.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalValue(node, variables)
})
