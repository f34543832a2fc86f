import { spawn } from "node:child_process"
import { afterAll, describe, expect, it } from "vitest"
import { BIN, connectHttp } from "../support/mcp.js"

describe("infrahub-mcp demo (what `npm start` runs)", () => {
  const child = spawn(process.execPath, [BIN, "demo", "--port", "0"], {
    env: { PATH: process.env["PATH"] ?? "" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  )

  it("prints how to connect, and the MCP server answers with the demo data", async () => {
    let stdout = ""
    const banner = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${stdout}`)), 100_000)
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes("Press Ctrl-C to stop.")) {
          clearTimeout(timer)
          resolve(stdout)
        }
      })
    })
    const mcpUrl = /MCP endpoint:\s+(\S+)/.exec(banner)?.[1] ?? ""
    expect(mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    expect(banner).toContain(`npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --method tools/list`)
    expect(banner).toContain(`claude mcp add --transport http infrahub ${mcpUrl}`)
    expect(banner).toMatch(/Infrahub sandbox:\s+http:\/\/127\.0\.0\.1:\d+/)

    const client = await connectHttp(mcpUrl)
    const result = await client.callTool({ name: "get_nodes", arguments: { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } } })
    const nodes = (result.structuredContent as { nodes: ReadonlyArray<{ label: string }> }).nodes.map((node) => node.label)
    expect(nodes.sort()).toEqual(["atl1-core1", "atl1-edge1"])
    await client.close()
  })
})
