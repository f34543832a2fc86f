/**
 * RFC 7591 client metadata: validation for `/register` and redirect-URI matching for `/authorize`.
 * Pure functions; the proxy stores what they return.
 */

/** A client registered at `/register`: public (no secret), authorization code + PKCE only. */
export interface RegisteredClient {
  readonly clientId: string
  readonly clientName: string | undefined
  readonly redirectUris: ReadonlyArray<string>
  readonly scope: string | undefined
  readonly issuedAt: number
}

export type RegistrationResult =
  | { readonly _tag: "Valid"; readonly clientName: string | undefined; readonly redirectUris: ReadonlyArray<string>; readonly scope: string | undefined }
  | { readonly _tag: "Invalid"; readonly error: "invalid_redirect_uri" | "invalid_client_metadata"; readonly description: string }

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"])
const MAX_REDIRECT_URIS = 10
const MAX_URI_LENGTH = 2000
const MAX_NAME_LENGTH = 200

const invalid = (
  error: "invalid_redirect_uri" | "invalid_client_metadata",
  description: string
): RegistrationResult => ({ _tag: "Invalid", error, description })

/** Why a redirect URI is unacceptable, or undefined when it is fine. */
export const redirectUriProblem = (uri: string): string | undefined => {
  if (uri.length > MAX_URI_LENGTH) return `is longer than ${MAX_URI_LENGTH} characters`
  if (uri.includes("#")) return "has a fragment, which redirect URIs must not have (RFC 6749 §3.1.2)"
  if (!URL.canParse(uri)) return "is not an absolute URL"
  const url = new URL(uri)
  if (url.username !== "" || url.password !== "") return "contains credentials"
  if (url.protocol === "https:") return undefined
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return undefined
  return "must use https, or http on a loopback address (127.0.0.1, localhost, [::1])"
}

const isLoopbackHttp = (url: URL): boolean => url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)

/**
 * Exact string match against a registered URI, except that a loopback http URI may use any port
 * (RFC 8252 §7.3: native apps get an ephemeral port). Host, path and query must still match.
 */
export const matchesRegistered = (client: RegisteredClient, uri: string): boolean =>
  client.redirectUris.some((registered) => {
    if (registered === uri) return true
    if (!URL.canParse(uri) || uri.includes("#")) return false
    const wanted = new URL(uri)
    const known = new URL(registered)
    return (
      isLoopbackHttp(known) &&
      isLoopbackHttp(wanted) &&
      wanted.hostname === known.hostname &&
      wanted.pathname === known.pathname &&
      wanted.search === known.search &&
      wanted.username === "" &&
      wanted.password === ""
    )
  })

const isStringArray = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

/** RFC 6749 §3.3 scope-token characters. */
export const isScopeString = (value: string): boolean => /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(value)

export const validateRegistration = (body: unknown): RegistrationResult => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid("invalid_client_metadata", "The request body must be a JSON object of client metadata (RFC 7591).")
  }
  const metadata = body as Record<string, unknown>
  const redirectUris = metadata["redirect_uris"]
  if (!isStringArray(redirectUris) || redirectUris.length === 0) {
    return invalid("invalid_redirect_uri", "redirect_uris is required: a non-empty array of URLs.")
  }
  if (redirectUris.length > MAX_REDIRECT_URIS) {
    return invalid("invalid_redirect_uri", `At most ${MAX_REDIRECT_URIS} redirect_uris may be registered.`)
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri)
    if (problem !== undefined) return invalid("invalid_redirect_uri", `The redirect URI ${JSON.stringify(uri.slice(0, 200))} ${problem}.`)
  }
  const grantTypes = metadata["grant_types"]
  if (grantTypes !== undefined) {
    if (!isStringArray(grantTypes) || grantTypes.some((g) => g !== "authorization_code" && g !== "refresh_token")) {
      return invalid("invalid_client_metadata", "grant_types may contain only authorization_code and refresh_token.")
    }
  }
  const responseTypes = metadata["response_types"]
  if (responseTypes !== undefined) {
    if (!isStringArray(responseTypes) || responseTypes.some((r) => r !== "code")) {
      return invalid("invalid_client_metadata", 'response_types may contain only "code".')
    }
  }
  const clientName = metadata["client_name"]
  if (clientName !== undefined && (typeof clientName !== "string" || clientName.length > MAX_NAME_LENGTH)) {
    return invalid("invalid_client_metadata", `client_name must be a string of at most ${MAX_NAME_LENGTH} characters.`)
  }
  const scope = metadata["scope"]
  if (scope !== undefined && (typeof scope !== "string" || (scope !== "" && !isScopeString(scope)) || scope.length > 1000)) {
    return invalid("invalid_client_metadata", "scope must be a space-separated list of scope tokens.")
  }
  return {
    _tag: "Valid",
    clientName: clientName === undefined || clientName.trim() === "" ? undefined : clientName,
    redirectUris: [...new Set(redirectUris)],
    scope: scope === undefined || scope === "" ? undefined : scope
  }
}
