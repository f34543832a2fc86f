import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { StateStoreUnavailable } from "../state/StateStore.js"

/**
 * Failures talking to Infrahub. They cross the MCP wire as tool errors, so each one carries a
 * `remediation`: what the model (or the operator) should do next, and says whether it is
 * `transient`: whether the same request may well succeed if simply sent again.
 */

export class InfrahubUnreachable extends Schema.TaggedError<InfrahubUnreachable>()("InfrahubUnreachable", {
  address: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Infrahub at ${this.address} is unreachable: ${this.detail}.`
  }
  /** The request may never have reached Infrahub. */
  get transient(): boolean {
    return true
  }
  get remediation(): string {
    return "Retry in a moment; if it persists, the operator must check INFRAHUB_ADDRESS and that Infrahub is running."
  }
}

export class InfrahubTimeout extends Schema.TaggedError<InfrahubTimeout>()("InfrahubTimeout", {
  address: Schema.String,
  timeoutMs: Schema.Number
}) {
  override get message(): string {
    return `Infrahub at ${this.address} did not answer within ${this.timeoutMs / 1000} s.`
  }
  get transient(): boolean {
    return true
  }
  get remediation(): string {
    return "Retry with a narrower request (fewer nodes, a smaller limit, fewer fields); the operator can raise INFRAHUB_TIMEOUT."
  }
}

export class InfrahubUnauthorized extends Schema.TaggedError<InfrahubUnauthorized>()("InfrahubUnauthorized", {
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return this.status === 403
      ? `Infrahub refused the request (403 Forbidden): ${this.detail}.`
      : `Infrahub rejected the credentials (401 Unauthorized): ${this.detail}.`
  }
  get transient(): boolean {
    return false
  }
  get remediation(): string {
    return this.status === 403
      ? "The account lacks the permission for this operation in Infrahub; ask an Infrahub administrator, or do something else."
      : "Check your credentials: the Infrahub API token (or username/password) is missing, expired or revoked."
  }
}

export class InfrahubServerError extends Schema.TaggedError<InfrahubServerError>()("InfrahubServerError", {
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `Infrahub answered HTTP ${this.status}: ${this.detail}.`
  }
  /** A 5xx is Infrahub being briefly unwell; a 4xx refuses this very request. */
  get transient(): boolean {
    return this.status >= 500
  }
  get remediation(): string {
    return this.status >= 500
      ? "Infrahub had an internal problem; retry shortly, and if it persists tell the operator."
      : "The request was refused by Infrahub; check its arguments."
  }
}

/** One entry of a GraphQL `errors` array, as Infrahub sends it (legacy or error-catalogue form). */
export const GraphQLErrorItem = Schema.Struct({
  message: Schema.String,
  path: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Number))),
  code: Schema.optional(Schema.Union(Schema.String, Schema.Number))
})
export type GraphQLErrorItem = typeof GraphQLErrorItem.Type

export class InfrahubGraphQLError extends Schema.TaggedError<InfrahubGraphQLError>()("InfrahubGraphQLError", {
  errors: Schema.Array(GraphQLErrorItem),
  data: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    const texts = this.errors.map((e) => (typeof e.code === "string" ? `${e.code}: ${e.message}` : e.message))
    return `Infrahub returned GraphQL errors: ${texts.join(" | ")}`
  }
  get transient(): boolean {
    return false
  }
  get remediation(): string {
    return "Check field and argument names with get_schema(kind) or infrahub://graphql-schema/{type} (one type, e.g. infrahub://graphql-schema/DcimDevice), then retry."
  }
  /** True when any error message contains one of the fragments (case-insensitive). */
  mentions(...fragments: ReadonlyArray<string>): boolean {
    return this.errors.some((e) => fragments.some((f) => e.message.toLowerCase().includes(f.toLowerCase())))
  }
}

export class BranchNotFound extends Schema.TaggedError<BranchNotFound>()("BranchNotFound", {
  branch: Schema.String
}) {
  override get message(): string {
    return `Branch '${this.branch}' does not exist in Infrahub.`
  }
  get transient(): boolean {
    return false
  }
  get remediation(): string {
    return "Read infrahub://branches for the existing branches, or omit `branch` to use the default branch."
  }
}

export class InfrahubProtocolError extends Schema.TaggedError<InfrahubProtocolError>()("InfrahubProtocolError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `Infrahub sent a response this server does not understand: ${this.detail}.`
  }
  get transient(): boolean {
    return false
  }
  get remediation(): string {
    return "Check that INFRAHUB_ADDRESS points at Infrahub (not a proxy or login page) and that its version is supported."
  }
}

/**
 * Everything an Infrahub call can fail with. A password credential's login lives in the shared
 * state store, so a call can also fail (closed) when that store does not answer.
 */
export type InfrahubError =
  | InfrahubUnreachable
  | InfrahubTimeout
  | InfrahubUnauthorized
  | InfrahubServerError
  | InfrahubGraphQLError
  | BranchNotFound
  | InfrahubProtocolError
  | StateStoreUnavailable

/**
 * Errors classify themselves, so no boundary keeps a list of tags:
 * - `transient`: the same request may well succeed if simply sent again (the retry predicate of
 *   read tools). Anything without the getter is not transient.
 * - `callerError`: the request itself was wrong (an unknown kind or resource, a read too large for
 *   the response limit), so the caller must change it; the MCP bridge answers it as "Invalid params"
 *   rather than an internal error. Anything without the getter is the server's side (Infrahub down,
 *   the state store failing, …).
 */
export const isTransient = (error: unknown): boolean =>
  Predicate.hasProperty(error, "transient") && error.transient === true

/** See {@link isTransient}: whether the caller, not the server, must change something. */
export const isCallerError = (error: unknown): boolean =>
  Predicate.hasProperty(error, "callerError") && error.callerError === true
