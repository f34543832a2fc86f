import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import type { LoggedRequest } from "../src/sandbox/http/debug.js"
import { BIN } from "../test/support/mcp.js"
import { makeDirectClient } from "./direct.js"
import type { RequestLog } from "./measure.js"

/**
 * The sandbox as its own process (`infrahub-mcp sandbox --debug-endpoints`), like a real Infrahub:
 * in-process, the direct baseline would reach it without ever leaving the benchmark's event loop,
 * while every MCP call crosses two process boundaries, and on a loaded machine each crossing waits
 * for a CPU. The request log is read over its debug endpoint, outside the timed window.
 */
export interface SandboxProcess extends RequestLog {
  readonly url: string
  readonly token: string
  readonly pid: number | undefined
  readonly stop: () => Promise<void>
}

/** `args` are added to the sandbox command line (`--seed none`, `--data file`…); big data sets take their time to load. */
export const startSandboxProcess = async (args: ReadonlyArray<string> = [], startTimeoutMs = 30_000): Promise<SandboxProcess> => {
  const token = randomBytes(18).toString("base64url")
  // The token travels in the environment, not argv, so it stays out of `ps`.
  const child = spawn(process.execPath, [BIN, "sandbox", "--debug-endpoints", "--port", "0", ...args], {
    env: { PATH: process.env["PATH"] ?? "", INFRAHUB_SANDBOX_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The sandbox did not start within ${startTimeoutMs / 1000} s:\n${output}`)), startTimeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`The sandbox exited with ${code} before listening:\n${output}`))
    })
  })
  // Keep draining: a full pipe would stall the sandbox.
  child.stdout.resume()
  child.stderr.resume()

  const debug = makeDirectClient(url, token)
  return {
    url,
    token,
    pid: child.pid,
    requests: async () => (await debug.get("/__sandbox/requests")) as ReadonlyArray<LoggedRequest>,
    clearRequests: async () => {
      await debug.delete("/__sandbox/requests")
    },
    stop: () =>
      new Promise<void>((resolve) => {
        debug.close()
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
