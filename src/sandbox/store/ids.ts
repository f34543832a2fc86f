import { randomBytes } from "node:crypto"

/**
 * Node and branch ids. Infrahub's ids (UUIDT) sort by creation time, and the sandbox relies on that
 * too: with no `order_by`, lists come back in id order, i.e. oldest first. UUIDv7 gives the same
 * property with a standard layout.
 */
export type IdGenerator = () => string

const hex = (value: number, width: number): string => value.toString(16).padStart(width, "0")

/** A time-ordered UUIDv7 generator; ids stay strictly increasing even when the clock stands still. */
export const makeIdGenerator = (now: () => Date): IdGenerator => {
  // Held per generator (one per engine), not per module: two engines never share a sequence.
  let lastMs = -1
  let counter = 0
  return () => {
    let ms = now().getTime()
    if (ms <= lastMs) {
      counter += 1
      if (counter > 0xfff) {
        lastMs += 1
        counter = 0
      }
      ms = lastMs
    } else {
      lastMs = ms
      counter = 0
    }
    const random = randomBytes(8)
    const timeHex = hex(ms, 12)
    const variantNibble = ((random[0] ?? 0) & 0x3) | 0x8
    const tail = random.subarray(1).toString("hex").slice(0, 14).padEnd(14, "0")
    return [
      timeHex.slice(0, 8),
      timeHex.slice(8, 12),
      `7${hex(counter, 3)}`,
      `${variantNibble.toString(16)}${tail.slice(0, 3)}`,
      tail.slice(3, 14) + hex((random[7] ?? 0) & 0xf, 1)
    ].join("-")
  }
}

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/** Python's `is_valid_uuid` (what Infrahub uses to tell an id from a default-filter value). */
export const isUuid = (value: string): boolean => {
  let candidate = value.trim()
  if (candidate.toLowerCase().startsWith("urn:uuid:")) candidate = candidate.slice(9)
  if (candidate.startsWith("{") && candidate.endsWith("}")) candidate = candidate.slice(1, -1)
  return uuidPattern.test(candidate)
}
