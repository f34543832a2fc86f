// basic-passthrough across an Infrahub restart: Infrahub signs login tokens with a key that changes on
// restart, so the server's stored login is refused. The next call must log in again and succeed,
// not report a correct password as rejected.
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, startHttpServer, type HttpServerProcess, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

const USERS = [{ username: "alice", password: Redacted.make("alice-pw") }]
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

let sandbox: TestSandbox
let server: HttpServerProcess

beforeAll(async () => {
  sandbox = await startTestSandbox({ users: USERS })
  server = await startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough" })
})
afterAll(async () => {
  await server?.stop()
  await sandbox?.close()
})

describe("basic-passthrough after an Infrahub restart", () => {
  it("the first call logs in again once and succeeds", async () => {
    const client = await connectHttp(server.url, { authorization: basic("alice", "alice-pw") })
    const before = await client.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag" } })
    expect(before.isError, textOf(before)).not.toBe(true)

    // Same address, same accounts, new signing key.
    const port = Number(new URL(sandbox.url).port)
    await sandbox.close()
    sandbox = await startTestSandbox({ users: USERS, port })

    const after = await client.callTool({ name: "get_nodes", arguments: { kind: "BuiltinTag" } })
    expect(after.isError, textOf(after)).not.toBe(true)
    const served = sandbox.requests().map((r) => `${r.path} ${r.status}`)
    // The stored login is refused once, the password logs in once, and everything after succeeds.
    expect(served[0]).toMatch(/ 401$/)
    expect(served.filter((r) => r.startsWith("/api/auth/login"))).toEqual(["/api/auth/login 200"])
    const login = served.indexOf("/api/auth/login 200")
    expect(login).toBe(1)
    expect(served.slice(login + 1).every((r) => r.endsWith(" 200"))).toBe(true)
    await client.close()
  })
})
