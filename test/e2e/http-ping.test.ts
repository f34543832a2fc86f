import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { PingRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHttpServer, type HttpServerProcess } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

// The schedule itself (one ping per interval, none after the session ends) is driven with TestClock
// in test/http/McpHttp.test.ts; here the real SDK client must receive and answer real pings.
describe("INFRAHUB_MCP_PING_INTERVAL_MS", () => {
  let sandbox: TestSandbox
  let server: HttpServerProcess

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    server = await startHttpServer({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_API_TOKEN: sandbox.token,
      INFRAHUB_MCP_PING_INTERVAL_MS: "200"
    })
  })
  afterAll(async () => {
    await server?.stop()
    await sandbox?.close()
  })

  it("pings each session's client on its stream, and the client's answers are accepted", async () => {
    const PINGS = 3
    let pings = 0
    let enough: () => void = () => undefined
    const received = new Promise<void>((resolve) => (enough = resolve))
    const client = new Client({ name: "ping-test", version: "1" })
    client.setRequestHandler(PingRequestSchema, () => {
      pings += 1
      if (pings === PINGS) enough()
      return {}
    })
    const transport = new StreamableHTTPClientTransport(new URL(server.url))
    await client.connect(transport)
    // Waits for the pings themselves, however long the machine takes (bounded by the test timeout).
    await received
    expect(pings).toBeGreaterThanOrEqual(PINGS)
    await transport.terminateSession()
    await client.close()
    expect(server.stderr()).not.toMatch(/level=ERROR/)
  })
})
