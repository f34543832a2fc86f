import { hkdfSync, randomBytes } from "node:crypto"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type JWTPayload, jwtVerify, SignJWT } from "jose"

/**
 * The keys of what this server issues itself: the HS256 access tokens MCP clients present, and the
 * MAC of the consent binding cookie. Both are derived with HKDF from one secret, each under its own
 * label, so a value minted for one purpose can never pass as the other.
 */
export interface LocalKeys {
  readonly accessToken: Uint8Array
  readonly bindingCookie: Uint8Array
  /** Where the secret came from; `random` means tokens die with the process. */
  readonly source: "jwt_signing_key" | "client_secret" | "random"
}

const SALT = "infrahub-mcp/oidc-proxy"

const derive = (secret: Uint8Array, label: string): Uint8Array =>
  new Uint8Array(hkdfSync("sha256", secret, SALT, label, 32))

/**
 * An explicit signing key wins (it is the operator's deliberate choice and survives secret rotation
 * at the IdP); then the client secret, as FastMCP does; then a random per-process secret.
 */
export const deriveLocalKeys = (material: {
  readonly jwtSigningKey: Option.Option<Redacted.Redacted<string>>
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
}): LocalKeys => {
  const [secret, source] = Option.match(material.jwtSigningKey, {
    onSome: (key) => [Buffer.from(Redacted.value(key)), "jwt_signing_key"] as const,
    onNone: () =>
      Option.match(material.clientSecret, {
        onSome: (secret) => [Buffer.from(Redacted.value(secret)), "client_secret"] as const,
        onNone: () => [randomBytes(32), "random"] as const
      })
  })
  return {
    accessToken: derive(secret, "access-token v1"),
    bindingCookie: derive(secret, "consent-binding-cookie v1"),
    source
  }
}

/** RFC 9068's media type: it keeps our access tokens distinct from any other HS256 JWT. */
const ACCESS_TOKEN_TYPE = "at+jwt"

export interface AccessTokenClaims {
  readonly issuer: string
  readonly audience: string
  readonly subject: string
  readonly clientId: string
  readonly scope: string
  readonly jti: string
  /** Epoch seconds. */
  readonly issuedAt: number
  /** Epoch seconds. */
  readonly expiresAt: number
}

export const signAccessToken = (key: Uint8Array, claims: AccessTokenClaims): Promise<string> =>
  new SignJWT({ client_id: claims.clientId, scope: claims.scope })
    .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setJti(claims.jti)
    .setIssuedAt(claims.issuedAt)
    .setExpirationTime(claims.expiresAt)
    .sign(key)

/** Verifies signature, algorithm, type, issuer, audience and expiry (no clock tolerance: we issued it). */
export const verifyAccessToken = (
  key: Uint8Array,
  token: string,
  expected: { readonly issuer: string; readonly audience: string; readonly now: Date }
): Promise<JWTPayload> =>
  jwtVerify(token, key, {
    issuer: expected.issuer,
    audience: expected.audience,
    algorithms: ["HS256"],
    typ: ACCESS_TOKEN_TYPE,
    currentDate: expected.now,
    requiredClaims: ["exp", "jti", "sub", "client_id"]
  }).then((result) => result.payload)
