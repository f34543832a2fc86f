// The credential check against a real sandbox over loopback HTTP; trust expiry driven with TestClock.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import type { RequestAuth } from "../../src/auth/AuthMode.js"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken, password } from "../../src/auth/InfrahubCredentials.js"
import { infrahubLayer } from "../../src/app/layers.js"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { CredentialCheck } from "../../src/http/CredentialCheck.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { StateStore, StateStoreUnavailable } from "../../src/state/StateStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

let sandbox: TestSandbox
let stopped: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({
    tokens: [Redacted.make("good-token")],
    users: [{ username: "alice", password: Redacted.make("alice-pw") }]
  })
  stopped = await startTestSandbox({ seed: "none" })
  await stopped.close()
})
afterAll(async () => {
  await sandbox?.close()
})

const TRUST_MS = 300_000

const checkLayer = (url: () => string, store: Layer.Layer<StateStore> = memoryStoreLayer()) =>
  Layer.suspend(() =>
    CredentialCheck.againstInfrahub({ trustFor: TRUST_MS }).pipe(
      Layer.provide(infrahubLayer(ServerConfig.make({ INFRAHUB_ADDRESS: url() }, { transport: "streamable-http" }))),
      Layer.provide(Layer.merge(store, Fingerprints.random))
    )
  )

const token = (value: string): RequestAuth => ({
  principal: { id: `token:${value}`, user: undefined, scopes: [], mode: "token-passthrough" },
  credential: apiToken(value)
})
const login = (user: string, secret: string): RequestAuth => ({
  principal: { id: `user:${user}`, user, scopes: [], mode: "basic-passthrough" },
  credential: password(user, secret)
})

const verify = (auth: RequestAuth) => Effect.flatMap(CredentialCheck, (check) => check.verify(auth))
const requests = () => sandbox.requests().map((r) => `${r.path} ${r.status}`)

describe("CredentialCheck.againstInfrahub", () => {
  it.scoped("asks Infrahub once for a good token, then trusts it until the trust period ends", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      yield* verify(token("good-token"))
      yield* verify(token("good-token"))
      expect(requests()).toEqual(["/graphql 200"])
      yield* TestClock.adjust(TRUST_MS + 1)
      yield* verify(token("good-token"))
      expect(requests()).toEqual(["/graphql 200", "/graphql 200"])
    }).pipe(Effect.provide(checkLayer(() => sandbox.url)))
  )

  it.scoped("refuses a token Infrahub does not know, and asks again next time (refusals are not kept)", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      const refused = yield* Effect.flip(verify(token("junk")))
      expect(refused._tag).toBe("CredentialRejected")
      expect(refused.message).toBe("Infrahub rejected your API token (Invalid token).")
      yield* Effect.flip(verify(token("junk")))
      expect(requests()).toEqual(["/graphql 401", "/graphql 401"])
    }).pipe(Effect.provide(checkLayer(() => sandbox.url)))
  )

  it.scoped("proves a username and password with one login, and refuses a wrong password", () =>
    Effect.gen(function* () {
      sandbox.clearRequests()
      yield* verify(login("alice", "alice-pw"))
      expect(requests()).toEqual(["/api/auth/login 200", "/graphql 200"])
      const refused = yield* Effect.flip(verify(login("alice", "wrong")))
      expect(refused.message).toBe("Infrahub rejected your username and password (Incorrect password).")
      const unknown = yield* Effect.flip(verify(login("nobody", "pw")))
      expect(unknown._tag).toBe("CredentialRejected")
    }).pipe(Effect.provide(checkLayer(() => sandbox.url)))
  )

  it.scoped("fails as unavailable (not as a bad credential) when Infrahub cannot be reached", () =>
    Effect.gen(function* () {
      const failure = yield* Effect.flip(verify(token("good-token")))
      expect(failure._tag).toBe("CredentialCheckUnavailable")
      expect(failure.message).toContain(`Infrahub at ${stopped.url} is unreachable`)
    }).pipe(Effect.provide(checkLayer(() => stopped.url)))
  )

  it.scoped("fails closed as unavailable when the state store fails", () =>
    Effect.gen(function* () {
      const failure = yield* Effect.flip(verify(token("good-token")))
      expect(failure._tag).toBe("CredentialCheckUnavailable")
      expect(failure.message).toContain("The server's state store failed during get")
    }).pipe(Effect.provide(checkLayer(() => sandbox.url, Layer.effect(StateStore, Effect.map(StateStore, (store) => StateStore.of({
      ...store,
      get: () => Effect.fail(new StateStoreUnavailable({ operation: "get", detail: "connection refused" }))
    }))).pipe(Layer.provide(memoryStoreLayer())))))
  )
})
