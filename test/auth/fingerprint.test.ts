import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { apiToken, password } from "../../src/auth/InfrahubCredentials.js"

const KEY = new Uint8Array(32).fill(7)

describe("Fingerprints.credential", () => {
  it.effect("is a function of the credential's value, whether asked once or again for the same object", () =>
    Effect.gen(function* () {
      const fingerprints = yield* Fingerprints
      const token = apiToken("token-a")
      const first = fingerprints.credential(token)
      expect(fingerprints.credential(token)).toBe(first)
      // Another object with the same secret: the same fingerprint (sessions and caches match by value).
      expect(fingerprints.credential(apiToken("token-a"))).toBe(first)
      expect(fingerprints.credential(apiToken("token-b"))).not.toBe(first)
      expect(fingerprints.credential(password("alice", "token-a"))).not.toBe(first)
      expect(fingerprints.credential(password("alice", "pw"))).toBe(fingerprints.credential(password("alice", "pw")))
      expect(first).not.toContain("token-a")
    }).pipe(Effect.provide(Fingerprints.fromKey(KEY)))
  )
})
