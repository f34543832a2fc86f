import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Layer, Option, Redacted, Schedule } from "effect"
import { Redis } from "ioredis"
import { redisStoreLayer } from "../../src/state/redisStore.js"
import { StateStore } from "../../src/state/StateStore.js"
import { startTestRedis, type TestRedis } from "../support/redis.js"
import { stateStoreContract } from "./contract.js"

const redis: TestRedis = await startTestRedis()
afterAll(() => redis.close())

const SECRET = Redacted.make("a state secret that is long enough to be used")
const layerFor = (url: string, secret = SECRET, keyPrefix = "test:") =>
  redisStoreLayer({ url: Redacted.make(url), secret, keyPrefix, commandTimeoutMs: 2_000 })

stateStoreContract("Redis", layerFor(redis.url))

describe("the Redis StateStore", () => {
  let raw: Redis
  beforeAll(async () => {
    raw = new Redis(redis.url)
    raw.on("error", () => undefined) // the server is stopped on purpose in one test
  })
  afterAll(() => raw.quit())

  it.effect("keeps values encrypted at rest, under the prefix, with the time to live asked for", () =>
    Effect.gen(function* () {
      const store = yield* StateStore
      yield* store.set("grant:abc", JSON.stringify({ upstreamToken: "very-secret-idp-token" }), "90 seconds")
      const stored = yield* Effect.promise(() => raw.get("test:grant:abc"))
      expect(stored).not.toBeNull()
      expect(stored).not.toContain("very-secret-idp-token")
      const ttl = yield* Effect.promise(() => raw.pttl("test:grant:abc"))
      expect(ttl).toBeGreaterThan(80_000)
      expect(ttl).toBeLessThanOrEqual(90_000)
      expect(yield* store.get("grant:abc")).toEqual(Option.some(JSON.stringify({ upstreamToken: "very-secret-idp-token" })))
    }).pipe(Effect.provide(layerFor(redis.url)))
  )

  it.effect("reads a value written under another secret, or moved to another key, as absent", () =>
    Effect.gen(function* () {
      yield* Effect.flatMap(StateStore, (store) => store.set("moved", "v", "1 minute")).pipe(Effect.provide(layerFor(redis.url)))
      const stored = yield* Effect.promise(() => raw.get("test:moved"))
      yield* Effect.promise(() => raw.set("test:elsewhere", stored ?? "", "PX", 60_000))
      const other = yield* Effect.flatMap(StateStore, (store) => store.get("moved")).pipe(
        Effect.provide(layerFor(redis.url, Redacted.make("another deployment's secret, also long enough")))
      )
      expect(other).toEqual(Option.none())
      const elsewhere = yield* Effect.flatMap(StateStore, (store) => store.get("elsewhere")).pipe(Effect.provide(layerFor(redis.url)))
      expect(elsewhere).toEqual(Option.none())
    })
  )

  it.effect("two layers on one server share state (two replicas)", () =>
    Effect.gen(function* () {
      const write = Effect.flatMap(StateStore, (store) => store.set("shared", "from replica 1", "1 minute"))
      yield* write.pipe(Effect.provide(layerFor(redis.url)))
      const read = yield* Effect.flatMap(StateStore, (store) => store.get("shared")).pipe(Effect.provide(layerFor(redis.url)))
      expect(read).toEqual(Option.some("from replica 1"))
    })
  )

  it.effect("fails to start with a message naming the variable when nothing listens", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(layerFor("redis://127.0.0.1:1/0")).pipe(Effect.scoped))
      expect(Exit.isFailure(exit)).toBe(true)
      const message = Exit.isFailure(exit) ? String(exit.cause) : ""
      expect(message).toContain("INFRAHUB_MCP_STATE_STORE=redis://127.0.0.1:1/0 could not be reached")
    })
  )

  it.effect("does not print a password from the URL", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(layerFor("redis://:hunter2secret@127.0.0.1:1/0")).pipe(Effect.scoped))
      const message = Exit.isFailure(exit) ? String(exit.cause) : ""
      expect(message).toContain("could not be reached")
      expect(message).not.toContain("hunter2secret")
    })
  )

  it.live("fails closed while the server is gone, and works again once it is back", () =>
    Effect.gen(function* () {
      const store = yield* StateStore
      yield* store.set("before", "1", "1 minute")
      yield* Effect.promise(() => redis.stop())
      const failed = yield* Effect.either(store.get("before"))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("StateStoreUnavailable")
      expect(Either.isLeft(failed) && failed.left.remediation).toContain("INFRAHUB_MCP_STATE_STORE")
      const health = yield* Effect.either(store.health)
      expect(Either.isLeft(health)).toBe(true)
      // Once the client has noticed, the message says the store is unreachable, not how ioredis queues.
      const noticed = yield* store.health.pipe(
        Effect.flip,
        Effect.filterOrFail((error) => error.message.includes("is not connected")),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("20 seconds")))
      )
      expect(noticed.message).toMatch(/^The server's state store failed during health: Valkey\/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is not connected \((connecting|reconnecting|close|end)/)
      expect(noticed.message).not.toContain("enableOfflineQueue")
      yield* Effect.promise(() => redis.start())
      // The client reconnects on its own (backoff up to 2 s); poll until it has, no fixed sleep.
      yield* Effect.retry(store.set("after", "2", "1 minute"), Schedule.spaced("50 millis").pipe(Schedule.upTo("20 seconds")))
      expect(yield* store.get("after")).toEqual(Option.some("2"))
    }).pipe(Effect.provide(layerFor(redis.url)), Effect.scoped)
  )
})
