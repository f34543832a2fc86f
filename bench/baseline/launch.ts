import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as esbuild from "esbuild"
import { readyUrl } from "../readyLine.js"

const SOURCES = ["server.ts", "documents.ts"].map((file) => fileURLToPath(new URL(file, import.meta.url)))
// Under node_modules so the compiled server resolves the SDK and zod as an installed server would.
const OUT_DIR = fileURLToPath(new URL("../../node_modules/.cache/infrahub-mcp-bench/baseline/", import.meta.url))

/**
 * Compiles the baseline to JavaScript, module by module and not bundled: a bare SDK server as its
 * author would run it (`node server.js`), loading the SDK and zod from node_modules.
 */
export const compileBaseline = async (): Promise<string> => {
  await esbuild.build({ entryPoints: SOURCES, outdir: OUT_DIR, platform: "node", format: "esm", target: "node20.10", logLevel: "warning" })
  return `${OUT_DIR}server.js`
}

const baseEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({ PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env })

export interface StdioServer {
  readonly client: Client
  readonly pid: number | undefined
  readonly close: () => Promise<void>
}

/** Spawns `node <script> [args]` as an MCP server over stdio and connects the SDK client. */
export const connectScriptStdio = async (script: string, env: Readonly<Record<string, string>>): Promise<StdioServer> => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [script], env: baseEnv(env), stderr: "ignore" })
  const client = new Client({ name: "infrahub-mcp-bench", version: "1.0.0" }, { capabilities: {} })
  await client.connect(transport)
  return { client, pid: transport.pid ?? undefined, close: () => client.close() }
}

export interface HttpServer {
  readonly url: string
  readonly pid: number | undefined
  readonly stop: () => Promise<void>
}

/** Spawns the baseline with `--port 0` and waits for its `baseline_ready url=…` line. */
export const startBaselineHttp = async (script: string, env: Readonly<Record<string, string>>): Promise<HttpServer> => {
  const child = spawn(process.execPath, [script, "--port", "0"], { env: baseEnv(env), stdio: ["ignore", "ignore", "pipe"] })
  const url = await readyUrl(child, /baseline_ready url=(\S+)/, "the baseline HTTP server", 20_000)
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
