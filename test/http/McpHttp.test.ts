import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { CredentialCheck, CredentialCheckUnavailable, CredentialRejected } from "../../src/http/CredentialCheck.js"
import { StateStore } from "../../src/state/StateStore.js"
import { caller, INITIALIZE, listTools, open, send, sessionLayer } from "./support.js"

const alice = caller("alice")
const bob = caller("bob")
const IDLE_MS = 60_000

const SESSION_NOT_FOUND = { jsonrpc: "2.0", error: { code: -32001, message: "Session not found: it expired or was closed. Initialize a new session." }, id: null }

describe("McpHttp sessions", () => {
  it.scoped("an idle session expires after the idle timeout, and any use restarts the timer", () =>
    Effect.gen(function* () {
      const sessionId = yield* open(alice)
      yield* TestClock.adjust(IDLE_MS - 1_000)
      expect((yield* listTools(alice, sessionId)).status).toBe(200)
      yield* TestClock.adjust(IDLE_MS - 1_000)
      expect((yield* listTools(alice, sessionId)).status).toBe(200)
      yield* TestClock.adjust(IDLE_MS)
      const expired = yield* listTools(alice, sessionId)
      expect(expired.status).toBe(404)
      expect(expired.messages).toEqual([SESSION_NOT_FOUND])
      // Its places are released: nothing of it is left in the state store.
      const state = yield* StateStore
      expect(yield* state.count("mcp-sessions")).toBe(0)
      expect(yield* state.count("mcp-sessions:token:alice")).toBe(0)
    }).pipe(Effect.provide(sessionLayer({ idleTimeoutMs: IDLE_MS })))
  )

  it.scoped("refuses sessions past the server's maximum without evicting any, and frees a place on DELETE and on expiry", () =>
    Effect.gen(function* () {
      const first = yield* open(alice)
      const second = yield* open(bob)
      const refused = yield* send(caller("carol"), INITIALIZE)
      expect(refused.status).toBe(503)
      expect(refused.messages).toEqual([{
        jsonrpc: "2.0",
        error: { code: -32000, message: "This server already holds its maximum of 2 MCP sessions; retry later (idle sessions expire)." },
        id: null
      }])
      expect(refused.headers.get("mcp-session-id")).toBeNull()
      expect((yield* listTools(alice, first)).status).toBe(200)
      expect((yield* listTools(bob, second)).status).toBe(200)

      expect((yield* send(bob, undefined, second, "DELETE")).status).toBe(200)
      const third = yield* open(caller("carol"))
      expect((yield* listTools(caller("carol"), third)).status).toBe(200)

      yield* TestClock.adjust(IDLE_MS + 1_000)
      expect((yield* listTools(alice, first)).status).toBe(404)
      const after = [yield* open(caller("dave")), yield* open(caller("erin"))]
      expect(after).toHaveLength(2)
    }).pipe(Effect.provide(sessionLayer({ maxSessions: 2, idleTimeoutMs: IDLE_MS })))
  )

  it.scoped("caps the sessions of one principal (429) while other principals still get in", () =>
    Effect.gen(function* () {
      yield* open(alice)
      yield* open(alice)
      const refused = yield* send(alice, INITIALIZE)
      expect(refused.status).toBe(429)
      expect(JSON.stringify(refused.messages)).toContain("INFRAHUB_MCP_MAX_SESSIONS_PER_PRINCIPAL")
      // The refusal did not take a place of the server's.
      const state = yield* StateStore
      expect(yield* state.count("mcp-sessions")).toBe(2)
      yield* open(bob)
      yield* open(bob)
      expect(yield* state.count("mcp-sessions")).toBe(4)
    }).pipe(Effect.provide(sessionLayer({ maxSessionsPerPrincipal: Option.some(2) })))
  )

  it.scoped("without a per-principal cap (auth mode none) one principal may use every place", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 3; i++) yield* open(alice)
      expect((yield* send(alice, INITIALIZE)).status).toBe(503)
    }).pipe(Effect.provide(sessionLayer({ maxSessions: 3, maxSessionsPerPrincipal: Option.none() })))
  )

  it.scoped("many simultaneous initializes for the last places admit exactly that many", () =>
    Effect.gen(function* () {
      const answers = yield* Effect.forEach(Array.from({ length: 12 }, (_, i) => caller(`c${i}`)), (who) => send(who, INITIALIZE), {
        concurrency: "unbounded"
      })
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(5)
      expect(answers.filter((answer) => answer.status === 503)).toHaveLength(7)
    }).pipe(Effect.provide(sessionLayer({ maxSessions: 5 })))
  )

  it.scoped("a request without a session id that is not an initialize gets 400 and opens nothing", () =>
    Effect.gen(function* () {
      const answer = yield* send(alice, { jsonrpc: "2.0", id: 2, method: "tools/list" })
      expect(answer.status).toBe(400)
      const state = yield* StateStore
      expect(yield* state.count("mcp-sessions")).toBe(0)
    }).pipe(Effect.provide(sessionLayer()))
  )
})

describe("McpHttp credential checks", () => {
  const refusing = Layer.succeed(CredentialCheck, CredentialCheck.of({
    verify: (auth) =>
      auth.principal.user === "alice" ? Effect.void : Effect.fail(new CredentialRejected({ credential: "token", detail: "Invalid token" }))
  }))

  it.scoped("a credential Infrahub refuses gets 401 at initialize, with a challenge, and takes no place", () =>
    Effect.gen(function* () {
      const answer = yield* send(caller("mallory"), INITIALIZE)
      expect(answer.status).toBe(401)
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer realm="infrahub-mcp", error="invalid_token", error_description="Infrahub rejected your API token \(Invalid token\)\./)
      expect(answer.headers.get("mcp-session-id")).toBeNull()
      expect(answer.messages).toEqual([{
        error: "invalid_token",
        error_description: "Infrahub rejected your API token (Invalid token). Send a valid Infrahub API token: this one is mistyped, expired or revoked."
      }])
      const state = yield* StateStore
      expect(yield* state.count("mcp-sessions")).toBe(0)
      expect((yield* send(alice, INITIALIZE)).status).toBe(200)
    }).pipe(Effect.provide(sessionLayer({}, undefined, refusing)))
  )

  it.scoped("when the credential cannot be checked, initialize gets 503 with Retry-After and nothing is opened", () =>
    Effect.gen(function* () {
      const answer = yield* send(alice, INITIALIZE)
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toBe("5")
      expect(JSON.stringify(answer.messages)).toContain("Your credential could not be checked with Infrahub: Infrahub at http://x is unreachable")
      const state = yield* StateStore
      expect(yield* state.count("mcp-sessions")).toBe(0)
    }).pipe(Effect.provide(sessionLayer({}, undefined, Layer.succeed(CredentialCheck, CredentialCheck.of({
      verify: () => Effect.fail(new CredentialCheckUnavailable({ detail: "Infrahub at http://x is unreachable: ECONNREFUSED." }))
    })))))
  )
})

describe("McpHttp keep-alive pings (INFRAHUB_MCP_PING_INTERVAL_MS)", () => {
  const INTERVAL_MS = 5_000
  let pings = 0
  // Count the pings McpHttp sends; the client's answer is not the subject here (test/e2e/http-ping.test.ts).
  const counting = (server: Server) => {
    server.ping = () => {
      pings += 1
      return Promise.resolve({})
    }
    return server
  }

  it.scoped("pings each session once per interval and stops when the session is deleted or expires", () =>
    Effect.gen(function* () {
      pings = 0
      const deleted = yield* open(alice)
      const idle = yield* open(bob)
      yield* TestClock.adjust(INTERVAL_MS * 3)
      expect(pings).toBe(6)
      expect((yield* send(alice, undefined, deleted, "DELETE")).status).toBe(200)
      yield* TestClock.adjust(INTERVAL_MS * 3)
      expect(pings).toBe(9)
      // bob's session idles out (pings are the server's, not use by the client) and its pinger stops.
      yield* TestClock.adjust(IDLE_MS)
      expect((yield* listTools(bob, idle)).status).toBe(404)
      const afterExpiry = pings
      yield* TestClock.adjust(INTERVAL_MS * 3)
      expect(pings).toBe(afterExpiry)
    }).pipe(Effect.provide(sessionLayer({ idleTimeoutMs: IDLE_MS, pingIntervalMs: Option.some(INTERVAL_MS) }, undefined, undefined, counting)))
  )
})

describe("McpHttp without sessions (--stateless)", () => {
  it.scoped("answers GET and DELETE with 405 and Allow: POST, so clients do not reconnect in a loop", () =>
    Effect.gen(function* () {
      for (const method of ["GET", "DELETE"] as const) {
        const answer = yield* send(alice, undefined, undefined, method)
        expect(answer.status, method).toBe(405)
        expect(answer.headers.get("allow")).toBe("POST")
        expect(JSON.stringify(answer.messages)).toContain("--stateless")
      }
      const listed = yield* send(alice, { jsonrpc: "2.0", id: 1, method: "tools/list" })
      expect(listed.status).toBe(200)
    }).pipe(Effect.provide(sessionLayer({ stateless: true })))
  )
})
