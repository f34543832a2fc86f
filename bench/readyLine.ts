import type { ChildProcess } from "node:child_process"

/**
 * The URL a spawned server prints on stderr once it listens (`pattern`'s first group), or an error with
 * what it printed if it exits first (or, with `timeoutMs`, does not get there in time).
 */
export const readyUrl = (child: ChildProcess, pattern: RegExp, label: string, timeoutMs?: number): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    let stderr = ""
    const timer = timeoutMs === undefined
      ? undefined
      : setTimeout(() => reject(new Error(`${label} did not start within ${timeoutMs / 1000} s:\n${stderr}`)), timeoutMs)
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = pattern.exec(stderr)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`${label} exited with ${code} before it was ready:\n${stderr}`))
    })
  })
