import { randomBytes } from "node:crypto"
import {
  type DocumentNode,
  executeSync,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  printSchema,
  type SelectionSetNode,
  validate
} from "graphql"
import type { SchemaRegistry } from "../schema/types.js"
import { DEFAULT_BRANCH } from "../store/branches.js"
import { makeIdGenerator } from "../store/ids.js"
import { SandboxStore } from "../store/store.js"
import { SANDBOX_INFRAHUB_VERSION } from "../version.js"
import { graphqlNow } from "./clock.js"
import type { Actor, EngineState, RequestContext } from "./context.js"
import {
  authenticationRequired,
  type ErrorFormat,
  formatGraphQLError,
  permissionDenied,
  transportErrorBody
} from "./errors.js"
import { ListCache } from "./list-cache.js"
import { schemaOf } from "./model.js"
import { loadObjectFiles } from "./objects.js"
import { buildSchema } from "./schema.js"
import { createNode, DEFAULT_IP_NAMESPACE, type WriteContext } from "./writes.js"

export { ObjectLoadError } from "./objects.js"
export type { Actor } from "./context.js"
export type { ErrorFormat } from "./errors.js"

export interface GraphQLRequestBody {
  readonly query: string
  readonly variables?: Record<string, unknown> | null
  readonly operationName?: string | null
}

export interface EngineResponse {
  readonly status: number
  readonly body: unknown
  /** Top-level field names of the executed operation (fragments resolved, aliases dropped), for the request log. */
  readonly operations: ReadonlyArray<string>
}

export interface SandboxEngine {
  readonly registry: SchemaRegistry
  /** POST /graphql[/<branch>]: `branch` undefined = default branch. `actor` null = anonymous. */
  execute(input: { body: unknown; branch: string | undefined; actor: Actor | null; allowAnonymous: boolean }): EngineResponse
  /** GET /schema.graphql?branch= ; undefined when the branch does not exist. */
  sdl(branch: string | undefined): string | undefined
  branchExists(name: string): boolean
  /** Creates (or finds) the CoreAccount for a configured sandbox user/token; returns its id. */
  ensureAccount(name: string, role?: string): string
  /** Loads Infrahub object files (parsed YAML documents) into the default branch; all-or-nothing. */
  loadObjects(documents: ReadonlyArray<{ file: string; document: unknown }>): void
  /** How many stored records the engine has walked through so far: tests assert how work grows with the data. */
  readonly work: { readonly visited: number }
}

export interface EngineOptions {
  /** "legacy" (default): `extensions: {code: <HTTP code>}`; "catalogue": `extensions: {code, http_status, data}`. */
  readonly errorFormat?: "legacy" | "catalogue"
  readonly now?: () => Date
  /** The Infrahub version `InfrahubInfo` reports. */
  readonly version?: string
  /** The deployment id `InfrahubInfo` reports; pass the one `/api/info` serves so both agree. */
  readonly deploymentId?: string
}

/** The sandbox role that refuses mutations (Infrahub's read-only accounts). */
export const READ_ONLY_ROLE = "read-only"

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const transportError = (status: number, message: string): EngineResponse => ({
  status,
  body: { errors: [message] },
  operations: []
})

/** The top-level fields the chosen operation selects, through fragments, by their real names. */
const topLevelFields = (document: DocumentNode, operationName: string | undefined): ReadonlyArray<string> => {
  const operation = getOperationAST(document, operationName)
  if (operation === null || operation === undefined) return []
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition.selectionSet] as const] : []
    )
  )
  const names: Array<string> = []
  const seenFragments = new Set<string>()
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!names.includes(selection.name.value)) names.push(selection.name.value)
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet)
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value)
        const fragment = fragments.get(selection.name.value)
        if (fragment !== undefined) walk(fragment)
      }
    }
  }
  walk(operation.selectionSet)
  return names
}

const containsMutation = (document: DocumentNode): boolean =>
  document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === "mutation")

/**
 * Builds the in-memory Infrahub: a store with the default branch `main`, the GraphQL schema derived
 * from `registry`, and the request handling of Infrahub's `/graphql` endpoint.
 */
export const makeEngine = (registry: SchemaRegistry, options: EngineOptions = {}): SandboxEngine => {
  const now = options.now ?? (() => new Date())
  const format: ErrorFormat = options.errorFormat ?? "legacy"
  const newId = makeIdGenerator(now)
  const store = new SandboxStore({
    branchSupportOf: (kind) => schemaOf(registry, kind)?.branch ?? "aware",
    now,
    newId
  })
  const state: EngineState = {
    registry,
    store,
    now,
    newId,
    version: options.version ?? SANDBOX_INFRAHUB_VERSION,
    deploymentId: options.deploymentId ?? newId(),
    roles: new Map(),
    lists: new ListCache()
  }
  const schema = buildSchema(registry)
  let sdlText: string | undefined

  const execute: SandboxEngine["execute"] = ({ body, branch, actor, allowAnonymous }) => {
    if (branch !== undefined && store.branch(branch) === undefined) return transportError(404, `Branch: ${branch} not found.`)
    if (Array.isArray(body)) return transportError(400, "This server does not support batching")
    if (!isPlainObject(body)) return transportError(400, "Request body is not a valid JSON")
    const query = body["query"]
    if (typeof query !== "string") {
      return transportError(400, "The request body must contain the GraphQL document as a string in 'query'")
    }
    const variables = body["variables"]
    if (variables !== undefined && variables !== null && !isPlainObject(variables)) {
      return transportError(
        400,
        "Variables must be provided as an Object where each property is a variable value. Perhaps look to see if an unparsed JSON string was provided."
      )
    }
    const operationName = body["operationName"]
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
      return transportError(400, "'operationName' must be a string naming an operation of the document")
    }

    let document: DocumentNode | undefined
    let syntaxError: GraphQLError | undefined
    try {
      document = parse(query)
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error
      syntaxError = error
    }
    const operations = document === undefined ? [] : topLevelFields(document, operationName ?? undefined)

    // Infrahub's permission checkers run before execution and answer with a real 401/403.
    const mutation = document !== undefined && containsMutation(document)
    if (actor === null && (!allowAnonymous || mutation)) {
      return { status: 401, body: transportErrorBody(authenticationRequired(), format), operations }
    }
    if (actor !== null && mutation && state.roles.get(actor.accountId) === READ_ONLY_ROLE) {
      return {
        status: 403,
        body: transportErrorBody(permissionDenied("The current account is not authorized to perform this operation"), format),
        operations
      }
    }

    const formatErrors = (errors: ReadonlyArray<GraphQLError>) => errors.flatMap((error) => formatGraphQLError(error, format))
    if (document === undefined) {
      return { status: 200, body: { data: null, errors: syntaxError === undefined ? [] : formatErrors([syntaxError]) }, operations }
    }
    const validationErrors = validate(schema, document)
    if (validationErrors.length > 0) return { status: 200, body: { data: null, errors: formatErrors(validationErrors) }, operations }

    const branchName = branch ?? DEFAULT_BRANCH
    const contextValue: RequestContext = { state, branchName, actor, view: () => store.view(branchName) }
    const result = executeSync({
      schema,
      document,
      contextValue,
      variableValues: isPlainObject(variables) ? variables : undefined,
      operationName: typeof operationName === "string" ? operationName : undefined
    })
    // Catalogue servers answer a failed operation with `"data": null` (every recorded catalogue envelope);
    // legacy ones keep graphql-core's partial data (`{"BuiltinLocationCreate": null}` in the SDK's mocks).
    const responseBody =
      result.errors === undefined || result.errors.length === 0
        ? { data: result.data ?? null }
        : { data: format === "catalogue" ? null : (result.data ?? null), errors: formatErrors(result.errors) }
    return { status: 200, body: responseBody, operations }
  }

  const ensureAccount: SandboxEngine["ensureAccount"] = (name, role) => {
    const existing = store
      .view(DEFAULT_BRANCH)
      .nodesOfKinds(registry.concreteKindsOf("CoreAccount"))
      .find((node) => node.attributes["name"]?.value === name)
    let id = existing?.id
    if (id === undefined) {
      if (schemaOf(registry, "CoreAccount") === undefined) {
        throw new Error("The sandbox schema has no CoreAccount kind; load Infrahub's core schema before creating accounts")
      }
      const tx = store.begin(DEFAULT_BRANCH)
      const w: WriteContext = { registry, tx, now: graphqlNow(now), actorId: null, newId }
      const node = createNode(w, "CoreAccount", {
        name: { value: name },
        label: { value: name },
        // Sandbox accounts authenticate through the sandbox's own configuration, never this value.
        password: { value: randomBytes(24).toString("hex") }
      })
      tx.commit()
      id = node.id
    }
    state.roles.set(id, role ?? "admin")
    return id
  }

  // Infrahub creates the `default` IP namespace at its first start; prefixes and addresses land in it.
  const namespaceKinds = registry.concreteKindsOf("BuiltinIPNamespace")
  if (namespaceKinds.includes("IpamNamespace") && store.view(DEFAULT_BRANCH).nodesOfKinds(namespaceKinds).length === 0) {
    const tx = store.begin(DEFAULT_BRANCH)
    createNode({ registry, tx, now: graphqlNow(now), actorId: null, newId }, "IpamNamespace", {
      name: { value: DEFAULT_IP_NAMESPACE },
      description: { value: "Used to provide a default space of IP resources" }
    })
    tx.commit()
  }

  return {
    registry,
    execute,
    sdl: (branch) => {
      if (branch !== undefined && store.branch(branch) === undefined) return undefined
      sdlText ??= printSchema(schema)
      return sdlText
    },
    branchExists: (name) => store.branch(name) !== undefined,
    ensureAccount,
    loadObjects: (documents) => loadObjectFiles(state, documents),
    work: store.work
  }
}
