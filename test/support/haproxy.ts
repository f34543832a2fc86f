import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { accepts, freePort } from "./ports.js"

/**
 * A real HAProxy on 127.0.0.1 balancing round-robin, request by request, over fixed backends. Every
 * answer names the backend that served it in `X-Served-By` (`replica1` is `backends[0]`, and so on).
 */
export interface TestLoadBalancer {
  readonly url: string
  readonly close: () => Promise<void>
}

const configFor = (port: number, backends: ReadonlyArray<number>) => `
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  # A replica that is down: the connection is refused, so the request never reached it and may go to another.
  retries 3
  option redispatch 1
  retry-on conn-failure
frontend mcp
  bind 127.0.0.1:${port}
  default_backend replicas
backend replicas
  balance roundrobin
  # No stickiness of any kind: each request picks the next replica.
  http-reuse never
  # Which replica answered (replica1, replica2…, in the order given): tests prove where a request went.
  http-response set-header X-Served-By %s
${backends.map((backend, i) => `  server replica${i + 1} 127.0.0.1:${backend}`).join("\n")}
`

const ready = async (port: number, child: ChildProcess): Promise<boolean> => {
  for (;;) {
    if (child.exitCode !== null) return false
    const open = await accepts(port)
    if (open) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export const startLoadBalancer = async (backends: ReadonlyArray<number>): Promise<TestLoadBalancer> => {
  execFileSync("haproxy", ["-v"], { stdio: "ignore" })
  const dir = mkdtempSync(join(tmpdir(), "infrahub-mcp-haproxy-"))
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const config = join(dir, "haproxy.cfg")
    writeFileSync(config, configFor(port, backends))
    const child = spawn("haproxy", ["-db", "-f", config], { stdio: "ignore" })
    if (!(await ready(port, child))) {
      child.kill("SIGKILL")
      continue
    }
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            rmSync(dir, { recursive: true, force: true })
            resolve()
          }
          if (child.exitCode !== null) return done()
          child.once("exit", done)
          child.kill("SIGKILL")
        })
    }
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error("haproxy did not start on a free port after 5 attempts")
}
