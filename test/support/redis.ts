import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { Redis } from "ioredis"
import { freePort } from "./ports.js"

/** A real Valkey or Redis server on 127.0.0.1 for one test file (Debian's package; `.ci/run` installs it). */
export interface TestRedis {
  readonly url: string
  readonly port: number
  /** Stops the server (for "the store went away" tests); `start` brings it back on the same port, empty. */
  readonly stop: () => Promise<void>
  readonly start: () => Promise<void>
  readonly close: () => Promise<void>
}

const binary = (): string => {
  const candidates = [process.env["REDIS_SERVER"], "valkey-server", "redis-server"].filter((c): c is string => c !== undefined && c !== "")
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore" })
      return candidate
    } catch {
      // try the next one
    }
  }
  throw new Error("Neither valkey-server nor redis-server is installed: run .ci/run (it installs Debian's redis-server) or set REDIS_SERVER.")
}

const ready = async (port: number, child: ChildProcess): Promise<boolean> => {
  for (;;) {
    if (child.exitCode !== null) return false
    const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on("error", () => undefined)
    try {
      await client.connect()
      await client.ping()
      client.disconnect()
      return true
    } catch {
      client.disconnect()
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

const launch = async (command: string, port: number): Promise<ChildProcess | undefined> => {
  const child = spawn(command, ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
    stdio: "ignore"
  })
  if (await ready(port, child)) return child
  child.kill("SIGKILL")
  return undefined
}

const stopped = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        child.once("exit", () => resolve())
        child.kill("SIGKILL")
      })

export const startTestRedis = async (): Promise<TestRedis> => {
  const command = binary()
  // A port picked free can be taken before the server binds it: then try another.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    let child = await launch(command, port)
    if (child === undefined) continue
    return {
      url: `redis://127.0.0.1:${port}/0`,
      port,
      stop: async () => {
        if (child !== undefined) await stopped(child)
      },
      start: async () => {
        child = await launch(command, port)
        if (child === undefined) throw new Error(`could not restart ${command} on port ${port}`)
      },
      close: async () => {
        if (child !== undefined) await stopped(child)
      }
    }
  }
  throw new Error(`${command} did not start on a free port after 5 attempts`)
}
