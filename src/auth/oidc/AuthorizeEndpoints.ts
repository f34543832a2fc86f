/**
 * The browser leg of the flow: `/authorize` (checks the MCP client's request), `/consent` (the page
 * and its decision), and the IdP callback (exchanges the IdP's code and hands the client our own).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Idp } from "./Discovery.js"
import type { ExpiringStore } from "./ExpiringStore.js"
import type { LocalKeys } from "./LocalTokens.js"
import { localPath, type PublicUrls } from "./Metadata.js"
import { consentPage, errorPage } from "./Pages.js"
import { isScopeString, matchesRegistered, type RegisteredClient } from "./Registration.js"
import { hashToken, hmac, isS256Challenge, randomToken, s256, safeEqual } from "./secrets.js"
import type { Upstream, UpstreamTokens, VerifiedUpstream } from "./Upstream.js"
import { json, parseForm, readCookie, redirect, sanitizeDescription, setCookie, singleParam, wantsHtml } from "./web.js"

/** One authorization request in flight, from `/authorize` until the IdP calls back. */
export interface Transaction {
  readonly id: string
  readonly clientId: string
  readonly clientName: string | undefined
  readonly redirectUri: string
  /** RFC 6749 §4.1.3: when the client sent redirect_uri, its token request must repeat it. */
  readonly redirectUriSent: boolean
  readonly state: string | undefined
  readonly codeChallenge: string
  /** The scopes asked of the IdP. */
  readonly scopes: ReadonlyArray<string>
  readonly loginHint: string | undefined
  readonly csrfToken: string
  /** Our own PKCE verifier for the IdP leg. */
  readonly upstreamVerifier: string
  readonly nonce: string
  /** The redirect_uri sent to the IdP, repeated in the code exchange. */
  readonly callbackUrl: string
  readonly approved: boolean
  readonly expiresAt: number
}

/** Our one-time authorization code, holding the IdP's verified tokens until the client redeems it. */
export interface IssuedCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly redirectUriSent: boolean
  readonly codeChallenge: string
  readonly upstream: UpstreamTokens
  readonly verified: VerifiedUpstream
  /** The grant this code creates when redeemed; revoked if the code is presented again. */
  readonly grantId: string
  /** Mutable on purpose: redemption and replay flip these synchronously, between awaits. */
  readonly use: { redeemed: boolean; compromised: boolean }
}

export const TRANSACTION_TTL_MS = 15 * 60 * 1000
export const CODE_TTL_MS = 5 * 60 * 1000

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
  readonly clients: ExpiringStore<string, RegisteredClient>
  readonly transactions: ExpiringStore<string, Transaction>
  readonly codes: ExpiringStore<string, IssuedCode>
}

/** Errors the IdP may send back that mean the same to the MCP client; anything else is server_error. */
const PASSED_THROUGH = new Set(["access_denied", "invalid_scope", "temporarily_unavailable", "server_error"])
const DENIED = new Set(["login_required", "consent_required", "interaction_required", "account_selection_required"])

const START_AGAIN = "Start the sign-in again from your MCP client."

export const makeAuthorizeEndpoints = (deps: AuthorizeDeps) => {
  const { urls } = deps
  const cookiePath = `${urls.basePath}/`

  /** Before the redirect URI is verified, errors are shown here and never redirected (open redirect). */
  const stop = (request: Request, status: number, error: string, message: string, headers: ReadonlyArray<readonly [string, string]> = []) =>
    wantsHtml(request)
      ? errorPage(status, error, message, headers)
      : json({ error, error_description: sanitizeDescription(message) }, status, Object.fromEntries(headers))

  const backToClient = (
    target: { readonly redirectUri: string; readonly state: string | undefined },
    params: Record<string, string>,
    headers: ReadonlyArray<readonly [string, string]> = []
  ) => redirect(target.redirectUri, { ...params, state: target.state }, headers)

  const errorToClient = (
    target: { readonly redirectUri: string; readonly state: string | undefined },
    error: string,
    description: string,
    headers: ReadonlyArray<readonly [string, string]> = []
  ) => backToClient(target, { error, error_description: sanitizeDescription(description) }, headers)

  // The binding cookie ties the transaction to the browser that saw the consent page: a victim lured
  // straight to the IdP with someone else's transaction arrives at the callback without it.
  const bindingName = (txn: Transaction) => `imcp_${txn.id}`
  const bindingValue = (txn: Transaction) => hmac(deps.keys.bindingCookie, "consent-binding", txn.id)
  const setBinding = (txn: Transaction, now: number) =>
    [
      "set-cookie",
      setCookie(bindingName(txn), bindingValue(txn), {
        path: cookiePath,
        maxAgeSeconds: Math.max(1, Math.floor((txn.expiresAt - now) / 1000)),
        secure: urls.https
      })
    ] as const
  const clearBinding = (txn: Transaction) =>
    ["set-cookie", setCookie(bindingName(txn), "", { path: cookiePath, maxAgeSeconds: 0, secure: urls.https })] as const
  const hasBinding = (request: Request, txn: Transaction) => {
    const value = readCookie(request, bindingName(txn))
    return value !== undefined && safeEqual(value, bindingValue(txn))
  }

  const GOOGLE_ISSUER = "https://accounts.google.com"

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

  const approve = (txn: Transaction, now: number): Transaction => {
    const approved = { ...txn, approved: true }
    deps.transactions.set(txn.id, approved, txn.expiresAt, now)
    return approved
  }

  const authorize = Effect.fn("OidcProxy.authorize")(function* (request: Request) {
    const now = yield* Clock.currentTimeMillis
    const query = new URL(request.url).searchParams
    const single = (name: string) => singleParam(query, name)

    const clientId = single("client_id")
    if (clientId === null || typeof clientId !== "string") {
      return stop(request, 400, "invalid_request", `client_id is missing or repeated. ${START_AGAIN}`)
    }
    const client = deps.clients.get(clientId, now)
    if (client === undefined) {
      return stop(
        request,
        400,
        "invalid_client",
        "This application is not registered here (registrations are kept in memory and end when the server restarts). Reconnect from your MCP client so that it registers again."
      )
    }
    const requested = single("redirect_uri")
    if (typeof requested === "object" && requested !== null) {
      return stop(request, 400, "invalid_request", `redirect_uri is repeated. ${START_AGAIN}`)
    }
    let redirectUri: string
    if (requested === null) {
      const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined
      if (only === undefined) {
        return stop(request, 400, "invalid_request", "redirect_uri is required: this application registered several.")
      }
      redirectUri = only
    } else if (matchesRegistered(client, requested)) {
      redirectUri = requested
    } else {
      return stop(
        request,
        400,
        "invalid_request",
        "The redirect_uri is not one this application registered, so the sign-in cannot continue. " +
          "If you did not start this sign-in, close this page."
      )
    }

    // The redirect URI is verified: from here on, errors go back to the client.
    const stateParam = single("state")
    if (typeof stateParam === "object" && stateParam !== null) {
      return errorToClient({ redirectUri, state: undefined }, "invalid_request", "state is repeated.")
    }
    const target = { redirectUri, state: stateParam ?? undefined }
    if (target.state !== undefined && target.state.length > 2048) {
      return errorToClient({ redirectUri, state: undefined }, "invalid_request", "state is longer than 2048 characters.")
    }
    const responseType = single("response_type")
    if (responseType !== "code") {
      return errorToClient(target, "unsupported_response_type", "Only response_type=code is supported.")
    }
    const challenge = single("code_challenge")
    const method = single("code_challenge_method")
    if (typeof challenge !== "string" || !isS256Challenge(challenge) || method !== "S256") {
      return errorToClient(
        target,
        "invalid_request",
        "PKCE is required: send code_challenge (43 base64url characters) with code_challenge_method=S256."
      )
    }
    const resource = single("resource")
    if (resource !== null && resource !== urls.resource) {
      return errorToClient(target, "invalid_target", `resource must be ${urls.resource}, the MCP endpoint of this server.`)
    }
    const scope = single("scope")
    if (scope !== null && (typeof scope !== "string" || (scope !== "" && !isScopeString(scope)) || scope.length > 1000)) {
      return errorToClient(target, "invalid_scope", "scope must be a space-separated list of scope tokens.")
    }
    const requestedScopes = typeof scope === "string" ? [...new Set(scope.split(" ").filter((s) => s !== ""))] : []
    const loginHint = single("login_hint")

    const txn: Transaction = {
      id: randomToken(),
      clientId: client.clientId,
      clientName: client.clientName,
      redirectUri,
      redirectUriSent: requested !== null,
      state: target.state,
      codeChallenge: challenge,
      scopes: requestedScopes.length > 0 ? requestedScopes : deps.defaultScopes,
      loginHint: typeof loginHint === "string" && loginHint.length <= 256 ? loginHint : undefined,
      csrfToken: randomToken(),
      upstreamVerifier: randomToken(),
      nonce: randomToken(),
      callbackUrl: urls.callbackUrl,
      approved: false,
      expiresAt: now + TRANSACTION_TTL_MS
    }
    deps.transactions.set(txn.id, txn, txn.expiresAt, now)
    if (deps.consent === "skip") {
      return redirect(identityProviderUrl(approve(txn, now)), {}, [setBinding(txn, now)])
    }
    return redirect(`${urls.base}/consent`, { txn: txn.id })
  })

  const showConsent = Effect.fn("OidcProxy.consentPage")(function* (request: Request) {
    const now = yield* Clock.currentTimeMillis
    const id = singleParam(new URL(request.url).searchParams, "txn")
    const txn = typeof id === "string" ? deps.transactions.get(id, now) : undefined
    if (txn === undefined) {
      return stop(request, 400, "invalid_request", `This sign-in request is unknown or has expired. ${START_AGAIN}`)
    }
    return consentPage(
      {
        serverName: deps.serverName,
        serverHost: new URL(urls.base).host,
        clientName: txn.clientName,
        clientId: txn.clientId,
        redirectUri: txn.redirectUri,
        scopes: txn.scopes,
        identityProviderHost: new URL(deps.idp.metadata.authorization_endpoint).host,
        action: `${urls.base}/consent`,
        transactionId: txn.id,
        csrfToken: txn.csrfToken
      },
      [setBinding(txn, now)]
    )
  })

  const decideConsent = Effect.fn("OidcProxy.consentDecision")(function* (request: Request) {
    const now = yield* Clock.currentTimeMillis
    // SameSite=Lax already keeps the binding cookie off cross-site POSTs; a foreign Origin is refused outright.
    const origin = request.headers.get("origin")
    if (origin !== null && origin !== urls.origin) {
      return stop(request, 403, "access_denied", `The consent form was submitted from another site. ${START_AGAIN}`)
    }
    const form = yield* parseForm(request, 8 * 1024).pipe(Effect.either)
    if (form._tag === "Left") {
      return stop(request, 400, "invalid_request", `The consent form is malformed (${form.left.message}). ${START_AGAIN}`)
    }
    const id = form.right.get("txn")
    const txn = id === undefined ? undefined : deps.transactions.get(id, now)
    if (txn === undefined) {
      return stop(request, 400, "invalid_request", `This sign-in request is unknown or has expired. ${START_AGAIN}`)
    }
    const csrf = form.right.get("csrf")
    if (csrf === undefined || !safeEqual(csrf, txn.csrfToken)) {
      return stop(request, 403, "access_denied", `The consent form failed its CSRF check (missing or wrong token). ${START_AGAIN}`)
    }
    if (!hasBinding(request, txn)) {
      return stop(
        request,
        403,
        "access_denied",
        `This browser did not open the consent page for this sign-in (its cookie is missing). Allow cookies for this site, then ${START_AGAIN.toLowerCase()}`
      )
    }
    switch (form.right.get("decision")) {
      case "approve":
        return redirect(identityProviderUrl(approve(txn, now)))
      case "deny":
        deps.transactions.delete(txn.id)
        return errorToClient(txn, "access_denied", "The user denied the authorization request.", [clearBinding(txn)])
      default:
        return stop(request, 400, "invalid_request", `The consent form must say approve or deny. ${START_AGAIN}`)
    }
  })

  const callback = Effect.fn("OidcProxy.callback")(function* (request: Request) {
    const now = yield* Clock.currentTimeMillis
    const url = new URL(request.url)
    const query = url.searchParams
    const state = singleParam(query, "state")
    const txn = typeof state === "string" ? deps.transactions.get(state, now) : undefined
    if (txn === undefined) {
      return stop(request, 400, "invalid_request", `This sign-in is unknown, already finished, or expired. ${START_AGAIN}`)
    }
    if (!txn.approved) {
      return stop(request, 400, "access_denied", `This sign-in was not approved on the consent page. ${START_AGAIN}`)
    }
    if (!hasBinding(request, txn)) {
      return stop(
        request,
        403,
        "access_denied",
        `This browser did not approve this sign-in (its consent cookie is missing or wrong). If you did not start it, close this page; otherwise allow cookies for this site and ${START_AGAIN.toLowerCase()}`
      )
    }
    deps.transactions.delete(txn.id)
    const cleared = [clearBinding(txn)] as const
    // The IdP must come back where we sent it: /oauth/callback and /auth/callback both exist.
    if (`${urls.base}${localPath(urls, url.pathname)}` !== txn.callbackUrl) {
      return stop(request, 400, "invalid_request", `The identity provider called back on an unexpected path. ${START_AGAIN}`, cleared)
    }
    const issuer = singleParam(query, "iss")
    if (issuer !== null && issuer !== deps.idp.metadata.issuer) {
      // RFC 9207: the response comes from another issuer (mix-up attack).
      return errorToClient(txn, "access_denied", "The authorization response came from an unexpected issuer.", cleared)
    }
    const idpError = singleParam(query, "error")
    if (typeof idpError === "string") {
      const description = singleParam(query, "error_description")
      const error = PASSED_THROUGH.has(idpError) ? idpError : DENIED.has(idpError) ? "access_denied" : "server_error"
      return errorToClient(
        txn,
        error,
        `The identity provider did not sign the user in: ${idpError}${typeof description === "string" ? ` (${description.slice(0, 200)})` : ""}.`,
        cleared
      )
    }
    const code = singleParam(query, "code")
    if (typeof code !== "string" || code === "") {
      return errorToClient(txn, "server_error", "The identity provider called back without a code.", cleared)
    }
    const exchanged = yield* deps.upstream.exchangeCode(code, txn.callbackUrl, txn.upstreamVerifier).pipe(Effect.either)
    if (exchanged._tag === "Left") {
      yield* Effect.logWarning(`oidc_auth code_exchange_failed client_id=${txn.clientId}: ${exchanged.left.message}`)
      return errorToClient(
        txn,
        exchanged.left.kind === "unreachable" ? "temporarily_unavailable" : "server_error",
        `${exchanged.left.message} The server operator should check INFRAHUB_MCP_OIDC_CLIENT_ID, INFRAHUB_MCP_OIDC_CLIENT_SECRET and that ${txn.callbackUrl} is a registered redirect URI at the identity provider.`,
        cleared
      )
    }
    const verified = yield* deps.upstream.verify(exchanged.right, Option.some(txn.nonce)).pipe(Effect.either)
    if (verified._tag === "Left") {
      yield* Effect.logWarning(`oidc_auth upstream_token_rejected client_id=${txn.clientId}: ${verified.left.message}`)
      return errorToClient(
        txn,
        "server_error",
        `The identity provider's token did not verify (${verified.left.message}). The server operator should check INFRAHUB_MCP_OIDC_AUDIENCE and the identity provider's token settings.`,
        cleared
      )
    }
    const ourCode = randomToken()
    deps.codes.set(
      hashToken(ourCode),
      {
        clientId: txn.clientId,
        redirectUri: txn.redirectUri,
        redirectUriSent: txn.redirectUriSent,
        codeChallenge: txn.codeChallenge,
        upstream: exchanged.right,
        verified: verified.right,
        grantId: randomToken(),
        use: { redeemed: false, compromised: false }
      },
      now + CODE_TTL_MS,
      now
    )
    yield* Effect.logInfo(`oidc_auth sign_in client_id=${txn.clientId} sub=${verified.right.subject}`)
    return backToClient(txn, { code: ourCode }, cleared)
  })

  return { authorize, showConsent, decideConsent, callback }
}
