import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, Option, Ref, Schema, TestClock } from "effect"
import { apiToken, InfrahubCredentials } from "../../src/auth/InfrahubCredentials.js"
import { Principal, type PrincipalShape } from "../../src/auth/Principal.js"
import { InfrahubUnreachable } from "../../src/infrahub/errors.js"
import { AccessPolicy, type AccessPolicyOptions, scopeGranted } from "../../src/mcp/AccessPolicy.js"
import { recordWriteBranch } from "../../src/session/CallFacts.js"
import type { PipelineOptions } from "../../src/mcp/pipeline.js"
import { makeRateLimiter } from "../../src/mcp/RateLimiter.js"
import { RequestContext } from "../../src/session/RequestContext.js"
import { ToolError } from "../../src/mcp/ToolError.js"
import { ToolRegistry } from "../../src/mcp/ToolRegistry.js"
import { makeTool, READ_ANNOTATIONS, WithFacts } from "../../src/mcp/ToolSpec.js"
import { WriteOutcomeUnknown } from "../../src/session/errors.js"
import { makeMemoryStore } from "../../src/state/memoryStore.js"

const echo = makeTool({
  name: "echo",
  title: "Echo",
  description: "Echoes",
  parameters: Schema.Struct({
    text: Schema.String,
    times: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 3)), { default: () => 1 })
  }),
  result: Schema.Struct({ echoed: Schema.String }),
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) => `echo: ${result.echoed}`,
  handler: (args) => Effect.succeed({ echoed: args.text.repeat(args.times) })
})

const write = makeTool({
  name: "write_thing",
  title: "Write",
  description: "Writes",
  parameters: Schema.Struct({}),
  result: Schema.Struct({ ok: Schema.Boolean }),
  access: "write",
  annotations: { ...READ_ANNOTATIONS, readOnlyHint: false },
  render: () => "written",
  handler: () => Effect.succeed({ ok: true })
})

const failing = makeTool({
  name: "failing",
  title: "Failing",
  description: "Fails",
  parameters: Schema.Struct({ kind: Schema.Literal("typed", "defect", "large") }),
  result: Schema.Struct({ blob: Schema.String }),
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) => result.blob,
  handler: (args) =>
    args.kind === "typed"
      ? Effect.fail(new ToolError({ message: "It went wrong.", remediation: "Do the other thing." }))
      : args.kind === "defect"
        ? Effect.die(new Error("secret internal detail"))
        : Effect.succeed({ blob: "x".repeat(5_000) })
})

/** A write that records its branch, then succeeds with facts, fails, or never hears back. */
const landed = makeTool({
  name: "landed",
  title: "Landed",
  description: "Writes somewhere",
  parameters: Schema.Struct({ outcome: Schema.Literal("ok", "error", "unknown"), padding: Schema.optionalWith(Schema.Int, { default: () => 0 }) }),
  result: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  access: "write",
  annotations: { ...READ_ANNOTATIONS, readOnlyHint: false },
  render: (result) => JSON.stringify(result),
  handler: (args) =>
    Effect.gen(function* () {
      yield* recordWriteBranch("mcp/session-x")
      if (args.outcome === "error") return yield* new ToolError({ message: "Refused.", remediation: "Fix it." })
      if (args.outcome === "unknown") return yield* new WriteOutcomeUnknown({ branch: "mcp/session-x", detail: "Infrahub did not answer within 1 s" })
      const data: Record<string, unknown> = { Made: { ok: true } }
      return new WithFacts(data, { meta: { "infrahub-mcp/branch": "mcp/session-x" }, note: `Written to 'mcp/session-x'.${"!".repeat(args.padding)}` })
    })
})

const principal = (scopes: ReadonlyArray<string> = []): PrincipalShape => ({ id: "p", user: "alice", scopes, mode: "oidc" })

const registry = (policy: AccessPolicyOptions, extra: Partial<PipelineOptions> = {}) =>
  ToolRegistry.layer([echo, write, failing, landed], { maxResponseBytes: 4_096, ...extra }).pipe(Layer.provide(AccessPolicy.layer(policy)))

/** A tool that fails as unreachable `failures` times, then succeeds; counts its runs. */
const flaky = (access: "read" | "write", failures: number, runs: Ref.Ref<number>) =>
  makeTool({
    name: `flaky_${access}`,
    title: "Flaky",
    description: "Fails transiently",
    parameters: Schema.Struct({}),
    result: Schema.Struct({ runs: Schema.Number }),
    access,
    annotations: READ_ANNOTATIONS,
    render: (result) => String(result.runs),
    handler: () =>
      Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) =>
        n <= failures ? Effect.fail(new InfrahubUnreachable({ address: "http://infrahub", detail: "connection refused" })) : Effect.succeed({ runs: n })
      )
  })

const call = (name: string, args: unknown, who: PrincipalShape = principal()) =>
  Effect.flatMap(ToolRegistry, (tools) => tools.call(name, args)).pipe(
    Effect.provideService(Principal, who),
    Effect.provideService(InfrahubCredentials, apiToken("t")),
    Effect.provideService(RequestContext, RequestContext.detached("test"))
  )

const open = { readOnly: false, writeScopes: Option.none() }

describe("tool pipeline", () => {
  it.effect("decodes arguments with defaults, encodes structuredContent and renders text", () =>
    Effect.gen(function* () {
      const result = yield* call("echo", { text: "ab", times: 2 })
      expect(result).toEqual({ content: [{ type: "text", text: "echo: abab" }], structuredContent: { echoed: "abab" } })
      const defaulted = yield* call("echo", { text: "ab" })
      expect(defaulted.structuredContent).toEqual({ echoed: "ab" })
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("refuses bad arguments with the field, and unknown arguments instead of ignoring them", () =>
    Effect.gen(function* () {
      const wrongType = yield* call("echo", { text: 3 })
      expect(wrongType.isError).toBe(true)
      expect(wrongType.content[0]?.text).toMatch(/^Invalid arguments for echo: text: /)
      expect(wrongType.content[0]?.text).toContain("\n\nRemediation: ")
      const unknown = yield* call("echo", { text: "a", txet: "b" })
      expect(unknown.isError).toBe(true)
      expect(unknown.content[0]?.text).toContain("txet")
      const outOfRange = yield* call("echo", { text: "a", times: 9 })
      expect(outOfRange.content[0]?.text).toContain("times")
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("typed failures become isError results with a Remediation line", () =>
    Effect.gen(function* () {
      const result = yield* call("failing", { kind: "typed" })
      expect(result).toEqual({ content: [{ type: "text", text: "It went wrong.\n\nRemediation: Do the other thing." }], isError: true })
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("defects become an opaque internal error that leaks nothing", () =>
    Effect.gen(function* () {
      const result = yield* call("failing", { kind: "defect" })
      expect(result.isError).toBe(true)
      expect(result.content[0]?.text).toContain("Internal error in failing")
      expect(result.content[0]?.text).not.toContain("secret internal detail")
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("results over the size limit are refused with narrowing advice, not truncated", () =>
    Effect.gen(function* () {
      const result = yield* call("failing", { kind: "large" })
      expect(result.isError).toBe(true)
      expect(result.content[0]?.text).toMatch(/over the 4096-byte limit/)
      expect(result.content[0]?.text).toContain("Remediation: Narrow the request")
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("facts go beside the result: _meta, and a note as a second text block after the bare result", () =>
    Effect.gen(function* () {
      const result = yield* call("landed", { outcome: "ok" })
      expect(result).toEqual({
        content: [
          { type: "text", text: '{"Made":{"ok":true}}' },
          { type: "text", text: "Written to 'mcp/session-x'." }
        ],
        structuredContent: { Made: { ok: true } },
        _meta: { "infrahub-mcp/branch": "mcp/session-x" }
      })
      // The note counts towards the size limit like the rest of the answer.
      const large = yield* call("landed", { outcome: "ok", padding: 5_000 })
      expect(large.isError).toBe(true)
      expect(large.content[0]?.text).toMatch(/over the 4096-byte limit/)
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("the audit line names the branch a write was sent to, also when it failed; an unknown outcome is outcome=unknown", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => lines.push(String(message))))
      const audit = (outcome: string) =>
        call("landed", { outcome }).pipe(
          Effect.provide(capture),
          Effect.map((result) => ({ result, line: lines.find((line) => line.startsWith("tool_call tool=landed")) ?? "" })),
          Effect.tap(() => Effect.sync(() => lines.splice(0)))
        )
      expect((yield* audit("ok")).line).toMatch(/^tool_call tool=landed user=alice branch=mcp\/session-x outcome=ok duration_ms=\d+$/)
      expect((yield* audit("error")).line).toContain("branch=mcp/session-x outcome=error")
      const unknown = yield* audit("unknown")
      expect(unknown.line).toContain("branch=mcp/session-x outcome=unknown")
      expect(unknown.result.content[0]?.text).toBe(
        "The write to your session branch 'mcp/session-x' may or may not have been applied: Infrahub did not answer within 1 s after the request was sent, so its outcome is unknown.\n\nRemediation: Do not retry blindly. First check whether the change is there: get_nodes (or query_graphql) with branch=\"mcp/session-x\". Retry only what is missing; if Infrahub is slow, narrow the write (fewer objects per mutation)."
      )
      // A read names the branch it was asked for, or the default.
      yield* call("echo", { text: "a" }).pipe(Effect.provide(capture))
      expect(lines.find((line) => line.startsWith("tool_call tool=echo"))).toContain("branch=default outcome=ok")
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("read-only mode hides write tools from the list and refuses them by name", () =>
    Effect.gen(function* () {
      const tools = yield* ToolRegistry
      expect(tools.list(principal()).map((t) => t.name)).toEqual(["echo", "failing"])
      const refused = yield* call("write_thing", {})
      expect(refused.isError).toBe(true)
      expect(refused.content[0]?.text).toContain("read-only mode")
    }).pipe(Effect.provide(registry({ readOnly: true, writeScopes: Option.none() })))
  )

  it.effect("write scopes: hidden and refused without every scope, allowed with them", () =>
    Effect.gen(function* () {
      const tools = yield* ToolRegistry
      expect(tools.list(principal(["write"])).map((t) => t.name)).toEqual(["echo", "failing"])
      expect(tools.list(principal(["write", "admin"])).map((t) => t.name)).toContain("write_thing")
      const refused = yield* call("write_thing", {}, principal(["write"]))
      expect(refused.content[0]?.text).toContain("admin")
      const allowed = yield* call("write_thing", {}, principal(["admin", "write"]))
      expect(allowed.isError).toBeUndefined()
    }).pipe(Effect.provide(registry({ readOnly: false, writeScopes: Option.some(["write", "admin"]) })))
  )

  it.effect("unknown tools are an isError result naming the tools", () =>
    Effect.gen(function* () {
      const result = yield* call("nope", {})
      expect(result.isError).toBe(true)
      expect(result.content[0]?.text).toContain("Unknown tool 'nope'")
      expect(result.content[0]?.text).toContain("echo")
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("tools/list carries object input and output schemas derived from the Effect schemas", () =>
    Effect.gen(function* () {
      const [descriptor] = (yield* ToolRegistry).list(principal())
      expect(descriptor?.inputSchema).toMatchObject({ type: "object", required: ["text"], properties: { text: { type: "string" } } })
      expect(JSON.stringify(descriptor?.inputSchema)).not.toMatch(/\$ref|\$id/)
      expect(descriptor?.outputSchema).toMatchObject({ type: "object", properties: { echoed: { type: "string" } } })
      expect(descriptor?.annotations).toEqual({ title: "Echo", ...READ_ANNOTATIONS })
    }).pipe(Effect.provide(registry(open)))
  )

  it.effect("rate limit: calls over the bucket are refused with the wait, then allowed again", () =>
    Effect.gen(function* () {
      const first = yield* call("echo", { text: "a" })
      const second = yield* call("echo", { text: "a" })
      const third = yield* call("echo", { text: "a" })
      expect([first.isError, second.isError]).toEqual([undefined, undefined])
      expect(third.isError).toBe(true)
      expect(third.content[0]?.text).toContain("Too many tool calls")
      expect(third.content[0]?.text).toContain("Remediation: Wait 1 s")
      yield* TestClock.adjust("1 second")
      expect((yield* call("echo", { text: "a" })).isError).toBeUndefined()
    }).pipe(Effect.provide(Layer.unwrapScoped(Effect.map(makeMemoryStore({ maxEntries: 100 }), (store) =>
      registry(open, { rateLimiter: Option.some(makeRateLimiter(store, { requestsPerSecond: 1, burst: 2 })) })
    ))))
  )

  it.effect("retry: read tools are retried after transient failures with backoff; writes never", () =>
    Effect.gen(function* () {
      const readRuns = yield* Ref.make(0)
      const writeRuns = yield* Ref.make(0)
      const tools = [flaky("read", 2, readRuns), flaky("write", 2, writeRuns)]
      const layer = ToolRegistry.layer(tools, { maxResponseBytes: 4_096, retry: Option.some({ maxAttempts: 3, baseDelayMs: 100 }) }).pipe(
        Layer.provide(AccessPolicy.layer(open))
      )
      const read = yield* Effect.fork(call("flaky_read", {}).pipe(Effect.provide(layer)))
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(read)
      expect(result.structuredContent).toEqual({ runs: 3 })
      const written = yield* call("flaky_write", {}).pipe(Effect.provide(layer))
      expect(written.isError).toBe(true)
      expect(yield* Ref.get(writeRuns)).toBe(1)
    })
  )

  it("scopes: an Entra-style URI scope is satisfied by its short name, nothing looser", () => {
    expect(scopeGranted("write", ["openid", "write"])).toBe(true)
    expect(scopeGranted("api://1234-abcd/write", ["write"])).toBe(true)
    expect(scopeGranted("api://1234-abcd/write", ["api://1234-abcd/write"])).toBe(true)
    expect(scopeGranted("https://infra.example.com/mcp/write", ["write"])).toBe(true)
    expect(scopeGranted("api://1234-abcd/write", ["read", "writer"])).toBe(false)
    expect(scopeGranted("infrahub:write", ["write"])).toBe(false)
    expect(scopeGranted("write", ["api://1234-abcd/write"])).toBe(false)
  })
})
