import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { SandboxEngine } from "../graphql/engine.js"
import { kindSchema, schemaDump, schemaSummary } from "../schema/registry.js"
import type { Accounts, Caller, CredentialTrace } from "./accounts.js"
import { type DebugState, FaultSpec } from "./debug.js"

export interface SandboxAppOptions {
  readonly engine: SandboxEngine
  readonly accounts: Accounts
  /** The request log and fault injection; always recorded, so in-process tests can read them. */
  readonly debug: DebugState
  /** Serve `/__sandbox/*` (only with `--debug-endpoints`: never reachable by default). */
  readonly exposeDebugEndpoints: boolean
  readonly allowAnonymous: boolean
  /** Catalogue servers also word `/graphql` credential failures with catalogue codes (REST stays legacy). */
  readonly errorFormat: "legacy" | "catalogue"
  readonly version: string
  readonly deploymentId: string
}

interface Handled {
  readonly response: HttpServerResponse.HttpServerResponse
  readonly branch: string | null
  readonly operations: ReadonlyArray<string>
  readonly credential: CredentialTrace
}

/** Infrahub's REST error body: `extensions.code` is the HTTP status (infrahub-api.md §1.6). */
const restError = (status: number, message: string) =>
  HttpServerResponse.unsafeJson({ data: null, errors: [{ message, extensions: { code: status } }] }, { status })

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/** FastAPI's 405, with the `Allow` header it sends. */
const methodNotAllowed = (allow: string) =>
  HttpServerResponse.unsafeJson({ detail: "Method Not Allowed" }, { status: 405, headers: { allow } })

const plain = (response: HttpServerResponse.HttpServerResponse, credential: CredentialTrace = null, branch: string | null = null): Handled => ({
  response,
  branch,
  operations: [],
  credential
})

const bearerHeaderOf = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const header = request.headers["authorization"]
  const match = header === undefined ? null : /^bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim()
}

/** The access JWT as Infrahub reads it: the Bearer header, else the `access_token` cookie. */
const bearerOf = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  bearerHeaderOf(request) ?? request.cookies["access_token"]

/** Infrahub's login cookies (Starlette's `set_cookie` defaults plus httponly). */
const cookieOptions = (maxAgeS: number) => ({ httpOnly: true, path: "/", sameSite: "lax", maxAge: `${maxAgeS} seconds` }) as const

/**
 * A credential `/graphql` refuses, as a catalogue server words it (`error_formatter.py`: an expired JWT is
 * TOKEN_EXPIRED, any other AuthorizationError AUTHENTICATION_REQUIRED), in the captured envelope
 * (`error_catalogue/auth_token_expired.json`).
 */
const catalogueAuthError = (message: string) =>
  HttpServerResponse.unsafeJson(
    { errors: [{ message, extensions: { code: message.includes("Expired Signature") ? "TOKEN_EXPIRED" : "AUTHENTICATION_REQUIRED", http_status: 401, data: {} } }] },
    { status: 401 }
  )

/** Serves Infrahub's API from the in-memory engine: the routes a real Infrahub answers, as it answers them. */
export const makeSandboxApp = (options: SandboxAppOptions) => {
  const { engine, accounts, debug } = options

  /** The caller, or the 401 Infrahub answers for a credential it does not accept. */
  const callerOf = (request: HttpServerRequest.HttpServerRequest, envelope: "rest" | "graphql" = "rest") =>
    Effect.map(
      accounts.authenticate({ apiKey: request.headers["x-infrahub-key"], bearer: bearerOf(request) }),
      Either.mapLeft((failure) =>
        plain(envelope === "graphql" && options.errorFormat === "catalogue" ? catalogueAuthError(failure.message) : restError(401, failure.message), failure.trace)
      )
    )

  /** REST reads: anonymous only when allowed (Infrahub's `get_current_user`). */
  const admitRest = (caller: Either.Either<Caller, Handled>): Either.Either<Caller, Handled> => {
    if (Either.isLeft(caller)) return caller
    if (caller.right.account === null && !options.allowAnonymous) {
      return Either.left(plain(restError(401, "Authentication is required")))
    }
    return caller
  }

  const branchParam = (url: URL): Either.Either<string | undefined, HttpServerResponse.HttpServerResponse> => {
    const branch = url.searchParams.get("branch")
    if (branch === null || branch === "") return Either.right(undefined)
    return engine.branchExists(branch) ? Either.right(branch) : Either.left(restError(400, `Branch: ${branch} not found.`))
  }

  const graphql = (request: HttpServerRequest.HttpServerRequest, branch: string | undefined, caller: Caller) =>
    Effect.gen(function* () {
      const contentType = request.headers["content-type"] ?? ""
      const text = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
      const body = contentType.includes("application/json") ? Either.getOrUndefined(Either.try(() => JSON.parse(text) as unknown)) : undefined
      if (!contentType.includes("application/json")) {
        return { ...plain(json({ errors: ["Content-type must be application/json or multipart/form-data"] }, 400), caller.trace), branch: branch ?? null }
      }
      if (body === undefined) {
        return { ...plain(json({ errors: ["Request body is not a valid JSON"] }, 400), caller.trace), branch: branch ?? null }
      }
      const answer = engine.execute({
        body,
        branch,
        actor: caller.account === null ? null : { accountId: caller.account.id, name: caller.account.name },
        allowAnonymous: options.allowAnonymous
      })
      return {
        response: json(answer.body, answer.status),
        branch: branch ?? null,
        operations: answer.operations,
        credential: caller.trace
      } satisfies Handled
    })

  const withRestCaller = (
    request: HttpServerRequest.HttpServerRequest,
    serve: (caller: Caller, url: URL) => HttpServerResponse.HttpServerResponse
  ) =>
    Effect.map(callerOf(request), (caller) =>
      Either.match(admitRest(caller), {
        onLeft: (refused) => refused,
        onRight: (who) => {
          const url = new URL(request.url, "http://sandbox")
          return plain(serve(who, url), who.trace, url.searchParams.get("branch"))
        }
      })
    )

  /**
   * REST routes declared with `Depends(get_branch_dep)` before `Depends(get_current_user)`: FastAPI
   * resolves them in that order, so an unknown `?branch=` answers 400 before the credential is judged.
   */
  const withBranchAndRestCaller = (
    request: HttpServerRequest.HttpServerRequest,
    serve: (branch: string | undefined, url: URL) => HttpServerResponse.HttpServerResponse
  ) =>
    Effect.map(callerOf(request), (caller) => {
      const url = new URL(request.url, "http://sandbox")
      const branchName = url.searchParams.get("branch")
      const branch = branchParam(url)
      if (Either.isLeft(branch)) return plain(branch.left, Either.isLeft(caller) ? caller.left.credential : caller.right.trace, branchName)
      return Either.match(admitRest(caller), {
        onLeft: (refused) => refused,
        onRight: (who) => plain(serve(branch.right, url), who.trace, branchName)
      })
    })

  const schemaRoute = (request: HttpServerRequest.HttpServerRequest, path: string) =>
    withBranchAndRestCaller(request, (_branch, url) => {
      if (path === "/api/schema") return json(schemaDump(engine.registry, url.searchParams.getAll("namespaces")))
      if (path === "/api/schema/summary") return json(schemaSummary(engine.registry))
      const kind = decodeURIComponent(path.slice("/api/schema/".length))
      return Either.match(kindSchema(engine.registry, kind), {
        onLeft: (error) => restError(422, error.message),
        onRight: (schema) => json(schema)
      })
    })

  const login = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      const body = yield* request.json.pipe(Effect.orElseSucceed(() => undefined))
      const credentials = Schema.decodeUnknownOption(Schema.Struct({ username: Schema.String, password: Schema.String }))(body)
      if (Option.isNone(credentials)) return plain(restError(422, "username and password are required"))
      const result = yield* accounts.login(credentials.value.username, credentials.value.password)
      return Either.match(result, {
        onLeft: (failure) => plain(restError(failure.status, failure.message)),
        onRight: (tokens) =>
          plain(
            json({ access_token: tokens.access_token, refresh_token: tokens.refresh_token }).pipe(
              HttpServerResponse.unsafeSetCookie("access_token", tokens.access_token, cookieOptions(accounts.accessLifetimeS)),
              HttpServerResponse.unsafeSetCookie("refresh_token", tokens.refresh_token, cookieOptions(accounts.refreshLifetimeS))
            ),
            { type: "user", name: tokens.account.name }
          )
      })
    })

  const refresh = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      // Infrahub's `get_refresh_token`: the Bearer header, else the `refresh_token` cookie (never `access_token`).
      const token = bearerHeaderOf(request) ?? request.cookies["refresh_token"]
      if (token === undefined) return plain(restError(401, "A JWT refresh token is required to perform this operation."))
      const result = yield* accounts.refresh(token)
      return Either.match(result, {
        onLeft: (failure) => plain(restError(failure.status, failure.message)),
        onRight: (renewed) =>
          plain(
            json({ access_token: renewed.access_token }).pipe(
              HttpServerResponse.unsafeSetCookie("access_token", renewed.access_token, cookieOptions(accounts.accessLifetimeS))
            ),
            { type: "user", name: renewed.account.name }
          )
      })
    })

  const logout = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function* () {
      const token = bearerOf(request)
      if (token === undefined) return plain(restError(401, "A JWT access token is required to perform this operation."))
      const result = yield* accounts.logout(token)
      return Either.match(result, {
        onLeft: (failure) => plain(restError(failure.status, failure.message)),
        onRight: ({ account }) =>
          plain(
            json(null).pipe(HttpServerResponse.expireCookie("access_token", { path: "/" }), HttpServerResponse.expireCookie("refresh_token", { path: "/" })),
            { type: "user", name: account.name }
          )
      })
    })

  const debugRoute = (request: HttpServerRequest.HttpServerRequest, path: string, state: DebugState) =>
    Effect.gen(function* () {
      if (path === "/__sandbox/requests") {
        if (request.method === "GET") return json(state.requests())
        if (request.method === "DELETE") {
          state.clearRequests()
          return json({ cleared: true })
        }
      }
      if (path === "/__sandbox/faults") {
        if (request.method === "DELETE") {
          state.clearFaults()
          return json({ cleared: true })
        }
        if (request.method === "POST") {
          const body = yield* request.json.pipe(Effect.orElseSucceed(() => undefined))
          const spec = Schema.decodeUnknownEither(FaultSpec)(body)
          if (Either.isLeft(spec)) {
            return json({ error: `Invalid fault: expected {path, latencyMs?, status?, drop?, times?}: ${spec.left.message}` }, 400)
          }
          return Either.match(state.addFault(spec.right), {
            onLeft: (problem) => json({ error: `Invalid fault: ${problem}` }, 400),
            onRight: () => json({ added: true })
          })
        }
      }
      return json({ error: `No debug route ${request.method} ${path}` }, 404)
    })

  const route = (request: HttpServerRequest.HttpServerRequest, path: string): Effect.Effect<Handled> => {
    const method = request.method
    if (path === "/graphql" || path.startsWith("/graphql/")) {
      if (method !== "POST" && method !== "OPTIONS") return Effect.succeed(plain(methodNotAllowed("GET, POST, OPTIONS")))
      const rest = path.slice("/graphql".length).replace(/^\/+/, "")
      const branch = rest === "" ? undefined : rest.split("/").map(decodeURIComponent).join("/")
      // Infrahub's GraphQL app authenticates first, then looks the branch up, then dispatches on the method.
      return Effect.flatMap(callerOf(request, "graphql"), (caller) => {
        if (Either.isLeft(caller)) return Effect.succeed({ ...caller.left, branch: branch ?? null })
        if (branch !== undefined && !engine.branchExists(branch)) {
          return Effect.succeed(plain(json({ errors: [`Branch: ${branch} not found.`] }, 404), caller.right.trace, branch))
        }
        if (method === "OPTIONS") {
          return Effect.succeed(plain(HttpServerResponse.empty({ status: 200, headers: { allow: "GET, POST, OPTIONS" } }), caller.right.trace, branch ?? null))
        }
        return graphql(request, branch, caller.right)
      })
    }
    if (path === "/api/schema" || path.startsWith("/api/schema/")) {
      return method === "GET" ? schemaRoute(request, path) : Effect.succeed(plain(methodNotAllowed("GET")))
    }
    if (path === "/schema.graphql" && method === "GET") {
      return withBranchAndRestCaller(request, (branch) =>
        HttpServerResponse.text(engine.sdl(branch) ?? "", { contentType: "text/plain; charset=utf-8" })
      )
    }
    if (path === "/api/info" && method === "GET") {
      return withRestCaller(request, () => json({ deployment_id: options.deploymentId, version: options.version }))
    }
    if (path === "/api/auth/login" && method === "POST") return login(request)
    if (path === "/api/auth/refresh" && method === "POST") return refresh(request)
    if (path === "/api/auth/logout" && method === "POST") return logout(request)
    if (path.startsWith("/api/")) return Effect.succeed(plain(restError(404, `The requested endpoint ${path} does not exist`)))
    if (path.startsWith("/__sandbox/") && options.exposeDebugEndpoints) {
      return Effect.map(debugRoute(request, path, debug), (response) => plain(response))
    }
    return Effect.succeed(plain(json({ detail: "Not Found" }, 404)))
  }

  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = new URL(request.url, "http://sandbox").pathname
    const isDebug = path.startsWith("/__sandbox/") && options.exposeDebugEndpoints
    const fault = isDebug ? undefined : debug.takeFault(path)
    if (fault !== undefined && fault.latencyMs > 0) yield* Effect.sleep(fault.latencyMs)
    if (fault?.drop === true) {
      // A dropped connection: the client sees a socket hang-up, as with a crashed proxy.
      NodeHttpServerRequest.toServerResponse(request).destroy()
      return HttpServerResponse.empty({ status: 499 })
    }
    const handled: Handled =
      fault?.status !== undefined
        ? plain(restError(fault.status, `Injected fault: HTTP ${fault.status}`))
        : yield* route(request, path)
    if (!isDebug) {
      debug.record({
        method: request.method,
        path,
        branch: handled.branch,
        operations: handled.operations,
        status: handled.response.status,
        credential: handled.credential
      })
    }
    return handled.response
  })
}
