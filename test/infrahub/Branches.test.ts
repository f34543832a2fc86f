import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { type Credential, InfrahubCredentials, password } from "../../src/auth/InfrahubCredentials.js"
import { Branches } from "../../src/infrahub/Branches.js"
import { type InfrahubError, InfrahubGraphQLError, InfrahubServerError } from "../../src/infrahub/errors.js"
import { type GraphQLData, InfrahubClient } from "../../src/infrahub/InfrahubClient.js"

// Branches at its edge: a stand-in InfrahubClient answering the `Branch` query as Infrahub does
// (before 1.5 without `status`), counting queries. TestClock drives the default branch's lifetime.

const branch = (name: string, isDefault = false) => ({ id: `id-${name}`, name, is_default: isDefault, status: "OPEN", graph_version: 1 })

const makeInfrahub = (options: { readonly statusField: boolean }) => {
  const queries: Array<string> = []
  const serve = { branches: [branch("trunk", true), branch("feature")], failures: 0 }
  const client = InfrahubClient.of({
    address: "http://infrahub.test",
    graphql: (request) =>
      Effect.flatMap(InfrahubCredentials, (credential) =>
        Effect.suspend((): Effect.Effect<GraphQLData, InfrahubError> => {
          const asking = request.query.includes("status") ? "with status" : "without status"
          queries.push(`${credential._tag === "Password" ? credential.username : "token"} ${asking}`)
          if (serve.failures > 0) {
            serve.failures -= 1
            return Effect.fail(new InfrahubServerError({ status: 503, detail: "Service Unavailable" }))
          }
          if (!options.statusField && asking === "with status") {
            return Effect.fail(new InfrahubGraphQLError({ errors: [{ message: "Cannot query field 'status' on type 'Branch'." }], data: null }))
          }
          return Effect.succeed({ Branch: serve.branches })
        })
      ),
    schema: () => Effect.die("not used"),
    schemaSummary: () => Effect.die("not used"),
    schemaSdl: () => Effect.die("not used"),
    version: Effect.die("not used"),
    probe: Effect.die("not used")
  })
  return { client, serve, took: () => queries.splice(0) }
}

const alice = password("alice", "alice-pw")
const bob = password("bob", "bob-pw")

const withBranches = <A, E>(infrahub: ReturnType<typeof makeInfrahub>, effect: Effect.Effect<A, E, Branches | InfrahubCredentials>) =>
  effect.pipe(
    Effect.provideService(InfrahubCredentials, alice),
    Effect.provide(Branches.layer.pipe(Layer.provide(Layer.merge(Layer.succeed(InfrahubClient, infrahub.client), Fingerprints.random))))
  )

const as =
  (credential: Credential) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, InfrahubCredentials, credential)

const defaultBranch = Effect.flatMap(Branches, (branches) => branches.defaultBranch)

describe("Branches.defaultBranch", () => {
  it.effect("is Infrahub's `is_default` branch, asked once per credential and trusted for 10 minutes", () => {
    const infrahub = makeInfrahub({ statusField: true })
    return withBranches(
      infrahub,
      Effect.gen(function* () {
        expect(yield* defaultBranch).toBe("trunk")
        expect(yield* defaultBranch).toBe("trunk")
        expect(yield* as(bob)(defaultBranch)).toBe("trunk")
        expect(infrahub.took()).toEqual(["alice with status", "bob with status"])
        infrahub.serve.branches = [branch("main", true), branch("trunk")]
        yield* TestClock.adjust("9 minutes")
        expect(yield* defaultBranch).toBe("trunk")
        expect(infrahub.took()).toEqual([])
        yield* TestClock.adjust("2 minutes")
        expect(yield* defaultBranch).toBe("main")
        expect(infrahub.took()).toEqual(["alice with status"])
      })
    )
  })

  it.effect("a failed lookup is not kept: the next call asks again", () => {
    const infrahub = makeInfrahub({ statusField: true })
    return withBranches(
      infrahub,
      Effect.gen(function* () {
        infrahub.serve.failures = 1
        expect((yield* Effect.flip(defaultBranch))._tag).toBe("InfrahubServerError")
        expect(yield* defaultBranch).toBe("trunk")
        expect(infrahub.took()).toEqual(["alice with status", "alice with status"])
      })
    )
  })

  it.effect("concurrent first calls of one credential share one query", () => {
    const infrahub = makeInfrahub({ statusField: true })
    return withBranches(
      infrahub,
      Effect.gen(function* () {
        const names = yield* Effect.all([defaultBranch, defaultBranch, defaultBranch], { concurrency: "unbounded" })
        expect(names).toEqual(["trunk", "trunk", "trunk"])
        expect(infrahub.took()).toEqual(["alice with status"])
      })
    )
  })
})

describe("Branches on Infrahub before 1.5", () => {
  it.effect("learns once that `status` does not exist and stops asking for it", () => {
    const infrahub = makeInfrahub({ statusField: false })
    return withBranches(
      infrahub,
      Effect.gen(function* () {
        const branches = yield* Branches
        expect((yield* branches.all).map((b) => b.name)).toEqual(["trunk", "feature"])
        expect(yield* branches.get("feature")).toMatchObject({ _tag: "Some", value: { name: "feature" } })
        expect(infrahub.took()).toEqual(["alice with status", "alice without status", "alice without status"])
      })
    )
  })
})
