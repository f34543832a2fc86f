import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, TestClock, type Tracer } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken, type Credential, InfrahubCredentials, password } from "../../src/auth/InfrahubCredentials.js"
import { InfrahubUnreachable } from "../../src/infrahub/errors.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { SchemaCatalog, type SchemaCatalogOptions } from "../../src/infrahub/SchemaCatalog.js"
import { SchemaResponse } from "../../src/infrahub/schemaModel.js"

// The catalog's caching, counted at its edge: a stand-in InfrahubClient serving Infrahub's recorded
// `/api/schema` answers (test/fixtures/infrahub), with a schema hash the test moves. TestClock drives
// the freshness window.

const recorded = (file: string) =>
  Schema.decodeUnknownSync(SchemaResponse)(JSON.parse(readFileSync(new URL(`../fixtures/infrahub/${file}`, import.meta.url), "utf8")))
const SCHEMA_01 = recorded("schema_01.json") // CoreGraphQLQuery, CoreRepository, BuiltinTag, BuiltinLocation
const SCHEMA_02 = recorded("schema_02.json") // adds CoreReadOnlyRepository, among others

const who = (credential: Credential) => (credential._tag === "Password" ? credential.username : "token")

/** A stand-in Infrahub: `calls` lists `schema|summary <branch> as <who>`; `serve` is what it currently holds. */
const makeInfrahub = () => {
  const calls: Array<string> = []
  const serve = { schema: SCHEMA_01, hash: "hash-1", failures: 0 }
  const spans: Array<ReadonlyArray<string>> = []
  const record = (what: string, branch: string | undefined) =>
    Effect.flatMap(InfrahubCredentials, (credential) =>
      Effect.suspend(() => {
        calls.push(`${what} ${branch ?? "default"} as ${who(credential)}`)
        if (serve.failures > 0) {
          serve.failures -= 1
          return Effect.fail(new InfrahubUnreachable({ address: "http://infrahub.test", detail: "connection refused" }))
        }
        return Effect.void
      })
    )
  const spanNames = Effect.map(Effect.option(Effect.currentSpan), (current) => {
    const names: Array<string> = []
    let span: Option.Option<Tracer.AnySpan> = current
    while (Option.isSome(span)) {
      if (span.value._tag === "Span") names.push(span.value.name)
      span = span.value._tag === "Span" ? span.value.parent : Option.none()
    }
    return names
  })
  const client = InfrahubClient.of({
    address: "http://infrahub.test",
    schema: (branch) =>
      record("schema", branch).pipe(
        Effect.zipRight(spanNames),
        Effect.map((names) => {
          spans.push(names)
          return { ...serve.schema, main: serve.hash }
        })
      ),
    schemaSummary: (branch) => Effect.as(record("summary", branch), { main: serve.hash }),
    graphql: () => Effect.die("not used"),
    schemaSdl: () => Effect.die("not used"),
    version: Effect.die("not used"),
    probe: Effect.die("not used")
  })
  const took = () => calls.splice(0)
  return { client, serve, took, spans }
}

const alice = password("alice", "alice-pw")
const bob = password("bob", "bob-pw")

const withCatalog = <A, E>(
  infrahub: ReturnType<typeof makeInfrahub>,
  effect: Effect.Effect<A, E, SchemaCatalog | InfrahubCredentials>,
  options: SchemaCatalogOptions = { freshForMs: 30_000, honourRevalidate: true }
) =>
  effect.pipe(
    Effect.provideService(InfrahubCredentials, alice),
    Effect.provide(
      SchemaCatalog.layer(options).pipe(
        Layer.provide(Layer.merge(Layer.succeed(InfrahubClient, infrahub.client), Fingerprints.random))
      )
    )
  )

const as =
  (credential: Credential) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, InfrahubCredentials, credential)

const read = (branch?: string, revalidate = false) =>
  Effect.flatMap(SchemaCatalog, (catalog) => catalog.forBranch(branch, { revalidate }))

describe("SchemaCatalog freshness", () => {
  it.effect("fetches a branch's schema once, then answers without a request for the freshness window", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const schema = yield* read()
        expect(schema.hash).toBe("hash-1")
        yield* read()
        yield* TestClock.adjust("29 seconds")
        yield* read()
        expect(infrahub.took()).toEqual(["schema default as alice"])
      })
    )
  })

  it.effect("past the window, one summary request confirms an unchanged schema and restarts the window", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        yield* read()
        infrahub.took()
        yield* TestClock.adjust("31 seconds")
        yield* read()
        yield* read()
        expect(infrahub.took()).toEqual(["summary default as alice"])
        yield* TestClock.adjust("29 seconds")
        yield* read()
        expect(infrahub.took()).toEqual([])
        yield* TestClock.adjust("2 seconds")
        yield* read()
        expect(infrahub.took()).toEqual(["summary default as alice"])
      })
    )
  })

  it.effect("when Infrahub's hash moved, the schema is fetched again", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const before = yield* read()
        expect(before.kinds.has("CoreReadOnlyRepository")).toBe(false)
        infrahub.took()
        Object.assign(infrahub.serve, { schema: SCHEMA_02, hash: "hash-2" })
        yield* TestClock.adjust("31 seconds")
        const after = yield* read()
        expect(after.hash).toBe("hash-2")
        expect(after.kinds.has("CoreReadOnlyRepository")).toBe(true)
        expect(infrahub.took()).toEqual(["summary default as alice", "schema default as alice"])
        yield* read()
        expect(infrahub.took()).toEqual([])
      })
    )
  })

  it.effect("a read that asks to revalidate checks the hash inside the window, unless the cache setting trusts it", () => {
    const infrahub = makeInfrahub()
    const trusting = makeInfrahub()
    return Effect.gen(function* () {
      yield* withCatalog(
        infrahub,
        Effect.gen(function* () {
          yield* read(undefined, true) // cold: the fetch is the check
          expect(infrahub.took()).toEqual(["schema default as alice"])
          yield* read(undefined, true)
          yield* read()
          expect(infrahub.took()).toEqual(["summary default as alice"])
        })
      )
      yield* withCatalog(
        trusting,
        Effect.gen(function* () {
          yield* read(undefined, true)
          yield* read(undefined, true)
          expect(trusting.took()).toEqual(["schema default as alice"])
        }),
        { freshForMs: 3_600_000, honourRevalidate: false }
      )
    })
  })
})

describe("SchemaCatalog kinds", () => {
  it.effect("an unknown kind costs one hash check, then fails with suggestions", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const catalog = yield* SchemaCatalog
        expect((yield* catalog.kind("BuiltinTag", undefined)).kind).toBe("BuiltinTag")
        expect((yield* catalog.kind("builtintag", undefined)).kind).toBe("BuiltinTag")
        infrahub.took()
        const error = yield* Effect.flip(catalog.kind("BuiltinTagg", "b1"))
        expect(error._tag).toBe("UnknownKind")
        expect(error.message).toContain("Did you mean BuiltinTag?")
        expect(infrahub.took()).toEqual(["schema b1 as alice", "summary b1 as alice"])
      })
    )
  })

  it.effect("a kind loaded into Infrahub since the last fetch is found after that one check", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const catalog = yield* SchemaCatalog
        yield* catalog.forBranch(undefined)
        infrahub.took()
        Object.assign(infrahub.serve, { schema: SCHEMA_02, hash: "hash-2" })
        expect((yield* catalog.kind("CoreReadOnlyRepository", undefined)).kind).toBe("CoreReadOnlyRepository")
        expect(infrahub.took()).toEqual(["summary default as alice", "schema default as alice"])
      })
    )
  })
})

describe("SchemaCatalog.lookup", () => {
  it.effect("gives a kind and its branch schema in one cache read; a kind loaded since comes with the schema it was found in", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const catalog = yield* SchemaCatalog
        const first = yield* catalog.lookup("BuiltinTag", undefined)
        expect([first.kind.kind, first.schema.hash]).toEqual(["BuiltinTag", "hash-1"])
        expect(infrahub.took()).toEqual(["schema default as alice"])
        Object.assign(infrahub.serve, { schema: SCHEMA_02, hash: "hash-2" })
        const late = yield* catalog.lookup("CoreReadOnlyRepository", undefined)
        // Not the stale schema the first read cached: filters must be resolved against the kind's own schema.
        expect([late.kind.kind, late.schema.hash]).toEqual(["CoreReadOnlyRepository", "hash-2"])
        expect(infrahub.took()).toEqual(["summary default as alice", "schema default as alice"])
      })
    )
  })

  it.effect("with revalidate, checks the hash once inside the freshness window", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const catalog = yield* SchemaCatalog
        yield* catalog.lookup("BuiltinTag", undefined)
        infrahub.took()
        expect((yield* catalog.lookup("BuiltinTag", undefined, { revalidate: true })).kind.kind).toBe("BuiltinTag")
        expect(infrahub.took()).toEqual(["summary default as alice"])
        const unknown = yield* Effect.flip(catalog.lookup("NoSuchKind", undefined))
        expect(unknown._tag).toBe("UnknownKind")
      })
    )
  })
})

describe("SchemaCatalog entries", () => {
  it.effect("concurrent cold reads share one fetch per credential and branch, each made as its caller", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        yield* Effect.all(
          [
            read(),
            read(),
            read(),
            as(bob)(read()),
            as(bob)(read()),
            read("b1"),
            as(apiToken("t"))(read("b1"))
          ],
          { concurrency: "unbounded" }
        )
        expect(infrahub.took().sort()).toEqual([
          "schema b1 as alice",
          "schema b1 as token",
          "schema default as alice",
          "schema default as bob"
        ])
      })
    )
  })

  it.effect("a failed fetch or hash check is not kept: the next read asks Infrahub again", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        infrahub.serve.failures = 1
        expect((yield* Effect.flip(read()))._tag).toBe("InfrahubUnreachable")
        yield* read()
        expect(infrahub.took()).toEqual(["schema default as alice", "schema default as alice"])
        yield* TestClock.adjust("31 seconds")
        infrahub.serve.failures = 1
        expect((yield* Effect.flip(read()))._tag).toBe("InfrahubUnreachable")
        yield* read()
        // The schema fetched before is still known: only the cheap check is repeated.
        expect(infrahub.took()).toEqual(["summary default as alice", "summary default as alice"])
      })
    )
  })

  it.effect("invalidate forgets a branch for every credential, and only that branch", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        const catalog = yield* SchemaCatalog
        yield* Effect.all([read(), as(bob)(read()), read("b1")])
        infrahub.took()
        yield* catalog.invalidate(undefined)
        yield* Effect.all([read(), as(bob)(read()), read("b1")])
        expect(infrahub.took()).toEqual(["schema default as alice", "schema default as bob"])
      })
    )
  })

  it.effect("keeps at most 256 schemas, dropping the least recently used", () => {
    const infrahub = makeInfrahub()
    return withCatalog(
      infrahub,
      Effect.gen(function* () {
        for (let i = 0; i <= 256; i++) yield* read(`b${i}`)
        infrahub.took()
        yield* read("b256")
        expect(infrahub.took()).toEqual([])
        yield* read("b0")
        expect(infrahub.took()).toEqual(["schema b0 as alice"])
      })
    )
  })

  it.effect("a fetch shows in the trace of the call that needed it", () => {
    const infrahub = makeInfrahub()
    return withCatalog(infrahub, read().pipe(Effect.withSpan("tool.get_schema"))).pipe(
      Effect.map(() => expect(infrahub.spans).toEqual([["SchemaCatalog.forBranch", "tool.get_schema"]]))
    )
  })
})
