import { createHash } from "node:crypto"
import { Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { LoggedRequest } from "../../../src/sandbox/http/debug.js"
import { startTestSandbox, type TestSandbox } from "../../support/sandbox.js"
import { apiKey, bearer, dataOf, get, postGraphql, request } from "./support.js"

/** The test hooks served with `debugEndpoints`: the request log and fault injection. */

const TOKENS = ["log-admin-token-abcdef", "log-second-token-abcdef"]
const PASSWORD = "s3cret:pass"
const fingerprint = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 12)

describe("the sandbox's debug endpoints", () => {
  let sandbox: TestSandbox
  const admin = () => apiKey(TOKENS[0] ?? "")
  const requests = async (): Promise<ReadonlyArray<LoggedRequest>> => {
    const answer = await get(`${sandbox.url}/__sandbox/requests`)
    expect(answer.status).toBe(200)
    return answer.body as ReadonlyArray<LoggedRequest>
  }
  const addFault = (fault: unknown) =>
    request(`${sandbox.url}/__sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) })
  const clear = async () => {
    expect((await request(`${sandbox.url}/__sandbox/requests`, { method: "DELETE" })).status).toBe(200)
    expect((await request(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" })).status).toBe(200)
  }

  beforeAll(async () => {
    sandbox = await startTestSandbox({
      seed: "none",
      debugEndpoints: true,
      tokens: TOKENS.map((token) => Redacted.make(token)),
      users: [{ username: "alice", password: Redacted.make(PASSWORD) }]
    })
  })
  afterAll(() => sandbox.close())
  beforeEach(clear)

  describe("GET /__sandbox/requests", () => {
    it("lists every request, oldest first, with method, path, branch, operations, status and credential", async () => {
      dataOf(await postGraphql(`${sandbox.url}/graphql`, `mutation { BranchCreate(data: {name: "log/feature", sync_with_git: false}) { ok } }`, admin()))
      await postGraphql(`${sandbox.url}/graphql/log/feature`, "query Tags { BuiltinTag { count } info: InfrahubInfo { version } }", apiKey(TOKENS[1] ?? ""))
      await get(`${sandbox.url}/api/schema?branch=log/feature`, admin())
      await get(`${sandbox.url}/api/schema/Nope`, admin())
      await postGraphql(`${sandbox.url}/graphql/missing`, "query { BuiltinTag { count } }", admin())
      await get(`${sandbox.url}/api/info`)
      expect(await requests()).toEqual([
        { method: "POST", path: "/graphql", branch: null, operations: ["BranchCreate"], status: 200, credential: { type: "token", sha256: fingerprint(TOKENS[0] ?? "") } },
        { method: "POST", path: "/graphql/log/feature", branch: "log/feature", operations: ["BuiltinTag", "InfrahubInfo"], status: 200, credential: { type: "token", sha256: fingerprint(TOKENS[1] ?? "") } },
        { method: "GET", path: "/api/schema", branch: "log/feature", operations: [], status: 200, credential: { type: "token", sha256: fingerprint(TOKENS[0] ?? "") } },
        { method: "GET", path: "/api/schema/Nope", branch: null, operations: [], status: 422, credential: { type: "token", sha256: fingerprint(TOKENS[0] ?? "") } },
        { method: "POST", path: "/graphql/missing", branch: "missing", operations: [], status: 404, credential: { type: "token", sha256: fingerprint(TOKENS[0] ?? "") } },
        { method: "GET", path: "/api/info", branch: null, operations: [], status: 200, credential: null }
      ])
    })

    it("names login users, fingerprints refused tokens, and never holds a secret", async () => {
      const login = await request(`${sandbox.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: PASSWORD })
      })
      const { access_token, refresh_token } = login.body as { access_token: string; refresh_token: string }
      await postGraphql(`${sandbox.url}/graphql`, "query { AccountProfile { id } }", bearer(access_token))
      await request(`${sandbox.url}/api/auth/refresh`, { method: "POST", headers: bearer(refresh_token) })
      await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { version } }", apiKey("wrong-token-value"))
      await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { version } }", bearer("garbage.jwt.value"))
      const log = await requests()
      expect(log.map((entry) => [entry.path, entry.status, entry.credential])).toEqual([
        ["/api/auth/login", 200, { type: "user", name: "alice" }],
        ["/graphql", 200, { type: "user", name: "alice" }],
        ["/api/auth/refresh", 200, { type: "user", name: "alice" }],
        ["/graphql", 401, { type: "token", sha256: fingerprint("wrong-token-value") }],
        ["/graphql", 401, null]
      ])
      const text = JSON.stringify(log)
      for (const secret of [...TOKENS, "wrong-token-value", PASSWORD, access_token, refresh_token, "garbage.jwt.value"]) {
        expect(text).not.toContain(secret)
      }
      expect(text).not.toContain(createHash("sha256").update(TOKENS[0] ?? "").digest("hex"))
    })

    it("does not log its own routes, and DELETE empties the log", async () => {
      await get(`${sandbox.url}/api/info`, admin())
      await requests()
      await requests()
      expect((await requests()).map((entry) => entry.path)).toEqual(["/api/info"])
      const cleared = await request(`${sandbox.url}/__sandbox/requests`, { method: "DELETE" })
      expect(cleared.status).toBe(200)
      expect(await requests()).toEqual([])
      // The in-process view and the HTTP view are the same log.
      await get(`${sandbox.url}/api/info`, admin())
      expect(sandbox.requests()).toEqual(await requests())
    })
  })

  describe("POST /__sandbox/faults", () => {
    it("answers with an injected status, `times` times, then serves again", async () => {
      expect((await addFault({ path: "^/graphql", status: 503, times: 2 })).status).toBe(200)
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await postGraphql(`${sandbox.url}/graphql/main`, "query { BuiltinTag { count } }", admin())
        expect([answer.status, answer.body]).toEqual([503, { data: null, errors: [{ message: "Injected fault: HTTP 503", extensions: { code: 503 } }] }])
      }
      expect(dataOf(await postGraphql(`${sandbox.url}/graphql/main`, "query { BuiltinTag { count } }", admin()))).toEqual({ BuiltinTag: { count: 0 } })
      // Paths the pattern does not match were never affected.
      expect((await requests()).map((entry) => entry.status)).toEqual([503, 503, 200])
    })

    it("drops the connection, and a fault without `times` lasts until DELETE /__sandbox/faults", async () => {
      expect((await addFault({ path: "^/api/info$", drop: true })).status).toBe(200)
      for (let attempt = 0; attempt < 2; attempt++) {
        await expect(fetch(`${sandbox.url}/api/info`, { headers: admin() })).rejects.toThrow()
      }
      expect((await get(`${sandbox.url}/api/schema/summary`, admin())).status).toBe(200)
      expect((await request(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" })).status).toBe(200)
      expect((await get(`${sandbox.url}/api/info`, admin())).status).toBe(200)
    })

    it("delays the answer by latencyMs", async () => {
      expect((await addFault({ path: "^/api/info$", latencyMs: 400, times: 1 })).status).toBe(200)
      const started = performance.now()
      const answer = await get(`${sandbox.url}/api/info`, admin())
      // Only a lower bound: a sleep never ends early, however busy the machine (a few ms of timer slack aside).
      expect(performance.now() - started).toBeGreaterThanOrEqual(380)
      expect(answer.status).toBe(200)
    })

    it("never applies to the debug routes themselves", async () => {
      expect((await addFault({ path: ".*", status: 500 })).status).toBe(200)
      expect((await get(`${sandbox.url}/api/info`, admin())).status).toBe(500)
      expect((await requests()).map((entry) => entry.status)).toEqual([500])
      expect((await request(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" })).status).toBe(200)
      expect((await get(`${sandbox.url}/api/info`, admin())).status).toBe(200)
    })

    it("refuses faults it cannot apply with 400 and says what to send", async () => {
      for (const fault of [
        { path: "(", status: 500 },
        { path: "^/graphql" },
        { path: "^/graphql", status: 42 },
        { path: "^/graphql", latencyMs: -1 },
        { path: "^/graphql", drop: true, times: 0 },
        { status: 500 },
        "^/graphql"
      ]) {
        const answer = await addFault(fault)
        expect(answer.status, JSON.stringify(fault)).toBe(400)
        expect((answer.body as { error: string }).error).toMatch(/^Invalid fault: /)
      }
      expect(((await addFault({ path: "(" })).body as { error: string }).error).toContain("regular expression")
      expect(((await addFault({ path: "^/graphql" })).body as { error: string }).error).toContain('"latencyMs", "status" or "drop": true')
      expect((await get(`${sandbox.url}/api/info`, admin())).status).toBe(200)
    })

    it("answers unknown debug routes with 404", async () => {
      const answer = await request(`${sandbox.url}/__sandbox/nothing`, { method: "GET" })
      expect(answer.status).toBe(404)
      expect((answer.body as { error: string }).error).toContain("GET /__sandbox/nothing")
      expect((await request(`${sandbox.url}/__sandbox/requests`, { method: "POST" })).status).toBe(404)
    })
  })
})
