import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { apiToken, type Credential, InfrahubCredentials, password } from "../../src/auth/InfrahubCredentials.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { tokenTrace } from "../../src/sandbox/http/accounts.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({
    users: [
      { username: "alice", password: Redacted.make("alice-pw") },
      { username: "bob", password: Redacted.make("bob:pw:with:colons") }
    ],
    accessTokenLifetimeS: 1
  })
})
afterAll(() => sandbox.close())

const withClient = <A, E>(
  effect: Effect.Effect<A, E, InfrahubClient | InfrahubCredentials>,
  credential: Credential = apiToken(sandbox.token),
  address = sandbox.url,
  timeoutMs = 5_000
) =>
  effect.pipe(
    Effect.provideService(InfrahubCredentials, credential),
    Effect.provide(InfrahubClient.layer({ address, timeoutMs })),
    Effect.provide(NodeHttpClient.layerUndici)
  )

const tagCount = Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { BuiltinTag { count } }" }))

describe("InfrahubClient", () => {
  it.live("sends an API token as X-INFRAHUB-KEY and nothing else", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      const data = yield* withClient(tagCount)
      expect(data).toHaveProperty("BuiltinTag.count")
      expect(sandbox.requests().map((r) => r.credential)).toEqual([tokenTrace(sandbox.token)])
    })
  )

  it.live("logs a password credential in once and reuses its token for that exact credential", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      const alice = password("alice", "alice-pw")
      yield* Effect.gen(function* () {
        const c = yield* InfrahubClient
        yield* c.graphql({ query: "query { BuiltinTag { count } }" })
        yield* c.graphql({ query: "query { BuiltinTag { count } }" })
      }).pipe((self) => withClient(self, alice))
      const paths = sandbox.requests().map((r) => r.path)
      expect(paths).toEqual(["/api/auth/login", "/graphql", "/graphql"])
      expect(sandbox.requests()[1]?.credential).toEqual({ type: "user", name: "alice" })
    })
  )

  it.live("a wrong password fails with Infrahub's message, never falls back to another credential", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      const error = yield* Effect.flip(withClient(tagCount, password("alice", "wrong")))
      expect(error._tag).toBe("InfrahubUnauthorized")
      expect(error.message).toContain("Incorrect password")
      expect(sandbox.requests().map((r) => r.path)).toEqual(["/api/auth/login"])
    })
  )

  it.live("refreshes an expired access token once and retries", () =>
    Effect.gen(function* () {
      const bob = password("bob", "bob:pw:with:colons")
      yield* Effect.gen(function* () {
        const c = yield* InfrahubClient
        yield* c.graphql({ query: "query { BuiltinTag { count } }" })
        sandbox.clearRequests()
        yield* Effect.sleep("2100 millis") // the sandbox issues 1-second access tokens here
        yield* c.graphql({ query: "query { BuiltinTag { count } }" })
      }).pipe((self) => withClient(self, bob))
      expect(sandbox.requests().map((r) => `${r.path} ${r.status}`)).toEqual([
        "/graphql 401",
        "/api/auth/refresh 200",
        "/graphql 200"
      ])
    }), 10_000
  )

  it.live("an unknown branch is BranchNotFound", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        withClient(Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { BuiltinTag { count } }", branch: "no/such-branch" })))
      )
      expect(error._tag).toBe("BranchNotFound")
      expect(error.message).toContain("no/such-branch")
    })
  )

  it.live("GraphQL errors are typed, with Infrahub's messages", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(withClient(Effect.flatMap(InfrahubClient, (c) => c.graphql({ query: "query { Nope { count } }" }))))
      expect(error._tag).toBe("InfrahubGraphQLError")
      expect(error.message).toContain("Nope")
    })
  )

  it.live("a bad token is InfrahubUnauthorized (401)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(withClient(tagCount, apiToken("not-a-token")))
      expect(error._tag).toBe("InfrahubUnauthorized")
      expect(error.message).toContain("401")
    })
  )

  it.live("5xx answers are InfrahubServerError", () =>
    Effect.gen(function* () {
      sandbox.running.debug.addFault({ path: "^/graphql", status: 503, times: 1 })
      const error = yield* Effect.flip(withClient(tagCount))
      expect(error._tag).toBe("InfrahubServerError")
      expect(error.message).toContain("503")
    })
  )

  it.live("a slow Infrahub is InfrahubTimeout", () =>
    Effect.gen(function* () {
      sandbox.running.debug.addFault({ path: "^/graphql", latencyMs: 1_000, times: 1 })
      const error = yield* Effect.flip(withClient(tagCount, apiToken(sandbox.token), sandbox.url, 200))
      expect(error._tag).toBe("InfrahubTimeout")
    })
  )

  it.live("a dropped connection and a closed port are InfrahubUnreachable", () =>
    Effect.gen(function* () {
      sandbox.running.debug.addFault({ path: "^/graphql", drop: true, times: 1 })
      const dropped = yield* Effect.flip(withClient(tagCount))
      expect(dropped._tag).toBe("InfrahubUnreachable")
      const closed = yield* Effect.flip(withClient(tagCount, apiToken(sandbox.token), "http://127.0.0.1:9"))
      expect(closed._tag).toBe("InfrahubUnreachable")
      expect(closed.message).toContain("127.0.0.1:9")
    })
  )
})

