// Item: junk credentials must not fill the session limits. 1000 initializes with tokens Infrahub
// does not know, through the real credential check against a real sandbox, then a real user.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { infrahubLayer } from "../../src/app/layers.js"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { CredentialCheck, DEFAULT_TRUST } from "../../src/http/CredentialCheck.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { caller, INITIALIZE, send, sessionLayer } from "./support.js"

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox({ tokens: [Redacted.make("real-token")] })
})
afterAll(async () => {
  await sandbox?.close()
})

const realCheck = () =>
  CredentialCheck.againstInfrahub({ trustFor: DEFAULT_TRUST }).pipe(
    Layer.provide(infrahubLayer(ServerConfig.make({ INFRAHUB_ADDRESS: sandbox.url }, { transport: "streamable-http" }))),
    Layer.provide(Layer.merge(memoryStoreLayer(), Fingerprints.random))
  )

describe("a junk-token flood", () => {
  it.scoped("1000 initializes with unknown tokens are refused (401) and take no place; a real user then opens a session", () =>
    Effect.gen(function* () {
      const answers = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => caller(`junk-${i}`, `junk-token-${i}`)),
        (who) => send(who, INITIALIZE),
        { concurrency: 50 }
      )
      // Never a session. Each refusal is Infrahub's 401, or a 503 "could not be checked" should the
      // loaded machine drop a connection to the sandbox (the check retries once first).
      expect(answers.filter((answer) => answer.headers.get("mcp-session-id") !== null)).toHaveLength(0)
      const other = answers.filter((answer) => answer.status !== 401 && !(answer.status === 503 && JSON.stringify(answer.messages).includes("could not be checked")))
      expect(other.map((answer) => `${answer.status} ${JSON.stringify(answer.messages)}`)).toEqual([])
      expect(answers.filter((answer) => answer.status === 401).length).toBeGreaterThan(0)
      const real = yield* send(caller("real", "real-token"), INITIALIZE)
      expect(real.status).toBe(200)
      expect(real.headers.get("mcp-session-id")).toMatch(/^[0-9a-f-]{36}$/)
    }).pipe(Effect.provide(Layer.suspend(() => sessionLayer({ maxSessions: 5 }, undefined, realCheck())))),
    // 1000 real HTTP checks took over 120 s with two suite runs on a loaded 2-core machine: a bound
    // for a hang, not an expectation of speed.
    600_000
  )
})
