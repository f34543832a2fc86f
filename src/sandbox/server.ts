import { randomBytes, randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { parseAllDocuments } from "yaml"
import { formatAddress } from "../http/address.js"
import { ListenFailed } from "../http/listen.js"
import { makeEngine, type SandboxEngine } from "./graphql/engine.js"
import { type Account, makeAccounts } from "./http/accounts.js"
import { makeSandboxApp } from "./http/app.js"
import { type DebugState, makeDebugState } from "./http/debug.js"
import { loadSchemaFiles } from "./schema/load.js"
import { SANDBOX_INFRAHUB_VERSION } from "./version.js"

export { SANDBOX_INFRAHUB_VERSION } from "./version.js"

// Resolved from the package root, which is two levels up from both src/sandbox and dist/sandbox,
// so the built server reads the same data files without a copy step.
const dataDir = (...parts: ReadonlyArray<string>) =>
  fileURLToPath(new URL(`../../src/sandbox/data/${parts.join("/")}`, import.meta.url))

/** The demo data set: schema-library's base schemas, a small extension, and objects using them. */
export const DEMO_SCHEMAS = [dataDir("schemas", "base"), dataDir("schemas", "demo")]
export const DEMO_OBJECTS = [dataDir("objects", "demo.yml")]

export interface SandboxUserOption {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

export interface SandboxOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** API tokens accepted as `X-INFRAHUB-KEY`; one random token when empty. */
  readonly tokens: ReadonlyArray<Redacted.Redacted<string>>
  readonly users: ReadonlyArray<SandboxUserOption>
  readonly schemas: ReadonlyArray<string>
  readonly data: ReadonlyArray<string>
  readonly seed: "demo" | "none"
  readonly allowAnonymous: boolean
  readonly debugEndpoints: boolean
  readonly errorFormat: "legacy" | "catalogue"
  /** Lifetime of login access tokens (Infrahub's default 3600 s); tests shorten it to exercise refresh. */
  readonly accessTokenLifetimeS?: number
  /** The clock login tokens are issued and checked by (seconds since the epoch); tests move it to expire them. */
  readonly tokenClock?: () => number
  /**
   * How long an idle kept-alive connection stays open (Node's 5 s by default, as uvicorn's in front of
   * Infrahub). Tests lengthen it: a client on a loaded machine may reuse a connection just as the
   * server closes it, which a write rightly reports as an unknown outcome, so a test would fail by chance.
   */
  readonly keepAliveTimeoutMs?: number
}

export const defaultSandboxOptions: SandboxOptions = {
  host: "127.0.0.1",
  port: 0,
  tokens: [],
  users: [],
  schemas: [],
  data: [],
  seed: "demo",
  allowAnonymous: true,
  debugEndpoints: false,
  errorFormat: "legacy"
}

/** The sandbox could not start: a schema or object file is broken (a listen failure is `ListenFailed`). */
export class SandboxStartError extends Data.TaggedError("SandboxStartError")<{ readonly detail: string }> {
  override get message(): string {
    return `The sandbox did not start: ${this.detail}`
  }
}

export interface RunningSandbox {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  readonly url: string
  /** The accepted API tokens, first one the admin's (shown once at start). */
  readonly tokens: ReadonlyArray<Redacted.Redacted<string>>
  readonly engine: SandboxEngine
  /** Request log and faults; always present in-process, served over HTTP only with `debugEndpoints`. */
  readonly debug: DebugState
}

const objectDocuments = (paths: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const documents: Array<{ file: string; document: unknown }> = []
    for (const path of paths) {
      const missing = `${path}: the object file or directory does not exist. Check the --data path (a .yml, .yaml or .json file, or a directory of them).`
      const info = yield* fs.stat(path).pipe(Effect.mapError(() => new SandboxStartError({ detail: missing })))
      const files =
        info.type === "Directory"
          ? (yield* fs.readDirectory(path).pipe(Effect.orDie))
              .filter((name) => /\.(ya?ml|json)$/i.test(name))
              .sort()
              .map((name) => `${path}/${name}`)
          : [path]
      for (const file of files) {
        const text = yield* fs.readFileString(file).pipe(Effect.mapError((error) => new SandboxStartError({ detail: `${file}: ${error.message}` })))
        for (const parsed of parseAllDocuments(text)) {
          if (parsed.errors.length > 0) {
            return yield* new SandboxStartError({ detail: `${file}: not valid YAML: ${parsed.errors[0]?.message ?? "parse error"}. Fix the file and start again.` })
          }
          const document: unknown = parsed.toJS()
          if (document !== null && document !== undefined) documents.push({ file, document })
        }
      }
    }
    return documents
  })

/** The paths in order, each file or directory once (the demo's and a user's copy of the same path load once). */
const distinctPaths = (paths: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  return paths.filter((path) => {
    const key = resolve(path)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Builds the sandbox (schema, data, accounts) and serves it until the scope closes. All-or-nothing:
 * a broken schema or object file stops it before it listens.
 */
export const startSandbox = (
  options: SandboxOptions
): Effect.Effect<RunningSandbox, SandboxStartError | ListenFailed, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const schemaPaths = distinctPaths([...(options.seed === "demo" ? DEMO_SCHEMAS : []), ...options.schemas])
    const demoHint =
      "\nNote: --seed demo (the default) also loads the demo schemas (schema-library base and demo locations) and objects; to load your own definitions of those kinds, add --seed none."
    const registry = yield* loadSchemaFiles(schemaPaths).pipe(
      Effect.mapError((error) => {
        // A kind both in the demo's files and in the user's is a clash the user cannot see in their own files.
        const clashesWithDemo =
          options.seed === "demo" &&
          error.problems.some((p) => p.duplicateOf !== undefined && DEMO_SCHEMAS.some((dir) => p.file.startsWith(dir) || p.duplicateOf?.startsWith(dir) === true))
        return new SandboxStartError({ detail: `${error.message}${clashesWithDemo ? demoHint : ""}` })
      })
    )
    const deploymentId = randomUUID()
    const engine = makeEngine(registry, { errorFormat: options.errorFormat, version: SANDBOX_INFRAHUB_VERSION, deploymentId })

    const tokens = options.tokens.length > 0 ? options.tokens : [Redacted.make(randomBytes(18).toString("base64url"))]
    const account = (name: string, role: string): Account => ({ id: engine.ensureAccount(name, role), name, role })
    const accounts = makeAccounts({
      tokens: tokens.map((token, index) => ({ token, account: account(index === 0 ? "admin" : `token-${index + 1}`, "admin") })),
      users: options.users.map((user) => ({ password: user.password, account: account(user.username, "admin") })),
      ...(options.accessTokenLifetimeS === undefined ? {} : { accessLifetimeS: options.accessTokenLifetimeS }),
      ...(options.tokenClock === undefined ? {} : { now: options.tokenClock })
    })

    const objectPaths = distinctPaths([...(options.seed === "demo" ? DEMO_OBJECTS : []), ...options.data])
    const documents = yield* objectDocuments(objectPaths)
    yield* Effect.try({
      try: () => engine.loadObjects(documents),
      catch: (error) => {
        const detail = error instanceof Error ? error.message : String(error)
        // A user's schema may redefine (update) a demo kind so the demo's objects no longer fit it.
        const demoObjectsBroken = options.seed === "demo" && options.schemas.length > 0 && DEMO_OBJECTS.some((file) => detail.includes(file))
        return new SandboxStartError({ detail: `${detail}${demoObjectsBroken ? demoHint : ""}` })
      }
    })

    const debug = makeDebugState()
    const app = makeSandboxApp({
      engine,
      accounts,
      debug,
      // Recorded always (in-process callers read `debug`); served over HTTP only when asked.
      exposeDebugEndpoints: options.debugEndpoints,
      allowAnonymous: options.allowAnonymous,
      errorFormat: options.errorFormat,
      version: SANDBOX_INFRAHUB_VERSION,
      deploymentId
    })
    const context = yield* Layer.build(
      NodeHttpServer.layer(
        () => createServer(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs }),
        { host: options.host, port: options.port }
      ).pipe(
        Layer.mapError((error) => new ListenFailed({ host: options.host, port: options.port, cause: error.cause }))
      )
    )
    const server = yield* Effect.provide(HttpServer.HttpServer, context)
    yield* Effect.provide(HttpServer.serveEffect(app), context)
    return { url: formatAddress(server.address), tokens, engine, debug } satisfies RunningSandbox
  })

