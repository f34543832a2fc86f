// The pure parts of the proxy, on inputs the end-to-end tests cannot produce with the test IdP:
// Entra's `scp` claim, IPv6 loopback redirects, sources behind proxies and IPv6, escaping.
import { HttpServerRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { sanitizeDescription } from "../../../src/auth/oidc/answers.js"
import { publicUrls, wellKnownPaths } from "../../../src/auth/oidc/Metadata.js"
import type { RegisteredClient } from "../../../src/auth/oidc/OidcState.js"
import { escapeHtml } from "../../../src/auth/oidc/Pages.js"
import { matchesRegistered, redirectUriProblem } from "../../../src/auth/oidc/Registration.js"
import { parseAddressRange, requestSource, trustedProxyList } from "../../../src/auth/oidc/sourceAddress.js"
import { scopesOf } from "../../../src/auth/oidc/Upstream.js"

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
  const client = (...redirectUris: Array<string>): RegisteredClient => ({ clientId: "c", redirectUris, issuedAt: 0 })

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

describe("request sources for the flood bounds", () => {
  const request = (peer: string, forwardedFor?: string) =>
    HttpServerRequest.fromWeb(
      new Request("http://127.0.0.1/authorize", forwardedFor === undefined ? {} : { headers: { "x-forwarded-for": forwardedFor } })
    ).modify({ remoteAddress: peer })
  const proxies = Option.some(trustedProxyList(["10.0.0.0/8", "192.0.2.7", "fd00::/8"]))

  it("is the peer address, and ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(requestSource(request("203.0.113.9", "198.51.100.1"), Option.none())).toBe("203.0.113.9")
    expect(requestSource(request("203.0.113.9", "198.51.100.1"), proxies)).toBe("203.0.113.9")
    expect(requestSource(request("::ffff:203.0.113.9"), Option.none())).toBe("203.0.113.9")
  })

  it("behind trusted proxies, is the nearest forwarded address that is not one of them", () => {
    expect(requestSource(request("10.1.2.3", "198.51.100.1"), proxies)).toBe("198.51.100.1")
    // A client may prepend anything; only what our proxies appended counts.
    expect(requestSource(request("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.0.2.7"), proxies)).toBe("198.51.100.1")
    expect(requestSource(request("10.1.2.3", "garbage, 10.9.9.9"), proxies)).toBe("10.1.2.3")
    expect(requestSource(request("10.1.2.3"), proxies)).toBe("10.1.2.3")
  })

  it("counts IPv6 sources per /64", () => {
    expect(requestSource(request("2001:db8:1:2:aaaa::1"), Option.none())).toBe("2001:db8:1:2::/64")
    expect(requestSource(request("2001:db8:1:2:bbbb:cccc:dddd:eeee"), Option.none())).toBe("2001:db8:1:2::/64")
    expect(requestSource(request("2001:db8::1"), Option.none())).toBe("2001:db8:0:0::/64")
    expect(requestSource(request("fd00::1", "2001:db8:5:6::9"), proxies)).toBe("2001:db8:5:6::/64")
  })

  it("accepts addresses and CIDR ranges as trusted proxies, and nothing else", () => {
    expect(parseAddressRange("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" })
    expect(parseAddressRange("::1")).toEqual({ address: "::1", prefix: undefined, family: "ipv6" })
    for (const bad of ["proxy.internal", "10.0.0.0/33", "10.0.0.0/8/8", "10.0.0.0/x", ""]) expect(parseAddressRange(bad)).toBeUndefined()
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
    expect(wellKnownPaths(urls, "oauth-protected-resource")).toEqual(
      expect.arrayContaining([
        "/.well-known/oauth-protected-resource/infrahub/mcp",
        "/infrahub/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource"
      ])
    )
    expect(wellKnownPaths(urls, "oauth-authorization-server")).toContain("/.well-known/oauth-authorization-server/infrahub")
    expect(wellKnownPaths(urls, "oauth-authorization-server")).not.toContain("/.well-known/oauth-authorization-server/other")
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
