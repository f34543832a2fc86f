// The IdP side: a public upstream client (no secret: PKCE only, which the Python server cannot start
// with), the legacy /auth/callback path, opaque access tokens (Google-style), and a misconfigured
// audience that must stop the sign-in instead of admitting unverified tokens.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { HeadlessBrowser, parseConsentForm, pkcePair } from "./browser.js"
import { authorizeUrl, CLIENT_REDIRECT, identityOf, rawSignIn, redeem, registeredClientId, signInWithSdk, type TokenBody } from "./client.js"
import { type Harness, startHarness } from "./harness.js"

describe("public upstream client, random signing key, /auth/callback", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ upstreamClient: "public", callbackPath: "/auth/callback" })
  })
  afterAll(() => h.close())

  it("warns at start-up that tokens die with the process", () => {
    expect(h.logs.some((line) => line.startsWith("WARN oidc_auth signing_key=random"))).toBe(true)
    expect(h.logs.join("\n")).not.toContain("mcp-dev-secret")
  })

  it("signs alice in through the SDK with write scope, and bob without", async () => {
    const alice = await identityOf(h, (await signInWithSdk(h, "alice")).accessToken)
    expect(alice).toMatchObject({ subject: "alice", user: "alice@example.com" })
    expect(alice.scopes).toContain("infrahub:write")
    const bob = await identityOf(h, (await signInWithSdk(h, "bob")).accessToken)
    expect(bob.user).toBe("bob@example.com")
    expect(bob.scopes).not.toContain("infrahub:write")
  })

  it("sends the IdP our client_id, our own PKCE pair, the configured callback and the default scopes", async () => {
    const clientId = await registeredClientId(h)
    const pkce = pkcePair()
    const browser = new HeadlessBrowser()
    const url = authorizeUrl(h, { clientId, challenge: pkce.challenge, resource: h.mcpUrl })
    url.searchParams.delete("scope")
    const { response } = await browser.follow(url, () => false)
    const form = parseConsentForm(await (response as Response).text())
    const decided = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" })
    const toIdp = new URL(decided.headers.get("location") ?? "")
    expect(toIdp.origin).toBe(new URL(h.idp.issuer).origin)
    expect(Object.fromEntries(toIdp.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "infrahub-mcp-public",
      redirect_uri: `${h.base}/auth/callback`,
      state: form.txn,
      scope: "openid email profile infrahub:write",
      code_challenge_method: "S256",
      login_hint: "alice"
    })
    expect(toIdp.searchParams.get("code_challenge")).not.toBe(pkce.challenge) // the IdP leg has its own PKCE
    expect(toIdp.searchParams.has("audience")).toBe(false)
  })
})

describe("opaque access tokens (as Google issues), consent skipped", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ upstreamClient: "confidential", accessTokenFormat: "opaque", consent: "skip" })
  })
  afterAll(() => h.close())

  it("verifies the ID token instead and takes the scopes from the token response", async () => {
    const alice = await signInWithSdk(h, "alice")
    const identity = await identityOf(h, alice.accessToken)
    expect(identity).toMatchObject({ subject: "alice", user: "alice@example.com" })
    expect(identity.claims["aud"]).toBe("infrahub-mcp") // the ID token's audience is our client_id
    expect(identity.scopes).toContain("infrahub:write")
    const bob = await identityOf(h, (await signInWithSdk(h, "bob")).accessToken)
    expect(bob.scopes).not.toContain("infrahub:write")
  })

  it("still binds the sign-in to the browser with the cookie when consent is skipped", async () => {
    const clientId = await registeredClientId(h)
    const browser = new HeadlessBrowser()
    const atCallback = await browser.follow(authorizeUrl(h, { clientId, challenge: pkcePair().challenge }), (u) =>
      u.href.startsWith(`${h.base}/oauth/callback`)
    )
    const response = await new HeadlessBrowser().get(atCallback.url)
    expect(response.status).toBe(403)
  })

  it("logs that consent is skipped", () => {
    expect(h.logs.some((line) => line.startsWith("WARN oidc_auth consent=skip"))).toBe(true)
  })
})

describe("an audience the IdP's tokens do not carry", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ upstreamClient: "confidential", audience: "wrong", consent: "skip" })
  })
  afterAll(() => h.close())

  it("ends the sign-in at the client with server_error that names the setting, and issues no code", async () => {
    await expect(rawSignIn(h)).rejects.toThrow(/no code: .*error=server_error/)
    const clientId = await registeredClientId(h)
    const browser = new HeadlessBrowser()
    const landed = await browser.follow(authorizeUrl(h, { clientId, challenge: pkcePair().challenge, state: "st" }), (u) =>
      u.href.startsWith(CLIENT_REDIRECT)
    )
    expect(landed.url.searchParams.get("error")).toBe("server_error")
    expect(landed.url.searchParams.get("error_description")).toContain("INFRAHUB_MCP_OIDC_AUDIENCE")
    expect(landed.url.searchParams.get("state")).toBe("st")
    expect(landed.url.searchParams.has("code")).toBe(false)
    expect(h.logs.some((line) => line.startsWith("WARN oidc_auth upstream_token_rejected"))).toBe(true)
  })
})

describe("the IdP's audience when configured", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ upstreamClient: "confidential", audience: "resource", consent: "skip" })
  })
  afterAll(() => h.close())

  it("is forwarded to the IdP and checked on its tokens", async () => {
    const signIn = await rawSignIn(h)
    const tokens = (await (await redeem(h, signIn)).json()) as TokenBody
    expect((await identityOf(h, tokens.access_token)).claims["aud"]).toBe(h.mcpUrl)
    const clientId = await registeredClientId(h)
    const response = await fetch(authorizeUrl(h, { clientId, challenge: pkcePair().challenge }), { redirect: "manual" })
    expect(new URL(response.headers.get("location") ?? "").searchParams.get("audience")).toBe(h.mcpUrl)
  })
})

describe("a BASE_URL with a path prefix", () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ upstreamClient: "confidential", basePath: "/infrahub" })
  })
  afterAll(() => h.close())

  it("serves RFC 8414 metadata at the path-inserted URL and completes the SDK sign-in under the prefix", async () => {
    const origin = new URL(h.base).origin
    const metadata = (await (await fetch(`${origin}/.well-known/oauth-authorization-server/infrahub`)).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ issuer: h.base, authorization_endpoint: `${h.base}/authorize` })
    const resource = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/infrahub/mcp`)).json()) as Record<string, unknown>
    expect(resource).toMatchObject({ resource: `${h.base}/mcp`, authorization_servers: [h.base] })
    const alice = await signInWithSdk(h, "alice")
    expect(alice.authorizationUrl?.pathname).toBe("/infrahub/authorize")
    expect((await identityOf(h, alice.accessToken)).user).toBe("alice@example.com")
  })
})
