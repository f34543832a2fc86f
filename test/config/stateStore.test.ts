import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type CliOptions, ServerConfig } from "../../src/config/ServerConfig.js"

const HTTP: CliOptions = { transport: "streamable-http", host: "127.0.0.1", port: 8001 }
const BASE = { INFRAHUB_ADDRESS: "http://localhost:8000", INFRAHUB_API_TOKEN: "06438eb2-8019-4776-878c-0941b1f1d1ec" }
const KEY = "k".repeat(40)
const OIDC = {
  INFRAHUB_MCP_AUTH_MODE: "oidc",
  INFRAHUB_MCP_OIDC_CONFIG_URL: "https://idp.example.com/.well-known/openid-configuration",
  INFRAHUB_MCP_OIDC_CLIENT_ID: "infrahub-mcp",
  INFRAHUB_MCP_OIDC_BASE_URL: "https://mcp.example.com"
}

const configWith = (env: Readonly<Record<string, string>>) =>
  ServerConfig.load(HTTP).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const messagesWith = (env: Readonly<Record<string, string>>) =>
  configWith(env).pipe(
    Effect.matchEffect({
      onFailure: (error) => Effect.succeed(error.problems.map((problem) => problem.message)),
      onSuccess: () => Effect.dieMessage("expected a ConfigurationError, got a valid configuration")
    })
  )

describe("INFRAHUB_MCP_STATE_*", () => {
  it.effect("keeps state in this process unless a store is named", () =>
    Effect.gen(function*() {
      expect((yield* configWith(BASE)).state).toEqual({ _tag: "Memory" })
      expect((yield* configWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "memory" })).state).toEqual({ _tag: "Memory" })
    }))

  it.effect("takes a redis:// or rediss:// URL with the shared key, and a key prefix", () =>
    Effect.gen(function*() {
      for (const url of ["redis://:p4ss@127.0.0.1:6379/2", "rediss://valkey.internal:6380"]) {
        const { state } = yield* configWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: url, INFRAHUB_MCP_STATE_KEY: KEY, INFRAHUB_MCP_STATE_PREFIX: "mcp:prod:" })
        if (state._tag !== "Redis") return yield* Effect.dieMessage("expected the Redis store")
        expect([Redacted.value(state.url), Redacted.value(state.key), state.keyPrefix]).toEqual([url, KEY, "mcp:prod:"])
      }
      const { state } = yield* configWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "redis://127.0.0.1", INFRAHUB_MCP_STATE_KEY: KEY })
      expect(state._tag === "Redis" && state.keyPrefix).toBe("infrahub-mcp:")
    }))

  it.effect("refuses a shared store without its key, with a short key, or with another scheme, naming the fix", () =>
    Effect.gen(function*() {
      expect(yield* messagesWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "redis://127.0.0.1" })).toEqual([
        "INFRAHUB_MCP_STATE_KEY is not set, and INFRAHUB_MCP_STATE_STORE is a shared store: set it to one random value of at least 32 characters (e.g. `openssl rand -base64 48`) on every replica; it encrypts what is stored."
      ])
      expect(yield* messagesWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "redis://127.0.0.1", INFRAHUB_MCP_STATE_KEY: "short" })).toEqual([
        "INFRAHUB_MCP_STATE_KEY is shorter than 32 characters: use a random value of at least 32 characters, e.g. the output of `openssl rand -base64 48`."
      ])
      const messages = yield* messagesWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "memcached://127.0.0.1", INFRAHUB_MCP_STATE_KEY: KEY })
      expect(messages).toEqual([
        "INFRAHUB_MCP_STATE_STORE must be 'memory' or a redis:// or rediss:// URL of Valkey or Redis (e.g. redis://127.0.0.1:6379/0); got a memcached:// URL."
      ])
      expect(yield* messagesWith({ ...BASE, INFRAHUB_MCP_STATE_KEY: KEY })).toEqual([
        "INFRAHUB_MCP_STATE_KEY is set but INFRAHUB_MCP_STATE_STORE is not a Valkey/Redis URL, so nothing would use it: set INFRAHUB_MCP_STATE_STORE=redis://host:6379 (shared by replicas), or unset INFRAHUB_MCP_STATE_KEY."
      ])
    }))

  it.effect("never repeats the store's password in a message", () =>
    Effect.gen(function*() {
      const messages = yield* messagesWith({ ...BASE, INFRAHUB_MCP_STATE_STORE: "http://user:hunter2-secret@127.0.0.1" })
      expect(messages.join("\n")).not.toContain("hunter2")
    }))

  it.effect("with OIDC, a shared store needs the shared token signing key", () =>
    Effect.gen(function*() {
      const shared = { ...BASE, ...OIDC, INFRAHUB_MCP_STATE_STORE: "redis://127.0.0.1", INFRAHUB_MCP_STATE_KEY: KEY }
      expect(yield* messagesWith(shared)).toEqual([
        "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is not set, and INFRAHUB_MCP_STATE_STORE is shared: every replica must sign and verify the same tokens, so set INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY to one random value of at least 32 characters (e.g. `openssl rand -base64 48`) on all of them."
      ])
      const config = yield* configWith({ ...shared, INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: "s".repeat(32) })
      expect(config.state._tag).toBe("Redis")
      expect((yield* configWith({ ...BASE, ...OIDC })).state._tag).toBe("Memory")
    }))
})
