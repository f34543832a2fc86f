// The pure parts of the proxy, on inputs the end-to-end tests cannot produce with the test IdP:
// Entra's `scp` claim, IPv6 loopback redirects, store eviction, escaping.
import { describe, expect, it } from "@effect/vitest"
import { ExpiringStore } from "../../../src/auth/oidc/ExpiringStore.js"
import { isAuthorizationServerPath, isProtectedResourcePath, publicUrls } from "../../../src/auth/oidc/Metadata.js"
import { escapeHtml } from "../../../src/auth/oidc/Pages.js"
import { matchesRegistered, redirectUriProblem, type RegisteredClient } from "../../../src/auth/oidc/Registration.js"
import { scopesOf } from "../../../src/auth/oidc/Upstream.js"
import { sanitizeDescription } from "../../../src/auth/oidc/web.js"

describe("scopesOf", () => {
  it("reads `scope` as a space-separated string or an array, else Entra's `scp`", () => {
    expect(scopesOf({ scope: "openid  infrahub:write" })).toEqual(["openid", "infrahub:write"])
    expect(scopesOf({ scope: ["a", "b"] })).toEqual(["a", "b"])
    expect(scopesOf({ scp: "Infrahub.Write Infrahub.Read" })).toEqual(["Infrahub.Write", "Infrahub.Read"])
    expect(scopesOf({ scp: ["Infrahub.Write"] })).toEqual(["Infrahub.Write"])
    expect(scopesOf({ scope: "write", scp: ["other"] })).toEqual(["write"])
    expect(scopesOf({ scope: 42 })).toEqual([])
    expect(scopesOf({})).toEqual([])
  })
})

describe("redirect URIs", () => {
  const client = (...redirectUris: Array<string>): RegisteredClient => ({
    clientId: "c",
    clientName: undefined,
    redirectUris,
    scope: undefined,
    issuedAt: 0
  })

  it("match exactly, or on loopback with any port but the same host, path and query", () => {
    const c = client("http://[::1]:8080/cb?x=1", "https://app.example/cb", "http://localhost/cb")
    expect(matchesRegistered(c, "https://app.example/cb")).toBe(true)
    expect(matchesRegistered(c, "https://app.example:8443/cb")).toBe(false)
    expect(matchesRegistered(c, "https://app.example/cb/")).toBe(false)
    expect(matchesRegistered(c, "http://[::1]:9999/cb?x=1")).toBe(true)
    expect(matchesRegistered(c, "http://[::1]:9999/cb?x=2")).toBe(false)
    expect(matchesRegistered(c, "http://127.0.0.1:8080/cb?x=1")).toBe(false)
    expect(matchesRegistered(c, "http://localhost:51234/cb")).toBe(true)
    expect(matchesRegistered(c, "http://localhost:51234/cb#x")).toBe(false)
    expect(matchesRegistered(c, "http://user@localhost:51234/cb")).toBe(false)
    expect(matchesRegistered(c, "https://localhost:51234/cb")).toBe(false)
  })

  it("are accepted only as https or loopback http, without fragment or credentials", () => {
    expect(redirectUriProblem("https://claude.ai/api/mcp/auth_callback")).toBeUndefined()
    expect(redirectUriProblem("http://127.0.0.1:33418/")).toBeUndefined()
    expect(redirectUriProblem("http://[::1]/cb")).toBeUndefined()
    expect(redirectUriProblem("http://127.0.0.2/cb")).toMatch(/loopback/)
    expect(redirectUriProblem("cursor://anysphere.cursor-mcp/oauth/callback")).toMatch(/https/)
    expect(redirectUriProblem("https://a.example/cb#")).toMatch(/fragment/)
    expect(redirectUriProblem("/relative")).toMatch(/absolute/)
  })
})

describe("ExpiringStore", () => {
  it("expires entries, takes them once, and evicts the oldest when full", () => {
    const store = new ExpiringStore<string, number>(2)
    store.set("a", 1, 1_000, 0)
    expect(store.get("a", 999)).toBe(1)
    expect(store.get("a", 1_000)).toBeUndefined()
    store.set("b", 2, 5_000, 0)
    expect(store.take("b", 10)).toBe(2)
    expect(store.take("b", 10)).toBeUndefined()
    store.set("c", 3, 5_000, 0)
    store.set("d", 4, 5_000, 0)
    store.set("e", 5, 5_000, 0)
    expect(store.size).toBe(2)
    expect(store.get("c", 10)).toBeUndefined()
    expect(store.get("e", 10)).toBe(5)
  })

  it("sweeps expired entries before evicting live ones", () => {
    const store = new ExpiringStore<string, number>(2)
    store.set("old", 1, 100, 0)
    store.set("live", 2, 10_000, 0)
    store.set("new", 3, 10_000, 500)
    expect(store.get("live", 600)).toBe(2)
    expect(store.get("new", 600)).toBe(3)
  })
})

describe("public URLs", () => {
  it("derive the resource, metadata URL and callback from BASE_URL, prefix included", () => {
    const urls = publicUrls("https://mcp.example.com/infrahub/", "/oauth/callback")
    expect(urls).toMatchObject({
      base: "https://mcp.example.com/infrahub",
      basePath: "/infrahub",
      resource: "https://mcp.example.com/infrahub/mcp",
      resourceMetadataUrl: "https://mcp.example.com/infrahub/.well-known/oauth-protected-resource/mcp",
      callbackUrl: "https://mcp.example.com/infrahub/oauth/callback"
    })
    if (typeof urls === "string") throw new Error(urls)
    for (const path of [
      "/.well-known/oauth-protected-resource/infrahub/mcp",
      "/infrahub/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource"
    ]) expect(isProtectedResourcePath(urls, path)).toBe(true)
    expect(isAuthorizationServerPath(urls, "/.well-known/oauth-authorization-server/infrahub")).toBe(true)
    expect(isAuthorizationServerPath(urls, "/.well-known/oauth-authorization-server/other")).toBe(false)
  })

  it("refuse plain http away from loopback", () => {
    expect(publicUrls("http://mcp.example.com", "/oauth/callback")).toMatch(/https/)
    expect(typeof publicUrls("http://localhost:8000", "/auth/callback")).toBe("object")
  })
})

describe("escaping", () => {
  it("escapes HTML and keeps OAuth error descriptions to their allowed characters", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    expect(sanitizeDescription('bad "quote" \\ and\nnewline é')).toBe("bad 'quote' ' and newline  ")
  })
})
