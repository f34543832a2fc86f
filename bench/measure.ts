import type { LoggedRequest } from "../src/sandbox/http/debug.js"
import { cpuMs } from "./cpu.js"
import { makeSeries, type Summary, timed } from "./stats.js"

/**
 * Times calls and counts the Infrahub requests each one cost, from the sandbox's request log (it
 * records a request before answering it, so a call's requests are all logged when the call returns).
 * Calls run one at a time, so the entries logged since the previous read belong to this call; the log
 * is read after the timed window and cleared now and then to keep each read small.
 *
 * Given the server's pid, a call's server CPU is read before the call and after the log read: the
 * log round trip gives the server time to finish what it does after answering (logging, metrics),
 * so that work is charged to the call that caused it.
 */

export interface RequestLog {
  readonly requests: () => Promise<ReadonlyArray<LoggedRequest>>
  readonly clearRequests: () => Promise<void>
}

const SCHEMA_HASH_CHECK = "GET /api/schema/summary"

/** Log entries kept before a clear: each read returns at most about this many. */
const CLEAR_AFTER = 100

export interface SeriesResult {
  readonly latency: Summary
  /** Infrahub requests per call, not counting schema hash checks made on the way (see `revalidations`). */
  readonly requestsPerCall: number
  /**
   * `GET /api/schema/summary` made alongside a call's own request: the server confirms its cached
   * schema's hash once it is older than 30 s, so a run longer than that sees a few.
   */
  readonly revalidations: number
  /** Each distinct request shape seen (`POST /graphql [DcimDevice]`), with how many calls made it. */
  readonly shapes: ReadonlyArray<{ readonly shape: string; readonly count: number }>
  /** Mean server CPU per call (all threads); `undefined` for paths without a server process. */
  readonly cpuPerCallMs: number | undefined
}

/** `METHOD path [operations]`, with a session branch's name folded so shapes group across calls. */
export const shapeOf = (request: LoggedRequest): string => {
  const path = request.branch !== null && request.path.startsWith("/graphql/") ? "/graphql/<branch>" : request.path
  return `${request.method} ${path}${request.operations.length > 0 ? ` [${request.operations.join(",")}]` : ""}`
}

export const makeRecorder = (log: RequestLog) => {
  const latencies = makeSeries()
  const counts = new Map<string, { calls: number; requests: number; revalidations: number; cpuMs: number | undefined; shapes: Map<string, number> }>()
  let recording = false
  /** Entries of the log already attributed to a call; `undefined` until the recorder cleared the log. */
  let seen: number | undefined

  /** Runs `action` once; when recording, adds its latency, Infrahub requests and server CPU to `series`. */
  const measure = async <A>(series: string, action: () => Promise<A>, serverPid?: number): Promise<A> => {
    if (seen === undefined || seen >= CLEAR_AFTER) {
      await log.clearRequests()
      seen = 0
    }
    const cpuBefore = cpuMs(serverPid)
    const { ms, value } = await timed(action)
    const logged = await log.requests()
    const cpuAfter = cpuMs(serverPid)
    const requests = logged.slice(seen)
    seen = logged.length
    if (!recording) return value
    latencies.add(series, ms)
    const entry = counts.get(series) ?? { calls: 0, requests: 0, revalidations: 0, cpuMs: 0, shapes: new Map<string, number>() }
    const revalidations = requests.length > 1 ? requests.filter((request) => shapeOf(request) === SCHEMA_HASH_CHECK).length : 0
    entry.calls += 1
    entry.requests += requests.length - revalidations
    entry.revalidations += revalidations
    entry.cpuMs = entry.cpuMs === undefined || cpuBefore === undefined || cpuAfter === undefined ? undefined : entry.cpuMs + cpuAfter - cpuBefore
    const shape = requests.map(shapeOf).join(" + ") || "(none)"
    entry.shapes.set(shape, (entry.shapes.get(shape) ?? 0) + 1)
    counts.set(series, entry)
    return value
  }

  return {
    measure,
    /** Call after anything reached the sandbox outside `measure`: the next call starts from a cleared log. */
    forgetLog: () => {
      seen = undefined
    },
    /** Warm-up calls run the same code but leave no samples. */
    setRecording: (on: boolean) => {
      recording = on
    },
    result: (series: string): SeriesResult => {
      const entry = counts.get(series)
      if (entry === undefined) throw new Error(`No samples for "${series}": the benchmark never recorded it.`)
      return {
        latency: latencies.summary(series),
        requestsPerCall: entry.requests / entry.calls,
        revalidations: entry.revalidations,
        cpuPerCallMs: entry.cpuMs === undefined ? undefined : entry.cpuMs / entry.calls,
        shapes: [...entry.shapes].map(([shape, count]) => ({ shape, count }))
      }
    }
  }
}

export type Recorder = ReturnType<typeof makeRecorder>
