// Adversarial tests: every request an attacker (or a broken client) could send is refused, with a
// clear OAuth error, and nothing is redirected to an address the client did not register.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Option, Redacted } from "effect"
import { SignJWT, UnsecuredJWT } from "jose"
import { deriveLocalKeys, signAccessToken } from "../../../src/auth/oidc/LocalTokens.js"
import { HeadlessBrowser, isConsentPage, parseConsentForm, pkcePair } from "./browser.js"
import {
  authorizeUrl,
  CLIENT_REDIRECT,
  callMcp,
  identityOf,
  rawSignIn,
  redeem,
  registerClient,
  registeredClientId,
  type TokenBody,
  tokenRequest
} from "./client.js"
import { type Harness, startHarness } from "./harness.js"

const SIGNING_KEY = "test-signing-key-0123456789abcdef-0123456789"
const key = deriveLocalKeys({ jwtSigningKey: Option.some(Redacted.make(SIGNING_KEY)), clientSecret: Option.none() }).accessToken

let h: Harness
beforeAll(async () => {
  h = await startHarness({ upstreamClient: "public", jwtSigningKey: SIGNING_KEY })
})
afterAll(() => h.close())

const signedIn = async () => {
  const signIn = await rawSignIn(h)
  const response = await redeem(h, signIn)
  expect(response.status).toBe(200)
  return { signIn, tokens: (await response.json()) as TokenBody }
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>

const expectRefused = async (authorization: string, description: RegExp) => {
  const response = await callMcp(h, authorization)
  expect(response.status).toBe(401)
  expect(response.headers.get("www-authenticate")).toContain(`resource_metadata="${h.base}/.well-known/oauth-protected-resource/mcp"`)
  const body = (await response.json()) as { error: string; error_description: string }
  expect(body.error).toBe("invalid_token")
  expect(body.error_description).toMatch(description)
}

describe("/mcp bearer tokens", () => {
  it("accepts the scheme in any case, and only a bearer token", async () => {
    const { tokens } = await signedIn()
    expect((await callMcp(h, `bearer ${tokens.access_token}`)).status).toBe(200)
    await expectRefused(`Basic ${Buffer.from("alice:secret").toString("base64")}`, /not a bearer token/)
    await expectRefused(`Bearer ${tokens.access_token} ${tokens.access_token}`, /not a bearer token/)
    await expectRefused("Bearer", /not a bearer token/)
  })

  it("refuses an expired token", async () => {
    const { tokens, signIn } = await signedIn()
    const jti = String(claimsOf(tokens.access_token)["jti"])
    const now = Math.floor(Date.now() / 1000)
    const expired = await signAccessToken(key, {
      issuer: h.base, audience: h.mcpUrl, subject: "alice", clientId: signIn.clientId, scope: "", jti, issuedAt: now - 120, expiresAt: now - 60
    })
    await expectRefused(`Bearer ${expired}`, /has expired\. Use the refresh token/)
  })

  it("refuses a token for another audience or from another issuer, even when signed with our key", async () => {
    const { tokens, signIn } = await signedIn()
    const jti = String(claimsOf(tokens.access_token)["jti"])
    const now = Math.floor(Date.now() / 1000)
    const base = { subject: "alice", clientId: signIn.clientId, scope: "infrahub:write", jti, issuedAt: now, expiresAt: now + 300 }
    await expectRefused(`Bearer ${await signAccessToken(key, { ...base, issuer: h.base, audience: "https://other.example/mcp" })}`, /wrong or missing aud claim/)
    await expectRefused(`Bearer ${await signAccessToken(key, { ...base, issuer: "https://other.example", audience: h.mcpUrl })}`, /wrong or missing iss claim/)
  })

  it("refuses a token signed with another key, a tampered token (forged scope) and an unsigned one", async () => {
    const { tokens, signIn } = await signedIn()
    const claims = claimsOf(tokens.access_token)
    const now = Math.floor(Date.now() / 1000)
    const otherKey = deriveLocalKeys({ jwtSigningKey: Option.some(Redacted.make("another-key-0123456789abcdef-0123456789")), clientSecret: Option.none() }).accessToken
    const foreign = await signAccessToken(otherKey, {
      issuer: h.base, audience: h.mcpUrl, subject: "alice", clientId: signIn.clientId, scope: "", jti: String(claims["jti"]), issuedAt: now, expiresAt: now + 300
    })
    await expectRefused(`Bearer ${foreign}`, /bad signature/)

    const [header, , signature] = tokens.access_token.split(".")
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, scope: "infrahub:write admin" })).toString("base64url")
    await expectRefused(`Bearer ${header}.${forgedPayload}.${signature}`, /bad signature/)

    const unsigned = new UnsecuredJWT({ ...claims }).encode()
    await expectRefused(`Bearer ${unsigned}`, /not valid for this server/)

    const otherAlgorithm = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS512", typ: "at+jwt" }).sign(key)
    await expectRefused(`Bearer ${otherAlgorithm}`, /algorithm not allowed/)
    await expectRefused("Bearer not-a-jwt", /not a well-formed JWT/)
  })

  it("refuses a well-signed token whose session does not exist, or whose client_id is not the session's", async () => {
    const { tokens, signIn } = await signedIn()
    const now = Math.floor(Date.now() / 1000)
    const claims = { issuer: h.base, audience: h.mcpUrl, subject: "alice", scope: "", issuedAt: now, expiresAt: now + 300 }
    await expectRefused(`Bearer ${await signAccessToken(key, { ...claims, clientId: signIn.clientId, jti: "no-such-session" })}`, /session is unknown/)
    const jti = String(claimsOf(tokens.access_token)["jti"])
    await expectRefused(`Bearer ${await signAccessToken(key, { ...claims, clientId: "someone-else", jti })}`, /client_id does not match/)
  })
})

describe("/register", () => {
  it("registers a public client: a client_id, no secret, auth method none", async () => {
    const response = await registerClient(h, { client_name: "Claude", redirect_uris: ["https://claude.ai/api/mcp/auth_callback"], token_endpoint_auth_method: "client_secret_basic" })
    expect(response.status).toBe(201)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ client_name: "Claude", token_endpoint_auth_method: "none", redirect_uris: ["https://claude.ai/api/mcp/auth_callback"] })
    expect(body["client_id"]).toEqual(expect.any(String))
    expect(body).not.toHaveProperty("client_secret")
  })

  it.each([
    [{ client_name: "x" }, "invalid_redirect_uri", /redirect_uris is required/],
    [{ redirect_uris: [] }, "invalid_redirect_uri", /redirect_uris is required/],
    [{ redirect_uris: ["http://evil.example/cb"] }, "invalid_redirect_uri", /https, or http on a loopback/],
    [{ redirect_uris: ["https://client.example/cb#frag"] }, "invalid_redirect_uri", /fragment/],
    [{ redirect_uris: ["javascript:alert(1)"] }, "invalid_redirect_uri", /https, or http on a loopback/],
    [{ redirect_uris: ["https://user:pw@client.example/cb"] }, "invalid_redirect_uri", /credentials/],
    [{ redirect_uris: [CLIENT_REDIRECT], grant_types: ["implicit"] }, "invalid_client_metadata", /grant_types/],
    [{ redirect_uris: [CLIENT_REDIRECT], response_types: ["token"] }, "invalid_client_metadata", /response_types/],
    [[CLIENT_REDIRECT], "invalid_client_metadata", /JSON object/]
  ])("refuses %j", async (metadata, error, description) => {
    const response = await registerClient(h, metadata as Record<string, unknown>)
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: string; error_description: string }
    expect(body.error).toBe(error)
    expect(body.error_description).toMatch(description)
  })

  it("refuses a body that is not JSON", async () => {
    const response = await fetch(`${h.base}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "invalid_client_metadata" })
  })
})

describe("/authorize", () => {
  it("shows an error page, never a redirect, for an unknown client or an unregistered redirect URI", async () => {
    const clientId = await registeredClientId(h)
    const { challenge } = pkcePair()
    for (const url of [
      authorizeUrl(h, { clientId: "unknown-client", challenge }),
      authorizeUrl(h, { clientId, challenge, redirectUri: "https://attacker.example/cb" }),
      authorizeUrl(h, { clientId, challenge, redirectUri: "http://127.0.0.1:7777/other-path" }),
      authorizeUrl(h, { clientId, challenge, redirectUri: "http://localhost:7777/callback" })
    ]) {
      const response = await new HeadlessBrowser().get(url)
      expect(response.status).toBe(400)
      expect(response.headers.get("location")).toBeNull()
      const page = await response.text()
      expect(page).toContain("Sign-in stopped")
      expect(page).not.toContain("attacker.example")
    }
    const json = await fetch(authorizeUrl(h, { clientId: "unknown-client", challenge }), { redirect: "manual" })
    expect(await json.json()).toMatchObject({ error: "invalid_client" })
  })

  it("refuses a repeated client_id or redirect_uri", async () => {
    const clientId = await registeredClientId(h)
    const url = authorizeUrl(h, { clientId, challenge: pkcePair().challenge })
    url.searchParams.append("redirect_uri", "https://attacker.example/cb")
    const response = await fetch(url, { redirect: "manual" })
    expect(response.status).toBe(400)
    expect(response.headers.get("location")).toBeNull()
  })

  it("allows a loopback redirect URI on another port (RFC 8252), and delivers the code there", async () => {
    const registered = "http://127.0.0.1:7777/callback"
    const other = "http://127.0.0.1:45678/callback"
    const clientId = await registeredClientId(h, [registered])
    const pkce = pkcePair()
    const browser = new HeadlessBrowser()
    const { url, response } = await browser.follow(authorizeUrl(h, { clientId, challenge: pkce.challenge, redirectUri: other }), () => false)
    expect(isConsentPage(url)).toBe(true)
    const form = parseConsentForm(await (response as Response).text())
    const decided = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" })
    const landed = await browser.follow(decided.headers.get("location") ?? "", (u) => u.href.startsWith(other))
    expect(landed.url.href.startsWith(other)).toBe(true)
    const code = landed.url.searchParams.get("code") ?? ""
    const token = await tokenRequest(h, { grant_type: "authorization_code", client_id: clientId, code, code_verifier: pkce.verifier, redirect_uri: other })
    expect(token.status).toBe(200)
  })

  it.each([
    ["no PKCE", { challenge: undefined }, "invalid_request", /PKCE is required/],
    ["plain PKCE", { extra: { code_challenge_method: "plain" } }, "invalid_request", /PKCE is required/],
    ["another resource", { resource: "https://other.example/mcp" }, "invalid_target", /resource must be/],
    ["response_type=token", { extra: { response_type: "token" } }, "unsupported_response_type", /response_type=code/]
  ])("sends %s back to the registered redirect URI as an OAuth error, with the state", async (_name, override, error, description) => {
    const clientId = await registeredClientId(h)
    const url = authorizeUrl(h, { clientId, challenge: pkcePair().challenge, state: "s-123", ...override })
    const response = await fetch(url, { redirect: "manual" })
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get("location") ?? "")
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT_REDIRECT)
    expect(location.searchParams.get("error")).toBe(error)
    expect(location.searchParams.get("error_description")).toMatch(description)
    expect(location.searchParams.get("state")).toBe("s-123")
    expect(location.searchParams.get("code")).toBeNull()
  })
})

describe("consent", () => {
  const openConsent = async (options: { clientName?: string } = {}) => {
    const response = await registerClient(h, { client_name: options.clientName ?? "raw client", redirect_uris: [CLIENT_REDIRECT] })
    const clientId = ((await response.json()) as { client_id: string }).client_id
    const browser = new HeadlessBrowser()
    const { url, response: page } = await browser.follow(authorizeUrl(h, { clientId, challenge: pkcePair().challenge, state: "st" }), () => false)
    expect(isConsentPage(url)).toBe(true)
    const html = await (page as Response).text()
    return { browser, html, page: page as Response, form: parseConsentForm(html) }
  }

  it("names the client, its redirect host and the scopes, escapes what the client chose, and sets a strict cookie", async () => {
    const { html, page } = await openConsent({ clientName: `<script>alert("x")</script>` })
    expect(html).not.toContain("<script>")
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    expect(html).toContain("127.0.0.1:7777 (an application on this computer)")
    expect(html).toContain("<code>infrahub:write</code>")
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
    expect(page.headers.get("x-frame-options")).toBe("DENY")
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith("imcp_")) ?? ""
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(cookie).toMatch(/Path=\//)
  })

  it("refuses a decision without the CSRF token, or with a forged one", async () => {
    for (const csrf of [undefined, "forged-token"]) {
      const { browser, form } = await openConsent()
      const response = await browser.post(form.action, { txn: form.txn, decision: "approve", ...(csrf === undefined ? {} : { csrf }) })
      expect(response.status).toBe(403)
      expect(response.headers.get("location")).toBeNull()
      expect(await response.text()).toContain("CSRF check")
    }
  })

  it("refuses a decision from a browser without the binding cookie", async () => {
    const { form } = await openConsent()
    const response = await new HeadlessBrowser().post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" })
    expect(response.status).toBe(403)
    expect(await response.text()).toContain("cookie is missing")
  })

  it("refuses a decision posted from another site", async () => {
    const { browser, form } = await openConsent()
    const response = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" }, { origin: "https://attacker.example" })
    expect(response.status).toBe(403)
  })

  it("sends a denial back to the client as access_denied, and forgets the request", async () => {
    const { browser, form } = await openConsent()
    const response = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "deny" })
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get("location") ?? "")
    expect(location.searchParams.get("error")).toBe("access_denied")
    expect(location.searchParams.get("state")).toBe("st")
    expect(location.searchParams.get("code")).toBeNull()
    const again = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" })
    expect(again.status).toBe(400)
  })
})

describe("IdP callback", () => {
  it("refuses a callback in a browser that did not approve the sign-in (no binding cookie)", async () => {
    const { browser, form } = await (async () => {
      const clientId = await registeredClientId(h)
      const b = new HeadlessBrowser()
      const { response } = await b.follow(authorizeUrl(h, { clientId, challenge: pkcePair().challenge }), () => false)
      return { browser: b, form: parseConsentForm(await (response as Response).text()) }
    })()
    const decided = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: "approve" })
    const toIdp = decided.headers.get("location") ?? ""
    // The victim's browser: logged in at the IdP, but it never saw our consent page.
    const atCallback = await browser.follow(toIdp, (u) => u.href.startsWith(`${h.base}/oauth/callback`))
    for (const name of [...browser.jar.keys()]) if (name.startsWith("imcp_")) browser.jar.delete(name)
    const response = await browser.get(atCallback.url)
    expect(response.status).toBe(403)
    expect(response.headers.get("location")).toBeNull()
    expect(await response.text()).toContain("did not approve this sign-in")
  })

  it("refuses a callback for an unknown or unapproved sign-in", async () => {
    const unknown = await fetch(`${h.base}/oauth/callback?code=x&state=unknown`, { redirect: "manual" })
    expect(unknown.status).toBe(400)
    const clientId = await registeredClientId(h)
    const started = await fetch(authorizeUrl(h, { clientId, challenge: pkcePair().challenge }), { redirect: "manual" })
    const txn = new URL(started.headers.get("location") ?? "").searchParams.get("txn") ?? ""
    const unapproved = await fetch(`${h.base}/oauth/callback?code=x&state=${txn}`, { redirect: "manual" })
    expect(unapproved.status).toBe(400)
    expect(unapproved.headers.get("location")).toBeNull()
  })
})

describe("/token", () => {
  it("redeems a code once; a replay fails and revokes what the first redemption issued", async () => {
    const signIn = await rawSignIn(h)
    const first = await redeem(h, signIn)
    expect(first.status).toBe(200)
    const tokens = (await first.json()) as TokenBody
    expect((await identityOf(h, tokens.access_token)).subject).toBe("alice")
    const replay = await redeem(h, signIn)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) })
    expect((await callMcp(h, `Bearer ${tokens.access_token}`)).status).toBe(401)
    const refresh = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: signIn.clientId })
    expect(refresh.status).toBe(400)
  })

  it("refuses a wrong PKCE verifier, and the code is spent afterwards", async () => {
    const signIn = await rawSignIn(h)
    const wrong = await redeem(h, { ...signIn, verifier: pkcePair().verifier })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/PKCE/) })
    expect((await redeem(h, signIn)).status).toBe(400)
  })

  it("refuses a code redeemed with another redirect_uri or by another client", async () => {
    const signIn = await rawSignIn(h)
    const otherRedirect = await redeem(h, { ...signIn, redirectUri: "http://127.0.0.1:7777/elsewhere" })
    expect(await otherRedirect.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/redirect_uri/) })
    const again = await rawSignIn(h)
    const otherClient = await redeem(h, { ...again, clientId: await registeredClientId(h) })
    expect(await otherClient.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/another client/) })
  })

  it("answers malformed requests with RFC 6749 errors", async () => {
    const clientId = await registeredClientId(h)
    const cases: ReadonlyArray<readonly [Response, number, string]> = [
      [await tokenRequest(h, { grant_type: "authorization_code", code: "x", client_id: "unknown" }), 401, "invalid_client"],
      [await tokenRequest(h, { grant_type: "authorization_code", code: "x" }), 401, "invalid_client"],
      [await tokenRequest(h, { grant_type: "password", client_id: clientId }), 400, "unsupported_grant_type"],
      [await tokenRequest(h, { client_id: clientId }), 400, "invalid_request"],
      [await tokenRequest(h, { grant_type: "authorization_code", client_id: clientId, code: "never-issued", code_verifier: pkcePair().verifier }), 400, "invalid_grant"],
      [await tokenRequest(h, { grant_type: "refresh_token", client_id: clientId, refresh_token: "never-issued" }), 400, "invalid_grant"],
      [await tokenRequest(h, { grant_type: "authorization_code", client_id: clientId, code: "x", resource: "https://other.example/mcp" }), 400, "invalid_target"],
      [await fetch(`${h.base}/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "authorization_code" }) }), 400, "invalid_request"],
      [await fetch(`${h.base}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `grant_type=refresh_token&client_id=${clientId}&client_id=other` }), 400, "invalid_request"]
    ]
    for (const [response, status, error] of cases) {
      expect(response.status).toBe(status)
      expect(response.headers.get("cache-control")).toBe("no-store")
      expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) })
    }
  })
})
