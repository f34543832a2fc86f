import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Match from "effect/Match"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { BranchNotFound, GraphQLErrorItem, InfrahubProtocolError, InfrahubServerError, InfrahubUnauthorized } from "./errors.js"

/**
 * Infrahub's answers as Schemas, and how a refusal becomes a typed error: one reader shared by the
 * client and password logins. Bodies are decoded with `HttpClientResponse.schemaBodyJson`; an answer
 * that does not decode is an `InfrahubProtocolError` naming the endpoint.
 */

/** An entry of Infrahub's `errors`: a bare string (transport errors) or a GraphQL error object. */
const WireErrorEntry = Schema.Union(
  Schema.String,
  Schema.Struct({
    message: Schema.String,
    path: Schema.optional(Schema.NullOr(Schema.Array(Schema.Union(Schema.String, Schema.Number)))),
    // Legacy REST bodies carry the HTTP status as `code`; error-catalogue servers a code name.
    extensions: Schema.optional(
      Schema.NullOr(Schema.Struct({ code: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number))) }))
    )
  })
).annotations({ identifier: "an error entry (a string or {message})" })

/** An error entry in either form, as the {@link GraphQLErrorItem} the rest of the server reads. */
export const ErrorEntry = Schema.transform(WireErrorEntry, GraphQLErrorItem, {
  strict: true,
  decode: (entry) => {
    if (typeof entry === "string") return { message: entry }
    const code = entry.extensions?.code
    return {
      message: entry.message,
      ...(entry.path === undefined || entry.path === null ? {} : { path: entry.path }),
      ...(code === undefined || code === null ? {} : { code })
    }
  },
  encode: (item) => ({
    message: item.message,
    ...(item.path === undefined ? {} : { path: item.path }),
    ...(item.code === undefined ? {} : { extensions: { code: item.code } })
  })
})

/** A refusal's body: `{"errors": [...]}` (REST and GraphQL transport errors alike). */
const ErrorBody = Schema.Struct({ errors: Schema.Array(ErrorEntry) })

/** `POST /graphql[/<branch>]`: always HTTP 200 once executed, `data` and/or `errors`. */
export const GraphQLAnswer = Schema.Struct({
  data: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  errors: Schema.optional(Schema.NullOr(Schema.Array(ErrorEntry)))
}).annotations({ identifier: "{data, errors}" })

/** `POST /api/auth/login` (`UserToken`). */
export const LoginAnswer = Schema.Struct({
  access_token: Schema.NonEmptyString,
  refresh_token: Schema.optional(Schema.NonEmptyString)
})

/** `POST /api/auth/refresh` (`AccessTokenResponse`). */
export const RefreshAnswer = Schema.Struct({ access_token: Schema.NonEmptyString })

/** `GET /api/info`. */
export const InfoAnswer = Schema.Struct({ version: Schema.String, deployment_id: Schema.optional(Schema.String) })

/** The data of `query { InfrahubInfo { version } }`. */
export const VersionData = Schema.Struct({ InfrahubInfo: Schema.Struct({ version: Schema.String }) })

export const isOk = (response: HttpClientResponse.HttpClientResponse): boolean => response.status >= 200 && response.status < 300

/** The first thing wrong with a body, briefly: the actual value in a message can be the whole body. */
const firstIssue = (error: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return "unreadable"
  const text = issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

/** Decodes an answer's JSON body with `schema`; a body that is not JSON or not that shape is a protocol error. */
export const decodeAnswer = <A, I>(endpoint: string, schema: Schema.Schema<A, I>) => {
  const decode = HttpClientResponse.schemaBodyJson(schema)
  return (response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, InfrahubProtocolError> =>
    decode(response).pipe(
      Effect.mapError(
        (error) =>
          new InfrahubProtocolError({
            detail: ParseResult.isParseError(error)
              ? `${endpoint} answered HTTP ${response.status} with an unexpected body (${firstIssue(error)})`
              : `${endpoint} answered HTTP ${response.status} with a body that is not JSON`
          })
      )
    )
}

/** The error entries of an answer; none when its body is not Infrahub's error shape (a proxy's page, say). */
export const errorsOf = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<ReadonlyArray<GraphQLErrorItem>> =>
  HttpClientResponse.schemaBodyJson(ErrorBody)(response).pipe(
    Effect.map((body) => body.errors),
    Effect.orElseSucceed(() => [])
  )

/** True when Infrahub says the JWT expired (legacy message or the error-catalogue code). */
export const isExpiredToken = (errors: ReadonlyArray<GraphQLErrorItem>): boolean =>
  errors.some((e) => e.message.includes("Expired Signature") || e.code === "TOKEN_EXPIRED")

const BRANCH_NOT_FOUND = /^Branch:? '?(.+?)'? not found\.?$/

const branchNotFoundIn = (errors: ReadonlyArray<GraphQLErrorItem>): Option.Option<string> =>
  Option.fromNullable(errors.map((e) => BRANCH_NOT_FOUND.exec(e.message)?.[1]).find((name) => name !== undefined))

/** Infrahub's own words for a refusal, else the start of whatever the body was. */
const detailOf = (response: HttpClientResponse.HttpClientResponse, errors: ReadonlyArray<GraphQLErrorItem>) => {
  if (errors.length > 0) return Effect.succeed(errors.map((e) => e.message).join(" | "))
  return response.text.pipe(
    Effect.orElseSucceed(() => ""),
    Effect.map((raw) => {
      const text = raw.trim()
      return text.length === 0 ? "empty body" : text.length > 200 ? `${text.slice(0, 200)}…` : text
    })
  )
}

/** Maps a non-2xx answer to a typed failure. */
export const failureOf = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<never, InfrahubUnauthorized | BranchNotFound | InfrahubServerError> =>
  Effect.gen(function* () {
    const errors = yield* errorsOf(response)
    const detail = yield* detailOf(response, errors)
    return yield* Match.value(response.status).pipe(
      Match.when(
        (s) => s === 401 || s === 403,
        (status) => new InfrahubUnauthorized({ status, detail })
      ),
      Match.when(
        (s) => s === 404 || s === 400,
        (status) =>
          Option.match(branchNotFoundIn(errors), {
            onSome: (branch) => new BranchNotFound({ branch }),
            onNone: () => new InfrahubServerError({ status, detail })
          })
      ),
      Match.orElse((status) => new InfrahubServerError({ status, detail }))
    )
  })

/** Narrows a JSON value to an object (not an array), for reading GraphQL `data` whose shape a query decides. */
export const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
