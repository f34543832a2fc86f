import { createHmac, hkdfSync, randomBytes } from "node:crypto"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Credential } from "./InfrahubCredentials.js"

export interface FingerprintsShape {
  /**
   * A stable, non-secret identifier of a credential: keys per-credential caches and state, and binds
   * an MCP session to the credential that opened it. HMAC, so it reveals nothing about the secret.
   */
  readonly credential: (credential: Credential) => string
  /** The same for any other secret (a refresh token, an authorization code), per purpose. */
  readonly secret: (purpose: string, value: string) => string
}

const make = (key: Uint8Array): FingerprintsShape => {
  const hex = (parts: ReadonlyArray<string>) => {
    const mac = createHmac("sha256", key)
    for (const part of parts) mac.update(part).update("\u0000")
    return mac.digest("hex").slice(0, 32)
  }
  // Per credential object: a shared credential (auth mode none) is one object for the process's
  // life, and a request's credential is asked for its fingerprint several times. Weak, so the cache
  // keeps no credential alive.
  const byCredential = new WeakMap<Credential, string>()
  return {
    credential: (credential) => {
      const known = byCredential.get(credential)
      if (known !== undefined) return known
      const fingerprint =
        credential._tag === "ApiToken"
          ? hex(["token", Redacted.value(credential.token)])
          : hex(["password", credential.username, Redacted.value(credential.password)])
      byCredential.set(credential, fingerprint)
      return fingerprint
    },
    secret: (purpose, value) => hex([purpose, value])
  }
}

/**
 * The key behind every fingerprint. One process can use a random key (fingerprints then mean nothing
 * outside it); replicas sharing a state store must agree on fingerprints, so they derive the key
 * from the shared secret in configuration.
 */
export class Fingerprints extends Context.Tag("infrahub-mcp/Fingerprints")<Fingerprints, FingerprintsShape>() {
  /** A fresh random key per process, never exported. */
  static readonly random: Layer.Layer<Fingerprints> = Layer.sync(Fingerprints, () => make(randomBytes(32)))

  /** A key derived from a shared secret (HKDF), so every replica computes the same fingerprints. */
  static readonly fromSecret = (secret: Redacted.Redacted<string>): Layer.Layer<Fingerprints> =>
    Layer.sync(Fingerprints, () =>
      make(new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "infrahub-mcp", "credential fingerprints", 32)))
    )

  /** A fixed key, for tests that compare fingerprints across layers. */
  static readonly fromKey = (key: Uint8Array): Layer.Layer<Fingerprints> => Layer.succeed(Fingerprints, make(key))
}
