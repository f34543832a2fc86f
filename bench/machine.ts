import { readFileSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os"

/** What the figures were measured on: they mean little without it. */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  /** 1-minute load average when the run started: a busy machine explains slow figures. */
  readonly loadAverage: number
}

/** `PRETTY_NAME` from /etc/os-release (Linux), else the kernel name. */
const distribution = (): string => {
  try {
    const text = readFileSync("/etc/os-release", "utf8")
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)
    if (match?.[1] !== undefined) return match[1]
  } catch {
    // Not Linux, or no os-release: the kernel name below is enough.
  }
  return type()
}

export const describeMachine = (): Machine => ({
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: availableParallelism(),
  memoryGiB: totalmem() / 1024 ** 3,
  os: `${distribution()} (${type()} ${release()})`,
  node: process.version,
  loadAverage: loadavg()[0] ?? 0
})

/** Resident set size of a process, from /proc (Linux); `undefined` where /proc is not available. */
export const residentMiB = (pid: number): { readonly rss: number; readonly peak: number } | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? Number.NaN)
    return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 }
  } catch {
    return undefined
  }
}
