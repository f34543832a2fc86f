import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option, TestClock, Tracer } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import type { PrincipalShape } from "../../src/auth/Principal.js"
import { Branches } from "../../src/infrahub/Branches.js"
import { InfrahubGraphQLError, InfrahubTimeout, InfrahubUnreachable } from "../../src/infrahub/errors.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { asRequest } from "../support/requestScope.js"
import { type BranchPattern, DEFAULT_BRANCH_PATTERN, parsePattern } from "../../src/session/branchPattern.js"
import { SessionBranches } from "../../src/session/SessionBranches.js"
import { makeMemoryStore } from "../../src/state/memoryStore.js"
import { StateStore, type StateStoreShape, StateStoreUnavailable } from "../../src/state/StateStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { createBranch, requestsRunning, tagNames } from "../e2e/write-support.js"

/**
 * SessionBranches over the StateStore, against a real sandbox over HTTP: what two replicas (or a
 * restart) sharing one store see, how long a workspace keeps its branch (TestClock), who may take a
 * branch, and how a write's failures are reported.
 */

const IDLE_MS = 60 * 60 * 1000
const KEY = new Uint8Array(32).fill(7)

const alice: PrincipalShape = { id: "oidc:alice", user: "alice", scopes: [], mode: "oidc" }
const bob: PrincipalShape = { id: "oidc:bob", user: "bob", scopes: [], mode: "oidc" }

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})

afterAll(async () => {
  await sandbox?.close()
})

beforeEach(() => {
  sandbox.clearRequests()
})

const pattern = (source: string): BranchPattern => Either.getOrThrowWith(parsePattern(source), (problem) => new Error(problem))

/** One SessionBranches instance (one replica) over `store`; fingerprints keyed like every replica. */
const replica = (store: StateStoreShape, source = DEFAULT_BRANCH_PATTERN) =>
  Layer.build(
    SessionBranches.layer({ pattern: pattern(source), maxRetries: 3, idleTimeoutMs: IDLE_MS }).pipe(
      Layer.provide(Branches.layer),
      Layer.provideMerge(InfrahubClient.layer({ address: sandbox.url, timeoutMs: 10_000 })),
      Layer.provide(Layer.merge(Fingerprints.fromKey(KEY), Layer.succeed(StateStore, store))),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(Effect.map((context) => Context.get(context, SessionBranches)))

/** Runs `self` as a request of `who` in `workspace`, with the sandbox admin's credential. */
const as = (who: PrincipalShape, workspace: string) => asRequest(sandbox.token, who, workspace)

const createTag = (name: string) => (branch: string) =>
  Effect.promise(() => sandbox.graphql(`mutation { BuiltinTagCreate(data: { name: { value: ${JSON.stringify(name)} } }) { ok } }`, branch))

const refusalOf = <A, E>(self: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(self), (error) => {
    const { _tag, message, remediation } = error as { _tag: string; message: string; remediation: string }
    return { _tag, message, remediation }
  })

const memoryStore = makeMemoryStore({ maxEntries: 10_000 })

describe("state in the StateStore", () => {
  it.scoped("two replicas sharing a store agree on a workspace's branch: the second reuses it, creating nothing", () =>
    Effect.gen(function* () {
      const store = yield* memoryStore
      const first = yield* replica(store)
      const second = yield* replica(store)
      const written = yield* as(alice, "session:one")(first.write(createTag("sb-replica-1")))
      expect(written.created).toBe(true)
      expect(yield* as(alice, "session:one")(second.current)).toEqual(Option.some(written.branch))
      sandbox.clearRequests()
      const again = yield* as(alice, "session:one")(second.write(createTag("sb-replica-2")))
      expect(again).toMatchObject({ branch: written.branch, created: false })
      expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
      // Another workspace has its own.
      expect(yield* as(alice, "session:two")(second.current)).toEqual(Option.none())
      // The store holds no raw workspace key (MCP session ids are credentials of sorts).
      const raw = yield* store.get("session-branch:session:one")
      expect(Option.isNone(raw)).toBe(true)
    })
  )

  it.scoped("a workspace keeps its branch while used, loses it after the idle lifetime, and on forget", () =>
    Effect.gen(function* () {
      const sessions = yield* replica(yield* memoryStore)
      const inWorkspace = as(alice, "session:idle")
      const { branch } = yield* inWorkspace(sessions.write(createTag("sb-idle")))
      yield* TestClock.adjust(IDLE_MS - 1_000)
      yield* inWorkspace(sessions.touch)
      yield* TestClock.adjust(IDLE_MS - 1_000)
      expect(yield* inWorkspace(sessions.current)).toEqual(Option.some(branch))
      yield* TestClock.adjust(IDLE_MS)
      expect(yield* inWorkspace(sessions.current)).toEqual(Option.none())

      const other = as(alice, "session:forget")
      yield* other(sessions.write(createTag("sb-forget")))
      yield* sessions.forget("session:forget")
      expect(yield* other(sessions.current)).toEqual(Option.none())
    })
  )

  it.scoped("a busy workspace renews its lifetime in the store at most once a minute, and keeps its branch an idle lifetime less that", () =>
    Effect.gen(function* () {
      const memory = yield* memoryStore
      let renewals = 0
      const counting: StateStoreShape = {
        ...memory,
        touch: (key, ttl) =>
          Effect.zipRight(
            Effect.sync(() => {
              if (key.startsWith("session-branch:")) renewals++
            }),
            memory.touch(key, ttl)
          )
      }
      const sessions = yield* replica(counting)
      const inWorkspace = as(alice, "session:busy")
      const { branch } = yield* inWorkspace(sessions.write(createTag("sb-busy")))
      // A request every second for 59 s: the first renews, the others leave the store alone.
      for (let second = 0; second < 60; second++) {
        yield* inWorkspace(sessions.touch)
        if (second < 59) yield* TestClock.adjust(1_000)
      }
      expect(renewals).toBe(1)
      yield* TestClock.adjust(1_000)
      yield* inWorkspace(sessions.touch)
      expect(renewals).toBe(2)
      // Another workspace is renewed on its own schedule.
      yield* as(alice, "session:busy-other")(sessions.touch)
      expect(renewals).toBe(3)
      // The last request (59 s after the renewal) is followed by an idle lifetime less the interval.
      yield* TestClock.adjust(59_000)
      yield* inWorkspace(sessions.touch)
      expect(renewals).toBe(3)
      yield* TestClock.adjust(IDLE_MS - 60_000 - 1_000)
      expect(yield* inWorkspace(sessions.current)).toEqual(Option.some(branch))
      yield* TestClock.adjust(2_000)
      expect(yield* inWorkspace(sessions.current)).toEqual(Option.none())
    })
  )

  it.scoped("a store that fails fails the write closed, before anything reaches Infrahub", () =>
    Effect.gen(function* () {
      const down = new StateStoreUnavailable({ operation: "get", detail: "connection refused" })
      const failing: StateStoreShape = {
        backend: "broken",
        get: () => Effect.fail(down),
        set: () => Effect.fail(down),
        setIfAbsent: () => Effect.fail(down),
        take: () => Effect.fail(down),
        delete: () => Effect.fail(down),
        touch: () => Effect.fail(down),
        compareAndSet: () => Effect.fail(down),
        admit: () => Effect.fail(down),
        leave: () => Effect.fail(down),
        count: () => Effect.fail(down),
        takeToken: () => Effect.fail(down),
        health: Effect.fail(down)
      }
      const sessions = yield* replica(failing)
      const refused = yield* refusalOf(as(alice, "session:down")(sessions.write(createTag("sb-never"))))
      expect(refused._tag).toBe("StateStoreUnavailable")
      expect(refused.remediation).toContain("Retry in a few seconds")
      expect(sandbox.requests()).toEqual([])
      // Renewing a workspace is best effort: a read must not fail because of it.
      yield* as(alice, "session:down")(sessions.touch)
    })
  )
})

describe("a store failing after Infrahub applied a write", () => {
  it.scoped("does not turn the applied write into an error (the model would repeat it)", () =>
    Effect.gen(function* () {
      const memory = yield* memoryStore
      const down = new StateStoreUnavailable({ operation: "compareAndSet", detail: "connection reset" })
      // Reads and the first set work; the bookkeeping after the write fails.
      const flaky: StateStoreShape = { ...memory, touch: () => Effect.fail(down), compareAndSet: () => Effect.fail(down) }
      const sessions = yield* replica(flaky)
      const written = yield* as(alice, "session:flaky")(sessions.write(createTag("sb-flaky")))
      expect(written.created).toBe(true)
      expect(yield* Effect.promise(() => tagNames(sandbox, written.branch))).toContain("sb-flaky")
    })
  )
})

describe("a failed first write", () => {
  it.scoped("leaves the branch for the session, and the next result still says it was created for it", () =>
    Effect.gen(function* () {
      const sessions = yield* replica(yield* memoryStore)
      const inWorkspace = as(alice, "session:first-fails")
      const failure = yield* Effect.flip(
        inWorkspace(sessions.write(() => Effect.fail(new InfrahubGraphQLError({ errors: [{ message: "A value is required for BuiltinTag.name" }] }))))
      )
      expect(failure._tag).toBe("InfrahubGraphQLError")
      const branch = Option.getOrThrow(yield* inWorkspace(sessions.current))
      const next = yield* inWorkspace(sessions.write(createTag("sb-after-failure")))
      expect(next).toMatchObject({ branch, created: true })
      expect(yield* inWorkspace(sessions.write(createTag("sb-after-failure-2")))).toMatchObject({ branch, created: false })
    })
  )
})

describe("a write whose answer never came", () => {
  it.scoped("is reported with an unknown outcome, naming the branch; a connection that never opened is not", () =>
    Effect.gen(function* () {
      const sessions = yield* replica(yield* memoryStore)
      const inWorkspace = as(alice, "session:unknown")
      const { branch } = yield* inWorkspace(sessions.write(createTag("sb-unknown-setup")))
      const timedOut = yield* refusalOf(
        inWorkspace(sessions.write(() => Effect.fail(new InfrahubTimeout({ address: sandbox.url, timeoutMs: 30_000 }))))
      )
      expect(timedOut).toEqual({
        _tag: "WriteOutcomeUnknown",
        message: `The write to your session branch '${branch}' may or may not have been applied: Infrahub did not answer within 30 s after the request was sent, so its outcome is unknown.`,
        remediation: `Do not retry blindly. First check whether the change is there: get_nodes (or query_graphql) with branch="${branch}". Retry only what is missing; if Infrahub is slow, narrow the write (fewer objects per mutation).`
      })
      const dropped = yield* refusalOf(
        inWorkspace(sessions.write(() => Effect.fail(new InfrahubUnreachable({ address: sandbox.url, detail: "SocketError: other side closed" }))))
      )
      expect(dropped._tag).toBe("WriteOutcomeUnknown")
      expect(dropped.message).toContain("the connection to Infrahub broke (SocketError: other side closed)")
      const refused = yield* refusalOf(
        inWorkspace(sessions.write(() => Effect.fail(new InfrahubUnreachable({ address: sandbox.url, detail: "Error: connect ECONNREFUSED 127.0.0.1:9" }))))
      )
      expect(refused._tag).toBe("InfrahubUnreachable")
    })
  )
})

describe("who may take a branch", () => {
  it.scoped("a branch another principal created is refused; its creator may take it from another session", () =>
    Effect.gen(function* () {
      const sessions = yield* replica(yield* memoryStore)
      const { branch } = yield* as(alice, "session:alice-1")(sessions.write(createTag("sb-claim-alice")))
      const refused = yield* refusalOf(as(bob, "session:bob-1")(sessions.switchTo(branch)))
      expect(refused).toEqual({
        _tag: "BranchSwitchRefused",
        message: `Cannot use '${branch}' as the session branch: another user created it as their session branch, and only they may write to it.`,
        remediation:
          "Omit `branch` to start a fresh session branch of your own; to build on their work, ask them to propose it (propose_changes) and review it in Infrahub."
      })
      expect(yield* as(bob, "session:bob-1")(sessions.current)).toEqual(Option.none())
      // Even once Alice's session is gone.
      yield* sessions.forget("session:alice-1")
      expect((yield* refusalOf(as(bob, "session:bob-1")(sessions.switchTo(branch))))._tag).toBe("BranchSwitchRefused")
      // Alice herself, from a new session, may.
      const back = yield* as(alice, "session:alice-2")(sessions.switchTo(branch))
      expect(back).toMatchObject({ branch, created: false })
      expect(yield* as(alice, "session:alice-2")(sessions.write(createTag("sb-claim-alice-2")))).toMatchObject({ branch, created: false })
    })
  )

  it.scoped("a branch made outside the server is anyone's, but not while another principal's live session holds it", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => createBranch(sandbox, "team-shared"))
      const sessions = yield* replica(yield* memoryStore)
      expect(yield* as(alice, "session:alice-3")(sessions.switchTo("team-shared"))).toMatchObject({ branch: "team-shared", created: false })
      const refused = yield* refusalOf(as(bob, "session:bob-3")(sessions.switchTo("team-shared")))
      expect(refused.message).toBe("Cannot use 'team-shared' as the session branch: it is another user's session branch right now.")
      expect(refused.remediation).toContain("try again once their session has ended")
      // Alice moves on (reset): Bob may take it now.
      yield* as(alice, "session:alice-3")(sessions.reset)
      expect(yield* as(bob, "session:bob-3")(sessions.switchTo("team-shared"))).toMatchObject({ branch: "team-shared" })
      yield* as(bob, "session:bob-3")(sessions.write(createTag("sb-shared-bob")))
      expect(yield* Effect.promise(() => tagNames(sandbox, "team-shared"))).toContain("sb-shared-bob")
    })
  )

  it.scoped("{user} in a requested name must be the caller's own", () =>
    Effect.gen(function* () {
      const sessions = yield* replica(yield* memoryStore, "mcp/{user}-{hex}")
      sandbox.clearRequests()
      const forged = yield* refusalOf(as(bob, "session:bob-4")(sessions.switchTo("mcp/alice-0a1b2c3d")))
      expect(forged.message).toBe(
        "Cannot use 'mcp/alice-0a1b2c3d' as the session branch: it is named for another user: INFRAHUB_MCP_BRANCH_PATTERN ('mcp/{user}-{hex}') puts the user in the name, and yours is 'bob'."
      )
      expect(requestsRunning(sandbox.requests(), "BranchCreate")).toEqual([])
      const own = yield* as(bob, "session:bob-4")(sessions.switchTo("mcp/bob-0a1b2c3d"))
      expect(own).toMatchObject({ branch: "mcp/bob-0a1b2c3d", created: true })
      // Created by Bob, so it is Bob's: Alice cannot take it either.
      expect((yield* refusalOf(as(alice, "session:alice-4")(sessions.switchTo("mcp/bob-0a1b2c3d"))))._tag).toBe("BranchSwitchRefused")
    })
  )
})

describe("tracing", () => {
  it.scoped("a write's spans nest tool → session branch → Infrahub request", () =>
    Effect.gen(function* () {
      const parents = new Map<string, string | undefined>()
      const names = new Map<string, string>()
      let next = 0
      const tracer = Tracer.make({
        span: (name, parent, context, links, startTime, kind) => {
          const spanId = String(next++)
          names.set(spanId, name)
          parents.set(spanId, Option.match(parent, { onNone: () => undefined, onSome: (p) => p.spanId }))
          return {
            _tag: "Span", name, spanId, traceId: "trace", parent, context, links, kind, sampled: true,
            status: { _tag: "Started", startTime }, attributes: new Map(),
            end: () => undefined, attribute: () => undefined, event: () => undefined, addLinks: () => undefined
          }
        },
        context: (f) => f()
      })
      const sessions = yield* replica(yield* memoryStore)
      yield* as(alice, "session:traced")(sessions.write(createTag("sb-traced"))).pipe(Effect.withSpan("tool.test"), Effect.withTracer(tracer))
      const chainOf = (spanId: string): Array<string> => {
        const chain: Array<string> = []
        for (let id: string | undefined = spanId; id !== undefined; id = parents.get(id)) chain.push(names.get(id) ?? "?")
        return chain
      }
      const branchCreate = [...names].find(([, name]) => name === "InfrahubClient.graphql")
      expect(chainOf(branchCreate?.[0] ?? "")).toEqual([
        "InfrahubClient.graphql",
        "SessionBranches.provision",
        "SessionBranches.ensure",
        "SessionBranches.write",
        "tool.test"
      ])
    })
  )
})
