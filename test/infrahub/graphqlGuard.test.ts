import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  ForbiddenMutation,
  GraphQLSyntaxError,
  MutationNotAllowed,
  NotAMutation,
  isForbiddenMutationField,
  parseDocument,
  requireDataMutation,
  requireReadOnly,
  topLevelFields
} from "../../src/infrahub/graphqlGuard.js"

const leftOf = <A, E>(either: Either.Either<A, E>): E => {
  if (Either.isRight(either)) throw new Error(`expected a refusal, got ${JSON.stringify(either.right)}`)
  return either.left
}

const forbiddenFields = (source: string): ReadonlyArray<string> => {
  const error = leftOf(requireDataMutation(source))
  expect(error).toBeInstanceOf(ForbiddenMutation)
  return (error as ForbiddenMutation).fields
}

describe("parseDocument", () => {
  it("parses a valid document", () => {
    const doc = Either.getOrThrow(parseDocument("query Sites { LocationSite { count } }"))
    expect(doc.definitions).toHaveLength(1)
  })

  it("reports a syntax error with its line and column", () => {
    const error = leftOf(parseDocument("query {\n  LocationSite {\n    count(\n}"))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect(error._tag).toBe("GraphQLSyntaxError")
    expect(error.line).toBe(4)
    expect(error.column).toBe(1)
    expect(error.message).toBe('GraphQL syntax error (line 4, column 1): Expected Name, found "}".')
    expect(error.remediation).toContain("infrahub://graphql-schema/{type}")
  })

  it("refuses an empty document", () => {
    const error = leftOf(parseDocument("   "))
    expect(error.message).toContain("Unexpected <EOF>")
    expect(error.line).toBe(1)
  })

  it("refuses an absurdly large document before walking it", () => {
    const error = leftOf(parseDocument(`{ ${"a ".repeat(25_000)}}`))
    expect(error.message).toBe("The GraphQL document has more than 20000 tokens; split it into smaller requests.")
  })
})

describe("requireReadOnly (query_graphql)", () => {
  it.each([
    ["a named query", "query Sites { LocationSite { edges { node { id } } } }"],
    ["the query shorthand", "{ LocationSite { count } }"],
    ["__typename only", "{ __typename }"],
    ["introspection", "{ __schema { queryType { name } } }"],
    ["a query with variables and a fragment", "query Q($n: String) { LocationSite(name__value: $n) { ...F } } fragment F on PaginatedLocationSite { count }"],
    ["several queries", "query A { a } query B { b }"]
  ])("accepts %s", (_label, source) => {
    expect(Either.isRight(requireReadOnly(source))).toBe(true)
  })

  it("refuses a mutation and points to mutate_graphql", () => {
    const error = leftOf(requireReadOnly('mutation { CoreTagCreate(data: {name: {value: "x"}}) { ok } }'))
    expect(error).toBeInstanceOf(MutationNotAllowed)
    expect(error._tag).toBe("MutationNotAllowed")
    expect(error.message).toBe("query_graphql only runs read queries, and this document contains a mutation.")
    expect((error as MutationNotAllowed).remediation).toContain("mutate_graphql")
  })

  it("refuses a subscription", () => {
    const error = leftOf(requireReadOnly("subscription Watch { events { id } }"))
    expect(error).toBeInstanceOf(MutationNotAllowed)
    expect((error as MutationNotAllowed).operation).toBe("subscription")
    expect(error.message).toContain('subscription ("Watch")')
    expect((error as MutationNotAllowed).remediation).toContain("query")
  })

  it("refuses a mutation hidden next to a query, whatever operationName a client would pick", () => {
    const error = leftOf(requireReadOnly("query Read { a } mutation Write { CoreTagDelete(data: {id: \"1\"}) { ok } }"))
    expect(error).toBeInstanceOf(MutationNotAllowed)
    expect((error as MutationNotAllowed).operationName).toBe("Write")
  })

  it("refuses an anonymous mutation next to a named query", () => {
    expect(leftOf(requireReadOnly("query A { a } mutation { b }"))).toBeInstanceOf(MutationNotAllowed)
  })

  it("refuses a document with fragments but no operation", () => {
    const error = leftOf(requireReadOnly("fragment F on Query { a }"))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect(error.message).toContain("no operation")
  })

  it("refuses type-system definitions, with their position", () => {
    const error = leftOf(requireReadOnly("{ a }\ntype Evil { x: Int }"))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect(error.message).toContain("object type definition")
    expect((error as GraphQLSyntaxError).line).toBe(2)
    expect((error as GraphQLSyntaxError).column).toBe(1)
  })

  it("refuses a spread of an undefined fragment", () => {
    const error = leftOf(requireReadOnly("{ ...Missing }"))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect(error.message).toContain('Unknown fragment "Missing" (line 1, column 3)')
  })

  it("reports syntax errors as syntax errors", () => {
    const error = leftOf(requireReadOnly("query { a(b: }"))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect((error as GraphQLSyntaxError).column).toBe(14)
  })
})

describe("requireDataMutation (mutate_graphql)", () => {
  it.each([
    ["a node mutation", 'mutation { CoreTagCreate(data: {name: {value: "web"}}) { ok object { id } } }'],
    ["several data mutations in several operations", "mutation A { CoreTagCreate(data: {}) { ok } } mutation B { CoreTagDelete(data: {}) { ok } }"],
    ["relationship edits", 'mutation { RelationshipAdd(data: {id: "1", name: "tags", nodes: [{id: "2"}]}) { ok } }'],
    ["__typename only", "mutation { __typename }"],
    ["a mutation through a fragment", "mutation { ...F } fragment F on Mutation { CoreTagUpdate(data: {}) { ok } }"],
    ["a user namespace that merely starts with the letters Schema", "mutation { SchematicDeviceCreate(data: {}) { ok } Schema2RackCreate(data: {}) { ok } }"],
    ["a branch mutation name nested below the root (not executable as a mutation)", "mutation { CoreTagCreate(data: {}) { object { BranchMerge } } }"],
    // GraphQL names are case-sensitive: Infrahub has no `branchcreate` field and rejects the document itself.
    ["lowercase branchcreate, which is not Infrahub's BranchCreate", 'mutation { branchcreate(data: {name: "x"}) { ok } }']
  ])("accepts %s", (_label, source) => {
    expect(Either.isRight(requireDataMutation(source))).toBe(true)
  })

  it("refuses a query and points to query_graphql", () => {
    const error = leftOf(requireDataMutation("query Sites { LocationSite { count } }"))
    expect(error).toBeInstanceOf(NotAMutation)
    expect(error.message).toBe('mutate_graphql only runs mutations, and this document contains a query ("Sites").')
    expect((error as NotAMutation).remediation).toContain("query_graphql")
  })

  it("refuses the query shorthand", () => {
    expect((leftOf(requireDataMutation("{ a }")) as NotAMutation).operation).toBe("query")
  })

  it("refuses a subscription", () => {
    expect((leftOf(requireDataMutation("subscription { a }")) as NotAMutation).operation).toBe("subscription")
  })

  it("refuses a query sitting next to a mutation", () => {
    expect(leftOf(requireDataMutation("mutation W { CoreTagCreate(data: {}) { ok } } query R { a }"))).toBeInstanceOf(NotAMutation)
  })

  it.each([
    "BranchCreate",
    "BranchDelete",
    "BranchMerge",
    "BranchRebase",
    "BranchUpdate",
    "BranchValidate",
    "SchemaDropdownAdd",
    "SchemaDropdownRemove",
    "SchemaEnumAdd",
    "SchemaEnumRemove",
    "CoreProposedChangeMerge",
    "ProposedChangeMerge"
  ])("refuses %s", (field) => {
    expect(forbiddenFields(`mutation { ${field}(data: {name: "x"}) { ok } }`)).toEqual([field])
  })

  it("says what to do instead", () => {
    const error = leftOf(requireDataMutation('mutation { BranchMerge(data: {name: "x"}) { ok } }')) as ForbiddenMutation
    expect(error.message).toBe("mutate_graphql does not run branch, schema or merge mutations: BranchMerge.")
    expect(error.remediation).toContain("reset_session_branch")
    expect(error.remediation).toContain("propose_changes")
    expect(error.remediation).toContain("human")
  })

  it("sees through an alias", () => {
    expect(forbiddenFields('mutation { harmless: BranchMerge(data: {name: "x"}) { ok } }')).toEqual(["BranchMerge"])
  })

  it("sees into an inline fragment with a type condition", () => {
    expect(forbiddenFields('mutation { ... on Mutation { BranchMerge(data: {name: "x"}) { ok } } }')).toEqual(["BranchMerge"])
  })

  it("sees into an inline fragment without a type condition", () => {
    expect(forbiddenFields('mutation { ... { BranchDelete(data: {name: "x"}) { ok } } }')).toEqual(["BranchDelete"])
  })

  it("sees into an inline fragment whose type condition would not match", () => {
    expect(forbiddenFields("mutation { ... on Query { BranchCreate(data: {}) { ok } } }")).toEqual(["BranchCreate"])
  })

  it("ignores @skip and @include: the field is refused either way", () => {
    expect(forbiddenFields("mutation { BranchMerge(data: {}) @skip(if: true) { ok } }")).toEqual(["BranchMerge"])
  })

  it("follows nested fragment spreads", () => {
    const source = `
      mutation { CoreTagCreate(data: {}) { ok } ...Outer }
      fragment Outer on Mutation { ... { ...Inner } }
      fragment Inner on Mutation { rebase: BranchRebase(data: {name: "x"}) { ok } }`
    expect(forbiddenFields(source)).toEqual(["BranchRebase"])
  })

  it("terminates on fragment cycles and still finds the field", () => {
    const source = `
      mutation { ...A }
      fragment A on Mutation { ...B CoreTagCreate(data: {}) { ok } }
      fragment B on Mutation { ...A BranchMerge(data: {}) { ok } }`
    expect(forbiddenFields(source)).toEqual(["BranchMerge"])
  })

  it("counts every definition of a repeated fragment name", () => {
    const source = `
      mutation { ...F }
      fragment F on Mutation { CoreTagCreate(data: {}) { ok } }
      fragment F on Mutation { BranchMerge(data: {}) { ok } }`
    expect(forbiddenFields(source)).toEqual(["BranchMerge"])
  })

  it("checks every operation, not only the one a client would pick", () => {
    const source = "mutation Safe { CoreTagCreate(data: {}) { ok } } mutation Evil { BranchMerge(data: {}) { ok } }"
    expect(forbiddenFields(source)).toEqual(["BranchMerge"])
  })

  it("checks an anonymous operation next to a named one", () => {
    expect(forbiddenFields("mutation Safe { CoreTagCreate(data: {}) { ok } } mutation { SchemaEnumAdd(data: {}) { ok } }")).toEqual([
      "SchemaEnumAdd"
    ])
  })

  it("lists every forbidden field once", () => {
    expect(forbiddenFields("mutation { a: BranchMerge(data: {}) { ok } b: BranchMerge(data: {}) { ok } BranchDelete(data: {}) { ok } }")).toEqual([
      "BranchMerge",
      "BranchDelete"
    ])
  })

  it("refuses a fragments-only document and a syntax error", () => {
    expect(leftOf(requireDataMutation("fragment F on Mutation { BranchMerge }"))).toBeInstanceOf(GraphQLSyntaxError)
    const error = leftOf(requireDataMutation("mutation { broken("))
    expect(error).toBeInstanceOf(GraphQLSyntaxError)
    expect((error as GraphQLSyntaxError).line).toBe(1)
  })
})

describe("isForbiddenMutationField", () => {
  it("matches names case-sensitively, and Schema only at a namespace boundary", () => {
    expect(isForbiddenMutationField("BranchMerge")).toBe(true)
    expect(isForbiddenMutationField("branchmerge")).toBe(false)
    expect(isForbiddenMutationField("BRANCHMERGE")).toBe(false)
    expect(isForbiddenMutationField("Schema")).toBe(true)
    expect(isForbiddenMutationField("Schema_x")).toBe(true)
    expect(isForbiddenMutationField("SchemaFutureThing")).toBe(true)
    expect(isForbiddenMutationField("Schematic")).toBe(false)
    expect(isForbiddenMutationField("CoreProposedChangeCreate")).toBe(false)
  })
})

describe("topLevelFields", () => {
  const doc = Either.getOrThrow(
    parseDocument(`
      query A { x: LocationSite { count } ...F __typename }
      query B { InfraDevice { count } }
      fragment F on Query { ... on Query { y: OrganizationTenant { count } } LocationSite { count } }`)
  )

  it("resolves aliases and expands fragments, each name once, in document order", () => {
    expect(topLevelFields(doc)).toEqual(["LocationSite", "OrganizationTenant", "__typename", "InfraDevice"])
  })

  it("restricts to one operation when asked", () => {
    expect(topLevelFields(doc, "B")).toEqual(["InfraDevice"])
    expect(topLevelFields(doc, "Nope")).toEqual([])
  })
})
