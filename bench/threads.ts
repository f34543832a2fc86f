// `npx tsx bench/threads.ts [tool]`: server CPU per call over stdio, split into the main thread (our
// JavaScript, the SDK, the runtime) and V8's other threads (garbage collection, compilation), for
// infrahub-mcp (`dist/bin.js`, run `npm run build` first) against the bare SDK baseline. Calls are
// sequential and well warmed (BENCH_THREADS_WARMUP, default 1 000 per server), unlike `npm run bench`,
// whose few hundred interleaved calls also price compilation; blocks of 1 000 calls alternate.
//
//   npx tsx bench/threads.ts get_session_info
import { compileBaseline, connectScriptStdio, type StdioServer } from "./baseline/launch.js"
import { GET_NODES_ARGS } from "./config.js"
import { cpuMsByThread, type ThreadCpuMs } from "./cpu.js"
import { startSandboxProcess } from "./sandbox.js"

const tool = process.argv[2] ?? "get_session_info"
const args = tool === "get_nodes" ? GET_NODES_ARGS : {}
const warmup = Number(process.env["BENCH_THREADS_WARMUP"] ?? "1000")
const block = 1000
const rounds = 4

const cpuOf = (server: StdioServer): ThreadCpuMs => {
  const cpu = cpuMsByThread(server.pid)
  if (cpu === undefined) throw new Error("bench/threads.ts reads /proc: it runs on Linux only.")
  return cpu
}

const main = async () => {
  const sandbox = await startSandboxProcess()
  const env = { INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token }
  const servers: ReadonlyArray<readonly [string, StdioServer]> = [
    ["infrahub-mcp", await connectScriptStdio("dist/bin.js", env)],
    ["bare SDK", await connectScriptStdio(await compileBaseline(), env)]
  ]
  try {
    const spent = new Map(servers.map(([name]) => [name, { main: 0, other: 0 }]))
    for (const [, server] of servers) for (let index = 0; index < warmup; index++) await server.client.callTool({ name: tool, arguments: args })
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of round % 2 === 0 ? servers : [...servers].reverse()) {
        const before = cpuOf(server)
        for (let index = 0; index < block; index++) await server.client.callTool({ name: tool, arguments: args })
        const after = cpuOf(server)
        const total = spent.get(name)!
        total.main += after.main - before.main
        total.other += after.other - before.other
      }
    }
    const perCall = (ms: number) => ((ms * 1000) / rounds / block).toFixed(0)
    console.log(`| Server | ${tool}: main thread µs / call | other threads µs / call | total µs / call |`)
    console.log("|---|---|---|---|")
    for (const [name, { main: mainMs, other }] of spent) console.log(`| ${name} | ${perCall(mainMs)} | ${perCall(other)} | ${perCall(mainMs + other)} |`)
  } finally {
    for (const [, server] of servers) await server.close()
    await sandbox.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
