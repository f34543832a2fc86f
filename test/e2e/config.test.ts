// Start-up as a user meets it: the built CLI with a given environment and flags. A bad setting stops
// it before anything listens, with exit code 2 and one stderr line per problem that names the
// variable (or flag) and the fix; stdout stays empty, since over stdio it belongs to the protocol.
import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/mcp.js"

const ADDRESS = "http://127.0.0.1:8000"
const TOKEN = "e2e-secret-token-value"
const VALID = { INFRAHUB_ADDRESS: ADDRESS, INFRAHUB_API_TOKEN: TOKEN }

/** Runs the CLI, expects exit code 2 and nothing on stdout; returns the stderr lines. */
const refused = async (env: Record<string, string>, args: ReadonlyArray<string> = []): Promise<ReadonlyArray<string>> => {
  const { code, stdout, stderr } = await runCli(env, args)
  expect(code, stderr).toBe(2)
  expect(stdout).toBe("")
  expect(stderr.endsWith("\n")).toBe(true)
  // Secrets never reach a message.
  expect(stderr).not.toContain(TOKEN)
  return stderr.slice(0, -1).split("\n")
}

// Each case is its own process: run them side by side.
describe.concurrent("configuration errors stop the server with exit code 2", () => {
  it("names both required variables when the environment is empty", async () => {
    expect(await refused({})).toEqual([
      "INFRAHUB_ADDRESS is not set: set it to the URL of your Infrahub instance, e.g. http://localhost:8000.",
      "INFRAHUB_API_TOKEN is not set, and auth mode 'none' uses it for every Infrahub call: create an API token in Infrahub and set INFRAHUB_API_TOKEN to it (or, over HTTP, set INFRAHUB_MCP_AUTH_MODE=token-passthrough so each client sends its own)."
    ])
  })

  it("names a missing token alone when the address is set", async () => {
    const lines = await refused({ INFRAHUB_ADDRESS: ADDRESS })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^INFRAHUB_API_TOKEN is not set.*: create an API token in Infrahub and set INFRAHUB_API_TOKEN/)
  })

  it("refuses a malformed Infrahub address, showing the value and an example", async () => {
    expect(await refused({ ...VALID, INFRAHUB_ADDRESS: "localhost:8000" })).toEqual([
      "INFRAHUB_ADDRESS=localhost:8000 is not an http or https URL: set it to the URL of your Infrahub instance, e.g. http://localhost:8000."
    ])
    const [notUrl] = await refused({ ...VALID, INFRAHUB_ADDRESS: "not a url" })
    expect(notUrl).toMatch(/^INFRAHUB_ADDRESS="not a url" is not a valid URL: set it to .*http:\/\/localhost:8000\.$/)
  })

  it("refuses numbers out of range or not numbers, with the accepted range", async () => {
    expect(
      await refused({ ...VALID, INFRAHUB_TIMEOUT: "0", INFRAHUB_MCP_MAX_SESSIONS: "many", INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: "5" })
    ).toEqual([
      expect.stringMatching(/^INFRAHUB_TIMEOUT=0 is out of range: use a whole number from 1 to \d+ \(seconds\)\.$/),
      "INFRAHUB_MCP_MAX_SESSIONS=many is not a whole number: use a whole number from 1 to 100000.",
      expect.stringMatching(/^INFRAHUB_MCP_SESSION_IDLE_TIMEOUT=5 is out of range: use a whole number from 10 to \d+ \(seconds\)\.$/)
    ])
  })

  it("refuses an unknown auth mode, listing the modes", async () => {
    expect(await refused({ ...VALID, INFRAHUB_MCP_AUTH_MODE: "kerberos" })).toEqual([
      "INFRAHUB_MCP_AUTH_MODE=kerberos is not one of the accepted values: use none, oidc, token-passthrough or basic-passthrough."
    ])
  })

  it("refuses branch patterns with unknown or formatted placeholders", async () => {
    const [unknown] = await refused({ ...VALID, INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{name}-{hex}" })
    expect(unknown).toMatch(/^INFRAHUB_MCP_BRANCH_PATTERN: .*\{name\}.*\{date\}, \{hex\} and \{user\}/)
    const [formatted] = await refused({ ...VALID, INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{date}-{hex:4}" })
    expect(formatted).toMatch(/^INFRAHUB_MCP_BRANCH_PATTERN: .*\{hex:4\}/)
  })

  it("refuses a username and password without a token, without echoing the password", async () => {
    const lines = await refused({ INFRAHUB_ADDRESS: ADDRESS, INFRAHUB_USERNAME: "admin", INFRAHUB_PASSWORD: "pa55-w0rd-value" })
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^INFRAHUB_API_TOKEN is not set/)
    expect(lines[1]).toMatch(/^INFRAHUB_USERNAME is not supported: .*Set INFRAHUB_API_TOKEN.*basic-passthrough/)
    expect(lines[2]).toMatch(/^INFRAHUB_PASSWORD is not supported: /)
    expect(lines.join("\n")).not.toContain("pa55-w0rd-value")
  })

  it.each(["token-passthrough", "basic-passthrough"])("refuses auth mode %s on stdio, which has no HTTP headers", async (mode) => {
    expect(await refused({ INFRAHUB_ADDRESS: ADDRESS, INFRAHUB_MCP_AUTH_MODE: mode })).toEqual([
      `Auth mode '${mode}' requires --transport streamable-http: stdio has no HTTP headers.`
    ])
  })

  it("refuses auth mode oidc on stdio, even when its settings are complete", async () => {
    const oidc = await refused({
      ...VALID,
      INFRAHUB_MCP_AUTH_MODE: "oidc",
      INFRAHUB_MCP_OIDC_CONFIG_URL: "http://127.0.0.1:9/.well-known/openid-configuration",
      INFRAHUB_MCP_OIDC_CLIENT_ID: "infrahub-mcp",
      INFRAHUB_MCP_OIDC_BASE_URL: "http://127.0.0.1:8001"
    })
    expect(oidc).toEqual(["Auth mode 'oidc' requires --transport streamable-http: stdio has no HTTP headers."])
  })

  it("reports every problem at once, one line each", async () => {
    const lines = await refused({
      INFRAHUB_ADDRESS: "ftp://infrahub",
      INFRAHUB_MCP_READ_ONLY: "maybe",
      INFRAHUB_MCP_MAX_BRANCH_RETRIES: "50",
      INFRAHUB_MCP_LOG_LEVEL: "verbose"
    })
    expect(lines.map((line) => /^[A-Z_]+/.exec(line)?.[0])).toEqual([
      "INFRAHUB_ADDRESS",
      "INFRAHUB_API_TOKEN",
      "INFRAHUB_MCP_READ_ONLY",
      "INFRAHUB_MCP_MAX_BRANCH_RETRIES",
      "INFRAHUB_MCP_LOG_LEVEL"
    ])
    for (const line of lines) expect(line).toMatch(/: \S/)
  })
})

describe("command-line errors", () => {
  it("refuse a bad transport and port with exit code 2 and a usage hint", async () => {
    expect(await refused(VALID, ["--transport", "sse", "--port", "70000"])).toEqual([
      'Option --transport "sse" is not valid: use stdio or streamable-http.',
      expect.stringMatching(/^Option --port "70000" is not a valid port: use a whole number from [01] to 65535/),
      "Run 'infrahub-mcp serve --help' to see the commands and options."
    ])
  })

  it("--help and --version print to stdout and exit 0", async () => {
    const help = await runCli({}, ["--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--transport stdio|streamable-http")
    expect(help.stdout).toContain("--port PORT")
    const version = await runCli({}, ["--version"])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^infrahub-mcp \d+\.\d+\.\d+\n$/)
  })
})

describe("a valid configuration", () => {
  let blocker: Server
  let busyPort: number

  beforeAll(async () => {
    blocker = createServer()
    busyPort = await new Promise<number>((resolve) => {
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address()
        resolve(typeof address === "object" && address !== null ? address.port : 0)
      })
    })
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()))
  })

  it("serves stdio until stdin closes, then exits 0 without writing to stdout", async () => {
    const { code, stdout, stderr } = await runCli(VALID)
    expect(code).toBe(0)
    expect(stdout).toBe("")
    expect(stderr).toContain("mcp_server_ready transport=stdio")
    expect(stderr).toContain("mcp_server_stopping reason=stdin-closed")
  })

  it("starts despite a misspelt variable, warning on stderr with the likely name", async () => {
    const { code, stdout, stderr } = await runCli({ ...VALID, INFRAHUB_MCP_RAET_LIMIT_RPS: "5" })
    expect(code).toBe(0)
    expect(stdout).toBe("")
    expect(stderr).toContain("INFRAHUB_MCP_RAET_LIMIT_RPS is not a setting of this server and is ignored: did you mean INFRAHUB_MCP_RATE_LIMIT_RPS?")
    expect(stderr).toContain("mcp_server_ready transport=stdio")
  })

  it.each([
    ["serve", ["--transport", "streamable-http"]],
    ["demo", ["demo"]],
    ["sandbox", ["sandbox"]]
  ] as const)("%s stops with exit code 1 when its port is taken, saying what to do", async (_command, args) => {
    const { code, stdout, stderr } = await runCli(VALID, [...args, "--port", String(busyPort)])
    expect(code, stderr).toBe(1)
    expect(stdout).toBe("")
    expect(stderr).toBe(
      `Cannot listen on 127.0.0.1:${busyPort} (EADDRINUSE): port ${busyPort} is already in use. Choose another --port (0 picks a free one) or stop the process using it.\n`
    )
  })

  it("stops with exit code 1 when --host is not an address of this machine, saying so (not to change the port)", async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const { code, stderr } = await runCli(VALID, ["--transport", "streamable-http", "--host", "192.0.2.1", "--port", "0"])
    expect(code, stderr).toBe(1)
    expect(stderr).toBe(
      "Cannot listen on 192.0.2.1:0 (EADDRNOTAVAIL): 192.0.2.1 is not an address of this machine. Use --host with one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).\n"
    )
  })
})

describe("a state store that does not answer", () => {
  // Ours, on loopback: it accepts each connection and closes it at once, as a dead store's port would.
  let closer: Server
  let closerPort: number

  beforeAll(async () => {
    closer = createServer((socket) => socket.destroy())
    closerPort = await new Promise<number>((resolve) => {
      closer.listen(0, "127.0.0.1", () => {
        const address = closer.address()
        resolve(typeof address === "object" && address !== null ? address.port : 0)
      })
    })
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => closer.close(() => resolve()))
  })

  it("stops the server with exit code 2 before it listens, naming the variable and what to do", async () => {
    const store = `redis://127.0.0.1:${closerPort}/0`
    const lines = await refused({ ...VALID, INFRAHUB_MCP_STATE_STORE: store, INFRAHUB_MCP_STATE_KEY: "k".repeat(64) }, [
      "--transport",
      "streamable-http",
      "--port",
      "0"
    ])
    const reported = lines.find((line) => line.startsWith(`INFRAHUB_MCP_STATE_STORE=${store} could not be reached (`))
    expect(reported, lines.join("\n")).toMatch(/\)\. Start Valkey\/Redis there, fix the URL .*, or unset it to keep state in this process\.$/)
    expect(lines.join("\n")).not.toContain("mcp_server_ready")
  })
})

describe("an impossible --host", () => {
  it.each(["serve", "demo", "sandbox"])("%s refuses 999.1.1.1 as a usage error (exit 2) before trying to listen", async (command) => {
    expect(await refused(VALID, [command, "--host", "999.1.1.1"])).toEqual([
      'Option --host "999.1.1.1" is not a valid IPv4 address: each of the four numbers must be 0-255, e.g. 127.0.0.1 or 0.0.0.0.',
      `Run 'infrahub-mcp ${command} --help' to see the commands and options.`
    ])
  })
})
