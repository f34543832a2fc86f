import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
// graphql-js by module: its index would load the whole executor and type system for a parse.
import { GraphQLError } from "graphql/error/GraphQLError.js"
import type {
  ASTNode,
  DefinitionNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  FragmentSpreadNode,
  OperationDefinitionNode,
  SelectionSetNode
} from "graphql/language/ast.js"
import { Kind } from "graphql/language/kinds.js"
import { parse } from "graphql/language/parser.js"

/**
 * The gate in front of `query_graphql` and `mutate_graphql`. It decides from graphql-js's AST, never
 * from text matching, so aliases, fragments and odd whitespace cannot slip a mutation past it.
 */

// A generous ceiling for hand-written documents; it stops a pathological input from making the
// (recursive) parser spend unbounded time or stack before we even look at it.
const MAX_TOKENS = 20_000

const GRAPHQL_SCHEMA_HINT =
  "infrahub://graphql-schema/{type} lists the fields and arguments of one type or query/mutation field (e.g. infrahub://graphql-schema/DcimDevice), and get_schema(kind) a kind's attributes, relationships and filters"

export class GraphQLSyntaxError extends Schema.TaggedError<GraphQLSyntaxError>()("GraphQLSyntaxError", {
  message: Schema.String,
  line: Schema.optional(Schema.Number),
  column: Schema.optional(Schema.Number)
}) {
  get remediation(): string {
    return `Fix the document and retry; ${GRAPHQL_SCHEMA_HINT}.`
  }
}

/** `query_graphql` was given a document that contains a mutation or a subscription. */
export class MutationNotAllowed extends Schema.TaggedError<MutationNotAllowed>()("MutationNotAllowed", {
  operation: Schema.Literal("mutation", "subscription"),
  operationName: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `query_graphql only runs read queries, and this document contains a ${this.operation}${named(this.operationName)}.`
  }
  get remediation(): string {
    return this.operation === "mutation"
      ? "Send changes with mutate_graphql (they land on your session branch), or use node_upsert/node_delete for plain attribute changes. If those tools are not listed, this server or your account is read-only."
      : "Subscriptions are not supported; read the current state with a `query { … }` instead."
  }
}

/** `mutate_graphql` was given a document with a query or subscription operation. */
export class NotAMutation extends Schema.TaggedError<NotAMutation>()("NotAMutation", {
  operation: Schema.Literal("query", "subscription"),
  operationName: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `mutate_graphql only runs mutations, and this document contains a ${this.operation}${named(this.operationName)}.`
  }
  get remediation(): string {
    return this.operation === "query"
      ? "Read data with query_graphql; send only `mutation { … }` operations to mutate_graphql."
      : "Subscriptions are not supported; read with query_graphql and send only `mutation { … }` operations here."
  }
}

/** `mutate_graphql` was asked to manage branches, the schema, or to merge a proposed change. */
export class ForbiddenMutation extends Schema.TaggedError<ForbiddenMutation>()("ForbiddenMutation", {
  fields: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `mutate_graphql does not run branch, schema or merge mutations: ${this.fields.join(", ")}.`
  }
  get remediation(): string {
    return "Your writes already land on your own session branch. Use reset_session_branch to start a fresh branch or switch to another one, and propose_changes to open a proposed change: a human reviews and merges it. Schema changes are made by an Infrahub administrator."
  }
}

/**
 * Mutations an agent must not run: branch lifecycle is owned by the session-branch machinery and
 * merging is a human's decision. `CoreProposedChangeMerge` / `ProposedChangeMerge` would let an
 * agent merge its own proposed change, skipping the review the workflow promises.
 */
export const forbiddenMutationNames: ReadonlySet<string> = new Set([
  "BranchCreate",
  "BranchDelete",
  "BranchMerge",
  "BranchRebase",
  "BranchUpdate",
  "BranchValidate",
  "CoreProposedChangeMerge",
  "ProposedChangeMerge"
])

/**
 * `Schema…` mutations edit the schema (`SchemaDropdownAdd`, `SchemaEnumRemove`, …). A user namespace
 * may start with the letters "Schema" (`Schematic` is valid: Infrahub namespaces match
 * `^[A-Z][a-z0-9]+$`, and `Schema` itself is reserved), so only `Schema` followed by something that
 * cannot continue a namespace marks Infrahub's own schema mutations.
 */
const SCHEMA_MUTATION = /^Schema(?![a-z0-9])/

/** Case-sensitive, as GraphQL names are: `branchcreate` is not Infrahub's mutation. */
export const isForbiddenMutationField = (name: string): boolean =>
  forbiddenMutationNames.has(name) || SCHEMA_MUTATION.test(name)

/** Parses a GraphQL document; a syntax error carries graphql-js's description and position. */
export const parseDocument = (source: string): Either.Either<DocumentNode, GraphQLSyntaxError> =>
  Either.try({
    try: () => parse(source, { maxTokens: MAX_TOKENS }),
    catch: (error) => syntaxError(error)
  })

/** For `query_graphql`: refuses any document that contains a mutation or subscription. */
export const requireReadOnly = (
  source: string
): Either.Either<DocumentNode, GraphQLSyntaxError | MutationNotAllowed> =>
  Either.flatMap(parseExecutable(source), (doc): Either.Either<DocumentNode, MutationNotAllowed> => {
    // Every operation counts, not just the one `operationName` would pick: the caller could pick another.
    for (const op of operations(doc)) {
      if (op.operation !== "query") {
        return Either.left(new MutationNotAllowed(withName({ operation: op.operation }, op)))
      }
    }
    return Either.right(doc)
  })

/**
 * For `mutate_graphql`: every operation must be a mutation, and no top-level field of any operation
 * (aliases resolved, fragments expanded) may be a branch, schema or merge mutation.
 */
export const requireDataMutation = (
  source: string
): Either.Either<DocumentNode, GraphQLSyntaxError | NotAMutation | ForbiddenMutation> =>
  Either.flatMap(parseExecutable(source), (doc): Either.Either<DocumentNode, NotAMutation | ForbiddenMutation> => {
    for (const op of operations(doc)) {
      if (op.operation !== "mutation") {
        return Either.left(new NotAMutation(withName({ operation: op.operation }, op)))
      }
    }
    const forbidden = topLevelFields(doc).filter(isForbiddenMutationField)
    return forbidden.length > 0 ? Either.left(new ForbiddenMutation({ fields: forbidden })) : Either.right(doc)
  })

/**
 * Every top-level field node an operation selects (all operations when no name is given), with
 * fragment spreads and inline fragments expanded whatever their type condition or directives, in
 * document order. Every definition of a repeated fragment name counts and cycles are cut, so the
 * answer errs towards including a field.
 */
export const topLevelFieldNodes = (doc: DocumentNode, operationName?: string): ReadonlyArray<FieldNode> => {
  const fragments = fragmentsByName(doc)
  const found: Array<FieldNode> = []
  const expanded = new Set<string>()
  const visit = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          found.push(selection)
          break
        case Kind.INLINE_FRAGMENT:
          visit(selection.selectionSet)
          break
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value
          if (expanded.has(name)) break
          expanded.add(name)
          for (const fragment of fragments.get(name) ?? []) visit(fragment.selectionSet)
          break
        }
      }
    }
  }
  for (const op of operations(doc)) {
    if (operationName === undefined || op.name?.value === operationName) visit(op.selectionSet)
  }
  return found
}

/** The real names (aliases resolved) of {@link topLevelFieldNodes}, each once, in document order. */
export const topLevelFields = (doc: DocumentNode, operationName?: string): ReadonlyArray<string> => [
  ...new Set(topLevelFieldNodes(doc, operationName).map((field) => field.name.value))
]

// --- internals --------------------------------------------------------------------------------

const named = (operationName: string | undefined): string =>
  operationName === undefined ? "" : ` ("${operationName}")`

const withName = <T extends object>(fields: T, op: OperationDefinitionNode): T & { operationName?: string } =>
  op.name === undefined ? fields : { ...fields, operationName: op.name.value }

const operations = (doc: DocumentNode): ReadonlyArray<OperationDefinitionNode> =>
  doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)

const fragmentsByName = (doc: DocumentNode): Map<string, Array<FragmentDefinitionNode>> => {
  const byName = new Map<string, Array<FragmentDefinitionNode>>()
  for (const d of doc.definitions) {
    if (d.kind !== Kind.FRAGMENT_DEFINITION) continue
    const list = byName.get(d.name.value)
    if (list === undefined) byName.set(d.name.value, [d])
    else list.push(d)
  }
  return byName
}

const position = (node: ASTNode): { line?: number; column?: number } =>
  node.loc === undefined ? {} : { line: node.loc.startToken.line, column: node.loc.startToken.column }

const at = (pos: { line?: number; column?: number }): string =>
  pos.line === undefined ? "" : ` (line ${pos.line}, column ${pos.column})`

const syntaxError = (error: unknown): GraphQLSyntaxError => {
  if (error instanceof GraphQLError) {
    if (/contains more tha[nt] \d+ tokens/.test(error.message)) {
      return new GraphQLSyntaxError({
        message: `The GraphQL document has more than ${MAX_TOKENS} tokens; split it into smaller requests.`
      })
    }
    const detail = error.message.replace(/^Syntax Error:\s*/, "").replace(/\.$/, "")
    const loc = error.locations?.[0]
    const pos = loc === undefined ? {} : { line: loc.line, column: loc.column }
    return new GraphQLSyntaxError({ message: `GraphQL syntax error${at(pos)}: ${detail}.`, ...pos })
  }
  // The parser only throws GraphQLError; anything else (e.g. stack exhaustion) still means "cannot parse".
  return new GraphQLSyntaxError({ message: `The GraphQL document could not be parsed: ${String(error)}.` })
}

const definitionLabel = (d: DefinitionNode): string => d.kind.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()

/**
 * Parses and checks what Infrahub would refuse anyway, so the guard never reasons about a document
 * it cannot fully see: type-system definitions, a document without an operation, and spreads of
 * fragments that are not defined.
 */
const parseExecutable = (source: string): Either.Either<DocumentNode, GraphQLSyntaxError> =>
  Either.flatMap(parseDocument(source), (doc): Either.Either<DocumentNode, GraphQLSyntaxError> => {
    for (const d of doc.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION) {
        const pos = position(d)
        return Either.left(
          new GraphQLSyntaxError({
            message: `The document contains a ${definitionLabel(d)}${at(pos)}; only operations (query, mutation) and fragments can be sent.`,
            ...pos
          })
        )
      }
    }
    if (operations(doc).length === 0) {
      return Either.left(
        new GraphQLSyntaxError({
          message:
            "The document defines only fragments and no operation; add one that uses them, e.g. `query { ...MyFragment }` to read or `mutation { ...MyFragment }` to write."
        })
      )
    }
    const defined = fragmentsByName(doc)
    const unknown = findUnknownSpread(doc, defined)
    if (unknown !== undefined) {
      const pos = position(unknown)
      return Either.left(
        new GraphQLSyntaxError({
          message: `Unknown fragment "${unknown.name.value}"${at(pos)}; define it in the same document or remove the spread.`,
          ...pos
        })
      )
    }
    return Either.right(doc)
  })

const findUnknownSpread = (
  doc: DocumentNode,
  defined: ReadonlyMap<string, ReadonlyArray<FragmentDefinitionNode>>
): FragmentSpreadNode | undefined => {
  // Iterative walk: nesting depth is bounded by the parser's token limit, but a stack avoids recursion anyway.
  const stack: Array<SelectionSetNode> = []
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) stack.push(d.selectionSet)
  }
  for (let set = stack.pop(); set !== undefined; set = stack.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (!defined.has(selection.name.value)) return selection
      } else if (selection.selectionSet !== undefined) {
        stack.push(selection.selectionSet)
      }
    }
  }
  return undefined
}
