// examples/effect-host run as a host runs it — its own router, its own auth mode, the MCP app under
// /infra, a tool call of its own at start — against a real sandbox, and driven by the MCP SDK client.
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

const ROOT = join(import.meta.dirname, "..", "..")
const EXAMPLE = join(ROOT, "examples", "effect-host", "main.ts")

interface Host {
  readonly url: string
  readonly stdout: () => string
  readonly stop: () => Promise<number | null>
}

/** Starts the example (through tsx, resolving `infrahub-mcp` to the built package) on a free loopback port. */
const startHost = (sandbox: TestSandbox): Promise<Host> => {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", EXAMPLE], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    return exited
  }
  return new Promise<Host>((resolve, reject) => {
    // Generous (a loaded machine starts node and tsx slowly), below the hook timeout; a host that did not start is killed.
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the example did not start:\n${stdout}\n${stderr}`))
    }, 50_000)
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      const url = /acme_host_listening url=(\S+)/.exec(stdout)?.[1]
      if (url !== undefined) {
        clearTimeout(timer)
        resolve({ url, stdout: () => stdout, stop })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the example exited with ${code}:\n${stdout}\n${stderr}`))
    })
  })
}

const connect = async (url: string, headers: Record<string, string>) => {
  const client = new Client({ name: "effect-host-test", version: "1.0.0" }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

let sandbox: TestSandbox
let host: Host
let devices: number

beforeAll(async () => {
  sandbox = await startTestSandbox()
  const answer = await sandbox.graphql("{ DcimDevice { count } }")
  devices = (answer.data?.["DcimDevice"] as { count: number }).count
  host = await startHost(sandbox)
})

afterAll(async () => {
  await host?.stop()
  await sandbox?.close()
})

describe("examples/effect-host", () => {
  it("made its own tool call at start, and serves the answer on its own route", async () => {
    expect(devices).toBeGreaterThan(0)
    expect(host.stdout()).toContain(`acme_startup_check devices=${devices}`)
    const response = await fetch(`${host.url}/`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ service: "acme-infra-portal", devices, mcp: "/infra/mcp" })
    expect(await (await fetch(`${host.url}/ping`)).text()).toBe("pong")
  })

  it("reports its own auth mode on the mounted /health", async () => {
    const response = await fetch(`${host.url}/infra/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: "healthy", auth_mode: "acme-sso" })
  })

  it("serves MCP under the prefix to a signed-in user, who sees the host's mode and their own name", async () => {
    const client = await connect(`${host.url}/infra/mcp`, { "x-acme-user": "alice" })
    try {
      const info = await client.callTool({ name: "get_session_info", arguments: {} })
      expect(info.isError).not.toBe(true)
      expect(info.structuredContent).toMatchObject({ auth_mode: "acme-sso", user: "alice", infrahub_address: sandbox.url })
      const nodes = await client.callTool({ name: "get_nodes", arguments: { kind: "DcimDevice", limit: 1 } })
      expect(nodes.structuredContent).toMatchObject({ total_count: devices })
    } finally {
      await client.close()
    }
  })

  it("refuses a request without the SSO header with the host's own refusal, before any Infrahub request", async () => {
    sandbox.clearRequests()
    const response = await fetch(`${host.url}/infra/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })
    })
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe(`Bearer realm="acme"`)
    expect(await response.json()).toEqual({
      error: "invalid_request",
      error_description: "This endpoint is behind ACME SSO: sign in through the gateway, which sends X-Acme-User."
    })
    expect(sandbox.requests()).toEqual([])
  })

  it("keeps its own 404s outside the prefix, and the MCP app's inside it", async () => {
    expect((await fetch(`${host.url}/mcp`)).status).toBe(404)
    const inside = await fetch(`${host.url}/infra/nothing-here`)
    expect(inside.status).toBe(404)
    expect(await inside.json()).toMatchObject({ error: "not_found" })
  })

  it("stops cleanly on SIGTERM", async () => {
    expect(await host.stop()).toBe(0)
  })
})
