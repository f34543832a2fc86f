import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from "node:crypto"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/**
 * Encryption of state values at rest (AES-256-GCM) with a key derived from configuration. The nonce is
 * synthetic (an HMAC of the record's key and plaintext, as in SIV constructions): the same value under
 * the same key encrypts to the same text, which is what lets the store compare-and-set encrypted
 * values, at the cost of revealing only whether two writes of one key were equal. The record's key is
 * authenticated data, so a value moved to another key does not decrypt.
 */
export interface StateCipher {
  readonly encrypt: (key: string, plaintext: string) => string
  /** `None` when the text was not written by this key (tampered, or another deployment's secret). */
  readonly decrypt: (key: string, stored: string) => Option.Option<string>
}

const VERSION = "v1."

export const makeStateCipher = (secret: Redacted.Redacted<string>): StateCipher => {
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", Redacted.value(secret), "infrahub-mcp", info, 32))
  const encryptionKey = derive("state encryption")
  const nonceKey = derive("state nonces")
  return {
    encrypt: (key, plaintext) => {
      const nonce = createHmac("sha256", nonceKey).update(key).update("\u0000").update(plaintext).digest().subarray(0, 12)
      const cipher = createCipheriv("aes-256-gcm", encryptionKey, nonce)
      cipher.setAAD(Buffer.from(key))
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      return VERSION + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")
    },
    decrypt: (key, stored) => {
      if (!stored.startsWith(VERSION)) return Option.none()
      const raw = Buffer.from(stored.slice(VERSION.length), "base64")
      if (raw.length < 28) return Option.none()
      try {
        const decipher = createDecipheriv("aes-256-gcm", encryptionKey, raw.subarray(0, 12))
        decipher.setAAD(Buffer.from(key))
        decipher.setAuthTag(raw.subarray(12, 28))
        return Option.some(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"))
      } catch {
        return Option.none()
      }
    }
  }
}
