// `npx tsx bench/inprocess.ts`: the MCP request path inside one process — the real SDK client over an
// in-memory transport to a build's McpBridge server (SDK dispatch, bridge, tool pipeline), no HTTP
// and no stdio — so a change to that path shows with little noise. Prints process CPU per call
// (client included: compare builds, not absolute figures). The sandbox runs as its own process; the
// audit lines go to stderr, as the CLI writes them (send them to /dev/null).
//
// With BENCH_INPROCESS_WITH=/path/to/other/dist (a build whose node_modules resolve, e.g. a copy of
// dist/ with a node_modules symlink beside it), both builds run in this process in alternating
// blocks of calls, so machine noise falls on both alike.
//
//   BENCH_INPROCESS_WITH=/tmp/base/dist BENCH_INPROCESS_ROUNDS=10 npx tsx bench/inprocess.ts 2>/dev/null
//
// BENCH_INPROCESS_ONLY=<tool> runs one tool (under `node --cpu-prof --import tsx`, say).
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Logging from "../src/app/logging.js"
import type * as Serve from "../src/app/serve.js"
import type * as Library from "../src/index.js"
import { THROUGHPUT_TOOLS } from "./config.js"
import { startSandboxProcess } from "./sandbox.js"

const rounds = Number(process.env["BENCH_INPROCESS_ROUNDS"] ?? "8")
const block = Number(process.env["BENCH_INPROCESS_BLOCK"] ?? "300")


/** One build's server, connected to its own SDK client. */
const connect = async (dist: string) => {
  const load = <A>(path: string): Promise<A> => import(pathToFileURL(resolve(dist, path)).href) as Promise<A>
  const library = await load<typeof Library>("index.js")
  const serve = await load<typeof Serve>("app/serve.js")
  const logging = await load<typeof Logging>("app/logging.js")
  const config = await Effect.runPromise(library.ServerConfig.load({ transport: "stdio", host: "127.0.0.1", port: 0, stateless: false }))
  // The CLI's logger (batched logfmt lines on stderr): the audit line is part of every call's cost.
  const runtime = ManagedRuntime.make(
    serve.serverLayers(config).pipe(Layer.orDie, Layer.provide(Logger.replace(Logger.defaultLogger, logging.stderrLogger)))
  )
  const [bridge, auth] = await runtime.runPromise(Effect.all([library.McpBridge, library.AuthMode]))
  const server = bridge.makeServer({ fallbackAuth: auth.processAuth, workspaceOf: () => "bench:inprocess" })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: "bench", version: "1" })
  await client.connect(clientSide)
  return {
    client,
    close: async () => {
      await client.close()
      await Promise.race([runtime.dispose(), new Promise((done) => setTimeout(done, 2000))])
    }
  }
}

const main = async () => {
  const sandbox = await startSandboxProcess()
  process.env["INFRAHUB_ADDRESS"] = sandbox.url
  process.env["INFRAHUB_API_TOKEN"] = sandbox.token
  const builds: Array<readonly [string, string]> = [["this", resolve("dist")]]
  const other = process.env["BENCH_INPROCESS_WITH"]
  if (other !== undefined) builds.unshift(["other", resolve(other)])
  const servers = await Promise.all(builds.map(async ([name, dist]) => [name, await connect(dist)] as const))
  try {
    console.log(`| Tool | ${servers.map(([name]) => `CPU µs / call, ${name}`).join(" | ")} |${servers.length > 1 ? " this ÷ other |" : ""}`)
    console.log(`|---|${servers.map(() => "---|").join("")}${servers.length > 1 ? "---|" : ""}`)
    const only = process.env["BENCH_INPROCESS_ONLY"]
    for (const { id: tool, args } of THROUGHPUT_TOOLS.filter(({ id }) => only === undefined || only === id)) {
      const spent = new Map(servers.map(([name]) => [name, 0]))
      for (const [, server] of servers) for (let index = 0; index < block; index++) await server.client.callTool({ name: tool, arguments: args })
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse()
        for (const [name, server] of order) {
          const cpu = process.cpuUsage()
          for (let index = 0; index < block; index++) await server.client.callTool({ name: tool, arguments: args })
          const used = process.cpuUsage(cpu)
          spent.set(name, (spent.get(name) ?? 0) + used.user + used.system)
        }
      }
      const perCall = servers.map(([name]) => (spent.get(name) ?? 0) / (rounds * block))
      const ratio = perCall.length > 1 ? ` ${(perCall[1]! / perCall[0]!).toFixed(2)}× |` : ""
      console.log(`| ${tool} | ${perCall.map((value) => value.toFixed(0)).join(" | ")} |${ratio}`)
    }
  } finally {
    for (const [, server] of servers) await server.close()
    await sandbox.stop()
  }
}

main().then(
  // Open handles of the server's layers (pools, timers) would otherwise keep a finished run alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
