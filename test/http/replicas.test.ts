// Two McpHttp replicas in one process sharing one state store and one fingerprint key, as replicas
// behind a load balancer share Valkey/Redis and INFRAHUB_MCP_STATE_KEY: a session opened on one is
// served by the other. (test/e2e/replicas.test.ts does the same with processes, Redis and HAProxy.)
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import { Context, Effect, Layer, Option, Redacted, TestClock } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { mcpCoreLayer } from "../../src/app/layers.js"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { CredentialCheck } from "../../src/http/CredentialCheck.js"
import { McpHttp } from "../../src/http/McpHttp.js"
import { McpBridge } from "../../src/mcp/McpBridge.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { redisStoreLayer } from "../../src/state/redisStore.js"
import { StateStore } from "../../src/state/StateStore.js"
import { startTestRedis } from "../support/redis.js"
import { caller, defaultOptions, listTools, open, send } from "./support.js"

const alice = caller("alice")
const IDLE_MS = 60_000
const config = ServerConfig.make(
  { INFRAHUB_ADDRESS: "http://127.0.0.1:9", INFRAHUB_API_TOKEN: "unused", INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: String(IDLE_MS / 1000) },
  { transport: "streamable-http" }
)

interface Replica {
  readonly context: Context.Context<McpHttp>
  /** The SDK servers this replica made, in order. */
  readonly servers: Array<Server>
}

/** One replica: its own McpHttp, bridge and caches over the shared store and fingerprint key. */
const replica = (shared: Context.Context<StateStore | Fingerprints>) =>
  Effect.gen(function* () {
    const servers: Array<Server> = []
    const bridge = Layer.effect(
      McpBridge,
      Effect.map(McpBridge, (real) =>
        McpBridge.of({
          makeServer: (connection) => {
            const server = real.makeServer(connection)
            servers.push(server)
            return server
          }
        })
      )
    )
    const layer = McpHttp.layer({ ...defaultOptions, idleTimeoutMs: IDLE_MS }).pipe(
      Layer.provide(bridge),
      Layer.provide(mcpCoreLayer(config)),
      Layer.provide(CredentialCheck.trusted),
      Layer.provide(Layer.succeedContext(shared))
    )
    const context = yield* Layer.build(layer)
    return { context, servers } satisfies Replica
  })

const sharedState = Layer.build(Layer.merge(memoryStoreLayer(), Fingerprints.fromKey(new Uint8Array(32).fill(7))))

const on = <A, E>(at: Replica, effect: Effect.Effect<A, E, McpHttp>) => Effect.provide(effect, at.context)

describe("McpHttp across replicas", () => {
  it.scoped("a session opened on one replica is served by the other, which re-creates it from the stored record", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const sessionId = yield* on(a, open(alice))
      for (const at of [b, a, b, a]) {
        const answer = yield* on(at, listTools(alice, sessionId))
        expect(answer.status).toBe(200)
        expect(answer.messages[0]).toHaveProperty("result.tools")
      }
      // B built one server for the session, from the client's own initialize.
      expect(b.servers).toHaveLength(1)
      expect(b.servers[0]?.getClientVersion()).toEqual({ name: "in-process", version: "1" })
    })
  )

  it.scoped("concurrent first requests on a replica re-create the session once", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const sessionId = yield* on(a, open(alice))
      const answers = yield* Effect.all(Array.from({ length: 5 }, () => on(b, listTools(alice, sessionId))), { concurrency: "unbounded" })
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
      expect(b.servers).toHaveLength(1)
    })
  )

  it.scoped("the session stays bound to its credential on every replica", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const sessionId = yield* on(a, open(alice))
      for (const intruder of [caller("mallory"), caller("alice", "another-token-of-alice")]) {
        const refused = yield* on(b, listTools(intruder, sessionId))
        expect(refused.status).toBe(403)
        expect(refused.messages[0]).toMatchObject({ error: { code: -32001 } })
      }
      // Nothing was created for the intruders, and the owner still gets in.
      expect(b.servers).toHaveLength(0)
      expect((yield* on(b, listTools(alice, sessionId))).status).toBe(200)
    })
  )

  it.scoped("DELETE on one replica ends the session on all of them; the other's copy is dropped", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const sessionId = yield* on(a, open(alice))
      expect((yield* on(b, listTools(alice, sessionId))).status).toBe(200)
      expect((yield* on(b, send(alice, undefined, sessionId, "DELETE"))).status).toBe(200)
      const gone = yield* on(a, listTools(alice, sessionId))
      expect(gone.status).toBe(404)
      const state = Context.get(shared, StateStore)
      expect(yield* state.count("mcp-sessions")).toBe(0)
    })
  )

  it.scoped("a replica that restarts serves its sessions again from the store", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const first = yield* Effect.scoped(Effect.gen(function* () {
        const a = yield* replica(shared)
        return yield* on(a, open(alice))
      }))
      const restarted = yield* replica(shared)
      expect((yield* on(restarted, listTools(alice, first))).status).toBe(200)
    })
  )

  it.scoped("one replica's idle copy expiring does not end a session another replica keeps busy", () =>
    Effect.gen(function* () {
      const shared = yield* sharedState
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const sessionId = yield* on(a, open(alice))
      yield* TestClock.adjust(IDLE_MS * 2 / 3)
      expect((yield* on(b, listTools(alice, sessionId))).status).toBe(200)
      yield* TestClock.adjust(IDLE_MS * 2 / 3)
      // A has not seen the session for longer than the idle timeout; B used it recently.
      expect((yield* on(a, listTools(alice, sessionId))).status).toBe(200)
      yield* TestClock.adjust(IDLE_MS + 1_000)
      expect((yield* on(b, listTools(alice, sessionId))).status).toBe(404)
      expect(Option.isNone(yield* Context.get(shared, StateStore).get("mcp-session:" + sessionId))).toBe(true)
    })
  )
})

describe("McpHttp across replicas on Valkey/Redis", () => {
  it.scoped("sessions opened on either replica are served by both, and nothing about them is stored in clear", () =>
    Effect.gen(function* () {
      const redis = yield* Effect.promise(() => startTestRedis())
      yield* Effect.addFinalizer(() => Effect.promise(() => redis.close()))
      const KEY = Redacted.make("the state key every replica of this test shares")
      const shared = yield* Layer.build(Layer.merge(
        redisStoreLayer({ url: Redacted.make(redis.url), secret: KEY, keyPrefix: "replicas:", commandTimeoutMs: 2_000 }),
        Fingerprints.fromSecret(KEY)
      ))
      const a = yield* replica(shared)
      const b = yield* replica(shared)
      const token = "alice-infrahub-token-0123456789"
      const owner = caller("alice", token)
      const fromA = yield* on(a, open(owner))
      const fromB = yield* on(b, open(owner))
      for (const [at, sessionId] of [[b, fromA], [a, fromB], [a, fromA], [b, fromB]] as const) {
        expect((yield* on(at, listTools(owner, sessionId))).status).toBe(200)
      }
      expect((yield* on(a, listTools(caller("mallory"), fromB))).status).toBe(403)
      const dump = yield* Effect.promise(async () => {
        const raw = new Redis(redis.url)
        const keys = await raw.keys("replicas:*")
        const values = await Promise.all(keys.map(async (key) => (await raw.type(key)) === "string" ? raw.get(key) : JSON.stringify(await raw.zrange(key, 0, -1))))
        await raw.quit()
        return [...keys, ...values].join("\n")
      })
      expect(dump).toContain(fromA)
      expect(dump).not.toContain(token)
      expect(dump).not.toContain("in-process")
    })
  )
})
