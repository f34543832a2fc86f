// Floods of unauthenticated requests against the real listener: 1 000 `/authorize` or `/register`
// requests are refused past their bounds (429 + Retry-After), and what was there before (a user's
// sign-in in progress, a registration) survives and still works. Bodies are cut at the limit.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { HeadlessBrowser, isConsentPage, parseConsentForm, pkcePair } from "./browser.js"
import { authorizeUrl, CLIENT_REDIRECT, endlessBody, identityOf, registerClient, registeredClientId, type TokenBody, tokenRequest } from "./client.js"
import { type Harness, type HarnessOptions, startHarness } from "./harness.js"

const FLOOD = 1000
/** A thousand requests take seconds on a loaded machine; no assertion depends on how many. */
const FLOOD_TIMEOUT = { timeout: 600_000 }

/** Sends `count` requests, `concurrency` at a time; the responses in order. */
const flood = async (count: number, send: (index: number) => Promise<Response>, concurrency = 25): Promise<ReadonlyArray<Response>> => {
  const responses: Array<Response> = []
  for (let start = 0; start < count; start += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => send(start + i)))
    responses.push(...batch)
  }
  return responses
}

const statuses = (responses: ReadonlyArray<Response>) =>
  responses.reduce<Record<number, number>>((counts, r) => ({ ...counts, [r.status]: (counts[r.status] ?? 0) + 1 }), {})

/** A distinct documentation address (RFC 5737) per index. */
const address = (index: number) => `198.51.${100 + Math.floor(index / 250)}.${(index % 250) + 1}`

/** A person who opened the consent page and has not decided yet: a sign-in in progress. */
const signInInProgress = async (h: Harness, clientId: string, headers: Record<string, string> = {}) => {
  const pkce = pkcePair()
  const browser = new HeadlessBrowser()
  const started = await fetch(authorizeUrl(h, { clientId, challenge: pkce.challenge }), { redirect: "manual", headers })
  expect(started.status).toBe(302)
  const page = await browser.get(new URL(started.headers.get("location") ?? "", h.base))
  expect(page.status).toBe(200)
  return { browser, pkce, form: parseConsentForm(await page.text()), clientId }
}

/** Approves, signs in at the IdP, redeems the code: the identity `/mcp` then sees. */
const complete = async (h: Harness, signIn: Awaited<ReturnType<typeof signInInProgress>>) => {
  const decided = await signIn.browser.post(signIn.form.action, { txn: signIn.form.txn, csrf: signIn.form.csrf, decision: "approve" })
  expect(decided.status).toBe(302)
  const landed = await signIn.browser.follow(decided.headers.get("location") ?? "", (u) => u.href.startsWith(CLIENT_REDIRECT))
  const code = landed.url.searchParams.get("code") ?? ""
  expect(code).not.toBe("")
  const token = await tokenRequest(h, {
    grant_type: "authorization_code",
    client_id: signIn.clientId,
    code,
    code_verifier: signIn.pkce.verifier,
    redirect_uri: CLIENT_REDIRECT
  })
  expect(token.status).toBe(200)
  return identityOf(h, ((await token.json()) as TokenBody).access_token)
}

const expectRefusals = async (refused: ReadonlyArray<Response>, description: RegExp) => {
  for (const response of refused) {
    expect(response.status).toBe(429)
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0)
  }
  expect(await refused[0]?.json()).toMatchObject({ error: "temporarily_unavailable", error_description: expect.stringMatching(description) })
}

const withHarness = (options: Omit<HarnessOptions, "upstreamClient">) => {
  const state: { h?: Harness } = {}
  beforeAll(async () => {
    state.h = await startHarness({ upstreamClient: "confidential", ...options })
  })
  afterAll(() => state.h?.close())
  return () => {
    if (state.h === undefined) throw new Error("harness not started")
    return state.h
  }
}

describe("sign-ins in flight from one address", () => {
  const harness = withHarness({})

  it("a user's sign-in in progress survives 1 000 /authorize requests, which are refused past 50 (X-Forwarded-For ignored)", FLOOD_TIMEOUT, async () => {
    const h = harness()
    const alice = await signInInProgress(h, await registeredClientId(h))
    const attacker = await registeredClientId(h)
    const { challenge } = pkcePair()
    // Spoofed X-Forwarded-For does not help: no proxy is trusted, so the socket's address counts.
    const responses = await flood(FLOOD, (i) =>
      fetch(authorizeUrl(h, { clientId: attacker, challenge }), { redirect: "manual", headers: { "x-forwarded-for": address(i) } })
    )
    expect(statuses(responses)).toEqual({ 302: 49, 429: FLOOD - 49 }) // alice holds the 50th slot
    await expectRefusals(responses.filter((r) => r.status === 429), /Too many sign-ins are in progress from your network address \(at most 50\)/)
    expect(await complete(h, alice)).toMatchObject({ user: "alice@example.com" })
  })
})

describe("sign-ins in flight behind a trusted reverse proxy", () => {
  const harness = withHarness({ trustedProxies: ["127.0.0.1", "::1"] })

  it("1 000 sign-ins for one application from 1 000 addresses are refused past 50; the user's, and other applications', go on", FLOOD_TIMEOUT, async () => {
    const h = harness()
    const victimClient = await registeredClientId(h)
    const alice = await signInInProgress(h, victimClient, { "x-forwarded-for": "203.0.113.10" })
    const { challenge } = pkcePair()
    const responses = await flood(FLOOD, (i) =>
      fetch(authorizeUrl(h, { clientId: victimClient, challenge }), { redirect: "manual", headers: { "x-forwarded-for": address(i) } })
    )
    expect(statuses(responses)).toEqual({ 302: 49, 429: FLOOD - 49 })
    await expectRefusals(responses.filter((r) => r.status === 429), /Too many sign-ins are in progress for this application \(at most 50\)/)
    const bob = await signInInProgress(h, await registeredClientId(h), { "x-forwarded-for": "203.0.113.20" })
    expect(await complete(h, bob)).toMatchObject({ user: "alice@example.com" }) // the test IdP signs in login_hint=alice
    expect(await complete(h, alice)).toMatchObject({ user: "alice@example.com" })
  })
})

describe("registrations from one address", () => {
  const harness = withHarness({ floodLimits: { registrationsPerSourcePerHour: 20 } })

  it("an existing registration survives 1 000 /register requests, which are refused past the hourly allowance", FLOOD_TIMEOUT, async () => {
    const h = harness()
    const existing = await registeredClientId(h)
    const responses = await flood(FLOOD, () => registerClient(h))
    expect(statuses(responses)).toEqual({ 201: 19, 429: FLOOD - 19 })
    await expectRefusals(responses.filter((r) => r.status === 429), /Too many client registrations from your network address \(at most 20 an hour\); try again in \d+ seconds/)
    const firstOfFlood = ((await responses[0]?.json()) as { client_id: string }).client_id
    for (const clientId of [existing, firstOfFlood]) {
      expect(await complete(h, await signInInProgress(h, clientId))).toMatchObject({ user: "alice@example.com" })
    }
  })
})

describe("registrations from many addresses", () => {
  const harness = withHarness({ trustedProxies: ["127.0.0.1", "::1"], floodLimits: { registrationsTotal: 100 } })

  it("past the server's cap, 1 000 registrations are refused and none of the earlier ones is evicted", FLOOD_TIMEOUT, async () => {
    const h = harness()
    const existing = await registeredClientId(h)
    const responses = await flood(FLOOD, (i) =>
      fetch(`${h.base}/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": address(i) },
        body: JSON.stringify({ redirect_uris: [CLIENT_REDIRECT] })
      })
    )
    expect(statuses(responses)).toEqual({ 201: 99, 429: FLOOD - 99 })
    await expectRefusals(responses.filter((r) => r.status === 429), /already holds its maximum of 100 client registrations/)
    const registered = await Promise.all(responses.filter((r) => r.status === 201).map(async (r) => ((await r.json()) as { client_id: string }).client_id))
    for (const [index, clientId] of [existing, ...registered].entries()) {
      const started = await fetch(authorizeUrl(h, { clientId, challenge: pkcePair().challenge }), {
        redirect: "manual",
        headers: { "x-forwarded-for": address(FLOOD + index) }
      })
      expect(started.status).toBe(302)
      expect(isConsentPage(new URL(started.headers.get("location") ?? ""))).toBe(true)
    }
  })
})

describe("request bodies", () => {
  const harness = withHarness({ maxBodyBytes: 4096 })

  it.each([
    ["/token", "application/x-www-form-urlencoded"],
    ["/register", "application/json"],
    ["/consent", "application/x-www-form-urlencoded"]
  ])("stops reading a body that never ends at the limit and answers %s with 413", async (path, contentType) => {
    const h = harness()
    const answer = await endlessBody(`${h.base}${path}`, contentType)
    expect(answer.status).toBe(413)
    // Kept open: a close while the client still uploads would reset it before it reads the 413.
    expect(answer.connection).not.toBe("close")
    expect(JSON.parse(answer.body)).toMatchObject({ error: "invalid_request", error_description: expect.stringMatching(/larger than 4096 bytes/) })
    expect((await fetch(`${h.base}/.well-known/oauth-authorization-server`)).status).toBe(200)
  })

  it("refuses a declared Content-Length over the limit without reading, and accepts a body under it", async () => {
    const h = harness()
    const big = await tokenRequest(h, { grant_type: "refresh_token", client_id: "x", refresh_token: "a".repeat(5000) })
    expect(big.status).toBe(413)
    const small = await tokenRequest(h, { grant_type: "refresh_token", client_id: "x", refresh_token: "a".repeat(3000) })
    expect(small.status).toBe(401) // read, decoded, and refused for what it says: an unknown client
    expect(await small.json()).toMatchObject({ error: "invalid_client" })
  })
})
