// A busy HTTP session keeps its session branch past the idle timeout: every request counts as use,
// reads included. Time is TestClock's; Infrahub is a real sandbox over loopback HTTP.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { callTool, caller, open, sessionLayer } from "./support.js"

const IDLE_MS = 10_000

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})
afterAll(async () => {
  await sandbox?.close()
})

const structured = (answer: { readonly message: Record<string, unknown> }): Record<string, unknown> => {
  const result = answer.message["result"] as { isError?: boolean; structuredContent?: Record<string, unknown>; content?: ReadonlyArray<{ text: string }> }
  expect(result.isError ?? false, result.content?.[0]?.text).toBe(false)
  return result.structuredContent ?? {}
}

describe("a busy session keeps its branch", () => {
  // Mode none: the edge hands every request the shared token.
  const alice = () => caller("alice", sandbox.token)

  it.scoped("reads between writes count as use: the branch outlives the idle timeout while the session is active", () =>
    Effect.gen(function* () {
      const sessionId = yield* open(alice())
      const first = structured(yield* callTool(alice(), sessionId, "node_upsert", { kind: "BuiltinTag", data: { name: "before-reads" } }))["branch"]
      expect(first).toMatch(/^mcp\/session-/)
      // Four reads, each 3.5 s apart: 14 s in all, longer than the idle timeout, never 10 s without use.
      for (let i = 0; i < 4; i++) {
        yield* TestClock.adjust(3_500)
        structured(yield* callTool(alice(), sessionId, "get_nodes", { kind: "BuiltinTag", limit: 1 }))
      }
      expect(structured(yield* callTool(alice(), sessionId, "get_session_info"))["session_branch"]).toBe(first)
      const second = structured(yield* callTool(alice(), sessionId, "node_upsert", { kind: "BuiltinTag", data: { name: "after-reads" } }))["branch"]
      expect(second).toBe(first)
    }).pipe(Effect.provide(sessionLayer({ idleTimeoutMs: IDLE_MS }, { url: sandbox.url, token: sandbox.token })))
  )

  it.scoped("an idle session's branch is forgotten: after expiry a new session starts a new branch", () =>
    Effect.gen(function* () {
      const sessionId = yield* open(alice())
      const first = structured(yield* callTool(alice(), sessionId, "node_upsert", { kind: "BuiltinTag", data: { name: "idle-one" } }))["branch"]
      yield* TestClock.adjust(IDLE_MS + 1_000)
      expect((yield* callTool(alice(), sessionId, "get_session_info")).status).toBe(404)
      const next = yield* open(alice())
      expect(structured(yield* callTool(alice(), next, "get_session_info"))["session_branch"]).toBeNull()
      const second = structured(yield* callTool(alice(), next, "node_upsert", { kind: "BuiltinTag", data: { name: "idle-two" } }))["branch"]
      expect(second).not.toBe(first)
    }).pipe(Effect.provide(sessionLayer({ idleTimeoutMs: IDLE_MS }, { url: sandbox.url, token: sandbox.token })))
  )
})
