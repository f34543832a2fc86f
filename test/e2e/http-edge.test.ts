// The HTTP edge against hostile and sloppy clients: oversized and slow bodies, slow headers,
// connection floods, foreign Host names, /metrics access, malformed JSON-RPC. The built CLI on
// loopback, driven with node:http and raw sockets where the wire itself is the subject.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http"
import { connect, type Socket } from "node:net"
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type HttpServerProcess, startHttpServer } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { baseOf, serverEnv } from "./read-support.js"

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

/** One request with node:http (which, unlike fetch, lets a test set `Host`). */
const send = (url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }))
    })
    request.on("error", reject)
    request.end(options.body)
  })

/**
 * Uploads up to `total` bytes as a chunked body, as fast as the server takes them, and stops when
 * the answer arrives. A server that stops reading at its limit answers long before `total` is sent.
 */
const uploadChunked = (url: string, total: number) =>
  new Promise<{ readonly status: number; readonly text: string; readonly written: number }>((resolve, reject) => {
    let written = 0
    let answered = false
    const request = httpRequest(url, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (response) => {
      answered = true
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, text, written })
        // The rest of the upload will never be read: stop it.
        request.destroy()
      })
    })
    request.on("error", (error) => (answered ? undefined : reject(error)))
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length
        if (!request.write(chunk)) return void request.once("drain", pump)
      }
      if (!answered) request.end()
    }
    pump()
  })

/** A raw TCP connection; `closed` settles when the server closes it, with whatever it sent first. */
const rawConnection = (url: string) => {
  const { hostname, port } = new URL(url)
  const socket: Socket = connect(Number(port), hostname)
  let received = ""
  socket.setEncoding("utf8")
  socket.on("data", (chunk: string) => (received += chunk))
  const closed = new Promise<string>((resolve) => socket.once("close", () => resolve(received)))
  socket.on("error", () => undefined)
  return { socket, closed, received: () => received }
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "edge-test", version: "1" } }
}
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" }

const openSession = async (url: string): Promise<string> => {
  const answer = await send(url, { method: "POST", headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) })
  expect(answer.status, answer.text).toBe(200)
  const sessionId = String(answer.headers["mcp-session-id"])
  const sessionHeaders = { ...MCP_HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": LATEST_PROTOCOL_VERSION }
  await send(url, { method: "POST", headers: sessionHeaders, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })
  return sessionId
}

const sessionHeaders = (sessionId: string, version = LATEST_PROTOCOL_VERSION) => ({
  ...MCP_HEADERS,
  "mcp-session-id": sessionId,
  "mcp-protocol-version": version
})

/** The first message of an SSE or JSON answer. */
const firstMessage = (text: string): Record<string, unknown> => {
  const data = text.split("\n").find((line) => line.startsWith("data: "))
  return JSON.parse(data === undefined ? text : data.slice(6)) as Record<string, unknown>
}

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})
afterAll(async () => {
  await sandbox?.close()
})

describe("INFRAHUB_MCP_MAX_BODY_BYTES", () => {
  const LIMIT = 64 * 1024
  const HUGE = 256 * 1024 * 1024
  let server: HttpServerProcess

  beforeAll(async () => {
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_MAX_BODY_BYTES: String(LIMIT) }))
  })
  afterAll(async () => {
    await server?.stop()
  })

  it.each(["/mcp", "/register", "/token", "/anything"])("a chunked body far over the limit gets 413 on %s while it is still being sent", async (path) => {
    const answer = await uploadChunked(`${baseOf(server.url)}${path}`, HUGE)
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.text)).toEqual({
      error: "request_too_large",
      error_description: `The request body is larger than ${LIMIT} bytes (INFRAHUB_MCP_MAX_BODY_BYTES), so it was not read; send a smaller request.`
    })
    // Answered long before the upload could finish: the server stopped reading at the limit.
    expect(answer.written).toBeLessThan(HUGE)
    expect((await send(`${baseOf(server.url)}/health`)).status).toBe(200)
  })

  it("a declared Content-Length over the limit is refused before any of the body is sent", async () => {
    const connection = rawConnection(server.url)
    connection.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`)
    while (!connection.received().includes("request_too_large")) await new Promise((resolve) => connection.socket.once("data", resolve))
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/)
    connection.socket.destroy()
  })

  it("a body within the limit is served", async () => {
    const answer = await send(server.url, { method: "POST", headers: MCP_HEADERS, body: JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, _meta: { padding: "x".repeat(LIMIT - 1024) } } }) })
    expect(answer.status).toBe(200)
  })
})

describe("the Host check (DNS rebinding)", () => {
  let server: HttpServerProcess

  beforeAll(async () => {
    server = await startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_ALLOWED_HOSTS: "mcp.example.com" }))
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("refuses a Host that names another site with 421, on every route, naming the setting", async () => {
    const port = new URL(server.url).port
    for (const path of ["/mcp", "/health", "/metrics", "/.well-known/oauth-authorization-server"]) {
      const answer = await send(`${baseOf(server.url)}${path}`, { headers: { host: `rebound.evil.example:${port}` } })
      expect(answer.status, path).toBe(421)
      expect(JSON.parse(answer.text), path).toEqual({
        error: "misdirected_request",
        error_description: `Host "rebound.evil.example:${port}" is not a name of this server, so the request was refused (DNS-rebinding protection). If clients reach the server under this name, add it to INFRAHUB_MCP_ALLOWED_HOSTS.`
      })
    }
    const post = await send(server.url, { method: "POST", headers: { ...MCP_HEADERS, host: "evil.example" }, body: JSON.stringify(INITIALIZE) })
    expect(post.status).toBe(421)
  })

  it("accepts IP addresses, localhost and the names in INFRAHUB_MCP_ALLOWED_HOSTS", async () => {
    const port = new URL(server.url).port
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "LOCALHOST", `[::1]:${port}`, "10.1.2.3", `mcp.example.com:${port}`, "MCP.Example.COM."]) {
      expect((await send(`${baseOf(server.url)}/health`, { headers: { host } })).status, host).toBe(200)
    }
  })
})

describe("/metrics access", () => {
  const TOKEN = "metrics-secret-0123456789"
  let servers: ReadonlyArray<HttpServerProcess> = []
  const metricsOf = (index: number) => `${baseOf(servers[index]?.url ?? "http://0.0.0.0")}/metrics`

  beforeAll(async () => {
    servers = await Promise.all([
      startHttpServer(serverEnv(sandbox)),
      startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "token-passthrough" }),
      startHttpServer(serverEnv(sandbox, { INFRAHUB_MCP_METRICS_TOKEN: TOKEN })),
      startHttpServer({ INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_MCP_AUTH_MODE: "basic-passthrough", INFRAHUB_MCP_METRICS_TOKEN: TOKEN })
    ])
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()))
  })

  it("is open in auth mode none without a token", async () => {
    expect((await send(metricsOf(0))).status).toBe(200)
  })

  it("is off in the passthrough modes without INFRAHUB_MCP_METRICS_TOKEN, saying how to turn it on", async () => {
    const answer = await send(metricsOf(1))
    expect(answer.status).toBe(403)
    expect(JSON.parse(answer.text)).toEqual({
      error: "forbidden",
      error_description: "/metrics is off in auth mode 'token-passthrough' unless INFRAHUB_MCP_METRICS_TOKEN is set: set it, and send Authorization: Bearer <that token>."
    })
  })

  it("needs Authorization: Bearer <INFRAHUB_MCP_METRICS_TOKEN> when the token is set, in any mode", async () => {
    for (const url of [metricsOf(2), metricsOf(3)]) {
      for (const authorization of [undefined, "Bearer wrong", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const answer = await send(url, { headers: authorization === undefined ? {} : { authorization } })
        expect(answer.status, authorization).toBe(401)
        expect(answer.headers["www-authenticate"]).toBe(`Bearer realm="infrahub-mcp-metrics"`)
        expect(answer.text).not.toContain(TOKEN)
      }
      const allowed = await send(url, { headers: { authorization: `Bearer ${TOKEN}` } })
      expect(allowed.status).toBe(200)
      expect(JSON.parse(allowed.text)).toBeTypeOf("object")
    }
  })
})

describe("slow and excess connections", () => {
  const REQUEST_TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
  let server: HttpServerProcess

  beforeAll(async () => {
    server = await startHttpServer(
      serverEnv(sandbox, {
        INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT: "1",
        INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT: "1",
        INFRAHUB_MCP_HTTP_MAX_CONNECTIONS: "3",
        // Held connections stay open however slow the machine is.
        INFRAHUB_MCP_HTTP_KEEPALIVE_TIMEOUT: "3600",
        // Pings on the session stream: unanswered, one every 4 s, each long after the request timeout.
        INFRAHUB_MCP_PING_INTERVAL_MS: "2000"
      })
    )
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("closes a connection whose headers never finish (INFRAHUB_MCP_HTTP_HEADERS_TIMEOUT)", async () => {
    const connection = rawConnection(server.url)
    connection.socket.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
    // Resolves only when the server closes the connection; the test timeout bounds it.
    expect(await connection.closed).toBe(REQUEST_TIMEOUT)
  })

  it("closes a connection whose body never finishes (INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT)", async () => {
    const connection = rawConnection(server.url)
    connection.socket.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"")
    expect(await connection.closed).toBe(REQUEST_TIMEOUT)
  })

  it("does not cut an SSE stream that outlives the request timeout", async () => {
    const sessionId = await openSession(server.url)
    // Two pings arrive on the stream, seconds apart: it stayed open far past the 1 s request timeout.
    const events = await new Promise<ReadonlyArray<string>>((resolve, reject) => {
      const request = httpRequest(server.url, { headers: { ...sessionHeaders(sessionId), accept: "text/event-stream" } }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          text += chunk
          const data = text.split("\n").filter((line) => line.startsWith("data: "))
          if (data.length >= 2) {
            resolve(data)
            request.destroy()
          }
        })
        response.on("end", () => reject(new Error(`the stream ended early: ${JSON.stringify(text)}`)))
      })
      request.on("error", (error) => reject(error))
      request.end()
    })
    for (const event of events) expect(JSON.parse(event.slice(6))).toMatchObject({ method: "ping" })
  })

  it("refuses connections past INFRAHUB_MCP_HTTP_MAX_CONNECTIONS and serves again once one closes", async () => {
    // A connection is held (and counted) once it has been served a request. One the server closes
    // unserved is refused because earlier tests' connections still count (kept-alive sockets of
    // the test's HTTP agent close on their own time): open another until three are held.
    const hold = async (): Promise<ReturnType<typeof rawConnection>> => {
      for (;;) {
        const connection = rawConnection(server.url)
        connection.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        const served = await new Promise<boolean>((resolve) => {
          const check = () => connection.received().includes("\r\n\r\n") && resolve(true)
          connection.socket.on("data", check)
          void connection.closed.then(() => resolve(connection.received().includes("\r\n\r\n")))
        })
        if (served) return connection
      }
    }
    const held = [await hold(), await hold(), await hold()]
    const extra = rawConnection(server.url)
    extra.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    expect(await extra.closed).toBe("")
    for (const connection of held) connection.socket.destroy()
    await Promise.all(held.map((connection) => connection.closed))
    // Node counts a connection until its socket is gone; retry until a place is free.
    let status = 0
    while (status !== 200) status = await send(`${baseOf(server.url)}/health`).then((answer) => answer.status, () => 0)
    expect(status).toBe(200)
  })
})

describe("Streamable HTTP conformance at the edge", () => {
  let server: HttpServerProcess
  let stateless: HttpServerProcess

  beforeAll(async () => {
    ;[server, stateless] = await Promise.all([startHttpServer(serverEnv(sandbox)), startHttpServer(serverEnv(sandbox), ["--stateless"])])
  })
  afterAll(async () => {
    await server?.stop()
    await stateless?.stop()
  })

  it("sends the headers of the standalone GET /mcp stream at once", async () => {
    const sessionId = await openSession(server.url)
    const opening = await new Promise<{ status: number; type: string; chunk: string }>((resolve, reject) => {
      const request = httpRequest(server.url, { headers: { ...sessionHeaders(sessionId), accept: "text/event-stream" } }, (response) => {
        response.setEncoding("utf8")
        response.once("data", (chunk: string) => {
          resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"]), chunk })
          request.destroy()
        })
      })
      request.on("error", reject)
      request.end()
    })
    // The SDK's own first write is a keep-alive 15 s later; ours opens the stream.
    expect(opening).toEqual({ status: 200, type: "text/event-stream", chunk: ": stream open\n\n" })
  })

  it("answers GET and DELETE /mcp with 405 in --stateless mode", async () => {
    for (const method of ["GET", "DELETE"]) {
      const answer = await send(stateless.url, { method, headers: { accept: "text/event-stream" } })
      expect(answer.status, method).toBe(405)
      expect(answer.headers["allow"]).toBe("POST")
    }
  })

  it("answers valid JSON that is not JSON-RPC, and an empty batch, with -32600", async () => {
    const sessionId = await openSession(server.url)
    for (const [body, message] of [
      [{ hello: "world" }, /^Invalid Request: the body is JSON but not a JSON-RPC 2\.0 message/],
      [[], /^Invalid Request: the body is an empty batch; send a JSON-RPC message\.$/],
      [[{ jsonrpc: "2.0", id: 1, method: "ping" }, 42], /^Invalid Request: message 2 of the batch is JSON but not a JSON-RPC 2\.0 message/]
    ] as const) {
      const answer = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId, "2025-03-26"), body: JSON.stringify(body) })
      expect(answer.status, JSON.stringify(body)).toBe(400)
      const error = JSON.parse(answer.text) as { error: { code: number; message: string } }
      expect(error.error.code).toBe(-32600)
      expect(error.error.message).toMatch(message)
    }
  })

  it("accepts batches only on protocol versions that have them", async () => {
    const sessionId = await openSession(server.url)
    const batch = JSON.stringify([{ jsonrpc: "2.0", id: 7, method: "ping" }])
    const refused = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId, "2025-06-18"), body: batch })
    expect(refused.status).toBe(400)
    expect(JSON.parse(refused.text)).toEqual({
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request: MCP protocol version 2025-06-18 has no JSON-RPC batches; send one message per POST." },
      id: null
    })
    const accepted = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId, "2025-03-26"), body: batch })
    expect(accepted.status).toBe(200)
    expect(firstMessage(accepted.text)).toEqual({ jsonrpc: "2.0", id: 7, result: {} })
  })

  it("answers tools/call without params and deeply nested arguments with -32602 and a clear message", async () => {
    const sessionId = await openSession(server.url)
    const noParams = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId), body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call" }) })
    expect(firstMessage(noParams.text)).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32602, message: `Invalid params: tools/call needs "params" with the tool's "name" and its "arguments", e.g. {"name": "get_schema", "arguments": {}}.` }
    })
    const deep = `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_schema","arguments":{"kind":${"[".repeat(50_000)}${"]".repeat(50_000)}}}}`
    const nested = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId), body: deep })
    expect(firstMessage(nested.text)).toEqual({
      jsonrpc: "2.0",
      id: 4,
      error: { code: -32602, message: "Invalid params: tools/call arguments nest deeper than 64 levels, which no tool accepts; send flatter arguments." }
    })
    const badName = await send(server.url, { method: "POST", headers: sessionHeaders(sessionId), body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: 42 } }) })
    expect(firstMessage(badName.text)).toMatchObject({ id: 5, error: { code: -32602, message: expect.stringMatching(/^Invalid params for tools\/call: params\.name: /) as unknown } })
    expect(server.stderr()).not.toMatch(/level=ERROR/)
  })
})
