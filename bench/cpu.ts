import { readdirSync, readFileSync } from "node:fs"

/**
 * CPU time a process has used so far, in milliseconds, summed over its threads (the JS thread and
 * V8's and libuv's helpers) from /proc/<pid>/task/<tid>/schedstat, which counts nanoseconds where
 * /proc/<pid>/stat counts 10 ms ticks: a tool call costs about a millisecond. `undefined` where /proc
 * is not available (not Linux).
 */
export const cpuMs = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    let nanoseconds = 0
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0])
      } catch {
        // The thread ended between the listing and the read: its time is gone from every source.
      }
    }
    return nanoseconds / 1e6
  } catch {
    return undefined
  }
}
