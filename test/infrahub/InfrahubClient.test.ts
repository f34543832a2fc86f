import { createServer, type Server } from "node:http"
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken, type Credential, InfrahubCredentials, password } from "../../src/auth/InfrahubCredentials.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { tokenTrace } from "../../src/sandbox/http/accounts.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { SANDBOX_INFRAHUB_VERSION } from "../../src/sandbox/version.js"

const USERS = [
  { username: "alice", password: Redacted.make("alice-pw") },
  { username: "bob", password: Redacted.make("bob:pw:with:colons") }
]

/**
 * The sandboxes' login tokens are issued and checked against this clock (seconds), frozen unless a
 * test moves it: no test depends on how much real time passes. It only ever moves forward.
 */
let infrahubSeconds = Math.floor(Date.now() / 1000)
const tokenClock = () => infrahubSeconds

let legacy: TestSandbox
let catalogue: TestSandbox
/** Any non-Infrahub HTTP server: a proxy's login page, as INFRAHUB_ADDRESS might point to by mistake. */
let notInfrahub: Server
let notInfrahubUrl: string

beforeAll(async () => {
  legacy = await startTestSandbox({ users: USERS, tokenClock })
  catalogue = await startTestSandbox({ users: USERS, tokenClock, errorFormat: "catalogue" })
  notInfrahub = createServer((request, response) => {
    if (request.url?.startsWith("/api/schema/summary") === true) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hash: "no main here" }))
    } else {
      response.writeHead(200, { "content-type": "text/html" }).end("<html><body>Please sign in</body></html>")
    }
  })
  await new Promise<void>((resolve) => notInfrahub.listen(0, "127.0.0.1", resolve))
  const address = notInfrahub.address()
  notInfrahubUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
})
afterAll(async () => {
  await legacy?.close()
  await catalogue?.close()
  await new Promise((resolve) => notInfrahub?.close(resolve))
})

/** A client with its own login store, as one server process has. */
const clientLayer = (address: string, timeoutMs = 5_000) =>
  InfrahubClient.layer({ address, timeoutMs }).pipe(
    Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, memoryStoreLayer(), Fingerprints.random))
  )

const as =
  (credential: Credential) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, InfrahubCredentials>> =>
    Effect.provideService(effect, InfrahubCredentials, credential)

const tagCount = Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { BuiltinTag { count } }" }))

const alice = password("alice", "alice-pw")
const bob = password("bob", "bob:pw:with:colons")

/** The requests `sandbox` served during `effect`, as `path status`. */
const served = <A, E, R>(sandbox: TestSandbox, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    sandbox.clearRequests()
    const result = yield* effect
    return { result, requests: sandbox.requests().map((r) => `${r.path} ${r.status}`) }
  })

describe("InfrahubClient: credentials", () => {
  it.effect("sends an API token as X-INFRAHUB-KEY and nothing else", () =>
    Effect.gen(function* () {
      legacy.clearRequests()
      const data = yield* as(apiToken(legacy.token))(tagCount)
      expect(data).toHaveProperty("BuiltinTag.count")
      expect(legacy.requests().map((r) => r.credential)).toEqual([tokenTrace(legacy.token)])
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("logs a password credential in once and reuses its token for that exact credential only", () =>
    Effect.gen(function* () {
      const { requests } = yield* served(legacy, as(alice)(Effect.zipRight(tagCount, tagCount)))
      expect(requests).toEqual(["/api/auth/login 200", "/graphql 200", "/graphql 200"])
      expect(legacy.requests()[1]?.credential).toEqual({ type: "user", name: "alice" })
      // Same username, another password: never served from alice's login.
      const wrong = yield* served(legacy, Effect.flip(as(password("alice", "alice-pw2"))(tagCount)))
      expect(wrong.requests).toEqual(["/api/auth/login 401"])
      expect(wrong.result._tag).toBe("InfrahubUnauthorized")
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("a wrong password or an unknown user fails with Infrahub's message, never falls back to another credential", () =>
    Effect.gen(function* () {
      const wrong = yield* served(legacy, Effect.flip(as(password("alice", "wrong"))(tagCount)))
      expect(wrong.result._tag).toBe("InfrahubUnauthorized")
      expect(wrong.result.message).toContain("Incorrect password")
      expect(wrong.requests).toEqual(["/api/auth/login 401"])
      const unknown = yield* served(legacy, Effect.flip(as(password("mallory", "x"))(tagCount)))
      expect(unknown.result._tag).toBe("InfrahubUnauthorized")
      expect(unknown.result.message).toContain("doesn't exist")
      expect(unknown.requests).toEqual(["/api/auth/login 404"])
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("concurrent first calls with one credential share one login", () =>
    Effect.gen(function* () {
      const { requests } = yield* served(legacy, as(bob)(Effect.all(Array.from({ length: 5 }, () => tagCount), { concurrency: "unbounded" })))
      expect(requests).toEqual(["/api/auth/login 200", ...Array.from({ length: 5 }, () => "/graphql 200")])
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )
})

describe("InfrahubClient: token lifetimes (TestClock on our side, a frozen token clock on Infrahub's)", () => {
  it.effect("renews the access token before use once the lifetime Infrahub gave it has passed", () =>
    Effect.gen(function* () {
      yield* as(alice)(tagCount)
      yield* TestClock.adjust("59 minutes")
      expect((yield* served(legacy, as(alice)(tagCount))).requests).toEqual(["/graphql 200"])
      // Infrahub's access tokens live an hour. Infrahub's own clock is frozen, so it would still accept
      // the old token: the renewal is this server's decision, on its own clock.
      yield* TestClock.adjust("2 minutes")
      expect((yield* served(legacy, as(alice)(tagCount))).requests).toEqual(["/api/auth/refresh 200", "/graphql 200"])
      expect((yield* served(legacy, as(alice)(tagCount))).requests).toEqual(["/graphql 200"])
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  for (const format of ["legacy", "catalogue"] as const) {
    it.effect(`refreshes once when Infrahub says the token expired (${format} error form), then retries`, () =>
      Effect.gen(function* () {
        const sandbox = format === "legacy" ? legacy : catalogue
        yield* as(bob)(tagCount)
        // Infrahub's clock runs ahead of ours: it finds the token expired before we expect it to.
        infrahubSeconds += 2 * 3600
        const { result, requests } = yield* served(sandbox, as(bob)(tagCount))
        expect(result).toHaveProperty("BuiltinTag.count")
        expect(requests).toEqual(["/graphql 401", "/api/auth/refresh 200", "/graphql 200"])
      }).pipe(Effect.provide(clientLayer(format === "legacy" ? legacy.url : catalogue.url)))
    )
  }
})

describe("InfrahubClient: a restarted Infrahub", () => {
  /** A sandbox with the same accounts on `port`: a restart, which signs tokens with a new key. */
  const restartOn = (port: number, users = USERS) => Effect.promise(() => startTestSandbox({ users, tokenClock, port }))

  it.effect("a stored login Infrahub no longer accepts is dropped; the credential logs in once more and the call succeeds", () =>
    Effect.gen(function* () {
      const first = yield* Effect.promise(() => startTestSandbox({ users: USERS, tokenClock }))
      const port = Number(new URL(first.url).port)
      const second = yield* Effect.gen(function* () {
        yield* as(alice)(tagCount)
        yield* Effect.promise(() => first.close())
        const restarted = yield* restartOn(port)
        const { result, requests } = yield* served(restarted, as(alice)(tagCount))
        expect(result).toHaveProperty("BuiltinTag.count")
        expect(requests).toEqual(["/graphql 401", "/api/auth/login 200", "/graphql 200"])
        // The new login is kept.
        expect((yield* served(restarted, as(alice)(tagCount))).requests).toEqual(["/graphql 200"])
        return restarted
      }).pipe(Effect.provide(clientLayer(first.url)))
      yield* Effect.promise(() => second.close())
    })
  )

  it.effect("when the fresh login is refused too, that refusal is reported, once", () =>
    Effect.gen(function* () {
      const first = yield* Effect.promise(() => startTestSandbox({ users: USERS, tokenClock }))
      const port = Number(new URL(first.url).port)
      const second = yield* Effect.gen(function* () {
        yield* as(alice)(tagCount)
        yield* Effect.promise(() => first.close())
        // Restarted with alice's password changed.
        const restarted = yield* restartOn(port, [{ username: "alice", password: Redacted.make("changed") }])
        const { result, requests } = yield* served(restarted, Effect.flip(as(alice)(tagCount)))
        expect(result._tag).toBe("InfrahubUnauthorized")
        expect(result.message).toContain("Incorrect password")
        expect(requests).toEqual(["/graphql 401", "/api/auth/login 401"])
        return restarted
      }).pipe(Effect.provide(clientLayer(first.url)))
      yield* Effect.promise(() => second.close())
    })
  )
})

describe("InfrahubClient: failures", () => {
  it.effect("an unknown branch is BranchNotFound, on GraphQL and REST alike", () =>
    Effect.gen(function* () {
      const graphql = yield* Effect.flip(
        as(apiToken(legacy.token))(Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { BuiltinTag { count } }", branch: "no/such-branch" })))
      )
      expect(graphql._tag).toBe("BranchNotFound")
      expect(graphql.message).toContain("no/such-branch")
      const rest = yield* Effect.flip(as(apiToken(legacy.token))(Effect.flatMap(InfrahubClient, (c) => c.schemaSummary("no-such-branch"))))
      expect(rest._tag).toBe("BranchNotFound")
      expect(rest.message).toContain("no-such-branch")
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("GraphQL errors are typed, with Infrahub's messages", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(as(apiToken(legacy.token))(Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { Nope { count } }" }))))
      expect(error._tag).toBe("InfrahubGraphQLError")
      expect(error.message).toContain("Nope")
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("a bad token is InfrahubUnauthorized (401), not transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(as(apiToken("not-a-token"))(tagCount))
      expect(error._tag).toBe("InfrahubUnauthorized")
      expect(error.message).toContain("401")
      expect(error.message).toContain("Invalid token")
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  it.effect("5xx answers are InfrahubServerError", () =>
    Effect.gen(function* () {
      legacy.running.debug.addFault({ path: "^/graphql", status: 503, times: 1 })
      const error = yield* Effect.flip(as(apiToken(legacy.token))(tagCount))
      expect(error._tag).toBe("InfrahubServerError")
      expect(error.message).toContain("503")
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )

  // Live: the timeout is the point, so Effect's clock must be the real one.
  it.live("a slow Infrahub is InfrahubTimeout", () =>
    Effect.gen(function* () {
      legacy.running.debug.addFault({ path: "^/graphql", latencyMs: 1_000, times: 1 })
      const error = yield* Effect.flip(as(apiToken(legacy.token))(tagCount))
      expect(error._tag).toBe("InfrahubTimeout")
    }).pipe(Effect.provide(clientLayer(legacy.url, 200)))
  )

  it.effect("a dropped connection and a closed port are InfrahubUnreachable", () =>
    Effect.gen(function* () {
      legacy.running.debug.addFault({ path: "^/graphql", drop: true, times: 1 })
      const dropped = yield* Effect.flip(as(apiToken(legacy.token))(tagCount).pipe(Effect.provide(clientLayer(legacy.url))))
      expect(dropped._tag).toBe("InfrahubUnreachable")
      const closed = yield* Effect.flip(as(apiToken(legacy.token))(tagCount).pipe(Effect.provide(clientLayer("http://127.0.0.1:9"))))
      expect(closed._tag).toBe("InfrahubUnreachable")
      expect(closed.message).toContain("127.0.0.1:9")
    })
  )

  it.effect("an answer that is not Infrahub's is InfrahubProtocolError naming the endpoint", () =>
    Effect.gen(function* () {
      const client = yield* InfrahubClient
      const graphql = yield* Effect.flip(as(apiToken("x"))(client.graphql({ query: "query { BuiltinTag { count } }" })))
      expect(graphql._tag).toBe("InfrahubProtocolError")
      expect(graphql.message).toContain("/graphql answered HTTP 200 with a body that is not JSON")
      const summary = yield* Effect.flip(as(apiToken("x"))(client.schemaSummary(undefined)))
      expect(summary._tag).toBe("InfrahubProtocolError")
      expect(summary.message).toContain("/api/schema/summary answered HTTP 200 with an unexpected body (main: is missing)")
      const probe = yield* Effect.flip(client.probe)
      expect(probe.message).toContain("/api/info")
      const login = yield* Effect.flip(as(alice)(client.version))
      expect(login.message).toContain("/api/auth/login")
    }).pipe(Effect.provide(clientLayer(notInfrahubUrl)))
  )

  it.effect("version and probe read Infrahub's own answers", () =>
    Effect.gen(function* () {
      const client = yield* InfrahubClient
      expect(yield* as(apiToken(legacy.token))(client.version)).toBe(SANDBOX_INFRAHUB_VERSION)
      expect(yield* client.probe).toBe(200) // anonymous reads are on by default, as in Infrahub
    }).pipe(Effect.provide(clientLayer(legacy.url)))
  )
})
