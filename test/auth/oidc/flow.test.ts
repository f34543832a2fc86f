// The whole OAuth flow as MCP clients drive it, against a confidential upstream client: discovery,
// dynamic registration, consent, callback, token, refresh, revocation, and /mcp authentication.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { refreshAuthorization } from "@modelcontextprotocol/sdk/client/auth.js"
import { callMcp, identityOf, rawSignIn, redeem, signInWithSdk, type TokenBody, tokenRequest } from "./client.js"
import { type Harness, startHarness } from "./harness.js"

let h: Harness
beforeAll(async () => {
  h = await startHarness({ upstreamClient: "confidential", audience: "resource" })
})
afterAll(() => h.close())

describe("discovery", () => {
  it("serves RFC 9728 protected-resource metadata at the path-inserted and root URLs", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const response = await fetch(`${h.base}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get("access-control-allow-origin")).toBe("*")
      expect(await response.json()).toMatchObject({
        resource: `${h.base}/mcp`,
        authorization_servers: [h.base],
        scopes_supported: ["openid", "email", "profile", "infrahub:write"],
        bearer_methods_supported: ["header"]
      })
    }
  })

  it("serves RFC 8414 metadata for itself, with revocation because the IdP has it", async () => {
    for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/mcp"]) {
      const body = (await (await fetch(`${h.base}${path}`)).json()) as Record<string, unknown>
      expect(body).toMatchObject({
        issuer: h.base,
        authorization_endpoint: `${h.base}/authorize`,
        token_endpoint: `${h.base}/token`,
        registration_endpoint: `${h.base}/register`,
        revocation_endpoint: `${h.base}/revoke`,
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported: ["none"],
        response_types_supported: ["code"]
      })
      expect(body).not.toHaveProperty("client_id_metadata_document_supported")
    }
  })

  it("answers CORS preflight on the endpoints browser clients call", async () => {
    const response = await fetch(`${h.base}/token`, { method: "OPTIONS" })
    expect(response.status).toBe(204)
    expect(response.headers.get("access-control-allow-origin")).toBe("*")
  })

  it("leaves paths that are not its own to the caller, and refuses wrong methods on its own", async () => {
    expect((await fetch(`${h.base}/elsewhere`)).status).toBe(404) // the harness's fallback, not the proxy
    const wrong = await fetch(`${h.base}/token`)
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get("allow")).toBe("POST")
  })

  it("answers /mcp without a token with 401 and a WWW-Authenticate that points at the metadata", async () => {
    const response = await callMcp(h, undefined)
    expect(response.status).toBe(401)
    const header = response.headers.get("www-authenticate") ?? ""
    expect(header).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="([^"]+)"$/)
    expect(header).toContain(`resource_metadata="${h.base}/.well-known/oauth-protected-resource/mcp"`)
    const body = (await response.json()) as { error: string; error_description: string }
    expect(body.error).toBe("invalid_token")
    expect(body.error_description).toMatch(/No bearer token.*Send `Authorization: Bearer/)
  })
})

describe("sign-in with the MCP SDK client", () => {
  it("gives a writer (alice) the write scope and her identity", async () => {
    const alice = await signInWithSdk(h, "alice")
    const authorize = alice.authorizationUrl
    expect(authorize?.origin).toBe(h.base) // the client talks to us, never to the IdP
    expect(authorize?.searchParams.get("resource")).toBe(`${h.base}/mcp`)
    expect(authorize?.searchParams.get("code_challenge_method")).toBe("S256")
    const identity = await identityOf(h, alice.accessToken)
    expect(identity).toMatchObject({ subject: "alice", user: "alice@example.com", clientId: alice.clientId })
    expect(identity.scopes).toContain("infrahub:write")
    expect(identity.claims["aud"]).toBe(`${h.base}/mcp`)
    expect(h.logs.some((line) => line.startsWith("INFO oidc_auth enabled=true config_url=") && line.includes("client_id=infrahub-mcp "))).toBe(true)
  })

  it("gives a reader (bob) no write scope", async () => {
    const bob = await signInWithSdk(h, "bob")
    const identity = await identityOf(h, bob.accessToken)
    expect(identity.user).toBe("bob@example.com")
    expect(identity.scopes).not.toContain("infrahub:write")
  })

  it("issues short-lived HS256 tokens of its own, never the IdP's", async () => {
    const alice = await signInWithSdk(h, "alice")
    const [header, payload] = alice.accessToken.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString()) as Record<string, unknown>)
    expect(header).toMatchObject({ alg: "HS256", typ: "at+jwt" })
    expect(payload).toMatchObject({ iss: h.base, aud: `${h.base}/mcp`, sub: "alice", client_id: alice.clientId })
    expect(Number(payload?.["exp"]) - Number(payload?.["iat"])).toBeLessThanOrEqual(600) // the IdP token lives 600 s
    expect(payload?.["jti"]).toEqual(expect.any(String))
  })
})

describe("refresh", () => {
  it("rotates the refresh token through the SDK's refresh call, without asking the IdP while its token is fresh", async () => {
    const alice = await signInWithSdk(h, "alice")
    const before = h.idp.tokenGrants().length
    const metadata = await (await fetch(`${h.base}/.well-known/oauth-authorization-server`)).json()
    const refreshToken = alice.tokens()?.refresh_token ?? ""
    const refreshed = await refreshAuthorization(h.base, {
      metadata,
      clientInformation: alice.clientInformation() ?? { client_id: "" },
      refreshToken,
      resource: new URL(`${h.base}/mcp`)
    })
    expect(refreshed.refresh_token).toBeDefined()
    expect(refreshed.refresh_token).not.toBe(refreshToken)
    expect((await identityOf(h, refreshed.access_token)).user).toBe("alice@example.com")
    expect(h.idp.tokenGrants().length).toBe(before)
  })

  it("refreshes at the IdP when the IdP's token expires before the code is redeemed", async () => {
    h.idp.setAccessTokenTtl(1)
    const signIn = await rawSignIn(h, { loginHint: "alice" }).finally(() => h.idp.setAccessTokenTtl(600))
    const refreshesBefore = h.idp.tokenGrants().filter((g) => g === "refresh_token").length
    const response = await redeem(h, signIn)
    expect(response.status).toBe(200)
    const tokens = (await response.json()) as TokenBody
    expect(h.idp.tokenGrants().filter((g) => g === "refresh_token").length).toBe(refreshesBefore + 1)
    expect(tokens.expires_in).toBeGreaterThan(500)
    expect((await identityOf(h, tokens.access_token)).user).toBe("alice@example.com")
  })

  it("refreshes at the IdP on the refresh grant when the IdP's token has expired", async () => {
    h.idp.setAccessTokenTtl(1)
    const first = await (async () => {
      const signIn = await rawSignIn(h, { loginHint: "alice" })
      return { signIn, tokens: (await (await redeem(h, signIn)).json()) as TokenBody }
    })().finally(() => h.idp.setAccessTokenTtl(600))
    expect(first.tokens.expires_in).toBeLessThanOrEqual(1) // never longer than the IdP's token behind it
    const refreshesBefore = h.idp.tokenGrants().filter((g) => g === "refresh_token").length
    const response = await tokenRequest(h, {
      grant_type: "refresh_token",
      refresh_token: first.tokens.refresh_token,
      client_id: first.signIn.clientId
    })
    expect(response.status).toBe(200)
    const second = (await response.json()) as TokenBody
    expect(h.idp.tokenGrants().filter((g) => g === "refresh_token").length).toBe(refreshesBefore + 1)
    expect(second.expires_in).toBeGreaterThan(500)
    const identity = await identityOf(h, second.access_token)
    expect(identity.user).toBe("alice@example.com")
    expect(identity.scopes).toContain("infrahub:write")
  })

  it("treats a rotated refresh token coming back as theft: refused, and the whole sign-in revoked", async () => {
    const signIn = await rawSignIn(h)
    const first = (await (await redeem(h, signIn)).json()) as TokenBody
    const rotated = (await (await tokenRequest(h, { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: signIn.clientId })).json()) as TokenBody
    expect((await identityOf(h, rotated.access_token)).subject).toBe("alice")
    const replay = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: signIn.clientId })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" })
    expect((await callMcp(h, `Bearer ${rotated.access_token}`)).status).toBe(401)
    const after = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: rotated.refresh_token, client_id: signIn.clientId })
    expect(after.status).toBe(400)
  })

  it("refuses a refresh token presented by another client", async () => {
    const signIn = await rawSignIn(h)
    const tokens = (await (await redeem(h, signIn)).json()) as TokenBody
    const other = await rawSignIn(h)
    const response = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: other.clientId })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "invalid_grant" })
  })
})

describe("revocation and restarts", () => {
  it("revokes the sign-in behind an access token (RFC 7009)", async () => {
    const signIn = await rawSignIn(h)
    const tokens = (await (await redeem(h, signIn)).json()) as TokenBody
    const response = await fetch(`${h.base}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, client_id: signIn.clientId })
    })
    expect(response.status).toBe(200)
    const refused = await callMcp(h, `Bearer ${tokens.access_token}`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error_description: expect.stringMatching(/revoked, or the server restarted/) })
    const refresh = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: signIn.clientId })
    expect(refresh.status).toBe(400)
  })

  it("revokes by refresh token too, ignores tokens it does not know, and requires a known client", async () => {
    const signIn = await rawSignIn(h)
    const tokens = (await (await redeem(h, signIn)).json()) as TokenBody
    const revoke = (form: Record<string, string>) =>
      fetch(`${h.base}/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form)
      })
    expect((await revoke({ token: "not-a-token", client_id: signIn.clientId })).status).toBe(200)
    expect((await callMcp(h, `Bearer ${tokens.access_token}`)).status).toBe(200)
    expect((await revoke({ token: tokens.refresh_token, client_id: "unknown" })).status).toBe(401)
    expect((await revoke({ token: tokens.refresh_token, client_id: signIn.clientId, token_type_hint: "refresh_token" })).status).toBe(200)
    expect((await callMcp(h, `Bearer ${tokens.access_token}`)).status).toBe(401)
  })

  it("forgets every sign-in when a restart loses its state (in-memory store): 401 on /mcp, invalid_client on refresh, and a fresh sign-in works", async () => {
    const alice = await signInWithSdk(h, "alice")
    await h.restart("lost")
    const refused = await callMcp(h, `Bearer ${alice.accessToken}`)
    expect(refused.status).toBe(401) // the client secret derives the same key, but the session is gone
    expect(await refused.json()).toMatchObject({ error_description: expect.stringMatching(/server restarted.*Sign in again/) })
    const refresh = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: alice.tokens()?.refresh_token ?? "", client_id: alice.clientId })
    expect(refresh.status).toBe(401) // the registration is gone too: invalid_client makes the SDK register again
    expect(await refresh.json()).toMatchObject({ error: "invalid_client", error_description: expect.stringMatching(/Register again/) })
    const again = await signInWithSdk(h, "alice")
    expect((await identityOf(h, again.accessToken)).user).toBe("alice@example.com")
  })

  it("keeps every sign-in when the restarted process (or another replica) shares the state store and key", async () => {
    const alice = await signInWithSdk(h, "alice")
    const started = await rawSignIn(h, { loginHint: "bob" }) // a code issued before the restart, not yet redeemed
    await h.restart("kept")
    expect((await identityOf(h, alice.accessToken)).user).toBe("alice@example.com")
    const refreshed = await tokenRequest(h, { grant_type: "refresh_token", refresh_token: alice.tokens()?.refresh_token ?? "", client_id: alice.clientId })
    expect(refreshed.status).toBe(200)
    const tokens = (await refreshed.json()) as TokenBody
    expect((await identityOf(h, tokens.access_token)).user).toBe("alice@example.com")
    const redeemed = await redeem(h, started)
    expect(redeemed.status).toBe(200)
    expect((await identityOf(h, ((await redeemed.json()) as TokenBody).access_token)).user).toBe("bob@example.com")
    // Revocation through the new instance reaches what the old one issued.
    const revoked = await fetch(`${h.base}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.refresh_token, client_id: alice.clientId })
    })
    expect(revoked.status).toBe(200)
    expect((await callMcp(h, `Bearer ${alice.accessToken}`)).status).toBe(401)
  })
})
