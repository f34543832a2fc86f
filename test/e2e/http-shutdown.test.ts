// SIGTERM (what systemd, Kubernetes and the test support send) while a real SDK client is still
// connected, its standalone SSE stream open: the server closes the session and exits, instead of
// waiting minutes on connections nobody answers any more.
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHttpServer } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { serverEnv } from "./read-support.js"

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})
afterAll(async () => {
  await sandbox?.close()
})

describe("SIGTERM", () => {
  // The only time bound is this test's own timeout, far above a clean exit on a loaded machine and
  // far below the minutes a server waiting on its open connections used to take.
  it("closes the open sessions and exits 0 while a client is still connected", { timeout: 90_000 }, async () => {
    const server = await startHttpServer(serverEnv(sandbox))
    // "close", not "exit": the last log lines may still be in the pipe when the process exits.
    const exited = new Promise<number | null>((resolve) => server.child.once("close", (code) => resolve(code)))
    const transport = new StreamableHTTPClientTransport(new URL(server.url))
    const client = new Client({ name: "shutdown-test", version: "1" })
    // The client keeps reconnecting its stream while the server goes away: not the test's subject.
    client.onerror = () => undefined
    try {
      await client.connect(transport)
      expect((await client.listTools()).tools.length).toBeGreaterThan(0)
      const sessionId = transport.sessionId
      expect(sessionId).toBeDefined()

      server.child.kill("SIGTERM")

      expect(await exited).toBe(0)
      expect(server.stderr()).toContain(`mcp_session_closed session=${sessionId} reason=shutdown`)
    } finally {
      await client.close()
      if (server.child.exitCode === null) server.child.kill("SIGKILL")
    }
  })
})
