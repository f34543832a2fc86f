import * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { createRemoteJWKSet, type RemoteJWKSet } from "jose"
import { OidcStartupError } from "./errors.js"
import { rootCause } from "./answers.js"

const HttpUrl = Schema.String.pipe(
  Schema.filter((value) => {
    if (!URL.canParse(value)) return "must be an absolute URL"
    const protocol = new URL(value).protocol
    return protocol === "https:" || protocol === "http:" ? true : "must be an http(s) URL"
  })
)

/** The part of the IdP's OpenID discovery document the proxy relies on; other members are ignored. */
export const IdpMetadata = Schema.Struct({
  issuer: Schema.NonEmptyTrimmedString,
  authorization_endpoint: HttpUrl,
  token_endpoint: HttpUrl,
  jwks_uri: HttpUrl,
  revocation_endpoint: Schema.optional(HttpUrl)
})
export type IdpMetadata = typeof IdpMetadata.Type

export interface Idp {
  readonly metadata: IdpMetadata
  /** Cached by jose; refetched when a token names an unknown `kid` (key rotation). */
  readonly jwks: RemoteJWKSet
}

const TIMEOUT = Duration.seconds(10)

const fix =
  "Check INFRAHUB_MCP_OIDC_CONFIG_URL: it must be the identity provider's `.well-known/openid-configuration` URL, reachable from this server."

const startupError = (message: string, cause?: unknown) =>
  new OidcStartupError(cause === undefined ? { message } : { message, cause })

/**
 * Fetches and validates the discovery document, then loads the JWKS once, so that a wrong URL or an
 * unreachable IdP stops the server at start-up instead of failing every sign-in later.
 */
export const discover = Effect.fn("OidcProxy.discover")(function* (configUrl: string) {
  if (!URL.canParse(configUrl) || !/^https?:$/.test(new URL(configUrl).protocol)) {
    return yield* startupError(`INFRAHUB_MCP_OIDC_CONFIG_URL is not an http(s) URL: "${configUrl}". ${fix}`)
  }
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get(configUrl, { acceptJson: true }).pipe(
    Effect.mapError((error) =>
      startupError(`Cannot fetch the OpenID discovery document at ${configUrl} (${rootCause(error)}). ${fix}`, error)
    ),
    Effect.timeoutFail({
      duration: TIMEOUT,
      onTimeout: () =>
        startupError(`The OpenID discovery document at ${configUrl} did not arrive within ${Duration.format(TIMEOUT)}. ${fix}`)
    })
  )
  if (response.status !== 200) {
    return yield* startupError(`The OpenID discovery document at ${configUrl} answered HTTP ${response.status}. ${fix}`)
  }
  const body = yield* response.json.pipe(
    Effect.mapError((error) =>
      startupError(`The document at ${configUrl} is not JSON, so it is not an OpenID discovery document. ${fix}`, error)
    )
  )
  const metadata = yield* Schema.decodeUnknown(IdpMetadata)(body).pipe(
    Effect.mapError((error) =>
      startupError(
        `The document at ${configUrl} is not a usable OpenID discovery document:\n${ParseResult.TreeFormatter.formatErrorSync(error)}\n${fix}`,
        error
      )
    )
  )
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: Duration.toMillis(TIMEOUT) })
  yield* Effect.tryPromise({
    try: () => jwks.reload(),
    catch: (error) =>
      startupError(
        `Cannot load the identity provider's signing keys from ${metadata.jwks_uri} (${rootCause(error)}). ` +
          "The discovery document names this jwks_uri; check that the identity provider is reachable from this server.",
        error
      )
  })
  if ((jwks.jwks()?.keys.length ?? 0) === 0) {
    return yield* startupError(
      `The identity provider's key set at ${metadata.jwks_uri} has no keys, so no token it issues could be verified. Check the identity provider's signing key configuration.`
    )
  }
  return { metadata, jwks } satisfies Idp
})
