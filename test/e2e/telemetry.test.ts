import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

/** A stand-in OpenTelemetry collector: records what arrives at /v1/traces, /v1/logs, /v1/metrics. */
const startCollector = async () => {
  const received: Array<{ path: string; body: string }> = []
  const waiting = new Set<() => void>()
  const server: Server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => (body += chunk.toString()))
    request.on("end", () => {
      received.push({ path: request.url ?? "", body })
      for (const check of [...waiting]) check()
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  /** Resolves once a body posted to `path` contains `text` (exports are batched: the test timeout bounds the wait). */
  const arrived = (path: string, text: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!received.some((entry) => entry.path === path && entry.body.includes(text))) return
        waiting.delete(check)
        resolve()
      }
      waiting.add(check)
      check()
    })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    arrived,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("INFRAHUB_MCP_OTEL_ENABLED", () => {
  let sandbox: TestSandbox
  let collector: Awaited<ReturnType<typeof startCollector>>
  let session: StdioSession

  beforeAll(async () => {
    sandbox = await startTestSandbox()
    collector = await startCollector()
    session = await connectStdio({
      INFRAHUB_ADDRESS: sandbox.url,
      INFRAHUB_API_TOKEN: sandbox.token,
      INFRAHUB_MCP_OTEL_ENABLED: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "infrahub-mcp-under-test"
    })
  })
  afterAll(async () => {
    await session?.close()
    await collector?.close()
    await sandbox?.close()
  })

  it("exports tool-call spans, with the Infrahub request in the same trace, to the collector", async () => {
    await session.client.callTool({ name: "get_nodes", arguments: { kind: "DcimDevice", limit: 1 } })
    const traces = () => collector.received.filter((entry) => entry.path === "/v1/traces").map((entry) => entry.body).join("\n")
    await collector.arrived("/v1/traces", '"tool.get_nodes"')
    interface Span { readonly name: string; readonly traceId: string }
    const spans: ReadonlyArray<Span> = collector.received
      .filter((entry) => entry.path === "/v1/traces")
      .flatMap((entry) => (JSON.parse(entry.body) as { resourceSpans: ReadonlyArray<{ scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<Span> }> }> }).resourceSpans)
      .flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))
    const tool = spans.find((span) => span.name === "tool.get_nodes")
    expect(tool).toBeDefined()
    // The Infrahub request belongs to the tool call's trace.
    expect(spans.some((span) => span.name === "InfrahubClient.graphql" && span.traceId === tool?.traceId)).toBe(true)
    expect(traces()).toContain("infrahub-mcp-under-test")
    await session.waitForStderr(`otel enabled=true endpoint=${collector.url}`)
  })
})
