import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import {
  type CliOptions,
  ConfigurationError,
  ServerConfig,
  type ServerConfigShape,
  toEffectLogLevel
} from "../../src/config/ServerConfig.js"
import { configurationReference, VARIABLE_NAMES } from "../../src/config/variables.js"

const STDIO: CliOptions = { transport: "stdio", host: "127.0.0.1", port: 8001 }
const HTTP: CliOptions = { transport: "streamable-http", host: "127.0.0.1", port: 8001 }
const BASE = { INFRAHUB_ADDRESS: "http://localhost:8000", INFRAHUB_API_TOKEN: "06438eb2-8019-4776-878c-0941b1f1d1ec" }

const provider = (env: Readonly<Record<string, string>>) => ConfigProvider.fromMap(new Map(Object.entries(env)))

/** The configuration `load` reads from `env`, with the ConfigProvider swapped. */
const configWith = (env: Readonly<Record<string, string>>, cli: CliOptions = STDIO) =>
  ServerConfig.load(cli).pipe(Effect.withConfigProvider(provider(env)))

// Not Effect.flip: a valid configuration as a test failure makes vitest's error reporter spin, so an
// unexpected success becomes a short defect instead.
const failureWith = (env: Readonly<Record<string, string>>, cli: CliOptions = STDIO) =>
  configWith(env, cli).pipe(
    Effect.matchEffect({
      onFailure: Effect.succeed,
      onSuccess: (config) =>
        Effect.dieMessage(`expected a ConfigurationError, got a valid configuration (auth mode '${config.auth.mode}')`)
    })
  )

const messagesWith = (env: Readonly<Record<string, string>>, cli: CliOptions = STDIO) =>
  failureWith(env, cli).pipe(Effect.map((error) => error.problems.map((p) => p.message)))

const secret = (value: Option.Option<Redacted.Redacted<string>>) => Option.map(value, Redacted.value)

describe("ServerConfig defaults", () => {
  it.effect("needs only an address and a token, and then matches the Python server's defaults", () =>
    Effect.gen(function*() {
      const config = yield* configWith(BASE)
      expect(config.infrahub.address).toBe("http://localhost:8000")
      expect(secret(config.infrahub.apiToken)).toEqual(Option.some(BASE.INFRAHUB_API_TOKEN))
      expect(config.infrahub.timeoutMs).toBe(60_000)
      expect(config.transport).toBe("stdio")
      expect(config.host).toBe("127.0.0.1")
      expect(config.port).toBe(8001)
      expect(config.readOnly).toBe(false)
      expect(config.branch.pattern.source).toBe("mcp/session-{date}-{hex}")
      expect([...config.branch.pattern.placeholders].sort()).toEqual(["date", "hex"])
      expect(config.branch.maxRetries).toBe(5)
      expect(config.logLevel).toBe("info")
      expect(config.auth.mode).toBe("none")
      expect(config.auth.tokenPassthroughHeader).toBe("Authorization")
      expect(config.auth.writeScopes).toEqual(["write"])
      expect(config.auth.oidc).toEqual(Option.none())
      expect(config.rateLimit).toEqual(Option.none())
      expect(config.retry).toEqual(Option.none())
      expect(config.cache).toEqual(Option.none())
      expect(config.otelEnabled).toBe(false)
      expect(config.prometheusEnabled).toBe(false)
      expect(config.dereferenceSchemas).toBe(false)
      expect(config.pingIntervalMs).toEqual(Option.none())
      expect(config.http).toEqual({
        maxSessions: 1000,
        sessionIdleTimeoutMs: 1_800_000,
        allowedOrigins: [],
        stateless: false,
        maxSessionsPerPrincipal: Option.none(),
        maxBodyBytes: 4 * 1024 * 1024,
        allowedHosts: ["127.0.0.1"],
        metricsToken: Option.none(),
        server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 2048 }
      })
      expect(config.maxResponseBytes).toBe(500_000)
      expect(config.unknownVariables).toEqual([])
      expect(config.warnings).toEqual([])
    }))

  it.effect("treats an empty or blank value as unset", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        INFRAHUB_MCP_READ_ONLY: "",
        INFRAHUB_MCP_MAX_BRANCH_RETRIES: "  ",
        INFRAHUB_MCP_BRANCH_PATTERN: "",
        INFRAHUB_MCP_AUTH_SCOPES_WRITE: ""
      })
      expect(config.readOnly).toBe(false)
      expect(config.branch.maxRetries).toBe(5)
      expect(config.branch.pattern.source).toBe("mcp/session-{date}-{hex}")
    }))

  it.effect("takes transport, host, port and --stateless from the command line", () =>
    Effect.gen(function*() {
      const config = yield* configWith(BASE, { transport: "streamable-http", host: "0.0.0.0", port: 9000, stateless: true })
      expect([config.transport, config.host, config.port, config.http.stateless]).toEqual(["streamable-http", "0.0.0.0", 9000, true])
    }))
})

describe("ServerConfig parses every variable", () => {
  it.effect("reads each setting into its typed field", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        INFRAHUB_ADDRESS: "https://infrahub.example.com/base/",
        INFRAHUB_API_TOKEN: "  token-with-spaces-around  ",
        INFRAHUB_TIMEOUT: "15",
        INFRAHUB_MCP_READ_ONLY: "yes",
        INFRAHUB_MCP_BRANCH_PATTERN: "agents/{user}-{date}-{hex}",
        INFRAHUB_MCP_MAX_BRANCH_RETRIES: "20",
        INFRAHUB_MCP_LOG_LEVEL: "WARNING",
        INFRAHUB_MCP_RATE_LIMIT_RPS: "2.5",
        INFRAHUB_MCP_RATE_LIMIT_BURST: "7",
        INFRAHUB_MCP_RETRY_MAX_ATTEMPTS: "3",
        INFRAHUB_MCP_RETRY_BASE_DELAY: "0.25",
        INFRAHUB_MCP_CACHE_ENABLED: "1",
        INFRAHUB_MCP_CACHE_LIST_TTL: "30",
        INFRAHUB_MCP_CACHE_READ_TTL: "60",
        INFRAHUB_MCP_OTEL_ENABLED: "true",
        INFRAHUB_MCP_PROMETHEUS_ENABLED: "TRUE",
        INFRAHUB_MCP_DEREFERENCE_SCHEMAS: "on",
        INFRAHUB_MCP_PING_INTERVAL_MS: "300000",
        INFRAHUB_MCP_MAX_SESSIONS: "100000",
        INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: "10",
        INFRAHUB_MCP_ALLOWED_ORIGINS: " https://app.example.com , http://localhost:6274/,https://app.example.com ",
        INFRAHUB_MCP_STATELESS: "true",
        INFRAHUB_MCP_MAX_RESPONSE_BYTES: "1024"
      })
      expect(config.infrahub.address).toBe("https://infrahub.example.com/base")
      expect(secret(config.infrahub.apiToken)).toEqual(Option.some("token-with-spaces-around"))
      expect(config.infrahub.timeoutMs).toBe(15_000)
      expect(config.readOnly).toBe(true)
      expect(config.branch.pattern.source).toBe("agents/{user}-{date}-{hex}")
      expect(config.branch.pattern.placeholders.has("user")).toBe(true)
      expect(config.branch.maxRetries).toBe(20)
      expect(config.logLevel).toBe("warning")
      expect(config.rateLimit).toEqual(Option.some({ requestsPerSecond: 2.5, burst: 7 }))
      expect(config.retry).toEqual(Option.some({ maxAttempts: 3, baseDelayMs: 250 }))
      expect(config.cache).toEqual(Option.some({ listTtlSeconds: 30, readTtlSeconds: 60 }))
      expect([config.otelEnabled, config.prometheusEnabled, config.dereferenceSchemas]).toEqual([true, true, true])
      expect(config.pingIntervalMs).toEqual(Option.some(300_000))
      expect(config.http).toEqual({
        maxSessions: 100_000,
        sessionIdleTimeoutMs: 10_000,
        allowedOrigins: ["https://app.example.com", "http://localhost:6274"],
        stateless: true,
        maxSessionsPerPrincipal: Option.none(),
        maxBodyBytes: 4 * 1024 * 1024,
        allowedHosts: ["127.0.0.1"],
        metricsToken: Option.none(),
        server: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 2048 }
      })
      expect(config.maxResponseBytes).toBe(1024)
      expect(config.warnings).toEqual([])
    }))

  it.effect("resolves an automatic burst to twice the rate, at least 1", () =>
    Effect.gen(function*() {
      expect((yield* configWith({ ...BASE, INFRAHUB_MCP_RATE_LIMIT_RPS: "10" })).rateLimit)
        .toEqual(Option.some({ requestsPerSecond: 10, burst: 20 }))
      expect((yield* configWith({ ...BASE, INFRAHUB_MCP_RATE_LIMIT_RPS: "0.2" })).rateLimit)
        .toEqual(Option.some({ requestsPerSecond: 0.2, burst: 1 }))
    }))

  it.effect("maps each log level to Effect's", () =>
    Effect.gen(function*() {
      const levels = yield* Effect.forEach(["debug", "Info", "WARNING", "error"], (level) =>
        configWith({ ...BASE, INFRAHUB_MCP_LOG_LEVEL: level }).pipe(Effect.map((c) => toEffectLogLevel(c.logLevel).label)))
      expect(levels).toEqual(["DEBUG", "INFO", "WARN", "ERROR"])
    }))

  it.effect("reads write scopes as a trimmed, de-duplicated list in oidc mode", () =>
    Effect.gen(function*() {
      const config = yield* configWith({ ...BASE, ...OIDC, INFRAHUB_MCP_AUTH_SCOPES_WRITE: " infrahub:write, admin ,infrahub:write" }, HTTP)
      expect(config.auth.writeScopes).toEqual(["infrahub:write", "admin"])
    }))
})

describe("ServerConfig rejects values out of bounds", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["INFRAHUB_MCP_MAX_BRANCH_RETRIES", "50", "INFRAHUB_MCP_MAX_BRANCH_RETRIES=50 is out of range: use a whole number from 1 to 20."],
    ["INFRAHUB_MCP_MAX_BRANCH_RETRIES", "0", "INFRAHUB_MCP_MAX_BRANCH_RETRIES=0 is out of range: use a whole number from 1 to 20."],
    ["INFRAHUB_MCP_MAX_BRANCH_RETRIES", "five", "INFRAHUB_MCP_MAX_BRANCH_RETRIES=five is not a whole number: use a whole number from 1 to 20."],
    ["INFRAHUB_MCP_MAX_BRANCH_RETRIES", "2.5", "INFRAHUB_MCP_MAX_BRANCH_RETRIES=2.5 is not a whole number: use a whole number from 1 to 20."],
    ["INFRAHUB_TIMEOUT", "0", "INFRAHUB_TIMEOUT=0 is out of range: use a whole number from 1 to 2147483 (seconds)."],
    ["INFRAHUB_TIMEOUT", "-5", "INFRAHUB_TIMEOUT=-5 is out of range: use a whole number from 1 to 2147483 (seconds)."],
    ["INFRAHUB_MCP_RATE_LIMIT_RPS", "-1", "INFRAHUB_MCP_RATE_LIMIT_RPS=-1 is out of range: use a number from 0 to 10000 (requests per second)."],
    ["INFRAHUB_MCP_RATE_LIMIT_RPS", "10000.5", "INFRAHUB_MCP_RATE_LIMIT_RPS=10000.5 is out of range: use a number from 0 to 10000 (requests per second)."],
    ["INFRAHUB_MCP_RATE_LIMIT_RPS", "nan", "INFRAHUB_MCP_RATE_LIMIT_RPS=nan is not a number: use a number from 0 to 10000 (requests per second)."],
    ["INFRAHUB_MCP_RATE_LIMIT_RPS", "inf", "INFRAHUB_MCP_RATE_LIMIT_RPS=inf is not a number: use a number from 0 to 10000 (requests per second)."],
    ["INFRAHUB_MCP_RATE_LIMIT_BURST", "-1", "INFRAHUB_MCP_RATE_LIMIT_BURST=-1 is out of range: use a whole number of at least 0."],
    ["INFRAHUB_MCP_RETRY_MAX_ATTEMPTS", "-1", "INFRAHUB_MCP_RETRY_MAX_ATTEMPTS=-1 is out of range: use a whole number of at least 0."],
    ["INFRAHUB_MCP_RETRY_BASE_DELAY", "0", "INFRAHUB_MCP_RETRY_BASE_DELAY=0 is out of range: use a number greater than 0 (seconds)."],
    ["INFRAHUB_MCP_RETRY_BASE_DELAY", "0x10", "INFRAHUB_MCP_RETRY_BASE_DELAY=0x10 is not a number: use a number greater than 0 (seconds)."],
    ["INFRAHUB_MCP_CACHE_LIST_TTL", "0", "INFRAHUB_MCP_CACHE_LIST_TTL=0 is out of range: use a whole number of at least 1 (seconds)."],
    ["INFRAHUB_MCP_CACHE_READ_TTL", "0", "INFRAHUB_MCP_CACHE_READ_TTL=0 is out of range: use a whole number of at least 1 (seconds)."],
    ["INFRAHUB_MCP_PING_INTERVAL_MS", "300001", "INFRAHUB_MCP_PING_INTERVAL_MS=300001 is out of range: use a whole number from 0 to 300000 (milliseconds, 0 disables)."],
    ["INFRAHUB_MCP_PING_INTERVAL_MS", "-1", "INFRAHUB_MCP_PING_INTERVAL_MS=-1 is out of range: use a whole number from 0 to 300000 (milliseconds, 0 disables)."],
    ["INFRAHUB_MCP_MAX_SESSIONS", "0", "INFRAHUB_MCP_MAX_SESSIONS=0 is out of range: use a whole number from 1 to 100000."],
    ["INFRAHUB_MCP_MAX_SESSIONS", "100001", "INFRAHUB_MCP_MAX_SESSIONS=100001 is out of range: use a whole number from 1 to 100000."],
    ["INFRAHUB_MCP_SESSION_IDLE_TIMEOUT", "9", "INFRAHUB_MCP_SESSION_IDLE_TIMEOUT=9 is out of range: use a whole number from 10 to 2147483 (seconds)."],
    ["INFRAHUB_MCP_MAX_RESPONSE_BYTES", "1023", "INFRAHUB_MCP_MAX_RESPONSE_BYTES=1023 is out of range: use a whole number of at least 1024 (bytes)."],
    ["INFRAHUB_MCP_LOG_LEVEL", "verbose", "INFRAHUB_MCP_LOG_LEVEL=verbose is not one of the accepted values: use debug, info, warning or error."],
    ["INFRAHUB_MCP_AUTH_MODE", "ldap", "INFRAHUB_MCP_AUTH_MODE=ldap is not one of the accepted values: use none, oidc, token-passthrough or basic-passthrough."]
  ]
  for (const [variable, value, message] of cases) {
    it.effect(`${variable}=${value}`, () =>
      Effect.gen(function*() {
        const error = yield* failureWith({ ...BASE, [variable]: value })
        expect(error.problems).toEqual([{ variable, message }])
      }))
  }

  it.effect("accepts the bounds themselves", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        INFRAHUB_MCP_MAX_BRANCH_RETRIES: "1",
        INFRAHUB_MCP_RATE_LIMIT_RPS: "10000",
        INFRAHUB_MCP_PING_INTERVAL_MS: "0",
        INFRAHUB_MCP_MAX_SESSIONS: "1",
        INFRAHUB_MCP_CACHE_LIST_TTL: "1",
        INFRAHUB_MCP_RETRY_BASE_DELAY: "1e-3",
        INFRAHUB_TIMEOUT: "1"
      })
      expect(config.branch.maxRetries).toBe(1)
      expect(Option.map(config.rateLimit, (r) => r.requestsPerSecond)).toEqual(Option.some(10_000))
      expect(config.pingIntervalMs).toEqual(Option.none())
      expect(config.http.maxSessions).toBe(1)
      expect(config.infrahub.timeoutMs).toBe(1000)
    }))
})

describe("ServerConfig booleans", () => {
  const booleans = [
    "INFRAHUB_MCP_READ_ONLY",
    "INFRAHUB_MCP_CACHE_ENABLED",
    "INFRAHUB_MCP_OTEL_ENABLED",
    "INFRAHUB_MCP_PROMETHEUS_ENABLED",
    "INFRAHUB_MCP_DEREFERENCE_SCHEMAS",
    "INFRAHUB_MCP_STATELESS"
  ] as const
  const read = (config: ServerConfigShape, variable: (typeof booleans)[number]): boolean => {
    switch (variable) {
      case "INFRAHUB_MCP_READ_ONLY":
        return config.readOnly
      case "INFRAHUB_MCP_CACHE_ENABLED":
        return Option.isSome(config.cache)
      case "INFRAHUB_MCP_OTEL_ENABLED":
        return config.otelEnabled
      case "INFRAHUB_MCP_PROMETHEUS_ENABLED":
        return config.prometheusEnabled
      case "INFRAHUB_MCP_DEREFERENCE_SCHEMAS":
        return config.dereferenceSchemas
      case "INFRAHUB_MCP_STATELESS":
        return config.http.stateless
    }
  }

  for (const variable of booleans) {
    it.effect(`${variable} accepts true/1/yes and false/0/no in any case, and nothing else`, () =>
      Effect.gen(function*() {
        for (const value of ["true", "1", "yes", "TRUE", "Yes", " on "]) {
          expect(read(yield* configWith({ ...BASE, [variable]: value }), variable)).toBe(true)
        }
        for (const value of ["false", "0", "no", "FALSE", "No", "off"]) {
          expect(read(yield* configWith({ ...BASE, [variable]: value }), variable)).toBe(false)
        }
        const error = yield* failureWith({ ...BASE, [variable]: "maybe" })
        expect(error.problems).toEqual([{
          variable,
          message: `${variable}=maybe is not a boolean: use true or false (1/0 and yes/no work too).`
        }])
      }))
  }
})

const OIDC = {
  INFRAHUB_MCP_AUTH_MODE: "oidc",
  INFRAHUB_MCP_OIDC_CONFIG_URL: "https://idp.example.com/realms/infra/.well-known/openid-configuration",
  INFRAHUB_MCP_OIDC_CLIENT_ID: "infrahub-mcp",
  INFRAHUB_MCP_OIDC_BASE_URL: "https://mcp.example.com/"
}

describe("ServerConfig auth modes", () => {
  it.effect("reads the mode case-insensitively", () =>
    Effect.gen(function*() {
      const modes = yield* Effect.forEach(["NONE", " Token-Passthrough ", "BASIC-passthrough"], (mode) =>
        configWith({ ...BASE, INFRAHUB_MCP_AUTH_MODE: mode }, HTTP).pipe(Effect.map((c) => c.auth.mode)))
      expect(modes).toEqual(["none", "token-passthrough", "basic-passthrough"])
      expect((yield* configWith({ ...BASE, ...OIDC, INFRAHUB_MCP_AUTH_MODE: "OIDC" }, HTTP)).auth.mode).toBe("oidc")
    }))

  it.effect("refuses mode none without a token, saying how to get one", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({ INFRAHUB_ADDRESS: BASE.INFRAHUB_ADDRESS })
      expect(error.problems).toEqual([{
        variable: "INFRAHUB_API_TOKEN",
        message:
          "INFRAHUB_API_TOKEN is not set, and auth mode 'none' uses it for every Infrahub call: create an API token in Infrahub and set INFRAHUB_API_TOKEN to it (or, over HTTP, set INFRAHUB_MCP_AUTH_MODE=token-passthrough so each client sends its own)."
      }])
    }))

  it.effect("refuses mode oidc without a token", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({ INFRAHUB_ADDRESS: BASE.INFRAHUB_ADDRESS, ...OIDC }, HTTP)
      expect(error.problems.map((p) => p.variable)).toEqual(["INFRAHUB_API_TOKEN"])
      expect(error.problems[0]?.message).toContain("auth mode 'oidc'")
    }))

  it.effect("runs the passthrough modes without a token, and never exposes one that is set", () =>
    Effect.gen(function*() {
      for (const mode of ["token-passthrough", "basic-passthrough"]) {
        const bare = yield* configWith({ INFRAHUB_ADDRESS: BASE.INFRAHUB_ADDRESS, INFRAHUB_MCP_AUTH_MODE: mode }, HTTP)
        expect(bare.infrahub.apiToken).toEqual(Option.none())
        expect(bare.warnings).toEqual([])
        const withToken = yield* configWith({ ...BASE, INFRAHUB_MCP_AUTH_MODE: mode }, HTTP)
        expect(withToken.infrahub.apiToken).toEqual(Option.none())
        expect(withToken.warnings.map((w) => w.variable)).toEqual(["INFRAHUB_API_TOKEN"])
        expect(withToken.warnings[0]?.message).toContain("never falls back to the shared token")
      }
    }))

  it.effect("still needs INFRAHUB_ADDRESS in the passthrough modes", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({ INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }, HTTP)
      expect(error.problems).toEqual([{
        variable: "INFRAHUB_ADDRESS",
        message: "INFRAHUB_ADDRESS is not set: set it to the URL of your Infrahub instance, e.g. http://localhost:8000."
      }])
    }))

  it.effect("takes the passthrough header and checks it is a header name", () =>
    Effect.gen(function*() {
      const config = yield* configWith(
        { ...BASE, INFRAHUB_MCP_AUTH_MODE: "token-passthrough", INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER: "X-Infrahub-Key" },
        HTTP
      )
      expect(config.auth.tokenPassthroughHeader).toBe("X-Infrahub-Key")
      const messages = yield* messagesWith(
        { ...BASE, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough", INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER: "X Infrahub: Key" },
        HTTP
      )
      expect(messages).toEqual([
        'INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER="X Infrahub: Key" is not a valid HTTP header name: use letters, digits and \'-\' only, e.g. Authorization or X-Infrahub-Key.'
      ])
    }))

  it.effect("refuses an auth mode other than none on stdio, with the exact sentence", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({ ...BASE, INFRAHUB_MCP_AUTH_MODE: "token-passthrough" })
      expect(error.problems).toEqual([{
        variable: "INFRAHUB_MCP_AUTH_MODE",
        message: "Auth mode 'token-passthrough' requires --transport streamable-http: stdio has no HTTP headers."
      }])
      const basic = yield* messagesWith({ ...BASE, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough" })
      expect(basic).toEqual(["Auth mode 'basic-passthrough' requires --transport streamable-http: stdio has no HTTP headers."])
      const oidc = yield* messagesWith({ ...BASE, ...OIDC })
      expect(oidc).toEqual(["Auth mode 'oidc' requires --transport streamable-http: stdio has no HTTP headers."])
    }))

  it.effect("warns about settings the chosen mode ignores", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        INFRAHUB_MCP_OIDC_CLIENT_ID: "forgot-the-mode",
        INFRAHUB_MCP_AUTH_SCOPES_WRITE: "write",
        INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER: "X-Key"
      })
      expect(config.auth.oidc).toEqual(Option.none())
      expect(config.warnings.map((w) => w.variable).sort()).toEqual([
        "INFRAHUB_MCP_AUTH_SCOPES_WRITE",
        "INFRAHUB_MCP_OIDC_CLIENT_ID",
        "INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER"
      ])
      expect(config.warnings.find((w) => w.variable === "INFRAHUB_MCP_OIDC_CLIENT_ID")?.message).toBe(
        "INFRAHUB_MCP_OIDC_CLIENT_ID is ignored in auth mode 'none': it applies to 'oidc' only; unset it, or set INFRAHUB_MCP_AUTH_MODE accordingly."
      )
    }))
})

describe("ServerConfig username and password", () => {
  const pointer = "Set INFRAHUB_API_TOKEN and unset INFRAHUB_USERNAME and INFRAHUB_PASSWORD, or set INFRAHUB_MCP_AUTH_MODE=basic-passthrough (HTTP only)"

  it.effect("refuses them as the shared identity, pointing to the token and to basic-passthrough", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({
        INFRAHUB_ADDRESS: BASE.INFRAHUB_ADDRESS,
        INFRAHUB_USERNAME: "admin",
        INFRAHUB_PASSWORD: "infrahub"
      })
      expect(error.problems.map((p) => p.variable)).toEqual(["INFRAHUB_API_TOKEN", "INFRAHUB_USERNAME", "INFRAHUB_PASSWORD"])
      expect(error.problems[1]?.message).toContain(pointer)
      expect(error.problems[2]?.message).toContain(pointer)
    }))

  it.effect("refuses either one alone, even next to a token (the SDK calls that ambiguous)", () =>
    Effect.gen(function*() {
      expect((yield* failureWith({ ...BASE, INFRAHUB_USERNAME: "admin" })).problems.map((p) => p.variable))
        .toEqual(["INFRAHUB_USERNAME"])
      expect((yield* failureWith({ ...BASE, INFRAHUB_PASSWORD: "infrahub" })).problems.map((p) => p.variable))
        .toEqual(["INFRAHUB_PASSWORD"])
    }))

  it.effect("refuses them in the passthrough modes, where each client brings its own", () =>
    Effect.gen(function*() {
      const messages = yield* messagesWith(
        { INFRAHUB_ADDRESS: BASE.INFRAHUB_ADDRESS, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough", INFRAHUB_USERNAME: "admin" },
        HTTP
      )
      expect(messages).toEqual([
        "INFRAHUB_USERNAME is not used in auth mode 'basic-passthrough': each client sends its own credential in the request; unset INFRAHUB_USERNAME and INFRAHUB_PASSWORD."
      ])
    }))
})

describe("ServerConfig OIDC", () => {
  it.effect("reads the OIDC settings, with https enforced and trailing slashes removed", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        ...OIDC,
        INFRAHUB_MCP_OIDC_CLIENT_SECRET: "client-secret-value",
        INFRAHUB_MCP_OIDC_AUDIENCE: "api://infrahub",
        INFRAHUB_MCP_OIDC_USER_CLAIM: "preferred_username",
        INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: "k".repeat(32)
      }, HTTP)
      const oidc = Option.getOrThrow(config.auth.oidc)
      expect(oidc.configUrl).toBe(OIDC.INFRAHUB_MCP_OIDC_CONFIG_URL)
      expect(oidc.clientId).toBe("infrahub-mcp")
      expect(oidc.baseUrl).toBe("https://mcp.example.com")
      expect(secret(oidc.clientSecret)).toEqual(Option.some("client-secret-value"))
      expect(oidc.audience).toEqual(Option.some("api://infrahub"))
      expect(oidc.userClaim).toBe("preferred_username")
      expect(secret(oidc.jwtSigningKey)).toEqual(Option.some("k".repeat(32)))
    }))

  it.effect("defaults to a public client, no audience and the email claim", () =>
    Effect.gen(function*() {
      const oidc = Option.getOrThrow((yield* configWith({ ...BASE, ...OIDC }, HTTP)).auth.oidc)
      expect(oidc.clientSecret).toEqual(Option.none())
      expect(oidc.audience).toEqual(Option.none())
      expect(oidc.userClaim).toBe("email")
      expect(oidc.jwtSigningKey).toEqual(Option.none())
    }))

  const required = ["INFRAHUB_MCP_OIDC_CONFIG_URL", "INFRAHUB_MCP_OIDC_CLIENT_ID", "INFRAHUB_MCP_OIDC_BASE_URL"] as const
  for (const missing of required) {
    it.effect(`names ${missing} when it is missing`, () =>
      Effect.gen(function*() {
        const env: Record<string, string> = { ...BASE, ...OIDC }
        delete env[missing]
        const error = yield* failureWith(env, HTTP)
        expect(error.problems.map((p) => p.variable)).toEqual([missing])
        expect(error.problems[0]?.message).toMatch(new RegExp(`^${missing} is required in auth mode 'oidc': set it to `))
      }))
  }

  it.effect("lists all three together when none is set", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({ ...BASE, INFRAHUB_MCP_AUTH_MODE: "oidc" }, HTTP)
      expect(error.problems.map((p) => p.variable)).toEqual([...required])
      expect(error.message.split("\n")).toHaveLength(3)
    }))

  it.effect("accepts plain http for the base URL on loopback only", () =>
    Effect.gen(function*() {
      for (const base of ["http://localhost:8001", "http://127.0.0.1:8001/", "http://[::1]:8001"]) {
        const oidc = Option.getOrThrow((yield* configWith({ ...BASE, ...OIDC, INFRAHUB_MCP_OIDC_BASE_URL: base }, HTTP)).auth.oidc)
        expect(oidc.baseUrl).toBe(base.replace(/\/$/, ""))
      }
      const messages = yield* messagesWith({ ...BASE, ...OIDC, INFRAHUB_MCP_OIDC_BASE_URL: "http://mcp.example.com" }, HTTP)
      expect(messages).toEqual([
        "INFRAHUB_MCP_OIDC_BASE_URL=http://mcp.example.com uses plain http on a non-loopback host: use https (plain http is only accepted for localhost, 127.0.0.1 and [::1])."
      ])
    }))

  it.effect("checks the discovery URL", () =>
    Effect.gen(function*() {
      const messages = yield* messagesWith({ ...BASE, ...OIDC, INFRAHUB_MCP_OIDC_CONFIG_URL: "idp.example.com/.well-known" }, HTTP)
      expect(messages).toHaveLength(1)
      expect(messages[0]).toMatch(/^INFRAHUB_MCP_OIDC_CONFIG_URL=idp\.example\.com\/\.well-known is not a valid URL: set it to /)
    }))

  it.effect("refuses a signing key shorter than 32 characters without showing it", () =>
    Effect.gen(function*() {
      const key = "short-signing-key-31-characters"
      expect(key).toHaveLength(31)
      const error = yield* failureWith({ ...BASE, ...OIDC, INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: key }, HTTP)
      expect(error.problems).toEqual([{
        variable: "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY",
        message:
          "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is shorter than 32 characters: use a random value of at least 32 characters, e.g. the output of `openssl rand -base64 48`."
      }])
    }))

  it.effect("refuses write scopes that list nothing or use spaces", () =>
    Effect.gen(function*() {
      expect(yield* messagesWith({ ...BASE, ...OIDC, INFRAHUB_MCP_AUTH_SCOPES_WRITE: " , ," }, HTTP)).toEqual([
        "INFRAHUB_MCP_AUTH_SCOPES_WRITE lists no scope: name the scopes write tools need, separated by commas (e.g. write or infrahub:write), or unset it for the default 'write'."
      ])
      expect(yield* messagesWith({ ...BASE, ...OIDC, INFRAHUB_MCP_AUTH_SCOPES_WRITE: "read write" }, HTTP)).toEqual([
        'INFRAHUB_MCP_AUTH_SCOPES_WRITE contains "read write", which is not an OAuth scope: separate scopes with commas, not spaces (e.g. write,infrahub:write).'
      ])
    }))
})

describe("ServerConfig address, origins and the command line", () => {
  const address = (value: string) => messagesWith({ ...BASE, INFRAHUB_ADDRESS: value })

  it.effect("refuses malformed Infrahub addresses", () =>
    Effect.gen(function*() {
      expect(yield* address("not a url")).toEqual([
        'INFRAHUB_ADDRESS="not a url" is not a valid URL: set it to the URL of your Infrahub instance, e.g. http://localhost:8000.'
      ])
      expect(yield* address("ftp://infrahub.example.com")).toEqual([
        "INFRAHUB_ADDRESS=ftp://infrahub.example.com is not an http or https URL: set it to the URL of your Infrahub instance, e.g. http://localhost:8000."
      ])
      // "localhost:8000" parses as a URL with the scheme "localhost:"
      expect((yield* address("localhost:8000"))[0]).toMatch(/^INFRAHUB_ADDRESS=localhost:8000 is not an http or https URL/)
      expect((yield* address("http://infrahub:8000/?branch=main"))[0]).toMatch(/has a query or fragment: remove everything from '\?' or '#' on/)
    }))

  it.effect("refuses credentials inside the address without repeating them", () =>
    Effect.gen(function*() {
      const messages = yield* address("http://admin:hunter2-in-url@infrahub:8000")
      expect(messages).toEqual([
        "INFRAHUB_ADDRESS contains a user name or password: remove them from the URL (the URL of your Infrahub instance, e.g. http://localhost:8000)."
      ])
    }))

  it.effect("refuses origins that are not origins, and the wildcard", () =>
    Effect.gen(function*() {
      for (const value of ["*", "https://app.example.com/path", "app.example.com", "https://a.example.com,null"]) {
        const messages = yield* messagesWith({ ...BASE, INFRAHUB_MCP_ALLOWED_ORIGINS: value })
        expect(messages).toHaveLength(1)
        expect(messages[0]).toMatch(/^INFRAHUB_MCP_ALLOWED_ORIGINS=.* which is not an origin: list origins as scheme:\/\/host\[:port\]/)
      }
    }))

  it.effect("validates the port and host it is given", () =>
    Effect.gen(function*() {
      expect((yield* configWith(BASE, { ...HTTP, port: 0 })).port).toBe(0)
      expect(yield* messagesWith(BASE, { ...HTTP, port: -1 })).toEqual([
        "--port -1 is out of range: use a port from 0 to 65535 (0 picks a free port)."
      ])
      expect(yield* messagesWith(BASE, { ...HTTP, port: 65536 })).toEqual([
        "--port 65536 is out of range: use a port from 0 to 65535 (0 picks a free port)."
      ])
      expect(yield* messagesWith(BASE, { ...HTTP, host: " " })).toEqual([
        '--host " " is not a host name: use an address to bind, e.g. 127.0.0.1.'
      ])
    }))
})

describe("ServerConfig reports", () => {
  it.effect("every problem at once, one line each", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({
        INFRAHUB_MCP_AUTH_MODE: "token-passthrough",
        INFRAHUB_MCP_MAX_BRANCH_RETRIES: "50",
        INFRAHUB_MCP_READ_ONLY: "perhaps",
        INFRAHUB_MCP_BRANCH_PATTERN: "{foo}",
        INFRAHUB_MCP_PING_INTERVAL_MS: "-1"
      })
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error._tag).toBe("ConfigurationError")
      expect(error.problems.map((p) => p.variable).sort()).toEqual([
        "INFRAHUB_ADDRESS",
        "INFRAHUB_MCP_AUTH_MODE",
        "INFRAHUB_MCP_BRANCH_PATTERN",
        "INFRAHUB_MCP_MAX_BRANCH_RETRIES",
        "INFRAHUB_MCP_PING_INTERVAL_MS",
        "INFRAHUB_MCP_READ_ONLY"
      ])
      const lines = error.message.split("\n")
      expect(lines).toEqual(error.problems.map((p) => p.message))
      for (const line of lines) expect(line).toMatch(/^(INFRAHUB_\w+|Auth mode '[\w-]+')[ =:]/)
    }))

  it.effect("unknown INFRAHUB_MCP_* names as warnings with a suggestion, not as errors", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        INFRAHUB_MCP_READONLY: "true",
        INFRAHUB_MCP_SOMETHING_ELSE: "1",
        INFRAHUB_MCP_ENV_FILE: ".env",
        INFRAHUB_TLS_INSECURE: "true",
        INFRAHUB_SOMETHING: "not ours to judge",
        PATH: "/usr/bin"
      })
      expect(config.readOnly).toBe(false)
      expect(config.unknownVariables).toEqual(["INFRAHUB_MCP_READONLY", "INFRAHUB_MCP_SOMETHING_ELSE"])
      const byVariable = Object.fromEntries(config.warnings.map((w) => [w.variable, w.message]))
      expect(Object.keys(byVariable).sort()).toEqual([
        "INFRAHUB_MCP_ENV_FILE",
        "INFRAHUB_MCP_READONLY",
        "INFRAHUB_MCP_SOMETHING_ELSE",
        "INFRAHUB_TLS_INSECURE"
      ])
      expect(byVariable.INFRAHUB_MCP_READONLY).toBe(
        "INFRAHUB_MCP_READONLY is not a setting of this server and is ignored: did you mean INFRAHUB_MCP_READ_ONLY?"
      )
      expect(byVariable.INFRAHUB_MCP_SOMETHING_ELSE).toBe(
        "INFRAHUB_MCP_SOMETHING_ELSE is not a setting of this server and is ignored: check its spelling against the configuration reference"
      )
      expect(byVariable.INFRAHUB_TLS_INSECURE).toContain("NODE_EXTRA_CA_CERTS")
    }))

  it.effect("unknown names also from a provider that splits names on '_' as the environment does", () =>
    Effect.gen(function*() {
      const env = new Map(Object.entries({ ...BASE, INFRAHUB_MCP_CACHE: "1", INFRAHUB_MCP_CACHE_ENABLED: "true" }))
      const config = yield* ServerConfig.load(STDIO).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(env, { pathDelim: "_" }))
      )
      expect(Option.isSome(config.cache)).toBe(true)
      expect(config.unknownVariables).toEqual(["INFRAHUB_MCP_CACHE"])
    }))
})

describe("ServerConfig keeps secrets out of messages", () => {
  const secrets = {
    INFRAHUB_API_TOKEN: "tok-7f3a-SECRET-token",
    INFRAHUB_PASSWORD: "pw-SECRET-password",
    INFRAHUB_MCP_OIDC_CLIENT_SECRET: "cs-SECRET-client",
    INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: "jk-SECRET-short"
  }
  const leaks = (text: string) => Object.values(secrets).filter((value) => text.includes(value) || text.includes("SECRET"))

  it.effect("in errors", () =>
    Effect.gen(function*() {
      const error = yield* failureWith({
        ...secrets,
        INFRAHUB_ADDRESS: "http://user:SECRET@infrahub",
        INFRAHUB_USERNAME: "admin",
        INFRAHUB_MCP_AUTH_MODE: "oidc",
        INFRAHUB_MCP_OIDC_CONFIG_URL: "https://idp.example.com",
        INFRAHUB_MCP_OIDC_CLIENT_ID: "client",
        INFRAHUB_MCP_OIDC_BASE_URL: "http://public.example.com"
      })
      expect(error.problems.length).toBeGreaterThanOrEqual(5)
      expect(leaks(error.message)).toEqual([])
      expect(leaks(JSON.stringify(error))).toEqual([])
      expect(leaks(String(error))).toEqual([])
    }))

  it.effect("in a printed configuration", () =>
    Effect.gen(function*() {
      const config = yield* configWith({
        ...BASE,
        ...OIDC,
        INFRAHUB_API_TOKEN: secrets.INFRAHUB_API_TOKEN,
        INFRAHUB_MCP_OIDC_CLIENT_SECRET: secrets.INFRAHUB_MCP_OIDC_CLIENT_SECRET,
        INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: `${secrets.INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY}-long-enough-now-0123456789`
      }, HTTP)
      expect(leaks(JSON.stringify(config))).toEqual([])
      expect(leaks(String(config.infrahub.apiToken))).toEqual([])
      expect(secret(config.infrahub.apiToken)).toEqual(Option.some(secrets.INFRAHUB_API_TOKEN))
    }))
})

describe("ServerConfig test helpers", () => {
  it.effect("make parses like load", () =>
    Effect.gen(function*() {
      const env = { INFRAHUB_MCP_READ_ONLY: "true", INFRAHUB_MCP_MAX_BRANCH_RETRIES: "7" }
      const real = yield* configWith({ INFRAHUB_ADDRESS: "http://127.0.0.1:8000", INFRAHUB_API_TOKEN: "test-token", ...env })
      const made = ServerConfig.make(env)
      expect(made.readOnly).toBe(true)
      expect(made.branch.maxRetries).toBe(7)
      expect(JSON.stringify(made)).toBe(JSON.stringify(real))
      expect(secret(made.infrahub.apiToken)).toEqual(Option.some("test-token"))
      const http = ServerConfig.make({ INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }, { transport: "streamable-http" })
      expect(http.auth.mode).toBe("token-passthrough")
      expect(http.transport).toBe("streamable-http")
    }))

  it("make throws the ConfigurationError for an invalid test setup", () => {
    expect(() => ServerConfig.make({ INFRAHUB_MCP_AUTH_MODE: "oidc" })).toThrow(ConfigurationError)
  })
})

describe("configurationReference", () => {
  it("documents every variable once, with additions and secrets marked", () => {
    const reference = configurationReference()
    const rows = reference.split("\n").slice(2)
    expect(rows.map((row) => /^\| `(\w+)`/.exec(row)?.[1])).toEqual([...VARIABLE_NAMES])
    expect(rows.find((row) => row.startsWith("| `INFRAHUB_MCP_MAX_SESSIONS`"))).toBe(
      "| `INFRAHUB_MCP_MAX_SESSIONS` **(addition)** | `1000` | Most concurrent MCP sessions over HTTP (1-100000). |"
    )
    expect(rows.find((row) => row.startsWith("| `INFRAHUB_API_TOKEN`"))).toMatch(/ Secret\. \|$/)
  })
})
