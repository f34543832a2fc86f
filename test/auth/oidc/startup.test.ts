// Start-up: the proxy fetches discovery and the JWKS before anything listens, and a wrong URL, an
// unreachable IdP or unusable settings stop it with a message that names the variable to fix.
import http from "node:http"
import type { AddressInfo } from "node:net"
import { FetchHttpClient, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { OidcProxy, type OidcProxyShape, type OidcSettings } from "../../../src/auth/oidc/OidcProxy.js"
import { makeMemoryStore, memoryStoreLayer } from "../../../src/state/memoryStore.js"
import { StateStore, StateStoreUnavailable } from "../../../src/state/StateStore.js"

interface Route {
  readonly status?: number
  readonly type?: string
  readonly body: string
}
type Routes = Record<string, Route>

/** A fake IdP answering fixed documents; `{origin}` in a body is replaced by its own origin. */
const fakeIdp = (routes: Routes) =>
  Effect.acquireRelease(
    Effect.async<{ readonly origin: string; readonly server: http.Server }>((resume) => {
      const server = http.createServer((req, res) => {
        const route = routes[req.url ?? ""]
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        res.writeHead(route?.status ?? (route === undefined ? 404 : 200), { "content-type": route?.type ?? "application/json" })
        res.end(route === undefined ? "{}" : route.body.replaceAll("{origin}", origin))
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }))
      )
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** A port nothing listens on (bound, then released). */
const closedPort = Effect.async<number>((resume) => {
  const server = http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

const settings = (configUrl: string, overrides: Partial<OidcSettings> = {}): OidcSettings => ({
  configUrl,
  clientId: "infrahub-mcp",
  clientSecret: Option.some(Redacted.make("secret")),
  baseUrl: "http://127.0.0.1:8000",
  audience: Option.none(),
  userClaim: "email",
  writeScopes: ["write"],
  jwtSigningKey: Option.none(),
  consent: "required",
  ...overrides
})

const proxyLayer = (s: OidcSettings) => OidcProxy.layer(s).pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, memoryStoreLayer())))

const startupFailure = (s: OidcSettings) => Layer.build(proxyLayer(s)).pipe(Effect.scoped, Effect.flip)

/** One request to the proxy's routes, in process; `None` when it is not one of them. */
const call = (proxy: OidcProxyShape, request: Request) =>
  proxy.app.pipe(
    Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(request)),
    Effect.map(HttpServerResponse.toWeb),
    Effect.either,
    Effect.map(Either.getRight)
  )

const discovery = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    issuer: "{origin}",
    authorization_endpoint: "{origin}/auth",
    token_endpoint: "{origin}/token",
    jwks_uri: "{origin}/jwks",
    ...overrides
  })

const JWKS = JSON.stringify({
  keys: [{ kty: "RSA", kid: "k", use: "sig", alg: "RS256", n: "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", e: "AQAB" }]
})

describe("start-up", () => {
  it.scoped("starts against a valid discovery document; without an IdP revocation endpoint it offers no /revoke", () =>
    Effect.gen(function* () {
      const idp = yield* fakeIdp({ "/.well-known/openid-configuration": { body: discovery() }, "/jwks": { body: JWKS } })
      const context = yield* Layer.build(proxyLayer(settings(`${idp.origin}/.well-known/openid-configuration`)))
      const proxy = Context.get(context, OidcProxy)
      const metadata = yield* call(proxy, new Request("http://127.0.0.1:8000/.well-known/oauth-authorization-server"))
      const body = (yield* Effect.promise(() => Option.getOrThrow(metadata).json())) as Record<string, unknown>
      expect(body["issuer"]).toBe("http://127.0.0.1:8000")
      expect(body).not.toHaveProperty("revocation_endpoint")
      const revoke = yield* call(proxy, new Request("http://127.0.0.1:8000/revoke", { method: "POST" }))
      expect(Option.isNone(revoke)).toBe(true)
      expect(proxy.resourceMetadataUrl).toBe("http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp")
    })
  )

  it.scoped("fails closed when the state store fails: 503 saying what to do, to programs and to browsers", () =>
    Effect.gen(function* () {
      const idp = yield* fakeIdp({ "/.well-known/openid-configuration": { body: discovery() }, "/jwks": { body: JWKS } })
      const healthy = yield* makeMemoryStore({ maxEntries: 100 })
      const down = Effect.fail(new StateStoreUnavailable({ operation: "get", detail: "connection refused" }))
      const broken = StateStore.of({ ...healthy, get: () => down, set: () => down, admit: () => down, takeToken: () => down })
      const context = yield* Layer.build(
        OidcProxy.layer(settings(`${idp.origin}/.well-known/openid-configuration`)).pipe(
          Layer.provide(Layer.merge(FetchHttpClient.layer, Layer.succeed(StateStore, broken)))
        )
      )
      const proxy = Context.get(context, OidcProxy)
      const registration = Option.getOrThrow(
        yield* call(
          proxy,
          new Request("http://127.0.0.1:8000/register", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ redirect_uris: ["http://127.0.0.1:7777/callback"] })
          })
        )
      )
      expect(registration.status).toBe(503)
      expect(registration.headers.get("retry-after")).toBe("5")
      expect(yield* Effect.promise(() => registration.json())).toMatchObject({
        error: "temporarily_unavailable",
        error_description: expect.stringMatching(/state store failed during get: connection refused\. Retry in a few seconds.*INFRAHUB_MCP_STATE_STORE/)
      })
      const page = Option.getOrThrow(yield* call(proxy, new Request("http://127.0.0.1:8000/authorize?client_id=x", { headers: { accept: "text/html" } })))
      expect(page.status).toBe(503)
      expect(yield* Effect.promise(() => page.text())).toContain("Retry in a few seconds")
      const refused = yield* Effect.flip(proxy.authenticate("Bearer not-a-jwt"))
      expect(refused._tag).toBe("OidcUnauthorized") // a token that is not ours is refused before the store is asked
    })
  )

  it.effect("fails when the discovery URL is unreachable, naming INFRAHUB_MCP_OIDC_CONFIG_URL", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const error = yield* startupFailure(settings(`http://127.0.0.1:${port}/.well-known/openid-configuration`))
      expect(error._tag).toBe("OidcStartupError")
      expect(error.message).toMatch(/Cannot fetch the OpenID discovery document at http:\/\/127\.0\.0\.1:\d+/)
      expect(error.message).toContain("Check INFRAHUB_MCP_OIDC_CONFIG_URL")
    })
  )

  it.effect("fails on a URL that is not http(s)", () =>
    Effect.gen(function* () {
      const error = yield* startupFailure(settings("ftp://idp.example/.well-known/openid-configuration"))
      expect(error.message).toMatch(/INFRAHUB_MCP_OIDC_CONFIG_URL is not an http\(s\) URL/)
    })
  )

  const documents: Array<[string, Route, RegExp]> = [
    ["an HTTP error", { status: 404, body: "{}" }, /answered HTTP 404/],
    ["an HTML page", { type: "text/html", body: "<html>login</html>" }, /is not JSON/],
    ["a document without jwks_uri", { body: discovery({ jwks_uri: undefined }) }, /not a usable OpenID discovery document[\s\S]*jwks_uri/],
    ["a document with a non-URL endpoint", { body: discovery({ token_endpoint: "not a url" }) }, /token_endpoint[\s\S]*absolute URL/]
  ]
  it.scoped.each(documents)("fails on %s at the discovery URL", ([, route, pattern]) =>
    Effect.gen(function* () {
      const idp = yield* fakeIdp({ "/.well-known/openid-configuration": route, "/jwks": { body: JWKS } })
      const error = yield* startupFailure(settings(`${idp.origin}/.well-known/openid-configuration`))
      expect(error._tag).toBe("OidcStartupError")
      expect(error.message).toMatch(pattern)
      expect(error.message).toContain("INFRAHUB_MCP_OIDC_CONFIG_URL")
    })
  )

  const keySets: Array<[string, Routes, RegExp]> = [
    ["unreachable", {}, /Cannot load the identity provider's signing keys/],
    ["empty", { "/jwks": { body: JSON.stringify({ keys: [] }) } }, /has no keys/]
  ]
  it.scoped.each(keySets)("fails when the key set is %s", ([, routes, pattern]) =>
    Effect.gen(function* () {
      const idp = yield* fakeIdp({ "/.well-known/openid-configuration": { body: discovery() }, ...routes })
      const error = yield* startupFailure(settings(`${idp.origin}/.well-known/openid-configuration`))
      expect(error.message).toMatch(pattern)
    })
  )

  const settingsCases: Array<[string, Partial<OidcSettings>, RegExp]> = [
    ["a plain-http public base URL", { baseUrl: "http://mcp.example.com" }, /INFRAHUB_MCP_OIDC_BASE_URL must use https/],
    ["a base URL with a query", { baseUrl: "https://mcp.example.com/?x=1" }, /INFRAHUB_MCP_OIDC_BASE_URL must not have a query/],
    ["an empty client id", { clientId: " " }, /INFRAHUB_MCP_OIDC_CLIENT_ID is empty/],
    ["a short signing key", { jwtSigningKey: Option.some(Redacted.make("short")) }, /INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY is shorter than 32/],
    ["a write scope with a quote", { writeScopes: ['in"valid'] }, /INFRAHUB_MCP_AUTH_SCOPES_WRITE contains/],
    ["a trusted proxy that is not an address", { trustedProxies: ["10.0.0.0/8", "proxy.internal"] }, /INFRAHUB_MCP_OIDC_TRUSTED_PROXIES contains "proxy\.internal"/]
  ]
  it.effect.each(settingsCases)("refuses %s before contacting the IdP", ([, overrides, pattern]) =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const error = yield* startupFailure(settings(`http://127.0.0.1:${port}/.well-known/openid-configuration`, overrides))
      expect(error.message).toMatch(pattern)
    })
  )
})
