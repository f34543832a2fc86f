/**
 * Schema hashes. A kind's hash is the md5 of its served JSON; the branch's `main` hash is Infrahub's
 * `SchemaBranch.get_hash()`: md5 over `kind` then `hash` of every node and generic, sorted by kind.
 */
import { createHash } from "node:crypto"

const stable = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stable)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, stable((value as Record<string, unknown>)[key])]))
  }
  return value
}

export const md5 = (text: string): string => createHash("md5").update(text).digest("hex")

/** md5 of a kind's served JSON without its `hash`, with keys sorted so field order does not matter. */
export const kindHash = (served: { readonly hash?: string }): string => {
  const { hash: _hash, ...rest } = served
  return md5(JSON.stringify(stable(rest)))
}

export const mainHash = (entries: ReadonlyArray<{ readonly kind: string; readonly hash: string }>): string => {
  const hash = createHash("md5")
  for (const { kind, hash: value } of [...entries].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))) {
    hash.update(kind)
    hash.update(value)
  }
  return hash.digest("hex")
}

/** A stable UUID-shaped id for a stored schema element (a real server assigns one when it stores the schema). */
export const schemaElementId = (path: string): string => {
  const h = md5(`infrahub-sandbox:${path}`)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}
