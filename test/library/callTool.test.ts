// callTool as a host uses it: the library's own layers (from its public entry) against a real
// sandbox over HTTP, with the caller the host names — no MCP client, no hand-made request services.
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  apiToken,
  callTool,
  mcpCoreLayer,
  type RequestAuth,
  ServerConfig,
  stateLayer,
  type ToolCallRequest
} from "../../src/index.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

const runtimeFor = (sandbox: TestSandbox, env: Record<string, string> = {}) => {
  const config = ServerConfig.make({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token, ...env }, { transport: "streamable-http" })
  return ManagedRuntime.make(mcpCoreLayer(config).pipe(Layer.provideMerge(stateLayer(config))))
}

let sandbox: TestSandbox
let runtime: ReturnType<typeof runtimeFor>
let readOnly: ReturnType<typeof runtimeFor>
let alice: RequestAuth

beforeAll(async () => {
  sandbox = await startTestSandbox()
  runtime = runtimeFor(sandbox)
  readOnly = runtimeFor(sandbox, { INFRAHUB_MCP_READ_ONLY: "true" })
  alice = { credential: apiToken(sandbox.token), principal: { id: "acme:alice", user: "alice", scopes: [], mode: "acme-sso" } }
})

afterAll(async () => {
  await runtime?.dispose()
  await readOnly?.dispose()
  await sandbox?.close()
})

const call = (request: ToolCallRequest, on = runtime) => on.runPromise(Effect.either(callTool(request)))

describe("callTool", () => {
  it("returns what a client would receive, structured content included", async () => {
    const answer = await sandbox.graphql("{ DcimDevice { count } }")
    const result = await call({ tool: "get_nodes", arguments: { kind: "DcimDevice", limit: 2 }, auth: alice })
    expect(Either.isRight(result)).toBe(true)
    const value = Either.getOrThrow(result)
    expect(value.isError).toBeUndefined()
    expect(value.structuredContent).toMatchObject({ kind: "DcimDevice", total_count: (answer.data?.["DcimDevice"] as { count: number }).count })
    expect(value.content[0]?.text).toContain("DcimDevice")
  })

  it("runs as the principal it is given: its user and its mode", async () => {
    const result = Either.getOrThrow(await call({ tool: "get_session_info", auth: alice }))
    expect(result.structuredContent).toMatchObject({ user: "alice", auth_mode: "acme-sso", infrahub_address: sandbox.url })
  })

  it("uses the credential it is given: one Infrahub refuses fails with Infrahub's reason and what to do", async () => {
    const mallory: RequestAuth = { ...alice, credential: apiToken("not-a-token-infrahub-knows") }
    const result = await call({ tool: "get_nodes", arguments: { kind: "DcimDevice" }, auth: mallory })
    const error = Either.getLeft(result)
    expect(error).toMatchObject({ _tag: "Some", value: { _tag: "ToolCallFailed", tool: "get_nodes" } })
    if (error._tag !== "Some" || error.value._tag !== "ToolCallFailed") return
    expect(error.value.message).toMatch(/token|credential|authenticat/i)
    expect(error.value.message).not.toContain("Remediation:")
    expect(error.value.remediation).not.toBe("")
  })

  it("fails with ToolCallFailed, message and remediation apart, for arguments the tool refuses", async () => {
    const result = await call({ tool: "get_nodes", arguments: { limit: 2 }, auth: alice })
    expect(Either.getLeft(result)).toMatchObject({
      _tag: "Some",
      value: {
        _tag: "ToolCallFailed",
        tool: "get_nodes",
        message: expect.stringMatching(/^Invalid arguments for get_nodes: .*kind/s),
        remediation: "Fix the arguments to match the input schema of get_nodes (see tools/list) and call it again."
      }
    })
  })

  it("fails with ToolNotAvailable, naming the tools there are, for a tool that does not exist", async () => {
    const result = await call({ tool: "get_node", arguments: {}, auth: alice })
    const error = Either.getLeft(result)
    expect(error).toMatchObject({ _tag: "Some", value: { _tag: "ToolNotAvailable", tool: "get_node" } })
    if (error._tag !== "Some" || error.value._tag !== "ToolNotAvailable") return
    expect(error.value.available).toContain("get_nodes")
    expect(error.value.remediation).toContain("get_nodes")
  })

  it("fails with ToolNotAvailable for a write tool on a read-only server, and writes nothing", async () => {
    sandbox.clearRequests()
    const result = await call({ tool: "node_upsert", arguments: { kind: "BuiltinTag", data: { name: "library-read-only" } }, auth: alice }, readOnly)
    const error = Either.getLeft(result)
    expect(error).toMatchObject({ _tag: "Some", value: { _tag: "ToolNotAvailable", tool: "node_upsert" } })
    if (error._tag !== "Some" || error.value._tag !== "ToolNotAvailable") return
    expect(error.value.available).not.toContain("node_upsert")
    expect(sandbox.requests().flatMap((request) => request.operations).filter((operation) => /Create|Upsert|Update|Delete/.test(operation))).toEqual([])
  })

  it("lands writes of one workspace on one session branch, and another workspace's elsewhere", async () => {
    const write = (workspace: string, name: string) =>
      call({ tool: "node_upsert", arguments: { kind: "BuiltinTag", data: { name } }, auth: alice, workspace }).then(Either.getOrThrow)
    const first = await write("report-job", "library-one")
    const second = await write("report-job", "library-two")
    const other = await write("another-job", "library-three")
    const branchOf = (result: { readonly structuredContent?: Readonly<Record<string, unknown>> }) => result.structuredContent?.["branch"]
    expect(branchOf(first)).toMatch(/^mcp\/session-/)
    expect(branchOf(second)).toBe(branchOf(first))
    expect(branchOf(other)).not.toBe(branchOf(first))
  })
})
