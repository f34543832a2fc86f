import { Redacted } from "effect"
import { decodeJwt, decodeProtectedHeader } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SandboxOptions } from "../../../src/sandbox/server.js"
import { startTestSandbox, type TestSandbox } from "../../support/sandbox.js"
import { apiKey, bearer, dataOf, fixture, get, keySet, postGraphql, request, shapeOf } from "./support.js"

/** Infrahub-style authentication over HTTP: API tokens, password logins and their JWTs, anonymous access. */

const TOKENS = ["admin-token-0123456789", "second-token-0123456789"]
const USERS = [
  { username: "alice", password: Redacted.make("wonder:land") },
  { username: "bob", password: Redacted.make("builder") }
]

const legacy = (status: number, message: string) => ({ data: null, errors: [{ message, extensions: { code: status } }] })

const started: Array<TestSandbox> = []
const start = async (options: Partial<SandboxOptions>) => {
  const sandbox = await startTestSandbox({ seed: "none", ...options })
  started.push(sandbox)
  return sandbox
}
afterAll(async () => {
  await Promise.all(started.map((sandbox) => sandbox.close()))
})

const login = (url: string, body: unknown) =>
  request(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

const loginAs = async (url: string, username: string, password: string) => {
  const answer = await login(url, { username, password })
  expect(answer.status, answer.text).toBe(200)
  return answer.body as { access_token: string; refresh_token: string }
}

const refresh = (url: string, headers: Record<string, string>) => request(`${url}/api/auth/refresh`, { method: "POST", headers })
const logout = (url: string, headers: Record<string, string>) => request(`${url}/api/auth/logout`, { method: "POST", headers })

/** Who the sandbox thinks the caller is. */
const whoAmI = async (url: string, headers: Record<string, string>) => {
  const data = dataOf(await postGraphql(`${url}/graphql`, "query { AccountProfile { id name { value } } }", headers))
  const profile = data["AccountProfile"] as { id: string; name: { value: string } }
  return { id: profile.id, name: profile.name.value }
}

const setCookies = (answer: { headers: Headers }) => answer.headers.getSetCookie()

describe("authentication over HTTP", () => {
  let sandbox: TestSandbox
  beforeAll(async () => {
    sandbox = await start({ tokens: TOKENS.map((token) => Redacted.make(token)), users: USERS })
  })

  describe("API tokens (X-INFRAHUB-KEY)", () => {
    it("accepts every configured token, each acting as its own account", async () => {
      expect((await whoAmI(sandbox.url, apiKey(TOKENS[0] ?? ""))).name).toBe("admin")
      expect((await whoAmI(sandbox.url, apiKey(TOKENS[1] ?? ""))).name).toBe("token-2")
      expect((await get(`${sandbox.url}/api/info`, apiKey(TOKENS[1] ?? ""))).status).toBe(200)
    })

    it("refuses an unknown token with 401 and the recorded body shape, on REST and on /graphql", async () => {
      const recorded = fixture("error_catalogue/rest_legacy_401.json") as { errors: ReadonlyArray<unknown> }
      for (const answer of [
        await get(`${sandbox.url}/api/schema`, apiKey("nope")),
        await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { version } }", apiKey("nope"))
      ]) {
        expect(answer.status).toBe(401)
        expect(answer.body).toEqual(legacy(401, "Invalid token"))
        expect(shapeOf((answer.body as { errors: unknown }).errors)).toEqual(shapeOf(recorded.errors))
      }
    })
  })

  describe("POST /api/auth/login", () => {
    it("answers the recorded body shape and sets Infrahub's httpOnly cookies", async () => {
      const answer = await login(sandbox.url, { username: "alice", password: "wonder:land" })
      expect(answer.status).toBe(200)
      expect(shapeOf(answer.body)).toEqual(shapeOf(fixture("infrahub-frontend/login.json")))
      const { access_token, refresh_token } = answer.body as { access_token: string; refresh_token: string }
      const cookies = setCookies(answer)
      expect(cookies).toHaveLength(2)
      expect(cookies.find((cookie) => cookie.startsWith(`access_token=${access_token};`))).toMatch(/Max-Age=3600\b.*HttpOnly|HttpOnly.*Max-Age=3600\b/i)
      expect(cookies.find((cookie) => cookie.startsWith(`refresh_token=${refresh_token};`))).toMatch(/Max-Age=2592000\b/i)
    })

    it("issues HS256 JWTs with Infrahub's claims and lifetimes", async () => {
      const { access_token, refresh_token } = await loginAs(sandbox.url, "alice", "wonder:land")
      expect(decodeProtectedHeader(access_token)).toEqual({ alg: "HS256", typ: "JWT" })
      expect(decodeProtectedHeader(refresh_token)).toEqual({ alg: "HS256", typ: "JWT" })
      const access = decodeJwt(access_token)
      const refreshClaims = decodeJwt(refresh_token)
      expect(keySet(access)).toEqual(["exp", "fresh", "iat", "nbf", "session_id", "sub", "type", "user_claims"])
      expect(keySet(refreshClaims)).toEqual(["exp", "fresh", "iat", "nbf", "session_id", "sub", "type"])
      const me = await whoAmI(sandbox.url, bearer(access_token))
      expect(me.name).toBe("alice")
      expect(access).toMatchObject({ sub: me.id, fresh: false, type: "access", user_claims: { role: "admin" } })
      expect(refreshClaims).toMatchObject({ sub: me.id, fresh: false, type: "refresh", session_id: access["session_id"] })
      expect(access["session_id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(access.nbf).toBe(access.iat)
      expect((access.exp ?? 0) - (access.iat ?? 0)).toBe(3600)
      expect((refreshClaims.exp ?? 0) - (refreshClaims.iat ?? 0)).toBe(2_592_000)
      // A second login is a second session.
      const again = decodeJwt((await loginAs(sandbox.url, "alice", "wonder:land")).access_token)
      expect(again["session_id"]).not.toBe(access["session_id"])
    })

    it("answers an unknown user with 404, a wrong password with 401, and a malformed body with 422", async () => {
      const unknown = await login(sandbox.url, { username: "mallory", password: "x" })
      expect([unknown.status, unknown.body]).toEqual([404, legacy(404, "That login user doesn't exist in the system")])
      const wrong = await login(sandbox.url, { username: "alice", password: "wonderland" })
      expect([wrong.status, wrong.body]).toEqual([401, legacy(401, "Incorrect password")])
      expect(setCookies(wrong)).toEqual([])
      for (const body of [{ username: "alice" }, { username: "alice", password: 7 }, "alice:wonder:land"]) {
        const malformed = await login(sandbox.url, body)
        // FastAPI's own 422 lists pydantic's errors under `detail`; the sandbox words it in Infrahub's envelope.
        // Either way the status is 422 and the answer names what is missing.
        expect(malformed.status, JSON.stringify(body)).toBe(422)
        expect(malformed.text).toContain("password")
      }
    })
  })

  describe("JWT access tokens", () => {
    it("are accepted as Bearer header or access_token cookie, on REST and on /graphql", async () => {
      const { access_token } = await loginAs(sandbox.url, "bob", "builder")
      expect((await get(`${sandbox.url}/api/info`, bearer(access_token))).status).toBe(200)
      expect((await whoAmI(sandbox.url, bearer(access_token))).name).toBe("bob")
      const cookie = { cookie: `access_token=${access_token}` }
      expect((await get(`${sandbox.url}/api/schema/summary`, cookie)).status).toBe(200)
      expect((await whoAmI(sandbox.url, cookie)).name).toBe("bob")
    })

    it("lose to an X-INFRAHUB-KEY sent alongside: the API key is judged first, and alone", async () => {
      const { access_token } = await loginAs(sandbox.url, "alice", "wonder:land")
      expect((await whoAmI(sandbox.url, { ...bearer(access_token), ...apiKey(TOKENS[1] ?? "") })).name).toBe("token-2")
      const badKey = await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { version } }", { ...bearer(access_token), ...apiKey("nope") })
      expect([badKey.status, badKey.body]).toEqual([401, legacy(401, "Invalid token")])
    })

    it("refuse garbage and refresh tokens used as access tokens", async () => {
      const { refresh_token } = await loginAs(sandbox.url, "alice", "wonder:land")
      const cases: Array<[string, string]> = [
        ["not.a.jwt", "Invalid token"],
        [refresh_token, "Invalid token, current token is not an access token"],
        // Signed with another key: the signature does not verify.
        ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4IiwidHlwZSI6ImFjY2VzcyJ9.c2lnbmF0dXJl", "Invalid token"]
      ]
      for (const [token, message] of cases) {
        for (const answer of [
          await get(`${sandbox.url}/api/info`, bearer(token)),
          await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { version } }", bearer(token))
        ]) {
          expect([answer.status, answer.body]).toEqual([401, legacy(401, message)])
        }
      }
    })
  })

  describe("POST /api/auth/refresh and /api/auth/logout", () => {
    it("refreshes with the Bearer refresh token or the refresh_token cookie, in the same session", async () => {
      const { access_token, refresh_token } = await loginAs(sandbox.url, "alice", "wonder:land")
      for (const headers of [bearer(refresh_token), { cookie: `refresh_token=${refresh_token}` }]) {
        const answer = await refresh(sandbox.url, headers)
        expect(answer.status, answer.text).toBe(200)
        expect(keySet(answer.body)).toEqual(["access_token"])
        const renewed = (answer.body as { access_token: string }).access_token
        expect(decodeJwt(renewed)).toMatchObject({ type: "access", session_id: decodeJwt(access_token)["session_id"], sub: decodeJwt(access_token).sub })
        expect((await whoAmI(sandbox.url, bearer(renewed))).name).toBe("alice")
        expect(setCookies(answer).find((cookie) => cookie.startsWith(`access_token=${renewed};`))).toMatch(/Max-Age=3600\b/i)
      }
    })

    it("refuses a missing token, an access token, garbage, and the access_token cookie", async () => {
      const { access_token } = await loginAs(sandbox.url, "alice", "wonder:land")
      const cases: Array<[Record<string, string>, string]> = [
        [{}, "A JWT refresh token is required to perform this operation."],
        [bearer(access_token), "Invalid token, current token is not a refresh token"],
        [bearer("garbage"), "Invalid token"],
        // Infrahub reads the refresh token from the header or the refresh_token cookie only.
        [{ cookie: `access_token=${access_token}` }, "A JWT refresh token is required to perform this operation."]
      ]
      for (const [headers, message] of cases) {
        const answer = await refresh(sandbox.url, headers)
        expect([answer.status, answer.body], JSON.stringify(headers)).toEqual([401, legacy(401, message)])
      }
    })

    it("logs out: the session's refresh token stops working, other sessions keep theirs", async () => {
      const first = await loginAs(sandbox.url, "bob", "builder")
      const second = await loginAs(sandbox.url, "bob", "builder")
      const answer = await logout(sandbox.url, bearer(first.access_token))
      expect(answer.status).toBe(200)
      expect(answer.text).toBe("null")
      const cookies = setCookies(answer)
      expect(cookies.some((cookie) => /^access_token=;.*Max-Age=0/i.test(cookie) || /^access_token=;.*Expires=Thu, 01 Jan 1970/i.test(cookie))).toBe(true)
      expect(cookies.some((cookie) => /^refresh_token=;/i.test(cookie))).toBe(true)
      const refused = await refresh(sandbox.url, bearer(first.refresh_token))
      expect([refused.status, refused.body]).toEqual([401, legacy(401, "The provided refresh token has been invalidated in the database")])
      expect((await refresh(sandbox.url, bearer(second.refresh_token))).status).toBe(200)
    })

    it("refuses a logout without an access token, or with a refresh token", async () => {
      const { refresh_token } = await loginAs(sandbox.url, "bob", "builder")
      const none = await logout(sandbox.url, {})
      expect([none.status, none.body]).toEqual([401, legacy(401, "A JWT access token is required to perform this operation.")])
      const wrongType = await logout(sandbox.url, bearer(refresh_token))
      expect([wrongType.status, wrongType.body]).toEqual([401, legacy(401, "Invalid token, current token is not an access token")])
      expect((await refresh(sandbox.url, bearer(refresh_token))).status).toBe(200)
    })
  })

  describe("expired access tokens", () => {
    it("answer 401 Expired Signature, and refresh still works", async () => {
      // Lifetime 0: expired as soon as issued (exp = iat), without waiting.
      const expiring = await start({ users: USERS, accessTokenLifetimeS: 0 })
      const { access_token, refresh_token } = await loginAs(expiring.url, "alice", "wonder:land")
      for (const answer of [
        await get(`${expiring.url}/api/info`, bearer(access_token)),
        await postGraphql(`${expiring.url}/graphql`, "query { InfrahubInfo { version } }", bearer(access_token))
      ]) {
        expect([answer.status, answer.body]).toEqual([401, legacy(401, "Expired Signature")])
      }
      expect((await refresh(expiring.url, bearer(refresh_token))).status).toBe(200)
    })

    it("answer /graphql with the captured catalogue body when the sandbox speaks the error catalogue", async () => {
      const catalogue = await start({ users: USERS, accessTokenLifetimeS: 0, errorFormat: "catalogue" })
      const { access_token } = await loginAs(catalogue.url, "alice", "wonder:land")
      const expired = await postGraphql(`${catalogue.url}/graphql`, "query { InfrahubInfo { version } }", bearer(access_token))
      expect(expired.status).toBe(401)
      expect(expired.body).toEqual(fixture("error_catalogue/auth_token_expired.json"))
      const invalid = await postGraphql(`${catalogue.url}/graphql`, "query { InfrahubInfo { version } }", apiKey("nope"))
      expect([invalid.status, invalid.body]).toEqual([401, { errors: [{ message: "Invalid token", extensions: { code: "AUTHENTICATION_REQUIRED", http_status: 401, data: {} } }] }])
      // REST keeps the legacy envelope on catalogue servers.
      const rest = await get(`${catalogue.url}/api/info`, bearer(access_token))
      expect([rest.status, rest.body]).toEqual([401, legacy(401, "Expired Signature")])
    })
  })
})

describe("anonymous access", () => {
  const MUTATION = `mutation { BuiltinTagCreate(data: {name: {value: "anonymous"}}) { ok } }`
  const COUNT = `query { BuiltinTag(name__value: "anonymous") { count } }`

  it("can be turned off: then REST reads and GraphQL queries without a credential answer 401", async () => {
    const closed = await start({ allowAnonymous: false })
    const recorded = fixture("error_catalogue/rest_legacy_401.json") as { errors: ReadonlyArray<unknown> }
    for (const path of ["/api/schema", "/api/schema/BuiltinTag", "/api/schema/summary", "/schema.graphql", "/api/info"]) {
      const answer = await get(`${closed.url}${path}`)
      expect(answer.status, path).toBe(401)
      expect(answer.body).toEqual({ data: null, errors: recorded.errors })
    }
    const query = await postGraphql(`${closed.url}/graphql`, "query { InfrahubInfo { version } }")
    expect([query.status, query.body]).toEqual([401, legacy(401, "Authentication is required to perform this operation")])
    const mutation = await postGraphql(`${closed.url}/graphql`, MUTATION)
    expect(mutation.status).toBe(401)
    expect(dataOf(await postGraphql(`${closed.url}/graphql`, COUNT, apiKey(closed.token)))).toEqual({ BuiltinTag: { count: 0 } })
  })

  it("is on by default (Infrahub's allow_anonymous_access): reads go through, never a mutation", async () => {
    const open = await start({})
    for (const path of ["/api/schema", "/api/schema/BuiltinTag", "/api/schema/summary", "/schema.graphql", "/api/info"]) {
      expect((await get(`${open.url}${path}`)).status, path).toBe(200)
    }
    expect(dataOf(await postGraphql(`${open.url}/graphql`, "query { InfrahubInfo { version } }"))).toEqual({ InfrahubInfo: { version: "1.10.0" } })
    const mutation = await postGraphql(`${open.url}/graphql`, MUTATION)
    expect([mutation.status, mutation.body]).toEqual([401, legacy(401, "Authentication is required to perform this operation")])
    // A mutation hidden behind an operationName, or next to a query, is still a mutation.
    const mixed = await request(`${open.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `query Read { InfrahubInfo { version } } ${MUTATION.replace("mutation", "mutation Write")}`, operationName: "Read" })
    })
    expect(mixed.status).toBe(401)
    // A credential that does not verify is refused, not downgraded to anonymous.
    const badToken = await postGraphql(`${open.url}/graphql`, "query { InfrahubInfo { version } }", apiKey("nope"))
    expect([badToken.status, badToken.body]).toEqual([401, legacy(401, "Invalid token")])
    expect(dataOf(await postGraphql(`${open.url}/graphql`, COUNT))).toEqual({ BuiltinTag: { count: 0 } })
    expect(dataOf(await postGraphql(`${open.url}/graphql`, MUTATION, apiKey(open.token)))).toEqual({ BuiltinTagCreate: { ok: true } })
    expect(dataOf(await postGraphql(`${open.url}/graphql`, COUNT))).toEqual({ BuiltinTag: { count: 1 } })
  })

  it("words the anonymous-mutation refusal with the catalogue code on catalogue servers", async () => {
    const catalogue = await start({ allowAnonymous: true, errorFormat: "catalogue" })
    const answer = await postGraphql(`${catalogue.url}/graphql`, MUTATION)
    expect(answer.status).toBe(401)
    const recorded = (fixture("error_catalogue/codes/authentication_required.json") as { errors: Array<{ message: string; extensions: unknown }> }).errors[0]
    const error = (answer.body as { errors: Array<{ message: string; extensions: unknown }> }).errors[0]
    expect({ message: error?.message, extensions: error?.extensions }).toEqual({ message: recorded?.message, extensions: recorded?.extensions })
  })
})
