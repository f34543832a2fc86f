import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectHttp, connectStdio, startHttpServer } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import {
  branchNames,
  branchOf,
  callError,
  callOk,
  createBranch,
  endHttpSession,
  requestsRunning,
  serverEnv,
  sessionBranch,
  utcDate
} from "./write-support.js"

/**
 * Session-branch names from INFRAHUB_MCP_BRANCH_PATTERN: `{user}` (sanitised principal, or
 * `anonymous`), a fixed pattern that already exists, and collisions that exhaust the retries.
 * (`{date}`/`{hex}` with the default pattern are checked in write-tools.test.ts; a collision that a
 * retry resolves needs a controlled clock, see write-session-branches.test.ts.)
 */

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({ users: [{ username: "Alice.Smith@example.com", password: Redacted.make("alice-secret") }] })
})

afterAll(async () => {
  await sandbox?.close()
})

const upsert = { kind: "BuiltinTag", data: { name: "named" } }

describe("{user}", () => {
  it("is the sanitised user name of the caller (basic-passthrough over HTTP)", async () => {
    const server = await startHttpServer({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_MCP_AUTH_MODE: "basic-passthrough",
      INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{user}/{date}-{hex}"
    })
    try {
      const basic = Buffer.from("Alice.Smith@example.com:alice-secret").toString("base64")
      const client = await connectHttp(server.url, { authorization: `Basic ${basic}` })
      try {
        const branch = branchOf(await callOk(client, "node_upsert", { ...upsert, data: { name: "named-alice" } }))
        expect(branch).toMatch(new RegExp(`^mcp/Alice\\.Smith-example\\.com/(${utcDate(-1)}|${utcDate()})-[0-9a-f]{8}$`))
        expect(await branchNames(sandbox)).toContain(branch)
      } finally {
        await endHttpSession(client)
      }
    } finally {
      await server.stop()
    }
  })

  it("is `anonymous` when the caller has no name (mode none)", async () => {
    const session = await connectStdio(serverEnv(sandbox, { INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{user}-{hex}" }))
    try {
      const branch = branchOf(await callOk(session.client, "node_upsert", { ...upsert, data: { name: "named-anonymous" } }))
      expect(branch).toMatch(/^mcp\/anonymous-[0-9a-f]{8}$/)
    } finally {
      await session.close()
    }
  })
})

describe("a fixed pattern", () => {
  it("creates its one branch once; when it exists already, the write fails advising {hex}", async () => {
    const env = serverEnv(sandbox, { INFRAHUB_MCP_BRANCH_PATTERN: "mcp/e2e-fixed-branch" })
    const first = await connectStdio(env)
    try {
      expect(await callOk(first.client, "node_upsert", { ...upsert, data: { name: "named-fixed-1" } })).toMatchObject({
        branch: "mcp/e2e-fixed-branch",
        branch_created: true
      })
    } finally {
      await first.close()
    }

    // A new workspace (another process) would need the same name again.
    const second = await connectStdio(env)
    try {
      sandbox.clearRequests()
      const text = await callError(second.client, "node_upsert", { ...upsert, data: { name: "named-fixed-2" } })
      expect(text).toContain("'mcp/e2e-fixed-branch'")
      expect(text).toContain("already exists")
      expect(text).toContain("{hex}")
      expect(text).toContain("reset_session_branch")
      // No pointless retries: the pattern can only ever yield this name.
      expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(1)
      expect(await sessionBranch(second.client)).toBeNull()

      // The advice works: switching to the existing branch lets the session write.
      await callOk(second.client, "reset_session_branch", { branch: "mcp/e2e-fixed-branch" })
      expect(await callOk(second.client, "node_upsert", { ...upsert, data: { name: "named-fixed-3" } })).toMatchObject({
        branch: "mcp/e2e-fixed-branch",
        branch_created: false
      })
    } finally {
      await second.close()
    }
  })
})

describe("collisions", () => {
  it("are retried up to INFRAHUB_MCP_MAX_BRANCH_RETRIES, then the write fails saying what to change", async () => {
    // With only {date}, every retry on one day yields the same taken name (yesterday and tomorrow
    // are taken too, so a run across midnight UTC collides as well).
    for (const day of [utcDate(-1), utcDate(), utcDate(1)]) await createBranch(sandbox, `mcp/${day}-e2e-taken`)
    const session = await connectStdio(
      serverEnv(sandbox, { INFRAHUB_MCP_BRANCH_PATTERN: "mcp/{date}-e2e-taken", INFRAHUB_MCP_MAX_BRANCH_RETRIES: "3" })
    )
    try {
      sandbox.clearRequests()
      const text = await callError(session.client, "node_upsert", { ...upsert, data: { name: "named-taken" } })
      expect(text).toContain("3 generated names")
      expect(text).toMatch(/all exist already/)
      expect(text).toMatch(/Remediation: .*\{hex\}.*INFRAHUB_MCP_MAX_BRANCH_RETRIES/)
      expect(requestsRunning(sandbox.requests(), "BranchCreate")).toHaveLength(3)
      expect(await sessionBranch(session.client)).toBeNull()
    } finally {
      await session.close()
    }
  })
})
