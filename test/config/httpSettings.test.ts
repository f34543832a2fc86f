// The HTTP edge's settings: parsed, cross-checked and refused with a fix, like every other variable.
import { describe, expect, it } from "@effect/vitest"
import { Either, Option, Redacted } from "effect"
import { ConfigurationError, ServerConfig, type ServerConfigShape } from "../../src/config/ServerConfig.js"

const HTTP = { transport: "streamable-http" as const }

const configWith = (env: Record<string, string>, cli: Partial<Parameters<typeof ServerConfig.make>[1]> = {}): ServerConfigShape =>
  ServerConfig.make(env, { ...HTTP, ...cli })

const problemsWith = (env: Record<string, string>): ReadonlyArray<string> => {
  const result = Either.try({ try: () => configWith(env), catch: (error) => error })
  if (Either.isRight(result)) throw new Error("expected a ConfigurationError")
  expect(result.left).toBeInstanceOf(ConfigurationError)
  return (result.left as ConfigurationError).problems.map((p) => p.message)
}

describe("HTTP edge settings", () => {
  it("caps sessions per principal where callers differ, not in auth mode none", () => {
    expect(configWith({}).http.maxSessionsPerPrincipal).toEqual(Option.none())
    expect(configWith({ INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }).http.maxSessionsPerPrincipal).toEqual(Option.some(20))
    expect(configWith({ INFRAHUB_MCP_AUTH_MODE: "basic-passthrough", INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL: "3" }).http.maxSessionsPerPrincipal).toEqual(Option.some(3))
  })

  it("reads the body limit, timeouts and connection cap", () => {
    const config = configWith({
      INFRAHUB_MCP_MAX_BODY_BYTES: "1024",
      INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT: "5",
      INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT: "60",
      INFRAHUB_MCP_HTTP_KEEPALIVE_TIMEOUT: "65",
      INFRAHUB_MCP_HTTP_MAX_CONNECTIONS: "10"
    })
    expect(config.http.maxBodyBytes).toBe(1024)
    expect(config.http.server).toEqual({ headersTimeoutMs: 5_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, maxConnections: 10 })
  })

  it("refuses a header timeout longer than the request timeout, and values out of range", () => {
    expect(problemsWith({ INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT: "40" })).toEqual([
      "INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT (40 s) is longer than INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT (30 s), which covers the headers too: lower the first or raise the second."
    ])
    expect(problemsWith({ INFRAHUB_MCP_MAX_BODY_BYTES: "100", INFRAHUB_MCP_HTTP_MAX_CONNECTIONS: "0" })).toEqual([
      "INFRAHUB_MCP_MAX_BODY_BYTES=100 is out of range: use a whole number from 1024 to 67108864 (bytes).",
      "INFRAHUB_MCP_HTTP_MAX_CONNECTIONS=0 is out of range: use a whole number from 1 to 1000000."
    ])
  })

  it("accepts the --host name, the OIDC base URL's host and INFRAHUB_MCP_ALLOWED_HOSTS in Host", () => {
    expect(configWith({ INFRAHUB_MCP_ALLOWED_HOSTS: "MCP.example.com:443, mcp.internal" }, { host: "mcp-box" }).http.allowedHosts).toEqual([
      "mcp-box",
      "mcp.example.com",
      "mcp.internal"
    ])
    // A wildcard listen address is not a name anybody sends.
    expect(configWith({}, { host: "0.0.0.0" }).http.allowedHosts).toEqual([])
    const oidc = configWith({
      INFRAHUB_MCP_AUTH_MODE: "oidc",
      INFRAHUB_MCP_OIDC_CONFIG_URL: "https://idp.example.com/.well-known/openid-configuration",
      INFRAHUB_MCP_OIDC_CLIENT_ID: "infrahub-mcp",
      INFRAHUB_MCP_OIDC_BASE_URL: "https://mcp.example.com/prefix"
    }, { host: "0.0.0.0" })
    expect(oidc.http.allowedHosts).toEqual(["mcp.example.com"])
    expect(configWith({ INFRAHUB_MCP_ALLOWED_HOSTS: "*" }).http.allowedHosts).toBe("any")
  })

  it("refuses host lists that are not host names, and * mixed with names", () => {
    expect(problemsWith({ INFRAHUB_MCP_ALLOWED_HOSTS: "https://mcp.example.com" })).toEqual([
      `INFRAHUB_MCP_ALLOWED_HOSTS contains "https://mcp.example.com", which is not a host name: list the names clients use to reach this server, separated by commas, e.g. mcp.example.com,mcp.internal (no scheme, no path).`
    ])
    expect(problemsWith({ INFRAHUB_MCP_ALLOWED_HOSTS: "*,mcp.example.com" })).toEqual([
      "INFRAHUB_MCP_ALLOWED_HOSTS mixes * with host names: use * alone (accept any Host) or list the names."
    ])
  })

  it("keeps the /metrics token secret", () => {
    const config = configWith({ INFRAHUB_MCP_METRICS_TOKEN: " s3cret-metrics " })
    expect(Option.map(config.http.metricsToken, Redacted.value)).toEqual(Option.some("s3cret-metrics"))
    expect(JSON.stringify(config.http)).not.toContain("s3cret-metrics")
  })
})
