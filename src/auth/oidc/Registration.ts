/**
 * RFC 7591 client metadata: the Schema `/register` decodes with, and redirect-URI matching for
 * `/authorize`.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { RegisteredClient } from "./OidcState.js"

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

/** RFC 6749 §3.3 scope-token characters. */
export const isScopeString = (value: string): boolean => /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(value)

const REDIRECT_URIS_REQUIRED = "redirect_uris is required: a non-empty array of URLs."

const RedirectUri = Schema.String.annotations({ message: () => "Every redirect URI must be a string." }).pipe(
  Schema.filter((uri) => {
    const problem = redirectUriProblem(uri)
    return problem === undefined || `The redirect URI ${JSON.stringify(uri.slice(0, 200))} ${problem}.`
  })
)

/** The metadata a client may register; other members (e.g. a requested auth method) are ignored. */
const ClientMetadata = Schema.Struct({
  redirect_uris: Schema.propertySignature(
    Schema.Array(RedirectUri).annotations({ message: () => REDIRECT_URIS_REQUIRED }).pipe(
      Schema.minItems(1, { message: () => REDIRECT_URIS_REQUIRED }),
      Schema.maxItems(MAX_REDIRECT_URIS, { message: () => `At most ${MAX_REDIRECT_URIS} redirect_uris may be registered.` })
    )
  ).annotations({ missingMessage: () => REDIRECT_URIS_REQUIRED }),
  grant_types: Schema.optional(
    Schema.Array(Schema.Literal("authorization_code", "refresh_token")).annotations({
      message: () => ({ message: "grant_types may contain only authorization_code and refresh_token.", override: true })
    })
  ),
  response_types: Schema.optional(
    Schema.Array(Schema.Literal("code")).annotations({
      message: () => ({ message: 'response_types may contain only "code".', override: true })
    })
  ),
  client_name: Schema.optional(
    Schema.String.pipe(Schema.maxLength(MAX_NAME_LENGTH)).annotations({
      message: () => ({ message: `client_name must be a string of at most ${MAX_NAME_LENGTH} characters.`, override: true })
    })
  ),
  scope: Schema.optional(
    Schema.String.pipe(Schema.filter((scope) => scope === "" || (isScopeString(scope) && scope.length <= 1000))).annotations({
      message: () => ({ message: "scope must be a space-separated list of scope tokens.", override: true })
    })
  )
}).annotations({ message: () => "The request body must be a JSON object of client metadata (RFC 7591)." })

/** Decodes a `/register` body; the first problem decides the RFC 7591 error code. */
export const decodeRegistration = (body: unknown): RegistrationResult =>
  Either.match(Schema.decodeUnknownEither(ClientMetadata)(body), {
    onLeft: (error) => {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
      return invalid(
        issue?.path[0] === "redirect_uris" ? "invalid_redirect_uri" : "invalid_client_metadata",
        issue?.message ?? "The client metadata is not valid (RFC 7591)."
      )
    },
    onRight: (metadata) => ({
      _tag: "Valid",
      clientName: metadata.client_name === undefined || metadata.client_name.trim() === "" ? undefined : metadata.client_name,
      redirectUris: [...new Set(metadata.redirect_uris)],
      scope: metadata.scope === undefined || metadata.scope === "" ? undefined : metadata.scope
    })
  })
