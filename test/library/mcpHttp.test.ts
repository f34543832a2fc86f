import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { mcpHttpOptions, ServerConfig } from "../../src/index.js"

describe("mcpHttpOptions", () => {
  it("gives a host's McpHttp the session settings the command's would have", () => {
    const config = ServerConfig.make(
      {
        INFRAHUB_MCP_AUTH_MODE: "token-passthrough",
        INFRAHUB_MCP_MAX_SESSIONS: "7",
        INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL: "3",
        INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: "60",
        INFRAHUB_MCP_STATELESS: "true",
        INFRAHUB_MCP_PING_INTERVAL_MS: "15000"
      },
      { transport: "streamable-http" }
    )
    expect(mcpHttpOptions(config)).toEqual({
      stateless: true,
      maxSessions: 7,
      maxSessionsPerPrincipal: Option.some(3),
      idleTimeoutMs: 60_000,
      pingIntervalMs: Option.some(15_000)
    })
  })

  it("keeps the defaults' meaning: no per-principal limit where every caller is one identity, no pings", () => {
    expect(mcpHttpOptions(ServerConfig.make({}, { transport: "streamable-http" }))).toEqual({
      stateless: false,
      maxSessions: 1000,
      maxSessionsPerPrincipal: Option.none(),
      idleTimeoutMs: 1_800_000,
      pingIntervalMs: Option.none()
    })
  })
})
