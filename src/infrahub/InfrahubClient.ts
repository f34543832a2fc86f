import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Fingerprints } from "../auth/fingerprint.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { annotateCurrentSpan, fnIf, spanIf, spansRecorded } from "../spans.js"
import type { StateStore } from "../state/StateStore.js"
import {
  type InfrahubError,
  InfrahubGraphQLError,
  InfrahubProtocolError,
  InfrahubTimeout,
  InfrahubUnreachable
} from "./errors.js"
import { deadline } from "./deadline.js"
import { PasswordSessions } from "./PasswordSessions.js"
import { decodeAnswer, failureOf, GraphQLAnswer, InfoAnswer, isOk, VersionData } from "./responses.js"
import { SchemaResponse, SchemaSummaryResponse } from "./schemaModel.js"

export interface GraphQLRequest {
  readonly query: string
  readonly variables?: Readonly<Record<string, unknown>> | undefined
  /** `undefined` targets Infrahub's default branch, whatever its name. */
  readonly branch?: string | undefined
  readonly operationName?: string | undefined
}

export type GraphQLData = Readonly<Record<string, unknown>>

export interface InfrahubClientOptions {
  /** Base URL without a trailing slash, e.g. `http://localhost:8000`. */
  readonly address: string
  readonly timeoutMs: number
}

export interface InfrahubClientShape {
  readonly address: string
  /** Runs a GraphQL document; GraphQL `errors` fail with {@link InfrahubGraphQLError} (partial data attached). */
  readonly graphql: (request: GraphQLRequest) => Effect.Effect<GraphQLData, InfrahubError, InfrahubCredentials>
  /** `GET /api/schema?branch=`: the whole processed schema of a branch. */
  readonly schema: (branch: string | undefined) => Effect.Effect<typeof SchemaResponse.Type, InfrahubError, InfrahubCredentials>
  /** `GET /api/schema/summary?branch=`: the schema hash (`main`). */
  readonly schemaSummary: (
    branch: string | undefined
  ) => Effect.Effect<typeof SchemaSummaryResponse.Type, InfrahubError, InfrahubCredentials>
  /** `GET /schema.graphql?branch=`: the GraphQL SDL of a branch. */
  readonly schemaSdl: (branch: string | undefined) => Effect.Effect<string, InfrahubError, InfrahubCredentials>
  /** `query { InfrahubInfo { version } }`: Infrahub's version, proving the credential works. */
  readonly version: Effect.Effect<string, InfrahubError, InfrahubCredentials>
  /**
   * Whether Infrahub answers HTTP at all (`GET /api/info`, no credential): for health checks without
   * one. Any status counts as an answer, but a 2xx must be Infrahub's `/api/info`.
   */
  readonly probe: Effect.Effect<number, InfrahubUnreachable | InfrahubTimeout | InfrahubProtocolError>
}

/** Branch names contain `/` (`mcp/session-…`): Infrahub routes `/graphql/{branch:path}`, so encode per segment. */
const graphqlPath = (branch: string | undefined): string =>
  branch === undefined ? "/graphql" : `/graphql/${branch.split("/").map(encodeURIComponent).join("/")}`

const withBranch = (branch: string | undefined) => (request: HttpClientRequest.HttpClientRequest) =>
  branch === undefined ? request : HttpClientRequest.setUrlParam(request, "branch", branch)

/** Reads GraphQL `data` whose shape the query fixed; a different shape is a protocol error. */
const decodeData = <A, I>(
  query: string,
  schema: Schema.Schema<A, I>,
  data: GraphQLData
): Effect.Effect<A, InfrahubProtocolError> =>
  Effect.mapError(
    Schema.decodeUnknown(schema)(data),
    () => new InfrahubProtocolError({ detail: `the ${query} query answered an unexpected shape` })
  )

export class InfrahubClient extends Context.Tag("infrahub-mcp/InfrahubClient")<InfrahubClient, InfrahubClientShape>() {
  /** Talks to Infrahub over `HttpClient`; every call carries the request's {@link InfrahubCredentials}. */
  static readonly make = Effect.fn("InfrahubClient.make")(function* (options: InfrahubClientOptions) {
    const http = (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest(HttpClientRequest.prependUrl(options.address)))
    const recordSpans = yield* spansRecorded
    const fn = fnIf(recordSpans)

    /**
     * One exchange with Infrahub. The body is read here, inside the timeout, so a connection that
     * stalls mid-body is a timeout too; decoders then read the same (cached) body.
     */
    const send = (
      request: HttpClientRequest.HttpClientRequest
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, InfrahubUnreachable | InfrahubTimeout> =>
      http.execute(request).pipe(
        Effect.tap((response) => response.text),
        deadline(options.timeoutMs, () => new InfrahubTimeout({ address: options.address, timeoutMs: options.timeoutMs })),
        Effect.catchTags({
          RequestError: (error) =>
            Effect.fail(new InfrahubUnreachable({ address: options.address, detail: error.cause ? String(error.cause) : error.message })),
          ResponseError: (error) => Effect.fail(new InfrahubUnreachable({ address: options.address, detail: error.message }))
        })
      )

    // Logins go through the same `send`: same base URL, timeout and error mapping.
    const sessions = yield* PasswordSessions.make({ address: options.address, send })

    /** Sends with the caller's credential: an API token as is, a password through its login. */
    const authenticated = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(InfrahubCredentials, (credential) => {
        switch (credential._tag) {
          case "ApiToken":
            return send(HttpClientRequest.setHeader(request, "X-INFRAHUB-KEY", Redacted.value(credential.token)))
          case "Password":
            return sessions.withAccessToken(credential, (accessToken) =>
              send(HttpClientRequest.bearerToken(request, Redacted.value(accessToken)))
            )
        }
      })

    /** An authenticated exchange whose 2xx answer is then read by `read`; anything else is a typed failure. */
    const exchange = <A>(
      request: HttpClientRequest.HttpClientRequest,
      read: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, InfrahubError>
    ): Effect.Effect<A, InfrahubError, InfrahubCredentials> =>
      Effect.flatMap(authenticated(request), (response) => (isOk(response) ? read(response) : failureOf(response)))

    const getJson = <A, I>(path: string, schema: Schema.Schema<A, I>, branch: string | undefined) =>
      exchange(HttpClientRequest.get(path).pipe(withBranch(branch), HttpClientRequest.acceptJson), decodeAnswer(path, schema))

    const graphql = fn("InfrahubClient.graphql")(function* (request: GraphQLRequest) {
      yield* annotateCurrentSpan("branch", request.branch ?? "(default)")
      const answer = yield* exchange(
        HttpClientRequest.post(graphqlPath(request.branch)).pipe(
          HttpClientRequest.bodyUnsafeJson({
            query: request.query,
            ...(request.variables === undefined ? {} : { variables: request.variables }),
            ...(request.operationName === undefined ? {} : { operationName: request.operationName })
          })
        ),
        decodeAnswer("/graphql", GraphQLAnswer)
      )
      const errors = answer.errors ?? []
      if (errors.length > 0) return yield* new InfrahubGraphQLError({ errors, data: answer.data ?? null })
      if (answer.data === undefined || answer.data === null) {
        return yield* new InfrahubProtocolError({ detail: "the GraphQL answer has no data" })
      }
      return answer.data
    })

    const schema = Effect.fn("InfrahubClient.schema")((branch: string | undefined) =>
      getJson("/api/schema", SchemaResponse, branch)
    )

    const schemaSummary = Effect.fn("InfrahubClient.schemaSummary")((branch: string | undefined) =>
      getJson("/api/schema/summary", SchemaSummaryResponse, branch)
    )

    const schemaSdl = Effect.fn("InfrahubClient.schemaSdl")((branch: string | undefined) =>
      // `send` has read the body already: reading it again cannot fail.
      exchange(HttpClientRequest.get("/schema.graphql").pipe(withBranch(branch)), (response) => Effect.orDie(response.text))
    )

    const version = graphql({ query: "query { InfrahubInfo { version } }" }).pipe(
      Effect.flatMap((data) => decodeData("InfrahubInfo", VersionData, data)),
      Effect.map((data) => data.InfrahubInfo.version),
      spanIf(recordSpans, "InfrahubClient.version")
    )

    const probe = send(HttpClientRequest.get("/api/info").pipe(HttpClientRequest.acceptJson)).pipe(
      Effect.tap((response) => (isOk(response) ? decodeAnswer("/api/info", InfoAnswer)(response) : Effect.void)),
      Effect.map((response) => response.status),
      spanIf(recordSpans, "InfrahubClient.probe")
    )

    return InfrahubClient.of({ address: options.address, graphql, schema, schemaSummary, schemaSdl, version, probe })
  })

  static readonly layer = (
    options: InfrahubClientOptions
  ): Layer.Layer<InfrahubClient, never, HttpClient.HttpClient | StateStore | Fingerprints> =>
    Layer.scoped(InfrahubClient, InfrahubClient.make(options))
}
