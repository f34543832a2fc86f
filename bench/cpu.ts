import { readdirSync, readFileSync } from "node:fs"

/** A process's CPU time so far, in milliseconds: its main (JavaScript) thread, and all its other threads. */
export interface ThreadCpuMs {
  readonly main: number
  readonly other: number
}

/**
 * CPU time a process has used so far, per thread kind, from /proc/<pid>/task/<tid>/schedstat, which
 * counts nanoseconds where /proc/<pid>/stat counts 10 ms ticks: a tool call costs about a
 * millisecond. The main thread runs JavaScript; the others are V8's (garbage collection,
 * compilation) and libuv's helpers. `undefined` where /proc is not available (not Linux).
 */
export const cpuMsByThread = (pid: number | undefined): ThreadCpuMs | undefined => {
  if (pid === undefined) return undefined
  try {
    let main = 0
    let other = 0
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const ms = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]) / 1e6
        if (task === String(pid)) main += ms
        else other += ms
      } catch {
        // The thread ended between the listing and the read: its time is gone from every source.
      }
    }
    return { main, other }
  } catch {
    return undefined
  }
}

/** CPU time a process has used so far, in milliseconds, summed over all its threads (see {@link cpuMsByThread}). */
export const cpuMs = (pid: number | undefined): number | undefined => {
  const byThread = cpuMsByThread(pid)
  return byThread === undefined ? undefined : byThread.main + byThread.other
}
