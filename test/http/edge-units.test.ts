import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { hostnameOf } from "../../src/config/parse.js"
import { hostAllowed } from "../../src/http/hostCheck.js"
import { invalidRequest } from "../../src/http/jsonRpc.js"
import { ListenFailed } from "../../src/http/listen.js"

describe("hostnameOf", () => {
  it("drops the port and a trailing dot, lower-cases, and keeps IPv6 brackets", () => {
    expect(hostnameOf("MCP.Example.com:8001")).toBe("mcp.example.com")
    expect(hostnameOf("mcp.example.com.")).toBe("mcp.example.com")
    expect(hostnameOf("[::1]:8001")).toBe("[::1]")
    expect(hostnameOf("::1")).toBe("[::1]")
    expect(hostnameOf("127.0.0.1")).toBe("127.0.0.1")
  })
})

describe("hostAllowed", () => {
  const allowed = ["mcp.example.com"]
  it("accepts IP addresses, localhost and listed names, with or without a port", () => {
    for (const host of ["127.0.0.1:8001", "10.0.0.5", "[::1]:8001", "[2001:db8::1]", "localhost", "LOCALHOST:1", "mcp.example.com:443"]) {
      expect(hostAllowed(host, allowed), host).toBe(true)
    }
  })
  it("refuses other names, look-alikes included", () => {
    for (const host of ["evil.example", "mcp.example.com.evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "[evil]"]) {
      expect(hostAllowed(host, allowed), host).toBe(false)
    }
  })
  it("accepts anything with '*', and a request without Host (no browser sent it)", () => {
    expect(hostAllowed("evil.example", "any")).toBe(true)
    expect(hostAllowed(undefined, allowed)).toBe(true)
  })
})

describe("invalidRequest", () => {
  const ping = { jsonrpc: "2.0", id: 1, method: "ping" }
  it("accepts JSON-RPC requests, notifications and responses", () => {
    expect(invalidRequest(ping, null)).toEqual(Option.none())
    expect(invalidRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, "2025-06-18")).toEqual(Option.none())
    expect(invalidRequest({ jsonrpc: "2.0", id: 1, result: {} }, "2025-06-18")).toEqual(Option.none())
  })
  it("refuses JSON that is not JSON-RPC", () => {
    for (const body of [{}, { hello: 1 }, 42, "ping", null, { jsonrpc: "1.0", id: 1, method: "ping" }, { jsonrpc: "2.0", id: 1 }]) {
      expect(Option.getOrElse(invalidRequest(body, null), () => ""), JSON.stringify(body)).toMatch(/^Invalid Request: the body is JSON but not a JSON-RPC 2\.0 message/)
    }
  })
  it("refuses an empty batch", () => {
    expect(invalidRequest([], null)).toEqual(Option.some("Invalid Request: the body is an empty batch; send a JSON-RPC message."))
  })
  it("accepts batches only before protocol 2025-06-18 (header, else the batch's initialize, else 2025-03-26)", () => {
    expect(invalidRequest([ping, ping], null)).toEqual(Option.none())
    expect(invalidRequest([ping], "2025-03-26")).toEqual(Option.none())
    expect(invalidRequest([ping], "2025-06-18")).toEqual(Option.some("Invalid Request: MCP protocol version 2025-06-18 has no JSON-RPC batches; send one message per POST."))
    expect(Option.isSome(invalidRequest([ping], "2025-11-25"))).toBe(true)
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } }
    expect(Option.isSome(invalidRequest([initialize], null))).toBe(true)
  })
})

describe("ListenFailed", () => {
  const failure = (code: string | undefined, host = "127.0.0.1", port = 8001) =>
    new ListenFailed({ host, port, cause: Object.assign(new Error(`listen ${code ?? "oops"}`), code === undefined ? {} : { code }) }).message
  it("gives the hint that matches the cause", () => {
    expect(failure("EADDRINUSE")).toBe("Cannot listen on 127.0.0.1:8001 (EADDRINUSE): port 8001 is already in use. Choose another --port (0 picks a free one) or stop the process using it.")
    expect(failure("EADDRNOTAVAIL", "192.0.2.1")).toContain("192.0.2.1 is not an address of this machine")
    expect(failure("ENOTFOUND", "no-such-host.invalid")).toContain("the host name no-such-host.invalid does not resolve")
    expect(failure("EACCES", "127.0.0.1", 80)).toContain("Ports below 1024 need privileges")
    expect(failure("EADDRINUSE", "::1")).toMatch(/^Cannot listen on \[::1\]:8001 /)
  })
  it("names the cause and both flags when it has no specific hint", () => {
    expect(failure(undefined)).toBe("Cannot listen on 127.0.0.1:8001: Error: listen oops. Check --host and --port.")
  })
})
