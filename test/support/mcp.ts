import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
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

/**
 * The process's stderr so far, and a way to wait for a line: a log line written while answering a
 * request may arrive after the answer (stderr and the answer are separate pipes or sockets), so a
 * test waits for it instead of reading stderr at once. Only the test's timeout bounds the wait.
 */
const stderrLog = () => {
  let text = ""
  const waiting = new Set<() => void>()
  const matches = (pattern: string | RegExp) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text))
  return {
    append: (chunk: Buffer) => {
      text += chunk.toString()
      for (const check of [...waiting]) check()
    },
    text: () => text,
    waitFor: (pattern: string | RegExp) =>
      new Promise<string>((resolve) => {
        const check = () => {
          if (!matches(pattern)) return
          waiting.delete(check)
          resolve(text)
        }
        waiting.add(check)
        check()
      })
  }
}

export interface StdioSession {
  readonly client: Client
  readonly stderr: () => string
  /** Resolves with stderr once it contains `pattern`. */
  readonly waitForStderr: (pattern: string | RegExp) => Promise<string>
  readonly close: () => Promise<void>
}

/** Spawns `infrahub-mcp` over stdio and connects the real SDK client to it. */
export const connectStdio = async (env: Readonly<Record<string, string>>, args: ReadonlyArray<string> = []): Promise<StdioSession> => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env: baseEnv(env),
    stderr: "pipe"
  })
  const log = stderrLog()
  transport.stderr?.on("data", log.append)
  const client = new Client({ name: "infrahub-mcp-tests", version: "1.0.0" }, { capabilities: {} })
  await client.connect(transport)
  return { client, stderr: log.text, waitForStderr: log.waitFor, close: () => client.close() }
}

export interface HttpServerProcess {
  readonly url: string
  readonly child: ChildProcess
  readonly stderr: () => string
  /** Resolves with stderr once it contains `pattern`. */
  readonly waitForStderr: (pattern: string | RegExp) => Promise<string>
  readonly stop: () => Promise<void>
}

const READY = /mcp_server_ready transport=streamable-http url=(\S+)/

/** How long a server may take to start before it is killed: below vitest's hook timeout. */
const STARTUP_BOUND_MS = 120_000

/** Spawns `infrahub-mcp --transport streamable-http --port 0` and waits for its ready line. */
export const startHttpServer = async (
  env: Readonly<Record<string, string>>,
  args: ReadonlyArray<string> = []
): Promise<HttpServerProcess> => {
  const child = spawn(process.execPath, [BIN, "--transport", "streamable-http", "--port", "0", ...args], {
    // Idle connections stay open far longer than the test's HTTP client keeps them, so the client
    // never reuses one as the server closes it (a race no test is about); a test may set its own.
    env: baseEnv({ INFRAHUB_MCP_HTTP_KEEPALIVE_TIMEOUT: "600", ...env }),
    stdio: ["ignore", "pipe", "pipe"]
  })
  const log = stderrLog()
  child.stderr.on("data", log.append)
  const url = await new Promise<string>((resolve, reject) => {
    // Generous (a loaded machine starts node slowly), and below the hook timeout; a server that did
    // not start is killed, not left running.
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not start:\n${log.text()}`))
    }, STARTUP_BOUND_MS)
    void log.waitFor(READY).then((text) => {
      clearTimeout(timer)
      resolve(READY.exec(text)?.[1] ?? "")
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${log.text()}`))
    })
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  return { url, child, stderr: log.text, waitForStderr: log.waitFor, stop }
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
    // "close", not "exit": the output may still be in the pipes when the process exits.
    child.once("close", (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })

/** The text content of a tool result. */
export const textOf = (result: unknown): string => {
  const content = (result as { content?: ReadonlyArray<{ type: string; text?: string }> }).content ?? []
  return content.map((part) => part.text ?? "").join("\n")
}
