import { readdirSync, readFileSync } from "node:fs"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { startSandboxProcess } from "./sandbox.js"
import { GET_NODES_ARGS } from "./config.js"
const sandbox = await startSandboxProcess()
const env = { PATH: process.env.PATH!, INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token, NODE_OPTIONS: process.env.X_NODE_OPTIONS ?? "" }
const tool = process.argv[2] ?? "get_session_info"
const args = tool === "get_nodes" ? GET_NODES_ARGS : {}
const schedNs = (pid: number) => {
  let main = 0, other = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0])
    if (tid === String(pid)) main += ns; else other += ns
  }
  return { main, other }
}
const servers: Record<string, string> = { ours: "dist/bin.js", bare: "node_modules/.cache/infrahub-mcp-bench/baseline/server.js" }
const conns: Record<string, { client: Client; pid: number }> = {}
for (const [name, script] of Object.entries(servers)) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [script], env, stderr: "ignore" })
  const client = new Client({ name: "p", version: "1" }, { capabilities: {} })
  await client.connect(transport)
  conns[name] = { client, pid: transport.pid! }
}
const warm = Number(process.env.WARM ?? 1000), N = 1000, rounds = 4
for (const c of Object.values(conns)) for (let i = 0; i < warm; i++) await c.client.callTool({ name: tool, arguments: args })
const acc: Record<string, { main: number; other: number }> = { ours: { main: 0, other: 0 }, bare: { main: 0, other: 0 } }
for (let r = 0; r < rounds; r++) for (const name of (r % 2 ? ["bare", "ours"] : ["ours", "bare"])) {
  const c = conns[name]!; const before = schedNs(c.pid)
  for (let i = 0; i < N; i++) await c.client.callTool({ name: tool, arguments: args })
  const after = schedNs(c.pid); acc[name]!.main += after.main - before.main; acc[name]!.other += after.other - before.other
}
for (const name of ["ours", "bare"]) { const a = acc[name]!; console.log(`${tool} ${name} (warm ${warm}): main ${(a.main / rounds / N / 1000).toFixed(0)} µs, other threads ${(a.other / rounds / N / 1000).toFixed(0)} µs, total ${((a.main + a.other) / rounds / N / 1000).toFixed(0)} µs`) }
for (const c of Object.values(conns)) await c.client.close()
await sandbox.stop(); process.exit(0)
