import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import { makeStateCipher } from "./cipher.js"
import { StateStore, type StateStoreShape, StateStoreUnavailable, type TokenDecision } from "./StateStore.js"

/** The store named by INFRAHUB_MCP_STATE_STORE could not be used at start-up: the server does not start. */
export class StateStoreStartupError extends Data.TaggedError("StateStoreStartupError")<{ readonly message: string }> {}

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL (Valkey or Redis); may carry a password. */
  readonly url: Redacted.Redacted<string>
  /** Encrypts every value at rest; replicas sharing the store share it. */
  readonly secret: Redacted.Redacted<string>
  /** Prepended to every key, so several deployments can share one server. */
  readonly keyPrefix: string
  /** Longest wait for one command before it fails (and the caller fails closed). */
  readonly commandTimeoutMs: number
}

/** The URL as it may appear in a message: no password. */
export const describeStoreUrl = (url: string): string => {
  if (!URL.canParse(url)) return "(an unparsable URL)"
  const parsed = new URL(url)
  if (parsed.password !== "") parsed.password = "***"
  return parsed.href
}

// Time comes from the store's own clock (TIME) so every replica sees the same expiries.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

const SCRIPTS = {
  compareAndSet: `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) else redis.call('DEL', KEYS[1]) end
return 1`,
  admit: `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return 1`,
  count: `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`,
  takeToken: `${NOW}
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if state[1] then tokens = math.min(burst, tonumber(state[1]) + (now - tonumber(state[2])) * rate / 1000) end
local allowed = tokens >= 1
if allowed then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate))
if allowed then return {1, 0} end
return {0, math.ceil((1 - tokens) * 1000 / rate)}`
} as const

interface ScriptedRedis extends Redis {
  compareAndSet(key: string, expectedPresent: string, expected: string, nextPresent: string, next: string, ttlMs: number): Promise<number>
  admit(group: string, member: string, ttlMs: number, limit: number): Promise<number>
  count(group: string): Promise<number>
  takeToken(key: string, ratePerSecond: number, burst: number): Promise<[number, number]>
}

const millis = (ttl: Duration.DurationInput): number => Math.max(1, Math.ceil(Duration.toMillis(Duration.decode(ttl))))

const connect = (options: RedisStoreOptions, url: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new Redis(url, {
        lazyConnect: true,
        // Fail closed at once while disconnected instead of queueing requests behind a dead store.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 5_000,
        commandTimeout: options.commandTimeoutMs,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000)
      })
      // Connection errors surface where they matter (start-up below; each operation fails with
      // StateStoreUnavailable; /health); unheard, ioredis would print every reconnect attempt.
      let lastError: Error | undefined
      client.on("error", (error: Error) => {
        lastError = error
      })
      for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua })
      try {
        await client.connect()
        await client.ping()
      } catch (error) {
        client.disconnect()
        throw lastError ?? error
      }
      return client as ScriptedRedis
    },
    catch: (error) =>
      new StateStoreStartupError({
        message: `INFRAHUB_MCP_STATE_STORE=${describeStoreUrl(url)} could not be reached (${error instanceof Error ? error.message : String(error)}). Start Valkey/Redis there, fix the URL (redis://host:6379/0, or rediss:// for TLS), or unset it to keep state in this process.`
      })
  })

/**
 * The Valkey/Redis `StateStore`: state shared by every replica and kept across restarts. Values are
 * encrypted (see `cipher.ts`); keys carry no secrets. Multi-step operations are Lua scripts, so each is
 * atomic on the server; expiry uses the server's clock. When the store does not answer, operations
 * fail with `StateStoreUnavailable` (no local fallback: it would split a client's state).
 */
export const redisStoreLayer = (options: RedisStoreOptions): Layer.Layer<StateStore, StateStoreStartupError> =>
  Layer.scoped(
    StateStore,
    Effect.gen(function* () {
      const url = Redacted.value(options.url)
      const client = yield* Effect.acquireRelease(connect(options, url), (client) =>
        Effect.promise(() => client.quit().catch(() => client.disconnect()))
      )
      const cipher = makeStateCipher(options.secret)
      const full = (key: string) => options.keyPrefix + key

      const call = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, StateStoreUnavailable> =>
        Effect.tryPromise({
          try: run,
          catch: (error) => new StateStoreUnavailable({ operation, detail: error instanceof Error ? error.message : String(error) })
        })

      const readable = (key: string, stored: string | null): Option.Option<string> =>
        stored === null ? Option.none() : cipher.decrypt(key, stored)

      const store: StateStoreShape = {
        backend: "redis",
        get: (key) => call("get", () => client.get(full(key))).pipe(Effect.map((stored) => readable(key, stored))),
        set: (key, value, ttl) => call("set", () => client.set(full(key), cipher.encrypt(key, value), "PX", millis(ttl))).pipe(Effect.asVoid),
        setIfAbsent: (key, value, ttl) =>
          call("setIfAbsent", () => client.set(full(key), cipher.encrypt(key, value), "PX", millis(ttl), "NX")).pipe(
            Effect.map((answer) => answer === "OK")
          ),
        take: (key) => call("take", () => client.getdel(full(key))).pipe(Effect.map((stored) => readable(key, stored))),
        delete: (key) => call("delete", () => client.del(full(key))).pipe(Effect.asVoid),
        touch: (key, ttl) => call("touch", () => client.pexpire(full(key), millis(ttl))).pipe(Effect.map((n) => n === 1)),
        compareAndSet: (key, expected, next, ttl) =>
          call("compareAndSet", () =>
            client.compareAndSet(
              full(key),
              Option.isSome(expected) ? "1" : "0",
              Option.match(expected, { onNone: () => "", onSome: (value) => cipher.encrypt(key, value) }),
              Option.isSome(next) ? "1" : "0",
              Option.match(next, { onNone: () => "", onSome: (value) => cipher.encrypt(key, value) }),
              millis(ttl)
            )
          ).pipe(Effect.map((n) => n === 1)),
        admit: (group, member, ttl, limit) =>
          call("admit", () => client.admit(full(group), member, millis(ttl), limit)).pipe(Effect.map((n) => n === 1)),
        leave: (group, member) => call("leave", () => client.zrem(full(group), member)).pipe(Effect.asVoid),
        count: (group) => call("count", () => client.count(full(group))),
        takeToken: (key, bucket) =>
          call("takeToken", () => client.takeToken(full(key), bucket.ratePerSecond, bucket.burst)).pipe(
            Effect.map(([allowed, retryAfterMs]): TokenDecision =>
              allowed === 1 ? { _tag: "Allowed" } : { _tag: "Refused", retryAfterMs }
            )
          ),
        health: call("health", () => client.ping()).pipe(Effect.asVoid)
      }
      return store
    })
  )
