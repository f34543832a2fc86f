// `npm run bench:compare`: this build's server against another build of infrahub-mcp (before a change,
// say), over Streamable HTTP, in alternating windows on one sandbox, so both see the same machine load.
// Prints server CPU per call and calls/s for each session count and tool.
//
//   BENCH_COMPARE_WITH=/path/to/other/dist/bin.js BENCH_COMPARE_SESSIONS=1,10,50 npm run bench:compare
//
// The other build needs its package.json one folder above its dist/, as a checkout or an unpacked
// package has it.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { BIN } from "../test/support/mcp.js"
import { readyUrl } from "./readyLine.js"
import { THROUGHPUT_TOOLS } from "./config.js"
import { startSandboxProcess } from "./sandbox.js"
import { measureThroughput, openSessions } from "./throughput.js"


const startServer = async (bin: string, env: Readonly<Record<string, string>>) => {
  const child = spawn(process.execPath, [bin, "--transport", "streamable-http", "--port", "0"], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"]
  })
  const url = await readyUrl(child, /mcp_server_ready transport=streamable-http url=(\S+)/, bin)
  return { url, pid: child.pid, stop: () => void child.kill("SIGTERM") }
}

const mean = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0) / values.length

const main = async () => {
  const other = process.env["BENCH_COMPARE_WITH"]
  if (other === undefined || !existsSync(other)) {
    throw new Error("Set BENCH_COMPARE_WITH to the other build's dist/bin.js (e.g. a checkout of main after npm run build).")
  }
  const sessionCounts = (process.env["BENCH_COMPARE_SESSIONS"] ?? "1,10,50").split(",").map(Number)
  const rounds = Number(process.env["BENCH_COMPARE_ROUNDS"] ?? "6")
  const seconds = Number(process.env["BENCH_COMPARE_SECONDS"] ?? "3")
  const sandbox = await startSandboxProcess()
  const env = { INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token }
  const servers = { other: await startServer(other, env), this: await startServer(BIN, env) }
  try {
    console.log("| Sessions | Tool | CPU ms / call, other | CPU ms / call, this | this ÷ other | calls/s, other | calls/s, this |")
    console.log("|---|---|---|---|---|---|---|")
    for (const sessions of sessionCounts) {
      for (const { id: tool, args } of THROUGHPUT_TOOLS) {
        const open = { other: await openSessions(servers.other.url, sessions), this: await openSessions(servers.this.url, sessions) }
        const cpu = { other: [] as Array<number>, this: [] as Array<number> }
        const rate = { other: [] as Array<number>, this: [] as Array<number> }
        for (const name of ["other", "this"] as const) await measureThroughput(open[name], servers[name].pid, tool, args, 1)
        for (let round = 0; round < rounds; round++) {
          for (const name of round % 2 === 0 ? (["other", "this"] as const) : (["this", "other"] as const)) {
            const result = await measureThroughput(open[name], servers[name].pid, tool, args, seconds)
            cpu[name].push(result.serverCpuPerCallMs ?? Number.NaN)
            rate[name].push(result.callsPerSecond)
          }
        }
        await open.other.close()
        await open.this.close()
        console.log(
          `| ${sessions} | \`${tool}\` | ${mean(cpu.other).toFixed(2)} | ${mean(cpu.this).toFixed(2)} | ${(mean(cpu.this) / mean(cpu.other)).toFixed(2)}× | ${mean(rate.other).toFixed(0)} | ${mean(rate.this).toFixed(0)} |`
        )
      }
    }
  } finally {
    servers.other.stop()
    servers.this.stop()
    await sandbox.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
