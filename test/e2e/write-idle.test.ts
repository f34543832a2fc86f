import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, startHttpServer, type HttpServerProcess } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { branchOf, callOk, serverEnv, sessionBranch } from "./write-support.js"

describe("a busy session keeps its branch", () => {
  let sandbox: TestSandbox
  let server: HttpServerProcess

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    // The shortest idle timeout the configuration allows.
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_SESSION_IDLE_TIMEOUT: "10" }))
  })
  afterAll(async () => {
    await server?.stop()
    await sandbox?.close()
  })

  it("reads between writes count as use: the branch outlives the idle timeout while the session is active", async () => {
    const client = await connectHttp(server.url)
    const first = branchOf(await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name: "before-reads" } }))
    for (let i = 0; i < 4; i++) {
      await sleep(3_500)
      await callOk(client, "get_nodes", { kind: "BuiltinTag", limit: 1 })
    }
    expect(await sessionBranch(client)).toBe(first)
    const second = branchOf(await callOk(client, "node_upsert", { kind: "BuiltinTag", data: { name: "after-reads" } }))
    expect(second).toBe(first)
    await client.close()
  }, 40_000)
})
