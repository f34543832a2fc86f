/**
 * Small helpers over web-standard Request/Response for the OAuth endpoints: JSON and OAuth error
 * bodies, redirects, cookies, bounded body reading and strict form parsing.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const

/** Endpoints that browser-based MCP clients call cross-origin without cookies. */
export const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, mcp-protocol-version",
  "access-control-max-age": "86400"
} as const

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...NO_STORE, ...headers }
  })

/** RFC 6749 §5.2 allows only printable ASCII without `"` and `\` in error_description. */
export const sanitizeDescription = (text: string): string =>
  text.replace(/["\\]/g, "'").replace(/[^\x20-\x7E]/g, " ").slice(0, 500)

export const oauthError = (
  error: string,
  description: string,
  status = 400,
  headers: Record<string, string> = {}
): Response => json({ error, error_description: sanitizeDescription(description) }, status, headers)

/** A 302 to `target` with extra query parameters; existing parameters of `target` are kept. */
export const redirect = (
  target: string,
  params: Record<string, string | undefined> = {},
  headers: ReadonlyArray<readonly [string, string]> = []
): Response => {
  const url = new URL(target)
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value)
  const out = new Headers({ location: url.href, ...NO_STORE, "referrer-policy": "no-referrer" })
  for (const [name, value] of headers) out.append(name, value)
  return new Response(null, { status: 302, headers: out })
}

export const wantsHtml = (request: Request): boolean => (request.headers.get("accept") ?? "").includes("text/html")

export const readCookie = (request: Request, name: string): string | undefined => {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const index = part.indexOf("=")
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

export const setCookie = (
  name: string,
  value: string,
  options: { readonly path: string; readonly maxAgeSeconds: number; readonly secure: boolean }
): string =>
  [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(options.secure ? ["Secure"] : [])
  ].join("; ")

export class BodyRejected extends Data.TaggedError("BodyRejected")<{ readonly message: string }> {}

/** Reads at most `limit` bytes; a larger body is refused rather than buffered. */
export const readBody = (request: Request, limit: number): Effect.Effect<string, BodyRejected> =>
  Effect.tryPromise({
    try: async () => {
      if (request.body === null) return ""
      const reader = request.body.getReader()
      const chunks: Array<Uint8Array> = []
      let size = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > limit) {
          await reader.cancel()
          throw new Error(`the request body is larger than ${limit} bytes`)
        }
        chunks.push(value)
      }
      return Buffer.concat(chunks).toString("utf8")
    },
    catch: (error) => new BodyRejected({ message: error instanceof Error ? error.message : String(error) })
  })

/**
 * Parses an `application/x-www-form-urlencoded` body. RFC 6749 §3.1: a parameter sent twice is an
 * error, so a smuggled second value can never be the one that gets checked.
 */
export const parseForm = (
  request: Request,
  limit: number
): Effect.Effect<ReadonlyMap<string, string>, BodyRejected> =>
  Effect.gen(function* () {
    const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase()
    if (type !== "application/x-www-form-urlencoded") {
      return yield* new BodyRejected({ message: "the body must be application/x-www-form-urlencoded" })
    }
    const params = new URLSearchParams(yield* readBody(request, limit))
    const form = new Map<string, string>()
    for (const [name, value] of params) {
      if (form.has(name)) return yield* new BodyRejected({ message: `the parameter ${name} is repeated` })
      form.set(name, value)
    }
    return form
  })

/** The single value of a query parameter; `null` when absent, an error marker when repeated. */
export const singleParam = (params: URLSearchParams, name: string): string | null | { readonly repeated: true } => {
  const values = params.getAll(name)
  if (values.length > 1) return { repeated: true }
  return values[0] ?? null
}

/**
 * The most specific reason inside an HTTP client error: platform errors wrap fetch's "fetch failed",
 * which wraps the socket error (ECONNREFUSED, ENOTFOUND, a TLS failure) an operator can act on.
 */
export const rootCause = (error: unknown): string => {
  let current: unknown = error
  let reason = error instanceof Error ? error.message : String(error)
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = "code" in current && typeof current.code === "string" ? current.code : undefined
    if (code !== undefined) reason = `${code}: ${current.message}`
    else if (current !== error) reason = current.message
    current = current.cause
  }
  return reason
}
