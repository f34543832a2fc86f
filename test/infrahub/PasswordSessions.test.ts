import { readFileSync } from "node:fs"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { password } from "../../src/auth/InfrahubCredentials.js"
import { PasswordSessions } from "../../src/infrahub/PasswordSessions.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { StateStore } from "../../src/state/StateStore.js"

// Token lifetimes with a stand-in Infrahub at the transport: the tokens' `iat`/`exp` are chosen per
// test, and TestClock moves this server's clock through them.

const ADDRESS = "http://infrahub.test"
const alice = password("alice", "alice-pw")

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
/** A JWT as Infrahub issues it, unsigned: the server never verifies Infrahub's tokens, only reads their times. */
const jwt = (name: string, lifetimeS: number) =>
  `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url({ sub: name, iat: 1_750_000_000, exp: 1_750_000_000 + lifetimeS })}.signature`

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

/** A stand-in Infrahub for the login endpoints: answers in order, logs `path` of every request. */
const infrahub = (answers: ReadonlyArray<() => Response>) => {
  const log: Array<string> = []
  let next = 0
  const send = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.sync(() => {
      log.push(request.url)
      const answer = answers[next++]
      if (answer === undefined) throw new Error(`unexpected request ${request.url}`)
      return HttpClientResponse.fromWeb(request, answer())
    })
  return { log, send }
}

/** The request a caller makes with the token: records which token it used, answers `status`. */
const caller = (statuses: ReadonlyArray<{ readonly status: number; readonly body?: unknown }> = []) => {
  const used: Array<string> = []
  let next = 0
  const use = (token: Redacted.Redacted<string>) =>
    Effect.sync(() => {
      used.push(Redacted.value(token))
      const answer = statuses[next++] ?? { status: 200 }
      return HttpClientResponse.fromWeb(HttpClientRequest.post("/graphql"), json(answer.body ?? { data: {} }, answer.status))
    })
  return { used, use }
}

const stateLayer = Layer.merge(memoryStoreLayer(), Fingerprints.random)

describe("PasswordSessions: how long a login is trusted", () => {
  it.scoped("uses the access token for the lifetime Infrahub wrote into it, then refreshes; the login lapses with its refresh token", () =>
    Effect.gen(function* () {
      const transport = infrahub([
        () => json({ access_token: jwt("a1", 60), refresh_token: jwt("r1", 600) }),
        () => json({ access_token: jwt("a2", 60) }),
        () => json({ access_token: jwt("a3", 60), refresh_token: jwt("r2", 600) })
      ])
      const sessions = yield* PasswordSessions.make({ address: ADDRESS, send: transport.send })
      const { used, use } = caller()
      yield* sessions.withAccessToken(alice, use)
      yield* TestClock.adjust("59 seconds")
      yield* sessions.withAccessToken(alice, use)
      expect(transport.log).toEqual(["/api/auth/login"])
      yield* TestClock.adjust("1 second")
      yield* sessions.withAccessToken(alice, use)
      expect(transport.log).toEqual(["/api/auth/login", "/api/auth/refresh"])
      // The refresh token is 600 s old now: the whole login is gone, whatever the access token says.
      yield* TestClock.adjust("540 seconds")
      yield* sessions.withAccessToken(alice, use)
      expect(transport.log).toEqual(["/api/auth/login", "/api/auth/refresh", "/api/auth/login"])
      expect(used).toEqual([jwt("a1", 60), jwt("a1", 60), jwt("a2", 60), jwt("a3", 60)])
    }).pipe(Effect.provide(stateLayer))
  )

  it.scoped("trusts tokens it cannot read (not JWTs) for five minutes only", () =>
    Effect.gen(function* () {
      // Infrahub's frontend mock of a login answer: placeholder tokens.
      const recorded = readFileSync(new URL("../fixtures/infrahub/infrahub-frontend/login.json", import.meta.url), "utf8")
      const transport = infrahub([() => new Response(recorded, { status: 200 }), () => new Response(recorded, { status: 200 })])
      const sessions = yield* PasswordSessions.make({ address: ADDRESS, send: transport.send })
      const { use } = caller()
      yield* sessions.withAccessToken(alice, use)
      yield* TestClock.adjust("299 seconds")
      yield* sessions.withAccessToken(alice, use)
      expect(transport.log).toEqual(["/api/auth/login"])
      yield* TestClock.adjust("1 second")
      yield* sessions.withAccessToken(alice, use)
      expect(transport.log).toEqual(["/api/auth/login", "/api/auth/login"])
    }).pipe(Effect.provide(stateLayer))
  )
})

describe("PasswordSessions: refusals", () => {
  it.scoped("an expired token is refreshed once; a refused refresh logs in afresh", () =>
    Effect.gen(function* () {
      const transport = infrahub([
        () => json({ access_token: jwt("a1", 3600), refresh_token: jwt("r1", 86400) }),
        () => json({ errors: [{ message: "The provided refresh token has been invalidated in the database", extensions: { code: 401 } }] }, 401),
        () => json({ access_token: jwt("a2", 3600), refresh_token: jwt("r2", 86400) })
      ])
      const sessions = yield* PasswordSessions.make({ address: ADDRESS, send: transport.send })
      const { used, use } = caller([{ status: 401, body: { errors: [{ message: "Expired Signature", extensions: { code: 401 } }] } }])
      const answer = yield* sessions.withAccessToken(alice, use)
      expect(answer.status).toBe(200)
      expect(transport.log).toEqual(["/api/auth/login", "/api/auth/refresh", "/api/auth/login"])
      expect(used).toEqual([jwt("a1", 3600), jwt("a2", 3600)])
    }).pipe(Effect.provide(stateLayer))
  )

  it.scoped("a failed login is not kept: the next call asks Infrahub again", () =>
    Effect.gen(function* () {
      const transport = infrahub([
        () => new Response("<html>Bad gateway</html>", { status: 502 }),
        () => json({ access_token: jwt("a1", 3600), refresh_token: jwt("r1", 86400) })
      ])
      const sessions = yield* PasswordSessions.make({ address: ADDRESS, send: transport.send })
      const { use } = caller()
      const failure = yield* Effect.flip(sessions.withAccessToken(alice, use))
      expect(failure._tag).toBe("InfrahubServerError")
      expect(failure.message).toContain("502")
      const answer = yield* sessions.withAccessToken(alice, use)
      expect(answer.status).toBe(200)
      expect(transport.log).toEqual(["/api/auth/login", "/api/auth/login"])
    }).pipe(Effect.provide(stateLayer))
  )
})

describe("PasswordSessions: the state store", () => {
  it.scoped("keeps a login under the credential's fingerprint, never its username or password, and shares it between replicas", () =>
    Effect.gen(function* () {
      const first = infrahub([() => json({ access_token: jwt("a1", 3600), refresh_token: jwt("r1", 86400) })])
      const replicaA = yield* PasswordSessions.make({ address: ADDRESS, send: first.send })
      yield* replicaA.withAccessToken(alice, caller().use)

      const fingerprints = yield* Fingerprints
      const store = yield* StateStore
      const key = `infrahub-login:${fingerprints.secret("infrahub-address", ADDRESS)}:${fingerprints.credential(alice)}`
      const stored = yield* store.get(key)
      expect(Option.isSome(stored)).toBe(true)
      expect(key).not.toContain("alice")
      expect(Option.getOrThrow(stored)).not.toContain("alice-pw")

      // Another replica with the same store and fingerprint key: no second login.
      const second = infrahub([])
      const replicaB = yield* PasswordSessions.make({ address: ADDRESS, send: second.send })
      const { used, use } = caller()
      yield* replicaB.withAccessToken(alice, use)
      expect(second.log).toEqual([])
      expect(used).toEqual([jwt("a1", 3600)])

      // Another Infrahub never receives this one's tokens.
      const elsewhere = infrahub([() => json({ access_token: jwt("b1", 3600) })])
      const replicaC = yield* PasswordSessions.make({ address: "http://other-infrahub.test", send: elsewhere.send })
      yield* replicaC.withAccessToken(alice, caller().use)
      expect(elsewhere.log).toEqual(["/api/auth/login"])
    }).pipe(Effect.provide(stateLayer))
  )

  it.scoped("fails closed when the store refuses: the caller gets StateStoreUnavailable, no token is used", () =>
    Effect.gen(function* () {
      const transport = infrahub([() => json({ access_token: jwt("a1", 3600), refresh_token: jwt("r1", 86400) })])
      const sessions = yield* PasswordSessions.make({ address: ADDRESS, send: transport.send })
      const { used, use } = caller()
      const failure = yield* Effect.flip(sessions.withAccessToken(alice, use))
      expect(failure._tag).toBe("StateStoreUnavailable")
      expect(used).toEqual([])
    }).pipe(Effect.provide(Layer.merge(memoryStoreLayer({ maxEntries: 0 }), Fingerprints.random)))
  )
})
