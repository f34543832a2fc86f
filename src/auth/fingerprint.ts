import { createHmac, randomBytes } from "node:crypto"
import * as Redacted from "effect/Redacted"
import type { Credential } from "./InfrahubCredentials.js"

// One key per process, never exported: fingerprints cannot be reversed or compared across processes.
const processKey = randomBytes(32)

/**
 * A stable, non-secret identifier of a credential for this process: keys per-credential caches and
 * binds an MCP session to the credential that opened it. HMAC, so it reveals nothing about the secret.
 */
export const fingerprint = (credential: Credential): string => {
  const mac = createHmac("sha256", processKey)
  switch (credential._tag) {
    case "ApiToken":
      mac.update("token\u0000").update(Redacted.value(credential.token))
      break
    case "Password":
      mac.update("password\u0000").update(credential.username).update("\u0000").update(Redacted.value(credential.password))
      break
  }
  return mac.digest("hex").slice(0, 32)
}
