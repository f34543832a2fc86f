import { setTimeout as sleep } from "node:timers/promises"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { PingRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHttpServer, type HttpServerProcess } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

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

  it("pings each session's client on its stream until the session ends", async () => {
    let pings = 0
    const client = new Client({ name: "ping-test", version: "1" })
    client.setRequestHandler(PingRequestSchema, () => {
      pings += 1
      return {}
    })
    const transport = new StreamableHTTPClientTransport(new URL(server.url))
    await client.connect(transport)
    await sleep(1_500)
    expect(pings).toBeGreaterThanOrEqual(3)
    await transport.terminateSession()
    await client.close()
    const afterClose = pings
    await sleep(600)
    expect(pings).toBe(afterClose)
    expect(server.stderr()).not.toMatch(/level=ERROR/)
  })
})
