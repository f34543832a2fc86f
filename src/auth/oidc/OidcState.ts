/**
 * Everything the OAuth proxy remembers, as typed records in the `StateStore`. Each record lives
 * exactly as long as what it stands for (its TTL), so abandoned state disappears on its own, and a
 * store shared by replicas lets any of them continue a sign-in another one started.
 *
 * No key holds a secret: codes and refresh tokens are keyed by their SHA-256, sign-ins in flight by
 * the SHA-256 of their id (it travels in URLs). The IdP's tokens sit inside grant and code values;
 * a shared store encrypts values at rest.
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { stateNamespace } from "../../state/StateNamespace.js"
import type { StateStoreShape } from "../../state/StateStore.js"
import { hashToken } from "./secrets.js"
import { UpstreamTokens, VerifiedUpstream } from "./Upstream.js"

/** A registration is forgotten after this long unused; every use (authorize, token) renews it. */
export const CLIENT_TTL = Duration.days(30)
/** A sign-in in flight, from `/authorize` until the IdP calls back. */
export const TRANSACTION_TTL = Duration.minutes(15)
/** Our authorization code, from the IdP's callback until the client redeems it. */
export const CODE_TTL = Duration.minutes(5)

/** A client registered at `/register`: public (no secret), authorization code + PKCE only. */
export const RegisteredClient = Schema.Struct({
  clientId: Schema.String,
  clientName: Schema.optional(Schema.String),
  redirectUris: Schema.Array(Schema.String),
  scope: Schema.optional(Schema.String),
  /** Epoch seconds. */
  issuedAt: Schema.Number
})
export type RegisteredClient = typeof RegisteredClient.Type

/** One authorization request in flight, from `/authorize` until the IdP calls back. */
export const Transaction = Schema.Struct({
  id: Schema.String,
  clientId: Schema.String,
  clientName: Schema.optional(Schema.String),
  redirectUri: Schema.String,
  /** RFC 6749 §4.1.3: when the client sent redirect_uri, its token request must repeat it. */
  redirectUriSent: Schema.Boolean,
  state: Schema.optional(Schema.String),
  codeChallenge: Schema.String,
  /** The scopes asked of the IdP. */
  scopes: Schema.Array(Schema.String),
  loginHint: Schema.optional(Schema.String),
  csrfToken: Schema.String,
  /** Our own PKCE verifier for the IdP leg. */
  upstreamVerifier: Schema.String,
  nonce: Schema.String,
  /** The redirect_uri sent to the IdP, repeated in the code exchange. */
  callbackUrl: Schema.String,
  approved: Schema.Boolean,
  /** The flood-bound source that started it, so that finishing it frees that source's slot. */
  source: Schema.String,
  /** Epoch ms. */
  expiresAt: Schema.Number
})
export type Transaction = typeof Transaction.Type

/** Our one-time authorization code, holding the IdP's verified tokens until the client redeems it. */
export const IssuedCode = Schema.Struct({
  clientId: Schema.String,
  redirectUri: Schema.String,
  redirectUriSent: Schema.Boolean,
  codeChallenge: Schema.String,
  upstream: UpstreamTokens,
  verified: VerifiedUpstream,
  /** The grant this code creates when redeemed; revoked if the code is presented again. */
  grantId: Schema.String
})
export type IssuedCode = typeof IssuedCode.Type

/**
 * Written with the code and outliving its redemption: a code presented again finds this instead of
 * the code, which is how a replay is told from a code that never existed (and revokes the grant).
 */
export const CodeGrant = Schema.Struct({
  grantId: Schema.String,
  /** Set by a replay, so that a redemption still in progress refuses to issue tokens. */
  replayed: Schema.Boolean
})
export type CodeGrant = typeof CodeGrant.Type

/**
 * One sign-in of one MCP client: the IdP's tokens behind it, and the refresh token currently valid
 * for it. Everything we issue points at a grant, so deleting the grant revokes all of it at once.
 */
export const Grant = Schema.Struct({
  id: Schema.String,
  clientId: Schema.String,
  upstream: UpstreamTokens,
  verified: VerifiedUpstream,
  /** SHA-256 of the one refresh token that may be used next. */
  currentRefreshHash: Schema.String,
  /** Epoch ms: the life of the refresh token, and so of the grant. */
  expiresAt: Schema.Number
})
export type Grant = typeof Grant.Type

/** An access token we issued, by `jti`: valid only while its grant is. */
export const AccessTokenRecord = Schema.Struct({ grantId: Schema.String })

/** A refresh token we issued, by hash; a rotated one still points at its grant (reuse detection). */
export const RefreshTokenRecord = Schema.Struct({ grantId: Schema.String, clientId: Schema.String })

/** The time to live of a record whose life ends at `expiresAt` (epoch ms); at least a millisecond. */
export const untilExpiry = (expiresAt: number, now: number): Duration.Duration => Duration.millis(Math.max(1, expiresAt - now))

/** Sign-ins in flight are keyed by the hash of their id, which travels in URLs. */
export const transactionKey = (id: string): string => hashToken(id)

export const makeOidcState = (store: StateStoreShape) => ({
  clients: stateNamespace(store, "oidc:client", RegisteredClient),
  transactions: stateNamespace(store, "oidc:sign-in", Transaction),
  codes: stateNamespace(store, "oidc:code", IssuedCode),
  codeGrants: stateNamespace(store, "oidc:code-grant", CodeGrant),
  grants: stateNamespace(store, "oidc:grant", Grant),
  accessTokens: stateNamespace(store, "oidc:access-token", AccessTokenRecord),
  refreshTokens: stateNamespace(store, "oidc:refresh-token", RefreshTokenRecord)
})

export type OidcState = ReturnType<typeof makeOidcState>
