// A test-only OpenID Provider (oidc-provider 9) on 127.0.0.1 with an ephemeral port, adapted from
// shared/recipes/oidc/idp.mjs: two static clients (confidential and public), one resource server whose
// access tokens are JWTs (or opaque, as Google's are), and a headless login where `login_hint` picks
// the user. Consent is automatic, except that the write scope is granted only to writers.
import http from "node:http"
import type { AddressInfo } from "node:net"
import { exportJWK, generateKeyPair } from "jose"
import Provider, { errors } from "oidc-provider"

export const USERS: Readonly<Record<string, { readonly email: string }>> = {
  alice: { email: "alice@example.com" },
  bob: { email: "bob@example.com" }
}
const WRITERS = new Set(["alice"])

export const CONFIDENTIAL_CLIENT = { id: "infrahub-mcp", secret: "mcp-dev-secret-0123456789abcdef" } as const
export const PUBLIC_CLIENT = { id: "infrahub-mcp-public" } as const
export const READ_SCOPE = "infrahub:read"
export const WRITE_SCOPE = "infrahub:write"

export interface IdpOptions {
  /** The audience (RFC 8707 resource) of the access tokens: the proxy's `<BASE_URL>/mcp`. */
  readonly resource: string
  /** The redirect URIs registered for both static clients. */
  readonly redirectUris: ReadonlyArray<string>
  /** `opaque` issues access tokens that are not JWTs, as Google does. */
  readonly accessTokenFormat?: "jwt" | "opaque"
}

export interface TestIdp {
  readonly issuer: string
  readonly discoveryUrl: string
  readonly resource: string
  /** Lifetime of access tokens issued from now on. */
  readonly setAccessTokenTtl: (seconds: number) => void
  /** The `grant_type` of every successful token request, in order. */
  readonly tokenGrants: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

export const startIdp = async (options: IdpOptions): Promise<TestIdp> => {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair("RS256", { extractable: true })
  let accessTokenTtl = 600
  const grants: Array<string> = []
  const client = {
    redirect_uris: options.redirectUris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"]
  }
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "test-rs256", alg: "RS256", use: "sig" }] },
    cookies: { keys: ["test-only-cookie-key"] },
    clients: [
      {
        ...client,
        client_id: CONFIDENTIAL_CLIENT.id,
        client_secret: CONFIDENTIAL_CLIENT.secret,
        token_endpoint_auth_method: "client_secret_basic"
      },
      { ...client, client_id: PUBLIC_CLIENT.id, token_endpoint_auth_method: "none" }
    ],
    // Resource scopes are listed too, so that they are advertised and accepted.
    scopes: ["openid", "email", "profile", "offline_access", READ_SCOPE, WRITE_SCOPE],
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // An authorization request without `resource` still yields tokens for our audience.
        defaultResource: (_ctx: unknown, _client: unknown, oneOf: string | undefined) => oneOf ?? options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== options.resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`)
          return {
            scope: `${READ_SCOPE} ${WRITE_SCOPE}`,
            audience: options.resource,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: options.accessTokenFormat ?? "jwt",
            jwt: { sign: { alg: "RS256" } }
          }
        }
      }
    },
    // Keycloak-like: a refresh token whenever the client may use the grant.
    issueRefreshToken: (_ctx: unknown, c: { grantTypeAllowed: (grant: string) => boolean }) =>
      c.grantTypeAllowed("refresh_token"),
    extraTokenClaims: (_ctx: unknown, token: { kind: string; accountId?: string }) =>
      token.kind === "AccessToken" && token.accountId !== undefined
        ? { email: USERS[token.accountId]?.email }
        : undefined,
    findAccount: (_ctx: unknown, id: string) => {
      const user = USERS[id]
      return user === undefined
        ? undefined
        : { accountId: id, claims: () => ({ sub: id, email: user.email, email_verified: true }) }
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 86400
    }
  })
  provider.on("grant.success", (ctx) => {
    const grantType = ctx.oidc.params?.["grant_type"]
    grants.push(typeof grantType === "string" ? grantType : "unknown")
  })

  // Headless login and consent: login = login_hint; the write scope only for writers.
  const interaction = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const { prompt, params, session, grantId } = await provider.interactionDetails(req, res)
    if (prompt.name === "login") {
      const hint = params["login_hint"]
      const accountId = typeof hint === "string" && USERS[hint] !== undefined ? hint : "alice"
      return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false })
    }
    const accountId = session?.accountId ?? "alice"
    const grant = (grantId === undefined ? undefined : await provider.Grant.find(grantId)) ??
      new provider.Grant({ accountId, clientId: String(params["client_id"]) })
    const allowed = (scope: string) => scope !== WRITE_SCOPE || WRITERS.has(accountId)
    const split = (scopes: ReadonlyArray<string>) => [
      scopes.filter(allowed).join(" "),
      scopes.filter((s) => !allowed(s)).join(" ")
    ] as const
    const details = prompt.details
    if (details.missingOIDCScope !== undefined) {
      const [yes, no] = split(details.missingOIDCScope)
      if (yes !== "") grant.addOIDCScope(yes)
      if (no !== "") grant.rejectOIDCScope(no) // rejected, so not prompted again
    }
    if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      const [yes, no] = split(scopes)
      if (yes !== "") grant.addResourceScope(indicator, yes)
      if (no !== "") grant.rejectResourceScope(indicator, no)
    }
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true }
    )
  }

  const callback = provider.callback()
  server.on("request", (req, res) => {
    if (req.url?.startsWith("/interaction/") !== true) return callback(req, res)
    interaction(req, res).catch((error: unknown) => {
      res.statusCode = 500
      res.end(String(error))
    })
  })

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    resource: options.resource,
    setAccessTokenTtl: (seconds) => {
      accessTokenTtl = seconds
    },
    tokenGrants: () => [...grants],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
