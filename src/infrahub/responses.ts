import type { GraphQLErrorItem } from "./errors.js"

/** Reading Infrahub's answers: JSON bodies, error entries, token expiry. Shared by every Infrahub call. */

export const parseJson = (text: string): unknown => {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Not JSON (an HTML error page from a proxy, say): callers report it as a protocol error.
    return undefined
  }
}

export const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

/** Infrahub's error bodies: `{"errors": ["text"]}` (transport) or `{"errors": [{"message": …}]}`. */
export const errorItems = (body: unknown): ReadonlyArray<GraphQLErrorItem> => {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return []
  return body.errors.flatMap((entry: unknown): ReadonlyArray<GraphQLErrorItem> => {
    if (typeof entry === "string") return [{ message: entry }]
    if (typeof entry !== "object" || entry === null || !("message" in entry) || typeof entry.message !== "string") {
      return []
    }
    const item: { message: string; path?: ReadonlyArray<string | number>; code?: string | number } = {
      message: entry.message
    }
    if ("path" in entry && Array.isArray(entry.path)) {
      item.path = entry.path.filter((p: unknown): p is string | number => typeof p === "string" || typeof p === "number")
    }
    if ("extensions" in entry && typeof entry.extensions === "object" && entry.extensions !== null) {
      const code: unknown = (entry.extensions as { code?: unknown }).code
      if (typeof code === "string" || typeof code === "number") item.code = code
    }
    return [item]
  })
}

/** True when Infrahub says the JWT expired (legacy message or the error-catalogue code). */
export const isExpiredToken = (body: unknown): boolean =>
  errorItems(body).some((e) => e.message.includes("Expired Signature") || e.code === "TOKEN_EXPIRED")
