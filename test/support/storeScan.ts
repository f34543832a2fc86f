import { Redis } from "ioredis"

/** One key of a Valkey/Redis database and everything stored under it, as raw bytes. */
export interface StoredEntry {
  readonly key: string
  readonly type: string
  readonly ttlMs: number
  /** The value's bytes (every member, field and value of a collection), concatenated. */
  readonly bytes: Buffer
}

const valueBytes = async (client: Redis, key: string, type: string): Promise<Array<Buffer>> => {
  switch (type) {
    case "string": {
      const value = await client.getBuffer(key)
      return value === null ? [] : [value]
    }
    case "hash":
      return Object.entries(await client.hgetallBuffer(key)).flatMap(([field, value]) => [Buffer.from(field), value])
    case "zset":
      return client.zrangeBuffer(key, 0, -1, "WITHSCORES")
    case "set":
      return client.smembersBuffer(key)
    case "list":
      return client.lrangeBuffer(key, 0, -1)
    default:
      throw new Error(`key ${key} has type ${type}, which this scan does not read: teach test/support/storeScan.ts to read it`)
  }
}

/** Every key of the database at `url` (SCAN, so nothing is missed), with its type, TTL and bytes. */
export const scanStore = async (url: string): Promise<ReadonlyArray<StoredEntry>> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  client.on("error", () => undefined)
  await client.connect()
  try {
    const keys = new Set<string>()
    let cursor = "0"
    do {
      const [next, batch] = await client.scan(cursor, "COUNT", 500)
      for (const key of batch) keys.add(key)
      cursor = next
    } while (cursor !== "0")
    const entries: Array<StoredEntry> = []
    for (const key of [...keys].sort()) {
      const type = await client.type(key)
      if (type === "none") continue // expired between SCAN and TYPE
      entries.push({ key, type, ttlMs: await client.pttl(key), bytes: Buffer.concat(await valueBytes(client, key, type)) })
    }
    return entries
  } finally {
    client.disconnect()
  }
}

/** The forms a secret could take if it were stored in clear: as is, and base64/base64url/hex of its bytes. */
const encodings = (secret: string): ReadonlyArray<string> => {
  const bytes = Buffer.from(secret, "utf8")
  return [secret, bytes.toString("base64"), bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url"), bytes.toString("hex")]
}

/**
 * The secrets (by label) found in any key or value, in any of the encodings above: `[]` when the
 * store holds none of them in clear.
 */
export const secretsInClear = (
  entries: ReadonlyArray<StoredEntry>,
  secrets: Readonly<Record<string, string>>
): ReadonlyArray<{ readonly secret: string; readonly key: string }> =>
  Object.entries(secrets).flatMap(([label, secret]) =>
    entries
      .filter((entry) => encodings(secret).some((form) => entry.key.includes(form) || entry.bytes.includes(Buffer.from(form, "utf8"))))
      .map((entry) => ({ secret: label, key: entry.key }))
  )
