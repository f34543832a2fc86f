/**
 * The answers the OAuth endpoints send: JSON with `no-store`, RFC 6749 error bodies, redirects with
 * query parameters, and refusals that a person in a browser can read.
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { errorPage } from "./Pages.js"

/** Token and error answers must never be cached (RFC 6749 §5.1). */
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const

export type ExtraHeaders = Readonly<Record<string, string>>

export const json = (body: unknown, status = 200, headers: ExtraHeaders = {}): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(body, { status, headers: { ...NO_STORE, ...headers } })

/** RFC 6749 §5.2 allows only printable ASCII without `"` and `\` in error_description. */
export const sanitizeDescription = (text: string): string =>
  text.replace(/["\\]/g, "'").replace(/[^\x20-\x7E]/g, " ").slice(0, 500)

/** `{"error": …, "error_description": …}`, the shape every OAuth client parses. */
export const oauthError = (error: string, description: string, status = 400, headers: ExtraHeaders = {}) =>
  json({ error, error_description: sanitizeDescription(description) }, status, headers)

/** A 302 to `target` with extra query parameters; existing parameters of `target` are kept. */
export const redirect = (target: string, params: Readonly<Record<string, string | undefined>> = {}) => {
  const url = new URL(target)
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value)
  return HttpServerResponse.redirect(url, { status: 302, headers: { ...NO_STORE, "referrer-policy": "no-referrer" } })
}

export const wantsHtml = (request: HttpServerRequest.HttpServerRequest): boolean =>
  (request.headers["accept"] ?? "").includes("text/html")

/**
 * A refusal answered where the request came from: an HTML page for a person's browser, an OAuth
 * error body for a program. Never a redirect, so it is safe before the redirect URI is verified.
 */
export const refusal = (
  request: HttpServerRequest.HttpServerRequest,
  status: number,
  error: string,
  message: string,
  headers: ExtraHeaders = {}
): HttpServerResponse.HttpServerResponse =>
  wantsHtml(request) ? errorPage(status, error, message, headers) : oauthError(error, message, status, headers)

/** 405 with the `Allow` header RFC 9110 requires. */
export const methodNotAllowed = (allowed: ReadonlyArray<string>) =>
  oauthError("invalid_request", `Use ${allowed.join(" or ")} on this endpoint.`, 405, { allow: allowed.join(", ") })

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
