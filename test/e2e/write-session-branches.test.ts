import { NodeHttpClient } from "@effect/platform-node"
import { Clock, Effect, Either, Layer, Logger, LogLevel, Option } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken, InfrahubCredentials } from "../../src/auth/InfrahubCredentials.js"
import { Principal } from "../../src/auth/Principal.js"
import { Branches } from "../../src/infrahub/Branches.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { RequestContext } from "../../src/session/RequestContext.js"
import { type BranchPattern, parsePattern } from "../../src/session/branchPattern.js"
import { SessionBranches } from "../../src/session/SessionBranches.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { createBranch, listBranches, requestsRunning, tagNames } from "./write-support.js"

/**
 * The two session-branch paths no MCP client can steer, driven in-process against the real sandbox
 * over HTTP with the real SessionBranches, Branches and InfrahubClient:
 * - a name collision resolved by a retry with a new expansion (needs control of `{date}`: a clock);
 * - a write that is partly applied when its branch closes mid-document (a merge inside the document:
 *   mutate_graphql refuses BranchMerge, so only a direct Infrahub client can send one).
 */

const DAY_MS = 24 * 60 * 60 * 1000
const BASE = Date.UTC(2031, 0, 1, 12)

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

const pattern = (source: string): BranchPattern =>
  Either.getOrThrowWith(parsePattern(source), (problem) => new Error(problem))

const layerFor = (source: string, maxRetries = 5) =>
  SessionBranches.layer({ pattern: pattern(source), maxRetries, idleTimeoutMs: 60_000 }).pipe(
    Layer.provideMerge(Branches.layer),
    Layer.provide(Layer.merge(Fingerprints.random, memoryStoreLayer())),
    Layer.provideMerge(InfrahubClient.layer({ address: sandbox.url, timeoutMs: 10_000 })),
    Layer.provide(Layer.mergeAll(NodeHttpClient.layerUndici, memoryStoreLayer(), Fingerprints.random))
  )

/** Runs a program as one request of workspace `ws`, with the sandbox admin's credential. */
const run = <A, E>(
  source: string,
  program: Effect.Effect<A, E, SessionBranches | InfrahubClient | InfrahubCredentials | Principal | RequestContext>
): Promise<A> =>
  Effect.runPromise(
    program.pipe(
      Effect.provideService(InfrahubCredentials, apiToken(sandbox.token)),
      Effect.provideService(Principal, Principal.anonymous),
      Effect.provideService(RequestContext, RequestContext.detached("ws")),
      Effect.provide(layerFor(source)),
      Logger.withMinimumLogLevel(LogLevel.None)
    )
  )

/**
 * A clock whose date is one day later for every BranchCreate the sandbox has served since the log
 * was cleared: each attempt at a session branch sees the next day, whatever else reads the clock.
 */
const dayPerAttemptClock = (): Clock.Clock => {
  const real = Clock.make()
  const now = () => BASE + requestsRunning(sandbox.requests(), "BranchCreate").length * DAY_MS
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => real.unsafeCurrentTimeMillis(),
    currentTimeMillis: Effect.sync(now),
    unsafeCurrentTimeNanos: () => real.unsafeCurrentTimeNanos(),
    currentTimeNanos: real.currentTimeNanos,
    sleep: (duration) => real.sleep(duration)
  }
}

const createTag = (name: string) => (branch: string) =>
  Effect.flatMap(InfrahubClient, (client) =>
    client.graphql({ query: `mutation { BuiltinTagCreate(data: { name: { value: ${JSON.stringify(name)} } }) { ok } }`, branch })
  )

describe("a name collision", () => {
  it("is retried with a new expansion of the pattern until a free name is found", async () => {
    await createBranch(sandbox, "mcp/20310101-e2e-retry")
    await createBranch(sandbox, "mcp/20310102-e2e-retry")
    sandbox.clearRequests()

    const written = await run(
      "mcp/{date}-e2e-retry",
      Effect.flatMap(SessionBranches, (sessions) => sessions.write(createTag("sb-retried"))).pipe(Effect.withClock(dayPerAttemptClock()))
    )
    expect(written).toMatchObject({ branch: "mcp/20310103-e2e-retry", created: true })
    expect(Option.isNone(written.recovered)).toBe(true)
    expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(3)
    expect(await tagNames(sandbox, "mcp/20310103-e2e-retry")).toContain("sb-retried")
    // The taken branches were not touched.
    expect(await tagNames(sandbox, "mcp/20310101-e2e-retry")).not.toContain("sb-retried")
  })
})

describe("a write partly applied when its branch closes", () => {
  it("fails with SessionBranchLost, clears the branch and is not replayed; the next write starts afresh", async () => {
    const outcome = await run(
      "mcp/sb-{hex}",
      Effect.gen(function* () {
        const sessions = yield* SessionBranches
        const client = yield* InfrahubClient
        const first = yield* sessions.write(createTag("sb-before"))
        let attempts = 0
        const lost = yield* Effect.either(
          sessions.write((branch) =>
            Effect.suspend(() => {
              attempts += 1
              // The first field lands, the second closes the branch, the third is refused.
              return client.graphql({
                query: `mutation {
                  applied: BuiltinTagCreate(data: { name: { value: "sb-applied" } }) { ok }
                  closes: BranchMerge(data: { name: ${JSON.stringify(branch)} }) { ok }
                  refused: BuiltinTagCreate(data: { name: { value: "sb-refused" } }) { ok }
                }`,
                branch
              })
            })
          )
        )
        const afterLoss = yield* sessions.current
        const next = yield* sessions.write(createTag("sb-after"))
        return { first, lost, attempts, afterLoss, next }
      })
    )

    expect(outcome.first.created).toBe(true)
    const old = outcome.first.branch
    expect(Either.isLeft(outcome.lost)).toBe(true)
    const error = Either.getLeft(outcome.lost).pipe(Option.getOrThrow)
    expect(error).toMatchObject({ _tag: "SessionBranchLost", branch: old, reason: "was merged" })
    expect((error as { message: string }).message).toContain("The write was not replayed")
    expect((error as unknown as { remediation: string }).remediation).toMatch(/^Retry the write/)
    // Not replayed: run once, and the refused part exists nowhere.
    expect(outcome.attempts).toBe(1)
    expect(Option.isNone(outcome.afterLoss)).toBe(true)
    for (const branch of ["main", old]) expect(await tagNames(sandbox, branch)).not.toContain("sb-refused")
    // The applied part reached the old branch before it closed.
    expect(await tagNames(sandbox, old)).toContain("sb-applied")
    expect((await listBranches(sandbox)).find((branch) => branch.name === old)?.status).toBe("MERGED")

    // The next write lands on a fresh branch: a plain new branch, not a "recovery" of the old one.
    expect(outcome.next.branch).not.toBe(old)
    expect(outcome.next.created).toBe(true)
    expect(Option.isNone(outcome.next.recovered)).toBe(true)
    expect(await tagNames(sandbox, outcome.next.branch)).toContain("sb-after")
  })
})
