// Lifetimes, on Effect's TestClock: a sign-in request lives 15 minutes, our authorization code 5,
// our access token no longer than the IdP's token behind it, a registration 30 days unused; the
// flood bounds reopen as what fills them expires. The proxy is served in-process on a real listener
// (its handlers run on the test's clock); the IdP is real, reached by the headless browser.
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted, TestClock } from "effect"
import type { FloodLimits } from "../../../src/auth/oidc/FloodGuard.js"
import { OidcProxy } from "../../../src/auth/oidc/OidcProxy.js"
import { memoryStoreLayer } from "../../../src/state/memoryStore.js"
import { CONFIDENTIAL_CLIENT, startIdp, WRITE_SCOPE } from "../../support/idp.js"
import { HeadlessBrowser, parseConsentForm, pkcePair } from "./browser.js"
import { serveProxy } from "./server.js"

const REDIRECT = "http://127.0.0.1:7777/callback"

const setup = (floodLimits: Partial<FloodLimits> = {}) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.now()) // the IdP's tokens carry real timestamps
    const current: { proxy?: OidcProxy["Type"] } = {}
    const base = yield* serveProxy(() => current.proxy)
    const idp = yield* Effect.acquireRelease(
      Effect.promise(() => startIdp({ resource: `${base}/mcp`, redirectUris: [`${base}/oauth/callback`] })),
      (idp) => Effect.promise(() => idp.close())
    )
    const store = yield* Layer.build(memoryStoreLayer())
    const context = yield* Layer.build(
      OidcProxy.layer({
        configUrl: idp.discoveryUrl,
        clientId: CONFIDENTIAL_CLIENT.id,
        clientSecret: Option.some(Redacted.make(CONFIDENTIAL_CLIENT.secret)),
        baseUrl: base,
        audience: Option.none(),
        userClaim: "email",
        writeScopes: [WRITE_SCOPE],
        jwtSigningKey: Option.none(),
        consent: "required",
        floodLimits
      }).pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, Layer.succeedContext(store))))
    )
    const proxy = Context.get(context, OidcProxy)
    current.proxy = proxy
    const send = (input: string, init: RequestInit = {}) => Effect.promise(() => fetch(input, { redirect: "manual", ...init }))
    return { proxy, send, base }
  })

type Setup = Effect.Effect.Success<ReturnType<typeof setup>>

/** Registers a client; its client_id. */
const register = ({ send, base }: Setup) =>
  Effect.gen(function* () {
    const registered = yield* send(`${base}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [REDIRECT] })
    })
    expect(registered.status).toBe(201)
    return ((yield* Effect.promise(() => registered.json())) as { client_id: string }).client_id
  })

const authorize = ({ send, base }: Setup, clientId: string, challenge: string) => {
  const url = new URL(`${base}/authorize`)
  for (const [k, v] of Object.entries({ client_id: clientId, response_type: "code", redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: "S256", login_hint: "alice" })) {
    url.searchParams.set(k, v)
  }
  return send(url.href)
}

/** Registers, authorizes and opens the consent page; returns the form and the binding cookie. */
const openConsent = (setup: Setup) =>
  Effect.gen(function* () {
    const clientId = yield* register(setup)
    const pkce = pkcePair()
    const toConsent = yield* authorize(setup, clientId, pkce.challenge)
    const page = yield* setup.send(toConsent.headers.get("location") ?? "")
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
    const form = parseConsentForm(yield* Effect.promise(() => page.text()))
    return { clientId, pkce, form, cookie }
  })

const decide = ({ send, base }: Setup, consent: Effect.Effect.Success<ReturnType<typeof openConsent>>) =>
  send(`${base}/consent`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: consent.cookie },
    body: new URLSearchParams({ txn: consent.form.txn, csrf: consent.form.csrf, decision: "approve" })
  })

/** Approves, lets the real IdP sign alice in, and delivers its callback to the proxy. */
const obtainCode = (setup: Setup) =>
  Effect.gen(function* () {
    const consent = yield* openConsent(setup)
    const toIdp = (yield* decide(setup, consent)).headers.get("location") ?? ""
    const atCallback = yield* Effect.promise(() => new HeadlessBrowser().follow(toIdp, (u) => u.href.startsWith(`${setup.base}/oauth/callback`)))
    const back = yield* setup.send(atCallback.url.href, { headers: { cookie: consent.cookie } })
    const code = new URL(back.headers.get("location") ?? "").searchParams.get("code") ?? ""
    expect(code).not.toBe("")
    return { code, clientId: consent.clientId, verifier: consent.pkce.verifier }
  })

const redeem = ({ send, base }: Setup, grant: { code: string; clientId: string; verifier: string }) =>
  send(`${base}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: grant.code, client_id: grant.clientId, code_verifier: grant.verifier, redirect_uri: REDIRECT })
  })

describe("lifetimes", () => {
  it.scoped("a sign-in request is forgotten after 15 minutes", () =>
    Effect.gen(function* () {
      const env = yield* setup()
      const fresh = yield* openConsent(env)
      yield* TestClock.adjust("14 minutes")
      expect((yield* decide(env, fresh)).status).toBe(302)
      const stale = yield* openConsent(env)
      yield* TestClock.adjust("16 minutes")
      const response = yield* decide(env, stale)
      expect(response.status).toBe(400)
      expect(yield* Effect.promise(() => response.text())).toContain("unknown or has expired")
    })
  )

  it.scoped("an authorization code expires after 5 minutes", () =>
    Effect.gen(function* () {
      const env = yield* setup()
      const grant = yield* obtainCode(env)
      yield* TestClock.adjust("5 minutes")
      const response = yield* redeem(env, grant)
      expect(response.status).toBe(400)
      expect(yield* Effect.promise(() => response.json())).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/unknown or expired/) })
    })
  )

  it.scoped("an access token dies with the IdP's token behind it (600 s here)", () =>
    Effect.gen(function* () {
      const env = yield* setup()
      const { proxy } = env
      const grant = yield* obtainCode(env)
      const response = yield* redeem(env, grant)
      const issued = (yield* Effect.promise(() => response.json())) as {
        access_token: string
        refresh_token: string
        expires_in: number
      }
      const bearer = `Bearer ${issued.access_token}`
      const identity = yield* proxy.authenticate(bearer)
      expect(identity.user).toBe("alice@example.com")
      expect(identity.expiresAt).toBe(Number(identity.claims["exp"])) // capped by the IdP's token, not our hour
      yield* TestClock.adjust("620 seconds")
      const refused = yield* Effect.flip(proxy.authenticate(bearer))
      expect(refused._tag === "OidcUnauthorized" && refused.reason).toBe("expired")
      const mcp = yield* env.send(`${env.base}/mcp`, { headers: { authorization: bearer } })
      expect(mcp.status).toBe(401)
      expect(mcp.headers.get("www-authenticate")).toContain('error="invalid_token"')
    })
  )
})

describe("flood bounds over time", () => {
  it.scoped("a source's sign-in slots come back as the sign-ins it started expire (15 minutes) or finish", () =>
    Effect.gen(function* () {
      const env = yield* setup({ signInsPerSource: 2 })
      const clientId = yield* register(env)
      const started = yield* authorize(env, clientId, pkcePair().challenge)
      expect(started.status).toBe(302)
      yield* TestClock.adjust("10 minutes")
      expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(302)
      const refused = yield* authorize(env, clientId, pkcePair().challenge)
      expect(refused.status).toBe(429)
      expect(refused.headers.get("retry-after")).toBe("60")
      yield* TestClock.adjust("5 minutes") // the first one expires
      expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(302)
      expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(429)

      // A denied sign-in gives its slot back at once.
      yield* TestClock.adjust("15 minutes")
      const consent = yield* openConsent(env)
      const denied = yield* env.send(`${env.base}/consent`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: consent.cookie },
        body: new URLSearchParams({ txn: consent.form.txn, csrf: consent.form.csrf, decision: "deny" })
      })
      expect(new URL(denied.headers.get("location") ?? "").searchParams.get("error")).toBe("access_denied")
      expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(302)
      expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(302)
    })
  )

  it.scoped("a registration lives 30 days unused, and every use renews it", () =>
    Effect.gen(function* () {
      const env = yield* setup()
      const clientId = yield* register(env)
      for (let use = 0; use < 3; use++) {
        yield* TestClock.adjust("29 days")
        expect((yield* authorize(env, clientId, pkcePair().challenge)).status).toBe(302)
      }
      yield* TestClock.adjust("30 days")
      const forgotten = yield* authorize(env, clientId, pkcePair().challenge)
      expect(forgotten.status).toBe(400)
      expect(yield* Effect.promise(() => forgotten.json())).toMatchObject({ error: "invalid_client", error_description: expect.stringMatching(/registers again/) })
    })
  )

  it.scoped("a source's registration allowance refills over the hour", () =>
    Effect.gen(function* () {
      const env = yield* setup({ registrationsPerSourcePerHour: 2 })
      yield* register(env)
      yield* register(env)
      const refused = yield* env.send(`${env.base}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [REDIRECT] })
      })
      expect(refused.status).toBe(429)
      expect(refused.headers.get("retry-after")).toBe("1800")
      yield* TestClock.adjust("30 minutes")
      yield* register(env)
    })
  )
})
