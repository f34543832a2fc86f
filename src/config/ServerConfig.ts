/**
 * `ServerConfig`: every environment variable read once, at start, through
 * `effect/Config` (so tests swap the ConfigProvider instead of touching `process.env`). Invalid or
 * contradictory settings fail closed with one `ConfigurationError` that lists every problem.
 */
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { OidcSettings } from "../auth/oidc/proxyTypes.js"
import { parseAddressRange } from "../auth/oidc/sourceAddress.js"
import { AUTH_MODES, type AuthModeName } from "../auth/Principal.js"
import { type BranchPattern, DEFAULT_BRANCH_PATTERN, parsePattern } from "../session/branchPattern.js"
import {
  closest,
  type ConfigProblem,
  hostnameOf,
  type Parsed,
  parseBoolean,
  parseChoice,
  parseHeaderName,
  parseHttpUrl,
  parseInteger,
  parseList,
  parseNumber,
  parseOrigins,
  problem
} from "./parse.js"
import { scanOwnVariables, type ScannedName } from "./scan.js"
import {
  isSecretVariable,
  isVariableName,
  modesOf,
  NOT_SUPPORTED,
  type PlainVariableName,
  type SecretVariableName,
  VARIABLE_NAMES,
  type VariableName
} from "./variables.js"

export type { ConfigProblem } from "./parse.js"

export type Transport = "stdio" | "streamable-http"

/** What the command line contributes; `bin.ts` passes the parsed `serve` command. */
export interface CliOptions {
  readonly transport: Transport
  readonly host: string
  readonly port: number
  /** `--stateless`; `INFRAHUB_MCP_STATELESS=true` has the same effect. */
  readonly stateless?: boolean
}

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const
export type LogLevelName = (typeof LOG_LEVELS)[number]

/** The Effect log level for an `INFRAHUB_MCP_LOG_LEVEL` value. */
export const toEffectLogLevel = (level: LogLevelName): LogLevel.LogLevel => {
  switch (level) {
    case "debug":
      return LogLevel.Debug
    case "info":
      return LogLevel.Info
    case "warning":
      return LogLevel.Warning
    case "error":
      return LogLevel.Error
  }
}

/**
 * OIDC settings, present exactly when the auth mode is `oidc`: the proxy's own settings as the
 * environment gives them (`OidcSettings`, one definition), plus the two it takes under other names.
 */
export interface OidcConfig
  extends Pick<OidcSettings, "configUrl" | "clientId" | "clientSecret" | "baseUrl" | "audience" | "userClaim" | "jwtSigningKey"> {
  /** The callback path registered at the IdP (`INFRAHUB_MCP_OIDC_REDIRECT_PATH`); both are served. */
  readonly redirectPath: "/oauth/callback" | "/auth/callback"
  /** Reverse proxies whose `X-Forwarded-For` is believed (`INFRAHUB_MCP_OIDC_TRUSTED_PROXIES`): addresses or CIDR ranges. */
  readonly trustedProxies: ReadonlyArray<string>
}

export interface ServerConfigShape {
  readonly infrahub: {
    /** http(s) URL without a trailing slash. */
    readonly address: string
    /** The shared token of modes `none` and `oidc`; always `none` in the passthrough modes, which never fall back to it. */
    readonly apiToken: Option.Option<Redacted.Redacted<string>>
    readonly timeoutMs: number
  }
  readonly transport: Transport
  readonly host: string
  readonly port: number
  readonly readOnly: boolean
  readonly branch: {
    readonly pattern: BranchPattern
    readonly maxRetries: number
  }
  readonly logLevel: LogLevelName
  readonly auth: {
    readonly mode: AuthModeName
    readonly tokenPassthroughHeader: string
    /** Scopes a caller needs for write tools; enforced in `oidc` mode only, as the Python server does. */
    readonly writeScopes: ReadonlyArray<string>
    readonly oidc: Option.Option<OidcConfig>
  }
  /** `none` when `INFRAHUB_MCP_RATE_LIMIT_RPS` is 0; `burst` is already resolved (0 means twice the rate). */
  readonly rateLimit: Option.Option<{ readonly requestsPerSecond: number; readonly burst: number }>
  /** `none` when `INFRAHUB_MCP_RETRY_MAX_ATTEMPTS` is 0. */
  readonly retry: Option.Option<{ readonly maxAttempts: number; readonly baseDelayMs: number }>
  /** `none` unless `INFRAHUB_MCP_CACHE_ENABLED`. */
  readonly cache: Option.Option<{ readonly listTtlSeconds: number; readonly readTtlSeconds: number }>
  readonly otelEnabled: boolean
  /** Where spans, metrics and logs go when `otelEnabled` (OTLP/HTTP). */
  readonly otel: { readonly endpoint: string; readonly serviceName: string }
  readonly prometheusEnabled: boolean
  readonly dereferenceSchemas: boolean
  /** `none` when `INFRAHUB_MCP_PING_INTERVAL_MS` is 0. */
  readonly pingIntervalMs: Option.Option<number>
  readonly http: {
    readonly maxSessions: number
    readonly sessionIdleTimeoutMs: number
    /** Origins accepted in `Origin` besides loopback, normalised (`scheme://host[:port]`). */
    readonly allowedOrigins: ReadonlyArray<string>
    readonly stateless: boolean
    /** Sessions one principal may hold; `none` in auth mode `none`, where every caller is one principal. */
    readonly maxSessionsPerPrincipal: Option.Option<number>
    /** Largest request body on every route; reading stops there. */
    readonly maxBodyBytes: number
    /**
     * Host names accepted in `Host` (lower case, without port) besides IP literals and `localhost`:
     * the `--host` name, the OIDC base URL's host and `INFRAHUB_MCP_ALLOWED_HOSTS`; `"any"` for `*`.
     */
    readonly allowedHosts: ReadonlyArray<string> | "any"
    /** `INFRAHUB_MCP_METRICS_TOKEN`: the bearer token `/metrics` requires. */
    readonly metricsToken: Option.Option<Redacted.Redacted<string>>
    /** Node's HTTP server limits (slow clients, idle and excess connections). */
    readonly server: {
      readonly headersTimeoutMs: number
      readonly requestTimeoutMs: number
      readonly keepAliveTimeoutMs: number
      readonly maxConnections: number
    }
  }
  readonly maxResponseBytes: number
  /** Where shared state lives (INFRAHUB_MCP_STATE_*). */
  readonly state: StateStoreConfig
  /** `INFRAHUB_MCP_*` names that are set but mean nothing here (likely typos). Also in `warnings`. */
  readonly unknownVariables: ReadonlyArray<string>
  /** Settings that are accepted but have no effect, each with what to do; for the lead to log at start. */
  readonly warnings: ReadonlyArray<ConfigProblem>
}

/**
 * `Memory`: this process only (a restart forgets, replicas cannot share). `Redis`: Valkey or Redis,
 * shared by replicas; `key` encrypts values and keys credential fingerprints, so replicas share it.
 */
export type StateStoreConfig =
  | { readonly _tag: "Memory" }
  | {
    readonly _tag: "Redis"
    readonly url: Redacted.Redacted<string>
    readonly key: Redacted.Redacted<string>
    readonly keyPrefix: string
  }

/** Start-up failure: every problem found, one line each, naming the variable (or flag) and the fix. */
export class ConfigurationError extends Data.TaggedError("ConfigurationError")<{
  readonly problems: ReadonlyArray<ConfigProblem>
}> {
  override get message(): string {
    return this.problems.map((p) => p.message).join("\n")
  }
}

/** The raw values: trimmed, empty treated as unset, secrets still `Redacted`. */
export type RawEnvironment = {
  readonly [K in VariableName]: Option.Option<K extends SecretVariableName ? Redacted.Redacted<string> : string>
}

const readVariable = (name: VariableName): Config.Config<Option.Option<string | Redacted.Redacted<string>>> =>
  isSecretVariable(name)
    ? Config.option(Config.redacted(name)).pipe(
      Config.map(Option.flatMap((secret) => {
        // Surrounding whitespace is never part of a token (it comes from files and heredocs); an empty value means unset.
        const trimmed = Redacted.value(secret).trim()
        return trimmed === "" ? Option.none() : Option.some(Redacted.make(trimmed))
      }))
    )
    : Config.option(Config.string(name)).pipe(
      Config.map(Option.flatMap((value) => (value.trim() === "" ? Option.none() : Option.some(value.trim()))))
    )

/** Every variable of the table, read from the current ConfigProvider. */
export const readEnvironment: Config.Config<RawEnvironment> = Config.all(
  Object.fromEntries(VARIABLE_NAMES.map((name) => [name, readVariable(name)]))
) as Config.Config<unknown> as Config.Config<RawEnvironment>

/** What the environment scan found, besides the table's own variables. */
export interface Presence {
  readonly unknown: ReadonlyArray<string>
  /** Table variables set in another letter case (never read: names are case-sensitive). */
  readonly miscased: ReadonlyArray<string>
  /** Names other implementations read and this one ignores. */
  readonly notSupported: ReadonlyArray<string>
}

const noPresence: Presence = { unknown: [], miscased: [], notSupported: [] }

/**
 * What the section parsers read through: the raw values and the command line, and the lists where
 * problems (the user must fix them) and warnings (settings without effect) are collected, so that
 * every problem is reported at once and one restart is enough.
 */
interface Reader {
  readonly raw: RawEnvironment
  readonly cli: CliOptions
  readonly problems: Array<ConfigProblem>
  readonly warnings: Array<ConfigProblem>
  /** The parsed value, or `None` with its problem recorded. */
  readonly take: <A>(parsed: Parsed<A>) => Option.Option<A>
  /** The variable's parsed value, its default when unset, or the default (with a problem recorded) when invalid. */
  readonly setting: <A>(name: PlainVariableName, fallback: A, parse: (name: string, raw: string) => Parsed<A>) => A
  readonly isSet: (name: VariableName) => boolean
}

const makeReader = (raw: RawEnvironment, cli: CliOptions): Reader => {
  const problems: Array<ConfigProblem> = []
  const take = <A>(parsed: Parsed<A>): Option.Option<A> =>
    Either.match(parsed, {
      onLeft: (p) => {
        problems.push(p)
        return Option.none()
      },
      onRight: Option.some
    })
  return {
    raw,
    cli,
    problems,
    warnings: [],
    take,
    setting: (name, fallback, parse) =>
      Option.match(raw[name], {
        onNone: () => fallback,
        onSome: (value) => Option.getOrElse(take(parse(name, value)), () => fallback)
      }),
    isSet: (name) => Option.isSome<unknown>(raw[name])
  }
}

/** The auth mode; `known` is false when the variable is invalid (reported once; checks that depend on the mode are skipped). */
interface AuthModeChoice {
  readonly mode: AuthModeName
  readonly known: boolean
  readonly passthrough: boolean
}

/** INFRAHUB_MCP_AUTH_MODE, and whether the transport can carry it. */
const parseAuthMode = (r: Reader): AuthModeChoice => {
  const parsed = Option.match(r.raw.INFRAHUB_MCP_AUTH_MODE, {
    onNone: () => Option.some<AuthModeName>("none"),
    onSome: (value) => r.take(parseChoice("INFRAHUB_MCP_AUTH_MODE", value, AUTH_MODES))
  })
  const mode: AuthModeName = Option.getOrElse(parsed, () => "none")
  const known = Option.isSome(parsed)
  if (known && mode !== "none" && r.cli.transport === "stdio") {
    r.problems.push(problem(
      "INFRAHUB_MCP_AUTH_MODE",
      `Auth mode '${mode}' requires --transport streamable-http: stdio has no HTTP headers.`
    ))
  }
  return { mode, known, passthrough: mode === "token-passthrough" || mode === "basic-passthrough" }
}

/** `--host` and `--port`, checked with the rest so a bad value is not first met when binding. */
const checkListenAddress = (r: Reader): void => {
  const { host, port } = r.cli
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    r.problems.push(problem("--port", `--port ${port} is out of range: use a port from 0 to 65535 (0 picks a free port).`))
  }
  if (host.trim() === "" || /\s/.test(host)) {
    r.problems.push(problem("--host", `--host ${JSON.stringify(host)} is not a host name: use an address to bind, e.g. 127.0.0.1.`))
  }
}

/** INFRAHUB_ADDRESS, the shared API token and INFRAHUB_TIMEOUT; a username and password are refused, saying what to set instead. */
const parseInfrahub = (r: Reader, auth: AuthModeChoice): ServerConfigShape["infrahub"] => {
  const address = Option.match(r.raw.INFRAHUB_ADDRESS, {
    onNone: () => {
      r.problems.push(problem(
        "INFRAHUB_ADDRESS",
        "INFRAHUB_ADDRESS is not set: set it to the URL of your Infrahub instance, e.g. http://localhost:8000."
      ))
      return ""
    },
    onSome: (value) =>
      Option.getOrElse(
        r.take(parseHttpUrl("INFRAHUB_ADDRESS", value, { example: "the URL of your Infrahub instance, e.g. http://localhost:8000" })),
        () => ""
      )
  })
  const { mode, passthrough } = auth
  if (auth.known && !passthrough && !r.isSet("INFRAHUB_API_TOKEN")) {
    r.problems.push(problem(
      "INFRAHUB_API_TOKEN",
      `INFRAHUB_API_TOKEN is not set, and auth mode '${mode}' uses it for every Infrahub call: create an API token in Infrahub and set INFRAHUB_API_TOKEN to it (or, over HTTP, set INFRAHUB_MCP_AUTH_MODE=token-passthrough so each client sends its own).`
    ))
  }
  for (const name of ["INFRAHUB_USERNAME", "INFRAHUB_PASSWORD"] as const) {
    if (!r.isSet(name)) continue
    r.problems.push(problem(
      name,
      passthrough
        ? `${name} is not used in auth mode '${mode}': each client sends its own credential in the request; unset INFRAHUB_USERNAME and INFRAHUB_PASSWORD.`
        : `${name} is not supported: the server's shared Infrahub identity is an API token. Set INFRAHUB_API_TOKEN and unset INFRAHUB_USERNAME and INFRAHUB_PASSWORD, or set INFRAHUB_MCP_AUTH_MODE=basic-passthrough (HTTP only) so each client logs in with its own username and password.`
    ))
  }
  const timeoutSeconds = r.setting("INFRAHUB_TIMEOUT", 60, (n, v) => parseInteger(n, v, { min: 1, max: MAX_TIMER_SECONDS }, "seconds"))
  return {
    address,
    apiToken: passthrough ? Option.none() : r.raw.INFRAHUB_API_TOKEN,
    timeoutMs: timeoutSeconds * 1000
  }
}

/** Read-only mode, and what the protocol offers besides the tools (schema dereferencing, keep-alive pings). */
const parseBehaviour = (r: Reader): Pick<ServerConfigShape, "readOnly" | "dereferenceSchemas" | "pingIntervalMs"> => {
  const readOnly = r.setting("INFRAHUB_MCP_READ_ONLY", false, parseBoolean)
  const dereferenceSchemas = r.setting("INFRAHUB_MCP_DEREFERENCE_SCHEMAS", false, parseBoolean)
  const ping = r.setting("INFRAHUB_MCP_PING_INTERVAL_MS", 0, (n, v) => parseInteger(n, v, { min: 0, max: 300_000 }, "milliseconds, 0 disables"))
  return { readOnly, dereferenceSchemas, pingIntervalMs: ping > 0 ? Option.some(ping) : Option.none() }
}

/** INFRAHUB_MCP_BRANCH_PATTERN and _MAX_BRANCH_RETRIES; `None` when the pattern is invalid (its problem is recorded). */
const parseBranch = (r: Reader): Option.Option<ServerConfigShape["branch"]> => {
  const pattern = r.take(Either.mapLeft(
    parsePattern(Option.getOrElse(r.raw.INFRAHUB_MCP_BRANCH_PATTERN, () => DEFAULT_BRANCH_PATTERN)),
    (text) => problem("INFRAHUB_MCP_BRANCH_PATTERN", `INFRAHUB_MCP_BRANCH_PATTERN: ${text}`)
  ))
  const maxRetries = r.setting("INFRAHUB_MCP_MAX_BRANCH_RETRIES", 5, (n, v) => parseInteger(n, v, { min: 1, max: 20 }))
  return Option.map(pattern, (pattern) => ({ pattern, maxRetries }))
}

/** What one caller may cost: the rate limit, retries of read tools and the response size. */
const parseLimits = (r: Reader): Pick<ServerConfigShape, "rateLimit" | "retry" | "maxResponseBytes"> => {
  const rps = r.setting("INFRAHUB_MCP_RATE_LIMIT_RPS", 0, (n, v) => parseNumber(n, v, { min: 0, max: 10_000 }, "requests per second"))
  const burst = r.setting("INFRAHUB_MCP_RATE_LIMIT_BURST", 0, (n, v) => parseInteger(n, v, { min: 0 }))
  const attempts = r.setting("INFRAHUB_MCP_RETRY_MAX_ATTEMPTS", 0, (n, v) => parseInteger(n, v, { min: 0 }))
  const delaySeconds = r.setting("INFRAHUB_MCP_RETRY_BASE_DELAY", 1, (n, v) => parseNumber(n, v, { min: 0, exclusive: true }, "seconds"))
  const maxResponseBytes = r.setting("INFRAHUB_MCP_MAX_RESPONSE_BYTES", 500_000, (n, v) => parseInteger(n, v, { min: 1024 }, "bytes"))
  return {
    // A burst of 0 means twice the rate.
    rateLimit: rps > 0
      ? Option.some({ requestsPerSecond: rps, burst: burst > 0 ? burst : Math.max(1, Math.floor(rps * 2)) })
      : Option.none(),
    retry: attempts > 0 ? Option.some({ maxAttempts: attempts, baseDelayMs: delaySeconds * 1000 }) : Option.none(),
    maxResponseBytes
  }
}

/** INFRAHUB_MCP_CACHE_*: how long the schema is trusted without asking Infrahub, when enabled. */
const parseCache = (r: Reader): ServerConfigShape["cache"] => {
  const enabled = r.setting("INFRAHUB_MCP_CACHE_ENABLED", false, parseBoolean)
  const listTtlSeconds = r.setting("INFRAHUB_MCP_CACHE_LIST_TTL", 300, (n, v) => parseInteger(n, v, { min: 1 }, "seconds"))
  const readTtlSeconds = r.setting("INFRAHUB_MCP_CACHE_READ_TTL", 3600, (n, v) => parseInteger(n, v, { min: 1 }, "seconds"))
  return enabled ? Option.some({ listTtlSeconds, readTtlSeconds }) : Option.none()
}

/** The log level, OpenTelemetry export and Prometheus metrics. */
const parseObservability = (r: Reader): Pick<ServerConfigShape, "logLevel" | "otelEnabled" | "otel" | "prometheusEnabled"> => ({
  logLevel: r.setting("INFRAHUB_MCP_LOG_LEVEL", "info", (n, v) => parseChoice(n, v, LOG_LEVELS)),
  otelEnabled: r.setting("INFRAHUB_MCP_OTEL_ENABLED", false, parseBoolean),
  otel: {
    endpoint: r.setting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318", (name, value) =>
      parseHttpUrl(name, value, { example: "your OpenTelemetry collector's OTLP/HTTP URL, e.g. http://otel-collector:4318" })
    ),
    serviceName: Option.getOrElse(r.raw.OTEL_SERVICE_NAME, () => "infrahub-mcp")
  },
  prometheusEnabled: r.setting("INFRAHUB_MCP_PROMETHEUS_ENABLED", false, parseBoolean)
})

/** Node's HTTP server limits; a header timeout past the request timeout is refused (Node would not start). */
const parseHttpServer = (r: Reader): ServerConfigShape["http"]["server"] => {
  const seconds = (name: PlainVariableName, fallback: number) =>
    r.setting(name, fallback, (n, v) => parseInteger(n, v, { min: 1, max: 3600 }, "seconds"))
  const headersTimeout = seconds("INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT", 10)
  const requestTimeout = seconds("INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT", 30)
  const keepAliveTimeout = seconds("INFRAHUB_MCP_HTTP_KEEPALIVE_TIMEOUT", 5)
  const maxConnections = r.setting("INFRAHUB_MCP_HTTP_MAX_CONNECTIONS", 2048, (n, v) => parseInteger(n, v, { min: 1, max: 1_000_000 }))
  if (headersTimeout > requestTimeout) {
    r.problems.push(problem(
      "INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT",
      `INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT (${headersTimeout} s) is longer than INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT (${requestTimeout} s), which covers the headers too: lower the first or raise the second.`
    ))
  }
  return {
    headersTimeoutMs: headersTimeout * 1000,
    requestTimeoutMs: requestTimeout * 1000,
    keepAliveTimeoutMs: keepAliveTimeout * 1000,
    maxConnections
  }
}

/**
 * Streamable HTTP: sessions, accepted origins and host names (the `--host` name and the OIDC base
 * URL's host are always accepted), body size, the metrics token and Node's server limits.
 */
const parseHttp = (r: Reader, mode: AuthModeName, oidc: Option.Option<OidcConfig>): ServerConfigShape["http"] => {
  const maxSessions = r.setting("INFRAHUB_MCP_MAX_SESSIONS", 1000, (n, v) => parseInteger(n, v, { min: 1, max: 100_000 }))
  const idleSeconds = r.setting("INFRAHUB_MCP_SESSION_IDLE_TIMEOUT", 1800, (n, v) => parseInteger(n, v, { min: 10, max: MAX_TIMER_SECONDS }, "seconds"))
  const allowedOrigins = r.setting("INFRAHUB_MCP_ALLOWED_ORIGINS", [] as ReadonlyArray<string>, parseOrigins)
  const stateless = r.setting("INFRAHUB_MCP_STATELESS", false, parseBoolean)
  const perPrincipal = r.setting("INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL", 20, (n, v) => parseInteger(n, v, { min: 1, max: 100_000 }))
  const maxBodyBytes = r.setting("INFRAHUB_MCP_MAX_BODY_BYTES", 4 * 1024 * 1024, (n, v) => parseInteger(n, v, { min: 1024, max: 64 * 1024 * 1024 }, "bytes"))
  const extraHosts = r.setting("INFRAHUB_MCP_ALLOWED_HOSTS", [] as ReadonlyArray<string> | "any", parseHosts)
  const server = parseHttpServer(r)
  const allowedHosts = extraHosts === "any"
    ? "any"
    : [...new Set([
      ...(isWildcardAddress(r.cli.host) ? [] : [hostnameOf(r.cli.host)]),
      ...Option.toArray(Option.map(oidc, (settings) => new URL(settings.baseUrl).hostname)),
      ...extraHosts
    ])]
  return {
    maxSessions,
    sessionIdleTimeoutMs: idleSeconds * 1000,
    allowedOrigins,
    stateless: r.cli.stateless === true || stateless,
    // In mode `none` every caller is one principal: the server-wide cap is the only one.
    maxSessionsPerPrincipal: mode === "none" ? Option.none() : Option.some(perPrincipal),
    maxBodyBytes,
    allowedHosts,
    metricsToken: r.raw.INFRAHUB_MCP_METRICS_TOKEN,
    server
  }
}

/**
 * What the auth mode needs: the passthrough header, OIDC write scopes and the OIDC client. With a
 * shared state store, OIDC needs the shared signing key (every replica verifies every token).
 */
const parseAuth = (r: Reader, auth: AuthModeChoice, state: StateStoreConfig): ServerConfigShape["auth"] => {
  const { mode, passthrough } = auth
  const tokenPassthroughHeader = passthrough
    ? r.setting("INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER", "Authorization", parseHeaderName)
    : "Authorization"
  const writeScopes = mode === "oidc"
    ? r.setting("INFRAHUB_MCP_AUTH_SCOPES_WRITE", ["write"] as ReadonlyArray<string>, parseScopes)
    : ["write"]
  const oidc = mode === "oidc" ? parseOidc(r) : Option.none()
  if (state._tag === "Redis" && Option.isSome(oidc) && Option.isNone(oidc.value.jwtSigningKey)) {
    r.problems.push(problem(
      "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY",
      "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is not set, and INFRAHUB_MCP_STATE_STORE is shared: every replica must sign and verify the same tokens, so set INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY to one random value of at least 32 characters (e.g. `openssl rand -base64 48`) on all of them."
    ))
  }
  return { mode, tokenPassthroughHeader, writeScopes, oidc }
}

/** Settings that have no effect: ignored in this auth mode, set in another letter case, misspelt, or not supported here. */
const collectWarnings = (r: Reader, auth: AuthModeChoice, presence: Presence): void => {
  const { mode } = auth
  if (auth.known) {
    for (const name of VARIABLE_NAMES) {
      if (!r.isSet(name) || modesOf(name).includes(mode)) continue
      r.warnings.push(problem(
        name,
        name === "INFRAHUB_API_TOKEN"
          ? `INFRAHUB_API_TOKEN is ignored in auth mode '${mode}': each client's own credential is used and the server never falls back to the shared token; unset it to silence this warning.`
          : `${name} is ignored in auth mode '${mode}': it applies to ${modesOf(name).map((m) => `'${m}'`).join(" and ")} only; unset it, or set INFRAHUB_MCP_AUTH_MODE accordingly.`
      ))
    }
  }
  for (const name of presence.miscased) {
    r.warnings.push(problem(name, `${name} is set in another letter case and is not read: variable names are case-sensitive; write it as ${name}.`))
  }
  for (const name of presence.unknown) {
    const suggestion = closestVariable(name)
    r.warnings.push(problem(
      name,
      `${name} is not a setting of this server and is ignored: ${suggestion === undefined ? "check its spelling against the configuration reference" : `did you mean ${suggestion}?`}`
    ))
  }
  for (const name of presence.notSupported) {
    r.warnings.push(problem(name, `${name} is ignored: ${NOT_SUPPORTED[name] ?? "unset it."}`))
  }
}

/**
 * Parses and cross-checks the raw values, section by section. Pure: everything the user must fix is
 * collected, not just the first problem, so one restart is enough.
 */
export const parseEnvironment = (
  raw: RawEnvironment,
  cli: CliOptions,
  presence: Presence = noPresence
): Either.Either<ServerConfigShape, ConfigurationError> => {
  const r = makeReader(raw, cli)
  const authMode = parseAuthMode(r)
  checkListenAddress(r)
  const infrahub = parseInfrahub(r, authMode)
  const behaviour = parseBehaviour(r)
  const branch = parseBranch(r)
  const observability = parseObservability(r)
  const limits = parseLimits(r)
  const cache = parseCache(r)
  const state = parseStateStore(r)
  const auth = parseAuth(r, authMode, state)
  const http = parseHttp(r, authMode.mode, auth.oidc)
  collectWarnings(r, authMode, presence)

  if (r.problems.length > 0 || Option.isNone(branch)) return Either.left(new ConfigurationError({ problems: r.problems }))
  return Either.right({
    infrahub,
    transport: cli.transport,
    host: cli.host,
    port: cli.port,
    ...behaviour,
    branch: branch.value,
    ...observability,
    ...limits,
    cache,
    auth,
    http,
    state,
    unknownVariables: presence.unknown,
    warnings: r.warnings
  })
}

const MIN_STATE_KEY_LENGTH = 32
const STATE_PREFIX = /^[\x21-\x7E]{0,64}$/

/** INFRAHUB_MCP_STATE_*: the in-memory store, or a Valkey/Redis URL with the key every replica shares. */
const parseStateStore = (r: Reader): StateStoreConfig => {
  const { raw, take, problems } = r
  const memory: StateStoreConfig = { _tag: "Memory" }
  const url = Option.filter(raw.INFRAHUB_MCP_STATE_STORE, (value) => Redacted.value(value).toLowerCase() !== "memory")
  if (Option.isNone(url)) {
    if (Option.isSome(raw.INFRAHUB_MCP_STATE_KEY)) {
      problems.push(problem(
        "INFRAHUB_MCP_STATE_KEY",
        "INFRAHUB_MCP_STATE_KEY is set but INFRAHUB_MCP_STATE_STORE is not a Valkey/Redis URL, so nothing would use it: set INFRAHUB_MCP_STATE_STORE=redis://host:6379 (shared by replicas), or unset INFRAHUB_MCP_STATE_KEY."
      ))
    }
    return memory
  }
  const text = Redacted.value(url.value)
  const scheme = URL.canParse(text) ? new URL(text).protocol : ""
  if (scheme !== "redis:" && scheme !== "rediss:") {
    problems.push(problem(
      "INFRAHUB_MCP_STATE_STORE",
      `INFRAHUB_MCP_STATE_STORE must be 'memory' or a redis:// or rediss:// URL of Valkey or Redis (e.g. redis://127.0.0.1:6379/0); got ${scheme === "" ? "something that is not a URL" : `a ${scheme}// URL`}.`
    ))
    return memory
  }
  const key = Option.match(raw.INFRAHUB_MCP_STATE_KEY, {
    onNone: () => {
      problems.push(problem(
        "INFRAHUB_MCP_STATE_KEY",
        `INFRAHUB_MCP_STATE_KEY is not set, and INFRAHUB_MCP_STATE_STORE is a shared store: set it to one random value of at least ${MIN_STATE_KEY_LENGTH} characters (e.g. \`openssl rand -base64 48\`) on every replica; it encrypts what is stored.`
      ))
      return Option.none<Redacted.Redacted<string>>()
    },
    onSome: (value) => {
      if ([...Redacted.value(value)].length >= MIN_STATE_KEY_LENGTH) return Option.some(value)
      problems.push(problem(
        "INFRAHUB_MCP_STATE_KEY",
        `INFRAHUB_MCP_STATE_KEY is shorter than ${MIN_STATE_KEY_LENGTH} characters: use a random value of at least ${MIN_STATE_KEY_LENGTH} characters, e.g. the output of \`openssl rand -base64 48\`.`
      ))
      return Option.none<Redacted.Redacted<string>>()
    }
  })
  const keyPrefix = Option.getOrElse(
    Option.flatMap(raw.INFRAHUB_MCP_STATE_PREFIX, (value) =>
      take(STATE_PREFIX.test(value)
        ? Either.right(value)
        : Either.left(problem(
          "INFRAHUB_MCP_STATE_PREFIX",
          "INFRAHUB_MCP_STATE_PREFIX must be at most 64 printable characters without spaces, e.g. infrahub-mcp:prod:."
        )))
    ),
    () => "infrahub-mcp:"
  )
  return Option.match(key, {
    onNone: () => memory,
    onSome: (key) => ({ _tag: "Redis", url: url.value, key, keyPrefix })
  })
}

// Node timers overflow past 2^31-1 ms; larger durations would fire at once.
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

const parseScopes = (variable: string, value: string): Parsed<ReadonlyArray<string>> => {
  const scopes = parseList(value)
  if (scopes.length === 0) {
    return Either.left(problem(
      variable,
      `${variable} lists no scope: name the scopes write tools need, separated by commas (e.g. write or infrahub:write), or unset it for the default 'write'.`
    ))
  }
  const bad = scopes.find((scope) => !SCOPE_TOKEN.test(scope))
  if (bad !== undefined) {
    return Either.left(problem(
      variable,
      `${variable} contains ${JSON.stringify(bad)}, which is not an OAuth scope: separate scopes with commas, not spaces (e.g. write,infrahub:write).`
    ))
  }
  return Either.right([...new Set(scopes)])
}

const isWildcardAddress = (host: string): boolean => ["0.0.0.0", "::", "[::]"].includes(host.trim())

// RFC 1123 host names (letters, digits, hyphens, dots); IP literals are always accepted anyway.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$/

const parseHosts = (variable: string, value: string): Parsed<ReadonlyArray<string> | "any"> => {
  const items = parseList(value)
  if (items.includes("*")) {
    return items.length === 1
      ? Either.right("any")
      : Either.left(problem(variable, `${variable} mixes * with host names: use * alone (accept any Host) or list the names.`))
  }
  const hosts: Array<string> = []
  for (const item of items) {
    const host = hostnameOf(item)
    if (!HOST_NAME.test(host)) {
      return Either.left(problem(
        variable,
        `${variable} contains ${JSON.stringify(item)}, which is not a host name: list the names clients use to reach this server, separated by commas, e.g. mcp.example.com,mcp.internal (no scheme, no path).`
      ))
    }
    hosts.push(host)
  }
  return Either.right(hosts)
}

const MIN_SIGNING_KEY_LENGTH = 32

/** The OIDC client (`INFRAHUB_MCP_OIDC_*`), in auth mode `oidc`; `None` when a required setting is missing or invalid. */
const parseOidc = (r: Reader): Option.Option<OidcConfig> => {
  const { raw, take, problems } = r
  const required = (name: PlainVariableName, fix: string): Option.Option<string> => {
    const value = raw[name]
    if (Option.isNone(value)) problems.push(problem(name, `${name} is required in auth mode 'oidc': ${fix}`))
    return value
  }
  const configUrl = required(
    "INFRAHUB_MCP_OIDC_CONFIG_URL",
    "set it to your identity provider's discovery URL, e.g. https://idp.example.com/realms/infra/.well-known/openid-configuration."
  ).pipe(Option.flatMap((value) =>
    take(parseHttpUrl("INFRAHUB_MCP_OIDC_CONFIG_URL", value, { example: "your identity provider's discovery URL, e.g. https://idp.example.com/.well-known/openid-configuration" }))
  ))
  const clientId = required(
    "INFRAHUB_MCP_OIDC_CLIENT_ID",
    "set it to the client ID registered for this server at your identity provider."
  )
  const baseUrl = required(
    "INFRAHUB_MCP_OIDC_BASE_URL",
    "set it to the public URL clients use to reach this server, e.g. https://mcp.example.com."
  ).pipe(Option.flatMap((value) =>
    take(parseHttpUrl("INFRAHUB_MCP_OIDC_BASE_URL", value, {
      example: "the public URL clients use to reach this server, e.g. https://mcp.example.com",
      httpsUnlessLoopback: true
    }))
  ))
  const jwtSigningKey = raw.INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY
  if (Option.isSome(jwtSigningKey) && [...Redacted.value(jwtSigningKey.value)].length < MIN_SIGNING_KEY_LENGTH) {
    problems.push(problem(
      "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY",
      `INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is shorter than ${MIN_SIGNING_KEY_LENGTH} characters: use a random value of at least ${MIN_SIGNING_KEY_LENGTH} characters, e.g. the output of \`openssl rand -base64 48\`.`
    ))
    return Option.none()
  }
  const redirectPath = Option.match(raw.INFRAHUB_MCP_OIDC_REDIRECT_PATH, {
    onNone: () => Option.some("/oauth/callback" as const),
    onSome: (value) => take(parseChoice("INFRAHUB_MCP_OIDC_REDIRECT_PATH", value, ["/oauth/callback", "/auth/callback"] as const))
  })
  const trustedProxies = Option.match(raw.INFRAHUB_MCP_OIDC_TRUSTED_PROXIES, {
    onNone: () => Option.some<ReadonlyArray<string>>([]),
    onSome: (value) => take(parseTrustedProxies("INFRAHUB_MCP_OIDC_TRUSTED_PROXIES", value))
  })
  return Option.all({ configUrl, clientId, baseUrl, redirectPath, trustedProxies }).pipe(Option.map((required) => ({
    ...required,
    clientSecret: raw.INFRAHUB_MCP_OIDC_CLIENT_SECRET,
    audience: raw.INFRAHUB_MCP_OIDC_AUDIENCE,
    userClaim: Option.getOrElse(raw.INFRAHUB_MCP_OIDC_USER_CLAIM, () => "email"),
    jwtSigningKey
  })))
}

/** IP addresses or CIDR ranges, e.g. `10.0.0.5,10.1.0.0/16,fd00::/8`. */
const parseTrustedProxies = (variable: string, raw: string): Parsed<ReadonlyArray<string>> => {
  const entries = parseList(raw)
  const bad = entries.find((entry) => parseAddressRange(entry) === undefined)
  return bad === undefined
    ? Either.right(entries)
    : Either.left(problem(
      variable,
      `${variable} contains ${JSON.stringify(bad)}, which is not an IP address or CIDR range: list the addresses of your reverse proxies, e.g. 10.0.0.5,10.1.0.0/16 (host names are not accepted).`
    ))
}

/** The known variable closest to a misspelt name, when it is close enough to be a plausible typo. */
const closestVariable = (name: string): string | undefined => closest(name, VARIABLE_NAMES, 3)

const classify = (scanned: ReadonlyArray<ScannedName>, notSupportedSet: ReadonlyArray<string>): Presence => ({
  unknown: scanned
    .filter((s) => !isVariableName(s.name) && !Object.hasOwn(NOT_SUPPORTED, s.name))
    .map((s) => s.name),
  miscased: scanned.filter((s) => !s.readable && isVariableName(s.name)).map((s) => s.name),
  notSupported: notSupportedSet
})

/** Names in `NOT_SUPPORTED` that are set (read one by one: most are outside our own prefix). */
const readNotSupported: Effect.Effect<ReadonlyArray<string>> = Effect.forEach(
  Object.keys(NOT_SUPPORTED),
  (name) =>
    Config.option(Config.string(name)).pipe(
      Effect.map((value) => (Option.isSome(value) && value.value.trim() !== "" ? [name] : [])),
      Effect.orElseSucceed(() => [])
    )
).pipe(Effect.map((found) => found.flat()))

const load = Effect.fn("ServerConfig.load")(function*(cli: CliOptions) {
  const raw = yield* readEnvironment.pipe(
    Effect.mapError((error) =>
      new ConfigurationError({
        problems: [problem("environment", `The environment could not be read (${String(error)}): check how the server is started.`)]
      })
    )
  )
  const presence = classify(yield* scanOwnVariables, yield* readNotSupported)
  return yield* parseEnvironment(raw, cli, presence)
})

const TEST_ENVIRONMENT: Readonly<Record<string, string>> = {
  INFRAHUB_ADDRESS: "http://127.0.0.1:8000",
  INFRAHUB_API_TOKEN: "test-token"
}

const TEST_CLI: CliOptions = { transport: "stdio", host: "127.0.0.1", port: 8001 }

/**
 * Reading the configuration: `load` once at start, then pass the validated {@link ServerConfigShape}
 * on as a value (`mcpCoreLayer(config)`, `authLayer(config)`, …). There is deliberately no service tag
 * for it: which layers exist depends on it (auth mode, transport, state store), so it is known
 * before any layer is built, and nothing reads it from the context.
 */
export const ServerConfig = {
  /** Reads and validates the configuration from the current ConfigProvider (the environment by default). */
  load,

  /**
   * A valid configuration for tests, parsed from `INFRAHUB_ADDRESS=http://127.0.0.1:8000`,
   * `INFRAHUB_API_TOKEN=test-token` plus `env`, on stdio unless `cli` says otherwise. Throws on an
   * invalid combination: a test's setup is wrong, not its subject.
   */
  make: (env: Readonly<Record<string, string>> = {}, cli: Partial<CliOptions> = {}): ServerConfigShape => {
    const merged = { ...TEST_ENVIRONMENT, ...env }
    const raw = Object.fromEntries(
      VARIABLE_NAMES.map((name) => {
        const value = merged[name]?.trim()
        const present = value === undefined || value === "" ? Option.none() : Option.some(value)
        return [name, isSecretVariable(name) ? Option.map(present, Redacted.make) : present]
      })
    ) as unknown as RawEnvironment
    return Either.getOrThrowWith(parseEnvironment(raw, { ...TEST_CLI, ...cli }), (error) => error)
  }
} as const
