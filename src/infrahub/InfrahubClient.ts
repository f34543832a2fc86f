import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Match from "effect/Match"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InfrahubCredentials, type Credential } from "../auth/InfrahubCredentials.js"
import {
  BranchNotFound,
  InfrahubGraphQLError,
  InfrahubProtocolError,
  InfrahubServerError,
  InfrahubTimeout,
  InfrahubUnauthorized,
  InfrahubUnreachable,
  type InfrahubError
} from "./errors.js"
import { PasswordSessions } from "./PasswordSessions.js"
import { errorItems, parseJson } from "./responses.js"

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
  /** `GET /api/schema?branch=`: the whole processed schema of a branch, as JSON. */
  readonly schema: (branch: string | undefined) => Effect.Effect<unknown, InfrahubError, InfrahubCredentials>
  /** `GET /api/schema/summary?branch=`: the schema hash (`main`) and per-kind hashes. */
  readonly schemaSummary: (branch: string | undefined) => Effect.Effect<unknown, InfrahubError, InfrahubCredentials>
  /** `GET /schema.graphql?branch=`: the GraphQL SDL of a branch. */
  readonly schemaSdl: (branch: string | undefined) => Effect.Effect<string, InfrahubError, InfrahubCredentials>
  /** `query { InfrahubInfo { version } }`: Infrahub's version, proving the credential works. */
  readonly version: Effect.Effect<string, InfrahubError, InfrahubCredentials>
  /** Whether Infrahub answers HTTP at all (`GET /api/info`, no credential): for health checks without one. */
  readonly probe: Effect.Effect<number, InfrahubUnreachable | InfrahubTimeout>
}

/** Branch names contain `/` (`mcp/session-…`): Infrahub routes `/graphql/{branch:path}`, so encode per segment. */
const branchPath = (branch: string): string => branch.split("/").map(encodeURIComponent).join("/")

/** An HTTP answer from Infrahub: status, text, and the body parsed when it is JSON. */
export interface RawResponse {
  readonly status: number
  readonly body: unknown
  readonly text: string
}

const detailOf = (response: RawResponse): string => {
  const messages = errorItems(response.body).map((e) => e.message)
  if (messages.length > 0) return messages.join(" | ")
  const text = response.text.trim()
  return text.length === 0 ? "empty body" : text.length > 200 ? `${text.slice(0, 200)}…` : text
}

const branchNotFoundIn = (response: RawResponse): Option.Option<string> =>
  Option.fromNullable(
    errorItems(response.body)
      .map((e) => /^Branch:? '?(.+?)'? not found\.?$/.exec(e.message)?.[1])
      .find((name) => name !== undefined)
  )

/** Maps a non-2xx answer to a typed failure; 2xx bodies are handled by the caller. */
const failureOf = (response: RawResponse): InfrahubError =>
  Match.value(response.status).pipe(
    Match.when(
      (s) => s === 401 || s === 403,
      (status) => new InfrahubUnauthorized({ status, detail: detailOf(response) })
    ),
    Match.when(
      (s) => s === 404 || s === 400,
      (status) =>
        Option.match(branchNotFoundIn(response), {
          onSome: (branch) => new BranchNotFound({ branch }),
          onNone: () => new InfrahubServerError({ status, detail: detailOf(response) })
        })
    ),
    Match.orElse((status) => new InfrahubServerError({ status, detail: detailOf(response) }))
  )

export class InfrahubClient extends Context.Tag("infrahub-mcp/InfrahubClient")<InfrahubClient, InfrahubClientShape>() {
  /** Talks to Infrahub over `HttpClient`; every call carries the request's {@link InfrahubCredentials}. */
  static readonly make = Effect.fn("InfrahubClient.make")(function* (options: InfrahubClientOptions) {
    const http = yield* HttpClient.HttpClient
    const timeout = Duration.millis(options.timeoutMs)

    const send = (
      request: HttpClientRequest.HttpClientRequest
    ): Effect.Effect<RawResponse, InfrahubUnreachable | InfrahubTimeout> =>
      http.execute(request).pipe(
        Effect.flatMap((response: HttpClientResponse.HttpClientResponse) =>
          Effect.map(response.text, (text) => ({ status: response.status, text, body: parseJson(text) }))
        ),
        Effect.scoped,
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new InfrahubTimeout({ address: options.address, timeoutMs: options.timeoutMs })
        }),
        Effect.catchTag("RequestError", (error) =>
          Effect.fail(new InfrahubUnreachable({ address: options.address, detail: error.cause ? String(error.cause) : error.message }))
        ),
        Effect.catchTag("ResponseError", (error) =>
          Effect.fail(new InfrahubUnreachable({ address: options.address, detail: error.message }))
        )
      )

    // Logins go through the same `send`: same timeout, same error mapping.
    const sessions = PasswordSessions.make({ address: options.address, send })

    /** Sends with the caller's credential; a password login refreshes once when Infrahub says the JWT expired. */
    const authenticated = (
      build: () => HttpClientRequest.HttpClientRequest
    ): Effect.Effect<RawResponse, InfrahubError, InfrahubCredentials> =>
      Effect.flatMap(InfrahubCredentials, (credential: Credential) => {
        switch (credential._tag) {
          case "ApiToken":
            return send(HttpClientRequest.setHeader(build(), "X-INFRAHUB-KEY", Redacted.value(credential.token)))
          case "Password":
            return sessions.withAccessToken(credential, (accessToken) =>
              send(HttpClientRequest.bearerToken(build(), Redacted.value(accessToken)))
            )
        }
      })

    const url = (path: string, branch: string | undefined): string =>
      branch === undefined
        ? `${options.address}${path}`
        : `${options.address}${path}?${new URLSearchParams({ branch }).toString()}`

    const getJson = (path: string, branch: string | undefined) =>
      authenticated(() => HttpClientRequest.get(url(path, branch)).pipe(HttpClientRequest.acceptJson)).pipe(
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? response.body === undefined
              ? Effect.fail(new InfrahubProtocolError({ detail: `${path} did not return JSON` }))
              : Effect.succeed(response.body)
            : Effect.fail(failureOf(response))
        )
      )

    const graphql = (request: GraphQLRequest) =>
      authenticated(() =>
        HttpClientRequest.post(
          request.branch === undefined
            ? `${options.address}/graphql`
            : `${options.address}/graphql/${branchPath(request.branch)}`
        ).pipe(
          HttpClientRequest.bodyUnsafeJson({
            query: request.query,
            ...(request.variables === undefined ? {} : { variables: request.variables }),
            ...(request.operationName === undefined ? {} : { operationName: request.operationName })
          })
        )
      ).pipe(
        Effect.flatMap((response): Effect.Effect<GraphQLData, InfrahubError> => {
          if (response.status < 200 || response.status >= 300) return Effect.fail(failureOf(response))
          const body = response.body
          if (typeof body !== "object" || body === null) {
            return Effect.fail(new InfrahubProtocolError({ detail: "the GraphQL answer is not a JSON object" }))
          }
          const errors = errorItems(body)
          const data = "data" in body && typeof body.data === "object" && body.data !== null ? body.data : null
          if (errors.length > 0) return Effect.fail(new InfrahubGraphQLError({ errors, data }))
          if (data === null) return Effect.fail(new InfrahubProtocolError({ detail: "the GraphQL answer has no data" }))
          return Effect.succeed(data as GraphQLData)
        }),
        Effect.withSpan("InfrahubClient.graphql", { attributes: { branch: request.branch ?? "(default)" } })
      )

    const schemaSdl = (branch: string | undefined) =>
      authenticated(() => HttpClientRequest.get(url("/schema.graphql", branch))).pipe(
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300 ? Effect.succeed(response.text) : Effect.fail(failureOf(response))
        )
      )

    const version = graphql({ query: "query { InfrahubInfo { version } }" }).pipe(
      Effect.flatMap((data) => {
        const info = data["InfrahubInfo"]
        const value = typeof info === "object" && info !== null ? (info as { version?: unknown }).version : undefined
        return typeof value === "string"
          ? Effect.succeed(value)
          : Effect.fail(new InfrahubProtocolError({ detail: "InfrahubInfo has no version" }))
      })
    )

    const probe = send(HttpClientRequest.get(`${options.address}/api/info`)).pipe(Effect.map((response) => response.status))

    return InfrahubClient.of({
      address: options.address,
      graphql,
      version,
      probe,
      schema: (branch) => getJson("/api/schema", branch).pipe(Effect.withSpan("InfrahubClient.schema")),
      schemaSummary: (branch) => getJson("/api/schema/summary", branch),
      schemaSdl
    })
  })

  static readonly layer = (options: InfrahubClientOptions): Layer.Layer<InfrahubClient, never, HttpClient.HttpClient> =>
    Layer.effect(InfrahubClient, InfrahubClient.make(options))
}
