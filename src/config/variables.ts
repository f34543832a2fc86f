/**
 * The one table of environment variables this server reads. Everything else derives from it: which
 * values are read (and read as secrets), which `INFRAHUB_MCP_*` names count as unknown, and which
 * settings are ignored in the chosen auth mode. Add a variable here first; reading a name that is not
 * in this table does not type-check.
 */

import { AUTH_MODES, type AuthModeName } from "../auth/Principal.js"

export interface VariableSpec {
  /** Read with `Config.redacted`; its value never appears in a message or a log. */
  readonly secret: boolean
  /** `python`: same name and meaning as the Python server; `sdk`: read by infrahub-sdk there; `ours`: an addition. */
  readonly origin: "python" | "sdk" | "ours"
  readonly default: string | undefined
  readonly description: string
  /** The auth modes that use it; absent means every mode. Set in another mode, it is ignored with a warning. */
  readonly modes?: ReadonlyArray<AuthModeName>
}

const oidcOnly: ReadonlyArray<AuthModeName> = ["oidc"]
const sharedIdentity: ReadonlyArray<AuthModeName> = ["none", "oidc"]
const passthrough: ReadonlyArray<AuthModeName> = ["token-passthrough", "basic-passthrough"]

export const VARIABLES = {
  INFRAHUB_ADDRESS: {
    secret: false, origin: "sdk", default: undefined,
    description: "URL of the Infrahub instance (http or https); required in every mode."
  },
  INFRAHUB_API_TOKEN: {
    secret: true, origin: "sdk", default: undefined, modes: sharedIdentity,
    description: "The shared Infrahub API token used in modes none and oidc; required there."
  },
  INFRAHUB_USERNAME: {
    secret: false, origin: "sdk", default: undefined,
    description: "Not supported: the shared identity is an API token. Refused when set."
  },
  INFRAHUB_PASSWORD: {
    secret: true, origin: "sdk", default: undefined,
    description: "Not supported: the shared identity is an API token. Refused when set."
  },
  INFRAHUB_TIMEOUT: {
    secret: false, origin: "sdk", default: "60",
    description: "Timeout of one Infrahub HTTP request, in whole seconds (> 0)."
  },
  INFRAHUB_MCP_READ_ONLY: {
    secret: false, origin: "python", default: "false",
    description: "Hide and refuse every write tool."
  },
  INFRAHUB_MCP_BRANCH_PATTERN: {
    secret: false, origin: "python", default: "mcp/session-{date}-{hex}",
    description: "Session branch name pattern; placeholders {date}, {hex}, {user}."
  },
  INFRAHUB_MCP_MAX_BRANCH_RETRIES: {
    secret: false, origin: "python", default: "5",
    description: "Attempts at a fresh name when a session branch name is taken (1-20)."
  },
  INFRAHUB_MCP_LOG_LEVEL: {
    secret: false, origin: "python", default: "info",
    description: "debug, info, warning or error."
  },
  INFRAHUB_MCP_RATE_LIMIT_RPS: {
    secret: false, origin: "python", default: "0",
    description: "Tool calls per second for each caller (token, user or OIDC subject; in auth mode none everybody is one caller) (0 disables, at most 10000); calls over the rate are refused with the wait time."
  },
  INFRAHUB_MCP_RATE_LIMIT_BURST: {
    secret: false, origin: "python", default: "0",
    description: "Token-bucket burst per caller (0 = twice the rate)."
  },
  INFRAHUB_MCP_RETRY_MAX_ATTEMPTS: {
    secret: false, origin: "python", default: "0",
    description: "Retries of read tools after a transient Infrahub failure (unreachable, timeout, 5xx); writes are never retried (0 disables)."
  },
  INFRAHUB_MCP_RETRY_BASE_DELAY: {
    secret: false, origin: "python", default: "1.0",
    description: "First retry delay in seconds (> 0), doubled per attempt."
  },
  INFRAHUB_MCP_CACHE_ENABLED: {
    secret: false, origin: "python", default: "false",
    description: "Trust the cached schema for CACHE_READ_TTL seconds, even in get_schema and the schema resources (which otherwise confirm Infrahub's schema hash on each read)."
  },
  INFRAHUB_MCP_CACHE_LIST_TTL: {
    secret: false, origin: "python", default: "300",
    description: "Accepted for compatibility (>= 1); this server caches no list results: tool and resource lists are static."
  },
  INFRAHUB_MCP_CACHE_READ_TTL: {
    secret: false, origin: "python", default: "3600",
    description: "How long the cached schema is trusted when CACHE_ENABLED, in seconds (>= 1)."
  },
  INFRAHUB_MCP_OTEL_ENABLED: {
    secret: false, origin: "python", default: "false",
    description: "Export traces (tool calls, MCP methods, Infrahub requests), metrics and logs over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT."
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    secret: false, origin: "ours", default: "http://localhost:4318",
    description: "OpenTelemetry's standard collector URL (OTLP over HTTP, JSON), used when INFRAHUB_MCP_OTEL_ENABLED."
  },
  OTEL_SERVICE_NAME: {
    secret: false, origin: "ours", default: "infrahub-mcp",
    description: "OpenTelemetry's standard service name, used when INFRAHUB_MCP_OTEL_ENABLED."
  },
  INFRAHUB_MCP_PROMETHEUS_ENABLED: {
    secret: false, origin: "python", default: "false",
    description: "Serve /metrics as Prometheus text instead of JSON."
  },
  INFRAHUB_MCP_DEREFERENCE_SCHEMAS: {
    secret: false, origin: "python", default: "false",
    description: "Accepted; tool JSON schemas never contain $ref here, so there is nothing to inline."
  },
  INFRAHUB_MCP_PING_INTERVAL_MS: {
    secret: false, origin: "python", default: "0",
    description: "Keep-alive ping interval for HTTP sessions in ms (0 disables, at most 300000)."
  },
  INFRAHUB_MCP_AUTH_MODE: {
    secret: false, origin: "python", default: "none",
    description: "none, oidc, token-passthrough or basic-passthrough."
  },
  INFRAHUB_MCP_TOKEN_PASSTHROUGH_HEADER: {
    secret: false, origin: "python", default: "Authorization", modes: passthrough,
    description: "HTTP header carrying each client's own Infrahub credential in the passthrough modes."
  },
  INFRAHUB_MCP_AUTH_SCOPES_WRITE: {
    secret: false, origin: "python", default: "write", modes: oidcOnly,
    description: "Comma-separated OAuth scopes a caller needs for write tools (oidc mode)."
  },
  INFRAHUB_MCP_OIDC_CONFIG_URL: {
    secret: false, origin: "python", default: undefined, modes: oidcOnly,
    description: "The identity provider's OpenID discovery URL; required in oidc mode."
  },
  INFRAHUB_MCP_OIDC_CLIENT_ID: {
    secret: false, origin: "python", default: undefined, modes: oidcOnly,
    description: "This server's client ID at the identity provider; required in oidc mode."
  },
  INFRAHUB_MCP_OIDC_CLIENT_SECRET: {
    secret: true, origin: "python", default: undefined, modes: oidcOnly,
    description: "Client secret at the identity provider; omit for a public client (PKCE)."
  },
  INFRAHUB_MCP_OIDC_BASE_URL: {
    secret: false, origin: "python", default: undefined, modes: oidcOnly,
    description: "Public URL of this server (https, or http on loopback); required in oidc mode."
  },
  INFRAHUB_MCP_OIDC_AUDIENCE: {
    secret: false, origin: "python", default: undefined, modes: oidcOnly,
    description: "Audience the identity provider's access tokens must carry."
  },
  INFRAHUB_MCP_OIDC_USER_CLAIM: {
    secret: false, origin: "python", default: "email", modes: oidcOnly,
    description: "Token claim naming the user (falls back to sub)."
  },
  INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY: {
    secret: true, origin: "ours", default: undefined, modes: oidcOnly,
    description: "Key (>= 32 characters) for the tokens this server issues; keeps them valid across restarts."
  },
  INFRAHUB_MCP_OIDC_REDIRECT_PATH: {
    secret: false, origin: "ours", default: "/oauth/callback", modes: oidcOnly,
    description: "Callback path registered at the identity provider: /oauth/callback, or /auth/callback for clients registered for the Python server."
  },
  INFRAHUB_MCP_OIDC_TRUSTED_PROXIES: {
    secret: false, origin: "ours", default: undefined, modes: oidcOnly,
    description: "Comma-separated reverse-proxy addresses or CIDR ranges whose X-Forwarded-For names the client for the sign-in flood bounds (default: none, the socket address counts)."
  },
  INFRAHUB_MCP_MAX_SESSIONS: {
    secret: false, origin: "ours", default: "1000",
    description: "Most concurrent MCP sessions over HTTP (1-100000)."
  },
  INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: {
    secret: false, origin: "ours", default: "1800",
    description: "Seconds after which an idle HTTP session is closed (>= 10)."
  },
  INFRAHUB_MCP_ALLOWED_ORIGINS: {
    secret: false, origin: "ours", default: undefined,
    description: "Comma-separated browser origins accepted in Origin besides loopback."
  },
  INFRAHUB_MCP_STATELESS: {
    secret: false, origin: "ours", default: "false",
    description: "Serve HTTP without MCP sessions (as --stateless)."
  },
  INFRAHUB_MCP_MAX_RESPONSE_BYTES: {
    secret: false, origin: "ours", default: "500000",
    description: "Largest tool result in bytes (>= 1024); larger results are refused with advice."
  },
  INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL: {
    secret: false, origin: "ours", default: "20",
    description: "Most concurrent MCP sessions one caller (token, user or OIDC subject) may hold over HTTP (1-100000); not applied in auth mode none, where every caller is the same identity."
  },
  INFRAHUB_MCP_MAX_BODY_BYTES: {
    secret: false, origin: "ours", default: "4194304",
    description: "Largest HTTP request body in bytes on every route (1024-67108864); reading stops at the limit and the request gets 413."
  },
  INFRAHUB_MCP_ALLOWED_HOSTS: {
    secret: false, origin: "ours", default: undefined,
    description: "Comma-separated host names accepted in the Host header besides IP addresses, localhost, the --host name and the OIDC base URL's host; * accepts any (DNS-rebinding protection off)."
  },
  INFRAHUB_MCP_METRICS_TOKEN: {
    secret: true, origin: "ours", default: undefined,
    description: "Bearer token /metrics requires when set. Unset, /metrics is open in auth mode none and off in the other modes."
  },
  INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT: {
    secret: false, origin: "ours", default: "10",
    description: "Seconds a client may take to send a request's headers (1-3600, at most HTTP_REQUEST_TIMEOUT); then the connection is closed."
  },
  INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT: {
    secret: false, origin: "ours", default: "30",
    description: "Seconds a client may take to send a whole request, headers and body (1-3600); does not limit responses or SSE streams."
  },
  INFRAHUB_MCP_HTTP_KEEPALIVE_TIMEOUT: {
    secret: false, origin: "ours", default: "5",
    description: "Seconds an idle keep-alive connection stays open between requests (1-3600)."
  },
  INFRAHUB_MCP_HTTP_MAX_CONNECTIONS: {
    secret: false, origin: "ours", default: "2048",
    description: "Most simultaneous HTTP connections (1-1000000); further connections are closed at once."
  },
  INFRAHUB_MCP_STATE_STORE: {
    secret: true, origin: "ours", default: "memory",
    description: "Where sessions, session branches, sign-ins and rate buckets live: memory (this process), or a redis:// / rediss:// URL of Valkey or Redis shared by replicas."
  },
  INFRAHUB_MCP_STATE_KEY: {
    secret: true, origin: "ours", default: undefined,
    description: "Secret (>= 32 characters) every replica shares with a Valkey/Redis store: encrypts what is stored and keys credential fingerprints."
  },
  INFRAHUB_MCP_STATE_PREFIX: {
    secret: false, origin: "ours", default: "infrahub-mcp:",
    description: "Prefix of every key in the Valkey/Redis store, so several deployments can share one server."
  }
} as const satisfies Record<string, VariableSpec>

export type VariableName = keyof typeof VARIABLES
export type SecretVariableName = {
  [K in VariableName]: (typeof VARIABLES)[K]["secret"] extends true ? K : never
}[VariableName]
export type PlainVariableName = Exclude<VariableName, SecretVariableName>

export const VARIABLE_NAMES = Object.keys(VARIABLES) as ReadonlyArray<VariableName>

export const isVariableName = (name: string): name is VariableName => Object.hasOwn(VARIABLES, name)

export const isSecretVariable = (name: VariableName): name is SecretVariableName => VARIABLES[name].secret

/** The auth modes in which a variable is used (every mode when the table does not restrict it). */
export const modesOf = (name: VariableName): ReadonlyArray<AuthModeName> => {
  const spec: VariableSpec = VARIABLES[name]
  return spec.modes ?? AUTH_MODES
}

/** Prefix of this server's own variables; a name with it that is not in the table is reported as unknown. */
export const OWN_PREFIX = "INFRAHUB_MCP_"

/**
 * Names another implementation reads and this one does not. Setting one is not an error (nothing
 * unsafe happens), but silently ignoring it would surprise someone moving from the Python server.
 */
export const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  INFRAHUB_MCP_ENV_FILE:
    "this server does not read .env files: export the variables into its environment instead (e.g. `set -a; . ./.env; set +a`).",
  INFRAHUB_MCP_MARKETPLACE_ENABLED: "marketplace tools are not part of this server: unset it.",
  INFRAHUB_MCP_MARKETPLACE_URL: "marketplace tools are not part of this server: unset it.",
  INFRAHUB_TLS_INSECURE:
    "certificate checks cannot be turned off here: trust your CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem instead.",
  INFRAHUB_TLS_CA_FILE: "this server does not read it: set NODE_EXTRA_CA_CERTS to the same file instead.",
  INFRAHUB_PROXY: "this server does not use an HTTP proxy for Infrahub: make Infrahub reachable directly, then unset it.",
  INFRAHUB_PROXY_MOUNTS_HTTP:
    "this server does not use an HTTP proxy for Infrahub: make Infrahub reachable directly, then unset it.",
  INFRAHUB_PROXY_MOUNTS_HTTPS:
    "this server does not use an HTTP proxy for Infrahub: make Infrahub reachable directly, then unset it."
}

/**
 * The variables as a Markdown table, for the README's configuration reference: generated from the
 * table above so the documentation cannot drift from what is read. Additions to the Python server are
 * marked.
 */
export const configurationReference = (): string => {
  const origin = { python: "", sdk: " (SDK)", ours: " **(addition)**" } as const
  const rows = VARIABLE_NAMES.map((name) => {
    const spec: VariableSpec = VARIABLES[name]
    const fallback = spec.default === undefined ? "—" : `\`${spec.default}\``
    const secret = spec.secret ? " Secret." : ""
    return `| \`${name}\`${origin[spec.origin]} | ${fallback} | ${spec.description.replaceAll("|", "\\|")}${secret} |`
  })
  return ["| Variable | Default | Meaning |", "| --- | --- | --- |", ...rows].join("\n")
}
