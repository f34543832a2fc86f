// MCP-client side of the tests: the real SDK OAuth client (`auth()` with an OAuthClientProvider whose
// "browser" is the headless follower), and small raw helpers for requests the SDK would never send.
import http from "node:http"
import { auth, extractResourceMetadataUrl, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js"
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js"
import { completeAuthorization, type HeadlessBrowser, pkcePair } from "./browser.js"
import type { Harness } from "./harness.js"

export const CLIENT_REDIRECT = "http://127.0.0.1:7777/callback"

export class TestOAuthClient implements OAuthClientProvider {
  private client: OAuthClientInformationMixed | undefined
  private saved: OAuthTokens | undefined
  private verifier = ""
  authorizationUrl: URL | undefined
  code: string | undefined

  constructor(
    readonly loginHint: string,
    readonly redirect: string = CLIENT_REDIRECT,
    /** Takes the place of the headless follower (the Chromium test drives a real browser). */
    readonly openBrowser?: (url: URL) => Promise<URLSearchParams>
  ) {}

  get redirectUrl(): string {
    return this.redirect
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "OIDC proxy test client",
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none"
    }
  }

  clientInformation() {
    return this.client
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info
  }
  tokens() {
    return this.saved
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier
  }
  codeVerifier() {
    return this.verifier
  }

  async redirectToAuthorization(url: URL) {
    url.searchParams.set("login_hint", this.loginHint) // the test IdP signs in whoever login_hint names
    this.authorizationUrl = url
    const params = await (this.openBrowser ?? ((u: URL) => completeAuthorization(u, this.redirect)))(url)
    this.code = params.get("code") ?? undefined
  }

  get clientId(): string {
    if (this.client === undefined) throw new Error("not registered")
    return this.client.client_id
  }

  get accessToken(): string {
    if (this.saved === undefined) throw new Error("no tokens")
    return this.saved.access_token
  }
}

/**
 * What an MCP client does on its first `/mcp` request: 401 → resource metadata from WWW-Authenticate →
 * discovery → registration → authorize (browser) → token. Returns the provider holding the tokens.
 */
export const signInWithSdk = async (
  harness: Harness,
  loginHint: string,
  options: { readonly redirect?: string; readonly openBrowser?: (url: URL) => Promise<URLSearchParams> } = {}
): Promise<TestOAuthClient> => {
  const challenge = await fetch(harness.mcpUrl, { method: "POST" })
  if (challenge.status !== 401) throw new Error(`expected 401 from /mcp, got ${challenge.status}`)
  const resourceMetadataUrl = extractResourceMetadataUrl(challenge)
  const provider = new TestOAuthClient(loginHint, options.redirect ?? CLIENT_REDIRECT, options.openBrowser)
  const discovery = { serverUrl: harness.mcpUrl, ...(resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }) }
  const first = await auth(provider, discovery)
  if (first !== "REDIRECT" || provider.code === undefined) throw new Error(`expected a redirect with a code, got ${first}`)
  const second = await auth(provider, { ...discovery, authorizationCode: provider.code })
  if (second !== "AUTHORIZED") throw new Error(`expected AUTHORIZED, got ${second}`)
  return provider
}

export interface EchoedIdentity {
  readonly subject: string
  readonly user: string
  readonly scopes: ReadonlyArray<string>
  readonly clientId: string
  readonly expiresAt: number
  readonly claims: Record<string, unknown>
}

export const callMcp = (harness: Harness, authorization: string | undefined) =>
  fetch(harness.mcpUrl, {
    method: "POST",
    headers: authorization === undefined ? {} : { authorization }
  })

export const identityOf = async (harness: Harness, accessToken: string): Promise<EchoedIdentity> => {
  const response = await callMcp(harness, `Bearer ${accessToken}`)
  if (response.status !== 200) throw new Error(`/mcp answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as EchoedIdentity
}

export const registerClient = async (
  harness: Harness,
  metadata: Record<string, unknown> = { client_name: "raw client", redirect_uris: [CLIENT_REDIRECT] }
): Promise<Response> =>
  fetch(`${harness.base}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(metadata)
  })

export const registeredClientId = async (harness: Harness, redirectUris: ReadonlyArray<string> = [CLIENT_REDIRECT]) => {
  const response = await registerClient(harness, { client_name: "raw client", redirect_uris: redirectUris })
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { client_id: string }).client_id
}

export interface AuthorizeRequest {
  readonly clientId: string
  readonly redirectUri?: string | undefined
  readonly challenge?: string | undefined
  readonly state?: string | undefined
  readonly scope?: string | undefined
  readonly resource?: string | undefined
  readonly loginHint?: string | undefined
  readonly extra?: Record<string, string> | undefined
}

export const authorizeUrl = (harness: Harness, request: AuthorizeRequest): URL => {
  const url = new URL(`${harness.base}/authorize`)
  const params: Record<string, string | undefined> = {
    client_id: request.clientId,
    response_type: "code",
    redirect_uri: request.redirectUri ?? CLIENT_REDIRECT,
    code_challenge: request.challenge,
    code_challenge_method: request.challenge === undefined ? undefined : "S256",
    state: request.state ?? "client-state",
    scope: request.scope,
    resource: request.resource ?? harness.mcpUrl,
    login_hint: request.loginHint ?? "alice",
    ...request.extra
  }
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value)
  return url
}

export const tokenRequest = (harness: Harness, params: Record<string, string>) =>
  fetch(`${harness.base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params)
  })

/** A full raw sign-in: register, authorize with PKCE through the consent page, return code + verifier. */
export const rawSignIn = async (
  harness: Harness,
  options: { readonly loginHint?: string; readonly redirectUri?: string; readonly browser?: HeadlessBrowser } = {}
) => {
  const clientId = await registeredClientId(harness)
  const pkce = pkcePair()
  const redirectUri = options.redirectUri ?? CLIENT_REDIRECT
  const params = await completeAuthorization(
    authorizeUrl(harness, { clientId, challenge: pkce.challenge, loginHint: options.loginHint ?? "alice", redirectUri }),
    redirectUri,
    options.browser === undefined ? {} : { browser: options.browser }
  )
  const code = params.get("code")
  if (code === null) throw new Error(`no code: ${params.toString()}`)
  return { clientId, code, verifier: pkce.verifier, redirectUri, state: params.get("state") }
}

export const redeem = (harness: Harness, signIn: { clientId: string; code: string; verifier: string; redirectUri: string }) =>
  tokenRequest(harness, {
    grant_type: "authorization_code",
    client_id: signIn.clientId,
    code: signIn.code,
    code_verifier: signIn.verifier,
    redirect_uri: signIn.redirectUri,
    resource: harness.mcpUrl
  })

export interface TokenBody {
  readonly access_token: string
  readonly refresh_token: string
  readonly expires_in: number
  readonly scope: string
  readonly token_type: string
}

/** Posts a chunked body that never ends; resolves with the answer the server gives while it is still being sent. */
export const endlessBody = (url: string, contentType: string) =>
  new Promise<{ readonly status: number; readonly connection: string | undefined; readonly body: string }>((resolve, reject) => {
    const target = new URL(url)
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": contentType, "transfer-encoding": "chunked" } },
      (response) => {
        let body = ""
        response.on("data", (chunk: Buffer) => (body += chunk.toString()))
        response.on("end", () => {
          request.destroy()
          resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body })
        })
      }
    )
    request.on("error", reject)
    const chunk = Buffer.alloc(64 * 1024, "a")
    const pump = () => {
      while (!request.destroyed && request.write(chunk)) {
        // keep writing until the socket pushes back
      }
      if (!request.destroyed) request.once("drain", pump)
    }
    pump()
  })
