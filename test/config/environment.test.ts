import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const script = fileURLToPath(new URL("./support/printConfig.ts", import.meta.url))

/** Loads the configuration in a child process whose real environment is exactly `env` (plus PATH). */
const loadInChild = (env: Readonly<Record<string, string>>): Promise<unknown> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 110_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout))
      }
    )
  })

describe("ServerConfig from the real process environment", () => {
  it("reads the variables, reports unknown names (in any case), and flags a known name written in lower case", async () => {
    const result = await loadInChild({
      INFRAHUB_ADDRESS: "http://localhost:8000",
      INFRAHUB_API_TOKEN: "token",
      INFRAHUB_MCP_CACHE_ENABLED: "true",
      INFRAHUB_MCP_RAET_LIMIT_RPS: "5",
      infrahub_mcp_read_only: "true",
      infrahub_mcp_bogus: "1"
    })
    expect(result).toEqual({
      ok: true,
      readOnly: false,
      cacheEnabled: true,
      unknownVariables: ["INFRAHUB_MCP_BOGUS", "INFRAHUB_MCP_RAET_LIMIT_RPS"],
      warnings: [
        {
          variable: "INFRAHUB_MCP_READ_ONLY",
          message:
            "INFRAHUB_MCP_READ_ONLY is set in another letter case and is not read: variable names are case-sensitive; write it as INFRAHUB_MCP_READ_ONLY."
        },
        {
          variable: "INFRAHUB_MCP_BOGUS",
          message:
            "INFRAHUB_MCP_BOGUS is not a setting of this server and is ignored: check its spelling against the configuration reference"
        },
        {
          variable: "INFRAHUB_MCP_RAET_LIMIT_RPS",
          message:
            "INFRAHUB_MCP_RAET_LIMIT_RPS is not a setting of this server and is ignored: did you mean INFRAHUB_MCP_RATE_LIMIT_RPS?"
        }
      ]
    })
  })

  it("fails closed on an empty environment, naming what is missing", async () => {
    const result = await loadInChild({})
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          variable: "INFRAHUB_ADDRESS",
          message: "INFRAHUB_ADDRESS is not set: set it to the URL of your Infrahub instance, e.g. http://localhost:8000."
        },
        {
          variable: "INFRAHUB_API_TOKEN",
          message:
            "INFRAHUB_API_TOKEN is not set, and auth mode 'none' uses it for every Infrahub call: create an API token in Infrahub and set INFRAHUB_API_TOKEN to it (or, over HTTP, set INFRAHUB_MCP_AUTH_MODE=token-passthrough so each client sends its own)."
        }
      ]
    })
  })
})
