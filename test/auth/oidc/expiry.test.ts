// Lifetimes, on Effect's TestClock: a sign-in request lives 15 minutes, our authorization code 5,
// and our access token no longer than the IdP's token behind it. The proxy is driven through its
// `handle`/`authenticate` directly; the IdP is real, reached over HTTP by the headless browser.
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted, TestClock } from "effect"
import { OidcProxy } from "../../../src/auth/oidc/OidcProxy.js"
import { CONFIDENTIAL_CLIENT, startIdp, WRITE_SCOPE } from "../../support/idp.js"
import { HeadlessBrowser, parseConsentForm, pkcePair } from "./browser.js"

const BASE = "http://127.0.0.1:8000" // never listened on: requests go straight to `handle`
const REDIRECT = "http://127.0.0.1:7777/callback"

const setup = Effect.gen(function* () {
  yield* TestClock.setTime(Date.now()) // the IdP's tokens carry real timestamps
  const idp = yield* Effect.acquireRelease(
    Effect.promise(() => startIdp({ resource: `${BASE}/mcp`, redirectUris: [`${BASE}/oauth/callback`] })),
    (idp) => Effect.promise(() => idp.close())
  )
  const context = yield* Layer.build(
    OidcProxy.layer({
      configUrl: idp.discoveryUrl,
      clientId: CONFIDENTIAL_CLIENT.id,
      clientSecret: Option.some(Redacted.make(CONFIDENTIAL_CLIENT.secret)),
      baseUrl: BASE,
      audience: Option.none(),
      userClaim: "email",
      writeScopes: [WRITE_SCOPE],
      jwtSigningKey: Option.none(),
      consent: "required"
    }).pipe(Layer.provide(FetchHttpClient.layer))
  )
  const proxy = Context.get(context, OidcProxy)
  const send = (request: Request) =>
    Effect.map(proxy.handle(request), Option.getOrThrowWith(() => new Error(`not an OAuth route: ${request.url}`)))
  return { proxy, send }
})

type Send = Effect.Effect.Success<typeof setup>["send"]

/** Registers, authorizes and opens the consent page; returns the form and the binding cookie. */
const openConsent = (send: Send) =>
  Effect.gen(function* () {
    const registered = yield* send(
      new Request(`${BASE}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [REDIRECT] })
      })
    )
    const { client_id } = (yield* Effect.promise(() => registered.json())) as { client_id: string }
    const pkce = pkcePair()
    const authorize = new URL(`${BASE}/authorize`)
    for (const [k, v] of Object.entries({ client_id, response_type: "code", redirect_uri: REDIRECT, code_challenge: pkce.challenge, code_challenge_method: "S256", login_hint: "alice" })) {
      authorize.searchParams.set(k, v)
    }
    const toConsent = yield* send(new Request(authorize))
    const page = yield* send(new Request(toConsent.headers.get("location") ?? ""))
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
    const form = parseConsentForm(yield* Effect.promise(() => page.text()))
    return { clientId: client_id, pkce, form, cookie }
  })

const decide = (send: Send, consent: Effect.Effect.Success<ReturnType<typeof openConsent>>) =>
  send(
    new Request(`${BASE}/consent`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: consent.cookie },
      body: new URLSearchParams({ txn: consent.form.txn, csrf: consent.form.csrf, decision: "approve" })
    })
  )

/** Approves, lets the real IdP sign alice in, and delivers its callback to the proxy. */
const obtainCode = (send: Send) =>
  Effect.gen(function* () {
    const consent = yield* openConsent(send)
    const toIdp = (yield* decide(send, consent)).headers.get("location") ?? ""
    const atCallback = yield* Effect.promise(() => new HeadlessBrowser().follow(toIdp, (u) => u.href.startsWith(`${BASE}/oauth/callback`)))
    const back = yield* send(new Request(atCallback.url, { headers: { cookie: consent.cookie } }))
    const code = new URL(back.headers.get("location") ?? "").searchParams.get("code") ?? ""
    expect(code).not.toBe("")
    return { code, clientId: consent.clientId, verifier: consent.pkce.verifier }
  })

const redeem = (send: Send, grant: { code: string; clientId: string; verifier: string }) =>
  send(
    new Request(`${BASE}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: grant.code, client_id: grant.clientId, code_verifier: grant.verifier, redirect_uri: REDIRECT })
    })
  )

describe("lifetimes", () => {
  it.scoped("a sign-in request is forgotten after 15 minutes", () =>
    Effect.gen(function* () {
      const { send } = yield* setup
      const fresh = yield* openConsent(send)
      yield* TestClock.adjust("14 minutes")
      expect((yield* decide(send, fresh)).status).toBe(302)
      const stale = yield* openConsent(send)
      yield* TestClock.adjust("16 minutes")
      const response = yield* decide(send, stale)
      expect(response.status).toBe(400)
      expect(yield* Effect.promise(() => response.text())).toContain("unknown or has expired")
    })
  )

  it.scoped("an authorization code expires after 5 minutes", () =>
    Effect.gen(function* () {
      const { send } = yield* setup
      const grant = yield* obtainCode(send)
      yield* TestClock.adjust("5 minutes")
      const response = yield* redeem(send, grant)
      expect(response.status).toBe(400)
      expect(yield* Effect.promise(() => response.json())).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/unknown or expired/) })
    })
  )

  it.scoped("an access token dies with the IdP's token behind it (600 s here)", () =>
    Effect.gen(function* () {
      const { send, proxy } = yield* setup
      const grant = yield* obtainCode(send)
      const response = yield* redeem(send, grant)
      const issued = (yield* Effect.promise(() => response.json())) as {
        access_token: string
        refresh_token: string
        expires_in: number
      }
      const bearer = () => new Request(`${BASE}/mcp`, { headers: { authorization: `Bearer ${issued.access_token}` } })
      const identity = yield* proxy.authenticate(bearer())
      expect(identity.user).toBe("alice@example.com")
      expect(identity.expiresAt).toBe(Number(identity.claims["exp"])) // capped by the IdP's token, not our hour
      yield* TestClock.adjust("620 seconds")
      const refused = yield* Effect.flip(proxy.authenticate(bearer()))
      expect(refused.reason).toBe("expired")
      expect(proxy.unauthorized(refused).headers.get("www-authenticate")).toContain('error="invalid_token"')
    })
  )
})
