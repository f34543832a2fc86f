import { type GraphQLError } from "graphql"

/**
 * Errors raised inside the sandbox's GraphQL resolvers, carrying both of Infrahub's wire formats:
 * "legacy" (`extensions: {code: <HTTP code>}`, as `infrahub.exceptions.Error.HTTP_CODE`) and
 * "catalogue" (`extensions: {code, http_status, data}`, `graphql/error_formatter.py`). The two
 * formats sometimes word the same failure differently, so each error keeps both messages.
 * These are plain classes on purpose: graphql-js resolvers throw, and the engine formats.
 */

export type ErrorFormat = "legacy" | "catalogue"

interface CatalogueSpec {
  readonly code: string
  readonly httpStatus: number
  readonly message?: string
  readonly data?: Readonly<Record<string, unknown>>
}

export class InfrahubError extends Error {
  constructor(
    message: string,
    readonly httpCode: number,
    readonly catalogue: CatalogueSpec,
    /** A validation error made of several field errors: catalogue servers report one entry per field. */
    readonly parts: ReadonlyArray<InfrahubError> = []
  ) {
    super(message)
    this.name = "InfrahubError"
  }
}

/** Python's `repr` of a string, as Infrahub's f-strings print it. */
export const pyRepr = (value: string): string =>
  value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replaceAll("'", "\\'")}'`

/** Python's `str()` of a value in an error message. */
export const pyStr = (value: unknown): string => {
  if (value === null || value === undefined) return "None"
  if (value === true) return "True"
  if (value === false) return "False"
  if (typeof value === "string") return value
  if (Array.isArray(value)) return `[${value.map((item) => (typeof item === "string" ? pyRepr(item) : pyStr(item))).join(", ")}]`
  if (typeof value === "object") return JSON.stringify(value)
  return String(value)
}

export const pyList = (values: ReadonlyArray<unknown>): string => pyStr([...values])

const undefinedError = (httpStatus: number): CatalogueSpec => ({ code: "UNDEFINED_ERROR", httpStatus, data: {} })

/** `ValidationError("message")`: HTTP 422, catalogue UNDEFINED_ERROR (it has no dedicated code). */
export const validationError = (message: string, catalogue?: CatalogueSpec): InfrahubError =>
  new InfrahubError(message, 422, catalogue ?? { ...undefinedError(422), message })

/** `ValidationError({field: message})`, rendered by Infrahub as "message at field". */
export const fieldError = (field: string, message: string, catalogue?: CatalogueSpec): InfrahubError =>
  validationError(`${message} at ${field}`, catalogue)

/** `ValidationError([errors])`: one message joined by ", " (legacy), one entry per error (catalogue). */
export const combinedError = (errors: ReadonlyArray<InfrahubError>): InfrahubError => {
  const parts = errors.flatMap((error) => (error.parts.length > 0 ? error.parts : [error]))
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  return new InfrahubError(
    parts.map((part) => part.message).join(", "),
    422,
    undefinedError(422),
    parts
  )
}

export const attributeRequired = (nodeKind: string, field: string, legacyMessage: string): InfrahubError =>
  new InfrahubError(legacyMessage, 422, {
    code: "ATTRIBUTE_REQUIRED",
    httpStatus: 422,
    message: `A value is required for ${nodeKind}.${field}`,
    data: { node_kind: nodeKind, field_name: field }
  })

export const attributeInvalidType = (
  nodeKind: string,
  field: string,
  expected: string,
  received: string,
  legacyMessage: string
): InfrahubError =>
  new InfrahubError(legacyMessage, 422, {
    code: "ATTRIBUTE_INVALID_TYPE",
    httpStatus: 422,
    message: `Value for ${nodeKind}.${field} must be of type ${expected}, received ${received}`,
    data: { node_kind: nodeKind, field_name: field, expected_type: expected, received_type: received }
  })

export const attributeConstraint = (
  nodeKind: string,
  field: string,
  constraint: string,
  detail: string,
  legacyMessage: string,
  catalogueMessage: string
): InfrahubError =>
  new InfrahubError(legacyMessage, 422, {
    code: "ATTRIBUTE_CONSTRAINT_VIOLATION",
    httpStatus: 422,
    message: catalogueMessage,
    data: { node_kind: nodeKind, field_name: field, constraint, detail }
  })

/** Grouped uniqueness (`NodeGroupedUniquenessConstraint`); catalogue wording from the recorded fixture. */
export const uniquenessViolation = (
  nodeKind: string,
  fields: ReadonlyArray<string>,
  values: ReadonlyArray<unknown>
): InfrahubError =>
  new InfrahubError(`Violates uniqueness constraint '${fields.join("-")}'`, 422, {
    code: "UNIQUENESS_VIOLATION",
    httpStatus: 422,
    message: `Node of kind ${nodeKind} already has ${fields
      .map((field, index) => `${field} ${pyRepr(pyStr(values[index]))}`)
      .join(", ")}`,
    data: { node_kind: nodeKind, fields: [...fields] }
  })

export const nodeNotFound = (nodeKind: string, identifier: string, message?: string): InfrahubError => {
  const text = message ?? `Unable to find the node ${identifier} / ${nodeKind} in the database.`
  return new InfrahubError(text, 404, {
    code: "NODE_NOT_FOUND",
    httpStatus: 404,
    message: text,
    data: { node_kind: nodeKind, identifier }
  })
}

export const branchNotFound = (name: string): InfrahubError =>
  new InfrahubError(`Branch: ${name} not found.`, 400, {
    code: "BRANCH_NOT_FOUND",
    httpStatus: 400,
    data: { branch_name: name }
  })

export const branchAlreadyMerged = (name: string): InfrahubError =>
  new InfrahubError(`Branch '${name}' has been merged and is read-only. No modifications are allowed.`, 400, {
    code: "BRANCH_ALREADY_MERGED",
    httpStatus: 400,
    message: `Branch: ${name} has already been merged and is read-only.`,
    data: { branch_name: name }
  })

export const branchNeedsRebase = (name: string): InfrahubError =>
  new InfrahubError(`Branch ${name} must be rebased before any updates can be made`, 400, {
    code: "BRANCH_NEEDS_REBASE",
    httpStatus: 400,
    message: `Branch: ${name} must be rebased before it accepts new changes.`,
    data: { branch_name: name }
  })

export const authenticationRequired = (): InfrahubError =>
  new InfrahubError("Authentication is required to perform this operation", 401, {
    code: "AUTHENTICATION_REQUIRED",
    httpStatus: 401,
    data: {}
  })

export const permissionDenied = (message: string): InfrahubError =>
  new InfrahubError(message, 403, {
    code: "PERMISSION_DENIED",
    httpStatus: 403,
    data: { action: null, resource_kind: null }
  })

/** `ProcessingError`: HTTP 400. */
export const processingError = (message: string): InfrahubError =>
  new InfrahubError(message, 400, undefinedError(400))

export interface FormattedError {
  readonly message: string
  readonly locations?: ReadonlyArray<{ readonly line: number; readonly column: number }>
  readonly path?: ReadonlyArray<string | number>
  readonly extensions?: Readonly<Record<string, unknown>>
}

const extensionsFor = (error: InfrahubError, format: ErrorFormat): Record<string, unknown> =>
  format === "legacy"
    ? { code: error.httpCode }
    : { code: error.catalogue.code, http_status: error.catalogue.httpStatus, data: error.catalogue.data ?? {} }

const messageFor = (error: InfrahubError, format: ErrorFormat): string =>
  format === "catalogue" ? (error.catalogue.message ?? error.message) : error.message

const withPosition = (
  base: { message: string; extensions?: Record<string, unknown> },
  error: GraphQLError
): FormattedError => ({
  message: base.message,
  ...(error.locations !== undefined ? { locations: error.locations.map(({ line, column }) => ({ line, column })) } : {}),
  ...(error.path !== undefined ? { path: [...error.path] } : {}),
  ...(base.extensions !== undefined ? { extensions: base.extensions } : {})
})

/**
 * One GraphQL error as the chosen server generation renders it: legacy servers send graphql-core's
 * `{message, locations, path}` with no `extensions` (`error_catalogue/graphql_no_extensions.json`);
 * catalogue servers add `{code, http_status, data}`. graphql-js validation and syntax errors keep
 * graphql-js's own wording; catalogue servers label them UNDEFINED_ERROR.
 */
export const formatGraphQLError = (error: GraphQLError, format: ErrorFormat): ReadonlyArray<FormattedError> => {
  const original = error.originalError
  if (original instanceof InfrahubError) {
    if (format === "legacy") return [withPosition({ message: original.message }, error)]
    const entries = original.parts.length > 0 ? original.parts : [original]
    return entries.map((entry) =>
      withPosition({ message: messageFor(entry, format), extensions: extensionsFor(entry, format) }, error)
    )
  }
  if (format === "catalogue") {
    return [withPosition({ message: error.message, extensions: { code: "UNDEFINED_ERROR", http_status: 500, data: {} } }, error)]
  }
  return [withPosition({ message: error.message }, error)]
}

/** The body of a 401/403 raised before execution (`generic_api_exception_handler`). */
export const transportErrorBody = (error: InfrahubError, format: ErrorFormat): unknown => ({
  data: null,
  errors: [{ message: messageFor(error, format), extensions: extensionsFor(error, format) }]
})
