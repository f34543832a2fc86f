import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"

const ROOT = new URL("../../", import.meta.url)

/** The file package.json's `bin` names (the bundled CLI's launcher): tests run what users run. */
export const BIN = (() => {
  const { bin } = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { bin: Readonly<Record<string, string>> }
  const path = bin["infrahub-mcp"]
  if (path === undefined) throw new Error('package.json has no "bin" entry for infrahub-mcp')
  return fileURLToPath(new URL(path, ROOT))
})()

/** The environment a spawned server gets: only what the test sets (plus PATH/HOME for node itself). */
const baseEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  HOME: process.env["HOME"] ?? "",
  ...env
})

export interface StdioSession {
  readonly client: Client
  readonly stderr: () => string
  /** Resolves with stderr once it matches: log lines leave in batches, after the answer they belong to. */
  readonly untilStderr: (pattern: RegExp) => Promise<string>
  readonly close: () => Promise<void>
}

/**
 * Waits for stderr to match, woken by each chunk the process writes (no polling); fails after
 * `timeoutMs` with what stderr held, so a line that never comes is a clear failure, not a hang.
 */
const untilMatch = (stream: Readable | null | undefined, read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<string> =>
  new Promise((resolve, reject) => {
    if (pattern.test(read())) return resolve(read())
    const onData = () => {
      if (!pattern.test(read())) return
      clearTimeout(timer)
      stream?.off("data", onData)
      resolve(read())
    }
    const timer = setTimeout(() => {
      stream?.off("data", onData)
      reject(new Error(`stderr did not match ${pattern} within ${timeoutMs / 1000} s; it holds:\n${read()}`))
    }, timeoutMs)
    stream?.on("data", onData)
  })

/** Spawns `infrahub-mcp` over stdio and connects the real SDK client to it. */
export const connectStdio = async (env: Readonly<Record<string, string>>, args: ReadonlyArray<string> = []): Promise<StdioSession> => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env: baseEnv(env),
    stderr: "pipe"
  })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const client = new Client({ name: "infrahub-mcp-tests", version: "1.0.0" }, { capabilities: {} })
  await client.connect(transport)
  const read = () => stderr
  return { client, stderr: read, untilStderr: (pattern) => untilMatch(transport.stderr as Readable | null, read, pattern), close: () => client.close() }
}

export interface HttpServerProcess {
  readonly url: string
  readonly child: ChildProcess
  readonly stderr: () => string
  /** Resolves with stderr once it matches: log lines leave in batches, after the answer they belong to. */
  readonly untilStderr: (pattern: RegExp) => Promise<string>
  readonly stop: () => Promise<void>
}

/** Spawns `infrahub-mcp --transport streamable-http --port 0` and waits for its ready line. */
export const startHttpServer = async (
  env: Readonly<Record<string, string>>,
  args: ReadonlyArray<string> = []
): Promise<HttpServerProcess> => {
  const child = spawn(process.execPath, [BIN, "--transport", "streamable-http", "--port", "0", ...args], {
    env: baseEnv(env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stderr = ""
  const url = await new Promise<string>((resolve, reject) => {
    // Generous (a loaded machine starts node slowly), and below the hook timeout; a server that did
    // not start is killed, not left running.
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not start:\n${stderr}`))
    }, 50_000)
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = /mcp_server_ready transport=streamable-http url=(\S+)/.exec(stderr)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${stderr}`))
    })
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  const read = () => stderr
  return { url, child, stderr: read, untilStderr: (pattern) => untilMatch(child.stderr, read, pattern), stop }
}

/** Connects the real SDK client over Streamable HTTP, with optional extra headers (credentials). */
export const connectHttp = async (url: string, headers: Readonly<Record<string, string>> = {}): Promise<Client> => {
  const client = new Client({ name: "infrahub-mcp-tests", version: "1.0.0" }, { capabilities: {} })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { ...headers } } }))
  return client
}

/** Runs the CLI to completion (for configuration errors): exit code, stdout, stderr. */
export const runCli = (env: Readonly<Record<string, string>>, args: ReadonlyArray<string> = [], stdin = "") =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(env), stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })

/** The text content of a tool result. */
export const textOf = (result: unknown): string => {
  const content = (result as { content?: ReadonlyArray<{ type: string; text?: string }> }).content ?? []
  return content.map((part) => part.text ?? "").join("\n")
}
