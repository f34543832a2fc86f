/**
 * The browser leg of the flow: `/authorize` (checks the MCP client's request), `/consent` (the page
 * and its decision), and the IdP callback (exchanges the IdP's code and hands the client our own).
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { redirect, refusal, sanitizeDescription } from "./answers.js"
import type { Clients } from "./Clients.js"
import type { Idp } from "./Discovery.js"
import type { FloodGuard } from "./FloodGuard.js"
import type { LocalKeys } from "./LocalTokens.js"
import { localPath, type PublicUrls } from "./Metadata.js"
import { CODE_TTL, type OidcState, type Transaction, TRANSACTION_TTL, transactionKey, untilExpiry } from "./OidcState.js"
import { consentPage } from "./Pages.js"
import { isScopeString, matchesRegistered } from "./Registration.js"
import { formBody } from "./requestBody.js"
import { hashToken, hmac, isS256Challenge, randomToken, s256, safeEqual } from "./secrets.js"
import type { Upstream } from "./Upstream.js"

export interface AuthorizeDeps {
  readonly urls: PublicUrls
  readonly idp: Idp
  readonly upstream: Upstream
  readonly keys: LocalKeys
  readonly consent: "required" | "skip"
  readonly upstreamClientId: string
  readonly audience: Option.Option<string>
  /** Asked of the IdP when the client asks for nothing: `openid email profile` + write scopes. */
  readonly defaultScopes: ReadonlyArray<string>
  readonly serverName: string
  readonly state: OidcState
  readonly clients: Clients
  readonly flood: FloodGuard
  /** The flood-bound source of a request (peer address, or the client behind a trusted proxy). */
  readonly sourceOf: (request: HttpServerRequest.HttpServerRequest) => string
}

/** Errors the IdP may send back that mean the same to the MCP client; anything else is server_error. */
const PASSED_THROUGH = new Set(["access_denied", "invalid_scope", "temporarily_unavailable", "server_error"])
const DENIED = new Set(["login_required", "consent_required", "interaction_required", "account_selection_required"])

const START_AGAIN = "Start the sign-in again from your MCP client."
const GOOGLE_ISSUER = "https://accounts.google.com"

const ConsentForm = Schema.Struct({
  txn: Schema.optional(Schema.String),
  csrf: Schema.optional(Schema.String),
  decision: Schema.optional(Schema.String)
})

type QueryValue = string | null | { readonly repeated: true }

type Query = Readonly<Record<string, string | ReadonlyArray<string>>>

/** The single value of a query parameter; `null` when absent, a marker when repeated. */
const single = (query: Query, name: string): QueryValue => {
  const value = query[name]
  if (value === undefined) return null
  if (typeof value === "string") return value
  return value.length === 1 ? (value[0] ?? null) : { repeated: true }
}

interface Target {
  readonly redirectUri: string
  readonly state?: string | undefined
}

const backToClient = (target: Target, params: Readonly<Record<string, string>>) =>
  redirect(target.redirectUri, { ...params, state: target.state })

const errorToClient = (target: Target, error: string, description: string) =>
  backToClient(target, { error, error_description: sanitizeDescription(description) })

export const makeAuthorizeEndpoints = (deps: AuthorizeDeps) => {
  const { urls, state } = deps
  const cookiePath = `${urls.basePath}/`

  // The binding cookie ties the sign-in to the browser that saw the consent page: a victim lured
  // straight to the IdP with someone else's sign-in arrives at the callback without it.
  const bindingName = (txn: Transaction) => `imcp_${txn.id}`
  const bindingValue = (txn: Transaction) => hmac(deps.keys.bindingCookie, "consent-binding", txn.id)
  const cookieOptions = { path: cookiePath, httpOnly: true, sameSite: "lax", secure: urls.https } as const
  const withBinding = (response: HttpServerResponse.HttpServerResponse, txn: Transaction, now: number) =>
    HttpServerResponse.unsafeSetCookie(response, bindingName(txn), bindingValue(txn), {
      ...cookieOptions,
      maxAge: Duration.seconds(Math.max(1, Math.floor((txn.expiresAt - now) / 1000)))
    })
  const withoutBinding = (response: HttpServerResponse.HttpServerResponse, txn: Transaction) =>
    HttpServerResponse.expireCookie(response, bindingName(txn), cookieOptions)
  const hasBinding = (request: HttpServerRequest.HttpServerRequest, txn: Transaction) => {
    const value = request.cookies[bindingName(txn)]
    return value !== undefined && safeEqual(value, bindingValue(txn))
  }

  const identityProviderUrl = (txn: Transaction): string => {
    const url = new URL(deps.idp.metadata.authorization_endpoint)
    const params: Record<string, string | undefined> = {
      response_type: "code",
      client_id: deps.upstreamClientId,
      redirect_uri: txn.callbackUrl,
      state: txn.id,
      scope: txn.scopes.join(" "),
      code_challenge: s256(txn.upstreamVerifier),
      code_challenge_method: "S256",
      nonce: txn.nonce,
      audience: Option.getOrUndefined(deps.audience),
      login_hint: txn.loginHint,
      // Google issues a refresh token only for offline access, and reliably only with a consent prompt;
      // without one, sessions end when its one-hour access token does.
      ...(deps.idp.metadata.issuer === GOOGLE_ISSUER ? { access_type: "offline", prompt: "consent" } : {})
    }
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
    return url.href
  }

  const findTransaction = (id: QueryValue | undefined) =>
    typeof id === "string" ? state.transactions.get(transactionKey(id)) : Effect.succeed(Option.none<Transaction>())

  /** Ends a sign-in in flight: single use, and its flood-bound slots are freed. `false` if it was already gone. */
  const finish = (txn: Transaction) =>
    Effect.gen(function* () {
      const taken = yield* state.transactions.take(transactionKey(txn.id))
      yield* deps.flood.releaseSignIn(transactionKey(txn.id), txn.clientId, txn.source)
      return Option.isSome(taken)
    })

  const authorize = Effect.fn("OidcProxy.authorize")(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = yield* HttpServerRequest.ParsedSearchParams
    const now = yield* Clock.currentTimeMillis
    const stop = (status: number, error: string, message: string) => refusal(request, status, error, message)

    const clientId = single(query, "client_id")
    if (typeof clientId !== "string") return stop(400, "invalid_request", `client_id is missing or repeated. ${START_AGAIN}`)
    const found = yield* deps.clients.find(clientId)
    if (Option.isNone(found)) {
      return stop(
        400,
        "invalid_client",
        "This application is not registered here (its registration expired after long disuse, or the server's state was reset). Reconnect from your MCP client so that it registers again."
      )
    }
    const client = found.value
    const requested = single(query, "redirect_uri")
    if (typeof requested === "object" && requested !== null) return stop(400, "invalid_request", `redirect_uri is repeated. ${START_AGAIN}`)
    let redirectUri: string
    if (requested === null) {
      const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined
      if (only === undefined) return stop(400, "invalid_request", "redirect_uri is required: this application registered several.")
      redirectUri = only
    } else if (matchesRegistered(client, requested)) {
      redirectUri = requested
    } else {
      return stop(
        400,
        "invalid_request",
        "The redirect_uri is not one this application registered, so the sign-in cannot continue. If you did not start this sign-in, close this page."
      )
    }

    // The redirect URI is verified: from here on, errors go back to the client.
    const stateParam = single(query, "state")
    if (typeof stateParam === "object" && stateParam !== null) {
      return errorToClient({ redirectUri, state: undefined }, "invalid_request", "state is repeated.")
    }
    const target: Target = { redirectUri, state: stateParam ?? undefined }
    if (target.state !== undefined && target.state.length > 2048) {
      return errorToClient({ redirectUri, state: undefined }, "invalid_request", "state is longer than 2048 characters.")
    }
    if (single(query, "response_type") !== "code") {
      return errorToClient(target, "unsupported_response_type", "Only response_type=code is supported.")
    }
    const challenge = single(query, "code_challenge")
    if (typeof challenge !== "string" || !isS256Challenge(challenge) || single(query, "code_challenge_method") !== "S256") {
      return errorToClient(target, "invalid_request", "PKCE is required: send code_challenge (43 base64url characters) with code_challenge_method=S256.")
    }
    const resource = single(query, "resource")
    if (resource !== null && resource !== urls.resource) {
      return errorToClient(target, "invalid_target", `resource must be ${urls.resource}, the MCP endpoint of this server.`)
    }
    const scope = single(query, "scope")
    if (scope !== null && (typeof scope !== "string" || (scope !== "" && !isScopeString(scope)) || scope.length > 1000)) {
      return errorToClient(target, "invalid_scope", "scope must be a space-separated list of scope tokens.")
    }
    const requestedScopes = typeof scope === "string" ? [...new Set(scope.split(" ").filter((s) => s !== ""))] : []
    const loginHint = single(query, "login_hint")

    const txn: Transaction = {
      id: randomToken(),
      clientId: client.clientId,
      ...(client.clientName === undefined ? {} : { clientName: client.clientName }),
      redirectUri,
      redirectUriSent: requested !== null,
      ...(target.state === undefined ? {} : { state: target.state }),
      codeChallenge: challenge,
      scopes: requestedScopes.length > 0 ? requestedScopes : deps.defaultScopes,
      ...(typeof loginHint === "string" && loginHint.length <= 256 ? { loginHint } : {}),
      csrfToken: randomToken(),
      upstreamVerifier: randomToken(),
      nonce: randomToken(),
      callbackUrl: urls.callbackUrl,
      approved: deps.consent === "skip",
      source: deps.sourceOf(request),
      expiresAt: now + Duration.toMillis(TRANSACTION_TTL)
    }
    const admission = yield* deps.flood.admitSignIn(transactionKey(txn.id), txn.clientId, txn.source)
    if (admission._tag === "Refused") {
      yield* Effect.logWarning(`oidc_auth sign_in_refused client_id=${txn.clientId} source=${txn.source}: too many sign-ins in progress`)
      return refusal(request, 429, "temporarily_unavailable", admission.description, { "retry-after": String(admission.retryAfterSeconds) })
    }
    yield* state.transactions.set(transactionKey(txn.id), txn, TRANSACTION_TTL)
    if (txn.approved) return withBinding(redirect(identityProviderUrl(txn)), txn, now)
    return redirect(`${urls.base}/consent`, { txn: txn.id })
  })

  const showConsent = Effect.fn("OidcProxy.consentPage")(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const now = yield* Clock.currentTimeMillis
    const txn = yield* findTransaction(single(yield* HttpServerRequest.ParsedSearchParams, "txn"))
    if (Option.isNone(txn)) {
      return refusal(request, 400, "invalid_request", `This sign-in request is unknown or has expired. ${START_AGAIN}`)
    }
    const page = consentPage({
      serverName: deps.serverName,
      serverHost: new URL(urls.base).host,
      clientName: txn.value.clientName,
      clientId: txn.value.clientId,
      redirectUri: txn.value.redirectUri,
      scopes: txn.value.scopes,
      identityProviderHost: new URL(deps.idp.metadata.authorization_endpoint).host,
      action: `${urls.base}/consent`,
      transactionId: txn.value.id,
      csrfToken: txn.value.csrfToken
    })
    return withBinding(page, txn.value, now)
  })

  const decideConsent = Effect.fn("OidcProxy.consentDecision")(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const stop = (status: number, error: string, message: string) => refusal(request, status, error, message)
    // SameSite=Lax already keeps the binding cookie off cross-site POSTs; a foreign Origin is refused outright.
    const origin = request.headers["origin"]
    if (origin !== undefined && origin !== urls.origin) {
      return stop(403, "access_denied", `The consent form was submitted from another site. ${START_AGAIN}`)
    }
    const form = yield* Effect.either(formBody(ConsentForm))
    if (form._tag === "Left") {
      if (form.left._tag === "RequestBodyTooLarge") return yield* form.left
      return stop(400, "invalid_request", `The consent form is malformed (${form.left.message}). ${START_AGAIN}`)
    }
    const found = yield* findTransaction(form.right.txn)
    if (Option.isNone(found)) return stop(400, "invalid_request", `This sign-in request is unknown or has expired. ${START_AGAIN}`)
    const txn = found.value
    const csrf = form.right.csrf
    if (csrf === undefined || !safeEqual(csrf, txn.csrfToken)) {
      return stop(403, "access_denied", `The consent form failed its CSRF check (missing or wrong token). ${START_AGAIN}`)
    }
    if (!hasBinding(request, txn)) {
      return stop(
        403,
        "access_denied",
        `This browser did not open the consent page for this sign-in (its cookie is missing). Allow cookies for this site, then ${START_AGAIN.toLowerCase()}`
      )
    }
    switch (form.right.decision) {
      case "approve": {
        const approved: Transaction = { ...txn, approved: true }
        const ttl = untilExpiry(txn.expiresAt, yield* Clock.currentTimeMillis)
        if (!(yield* state.transactions.compareAndSet(transactionKey(txn.id), found, Option.some(approved), ttl))) {
          return stop(400, "invalid_request", `This sign-in request is unknown or has expired. ${START_AGAIN}`)
        }
        return redirect(identityProviderUrl(approved))
      }
      case "deny":
        yield* finish(txn)
        return withoutBinding(errorToClient(txn, "access_denied", "The user denied the authorization request."), txn)
      default:
        return stop(400, "invalid_request", `The consent form must say approve or deny. ${START_AGAIN}`)
    }
  })

  const callback = Effect.fn("OidcProxy.callback")(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = yield* HttpServerRequest.ParsedSearchParams
    const stop = (status: number, error: string, message: string) => refusal(request, status, error, message)
    const found = yield* findTransaction(single(query, "state"))
    if (Option.isNone(found)) return stop(400, "invalid_request", `This sign-in is unknown, already finished, or expired. ${START_AGAIN}`)
    const txn = found.value
    if (!txn.approved) return stop(400, "access_denied", `This sign-in was not approved on the consent page. ${START_AGAIN}`)
    if (!hasBinding(request, txn)) {
      return stop(
        403,
        "access_denied",
        `This browser did not approve this sign-in (its consent cookie is missing or wrong). If you did not start it, close this page; otherwise allow cookies for this site and ${START_AGAIN.toLowerCase()}`
      )
    }
    // Single use: of two callbacks for one sign-in (a double click, two replicas), one goes on.
    if (!(yield* finish(txn))) {
      return stop(400, "invalid_request", `This sign-in is unknown, already finished, or expired. ${START_AGAIN}`)
    }
    const answer = (response: HttpServerResponse.HttpServerResponse) => withoutBinding(response, txn)
    const pathname = new URL(request.url, urls.origin).pathname
    // The IdP must come back where we sent it: /oauth/callback and /auth/callback both exist.
    if (`${urls.base}${localPath(urls, pathname)}` !== txn.callbackUrl) {
      return answer(stop(400, "invalid_request", `The identity provider called back on an unexpected path. ${START_AGAIN}`))
    }
    const issuer = single(query, "iss")
    if (issuer !== null && issuer !== deps.idp.metadata.issuer) {
      // RFC 9207: the response comes from another issuer (mix-up attack).
      return answer(errorToClient(txn, "access_denied", "The authorization response came from an unexpected issuer."))
    }
    const idpError = single(query, "error")
    if (typeof idpError === "string") {
      const description = single(query, "error_description")
      const error = PASSED_THROUGH.has(idpError) ? idpError : DENIED.has(idpError) ? "access_denied" : "server_error"
      return answer(
        errorToClient(
          txn,
          error,
          `The identity provider did not sign the user in: ${idpError}${typeof description === "string" ? ` (${description.slice(0, 200)})` : ""}.`
        )
      )
    }
    const code = single(query, "code")
    if (typeof code !== "string" || code === "") {
      return answer(errorToClient(txn, "server_error", "The identity provider called back without a code."))
    }
    const exchanged = yield* deps.upstream.exchangeCode(code, txn.callbackUrl, txn.upstreamVerifier).pipe(Effect.either)
    if (exchanged._tag === "Left") {
      yield* Effect.logWarning(`oidc_auth code_exchange_failed client_id=${txn.clientId}: ${exchanged.left.message}`)
      return answer(
        errorToClient(
          txn,
          exchanged.left.kind === "unreachable" ? "temporarily_unavailable" : "server_error",
          `${exchanged.left.message} The server operator should check INFRAHUB_MCP_OIDC_CLIENT_ID, INFRAHUB_MCP_OIDC_CLIENT_SECRET and that ${txn.callbackUrl} is a registered redirect URI at the identity provider.`
        )
      )
    }
    const verified = yield* deps.upstream.verify(exchanged.right, Option.some(txn.nonce)).pipe(Effect.either)
    if (verified._tag === "Left") {
      yield* Effect.logWarning(`oidc_auth upstream_token_rejected client_id=${txn.clientId}: ${verified.left.message}`)
      return answer(
        errorToClient(
          txn,
          "server_error",
          `The identity provider's token did not verify (${verified.left.message}). The server operator should check INFRAHUB_MCP_OIDC_AUDIENCE and the identity provider's token settings.`
        )
      )
    }
    const ourCode = randomToken()
    const grantId = randomToken()
    // The code first, then its companion: from the moment the code exists, a replay can be recognised.
    yield* state.codes.set(
      hashToken(ourCode),
      {
        clientId: txn.clientId,
        redirectUri: txn.redirectUri,
        redirectUriSent: txn.redirectUriSent,
        codeChallenge: txn.codeChallenge,
        upstream: exchanged.right,
        verified: verified.right,
        grantId
      },
      CODE_TTL
    )
    yield* state.codeGrants.set(hashToken(ourCode), { grantId, replayed: false }, CODE_TTL)
    yield* Effect.logInfo(`oidc_auth sign_in client_id=${txn.clientId} sub=${verified.right.subject}`)
    return answer(backToClient(txn, { code: ourCode }))
  })

  return { authorize, showConsent, decideConsent, callback }
}
