/** The `get_nodes` call every benchmark makes (devices of one site, with the total). */
export const GET_NODES_ARGS = { kind: "DcimDevice", filters: { location__shortname__value: "atl1" } }

/** The calls timed under load: one that needs no Infrahub request, and one that needs one. */
export const THROUGHPUT_TOOLS = [
  { id: "get_session_info", args: {} },
  { id: "get_nodes", args: GET_NODES_ARGS }
] as const

/** How much to measure. The defaults keep `npm run bench` to a few minutes on a small machine. */
export interface BenchConfig {
  /** Timed calls per series. */
  readonly iterations: number
  /** Untimed calls per series first (JIT, schema cache, connection pools). */
  readonly warmup: number
  /** Cold starts timed (after one untimed). */
  readonly coldRuns: number
  /** Seconds each throughput window lasts (per server, tool and session count). */
  readonly throughputSeconds: number
  /** Timed `limit=-1` reads per size and path. */
  readonly largeIterations: number
  /** The command as the user would type it again, variables included. */
  readonly command: string
}

const SETTINGS = [
  { variable: "BENCH_ITERATIONS", key: "iterations", fallback: 200, min: 1 },
  { variable: "BENCH_WARMUP", key: "warmup", fallback: 30, min: 0 },
  { variable: "BENCH_COLD_RUNS", key: "coldRuns", fallback: 8, min: 1 },
  { variable: "BENCH_THROUGHPUT_SECONDS", key: "throughputSeconds", fallback: 3, min: 1 },
  { variable: "BENCH_LARGE_ITERATIONS", key: "largeIterations", fallback: 3, min: 1 }
] as const

export const readBenchConfig = (env: Readonly<Record<string, string | undefined>>): BenchConfig => {
  const values = { iterations: 0, warmup: 0, coldRuns: 0, throughputSeconds: 0, largeIterations: 0 }
  const set: Array<string> = []
  for (const setting of SETTINGS) {
    const raw = env[setting.variable]
    if (raw === undefined || raw === "") {
      values[setting.key] = setting.fallback
      continue
    }
    const value = Number(raw)
    if (!Number.isInteger(value) || value < setting.min) {
      throw new Error(`${setting.variable}=${raw} is not a whole number ≥ ${setting.min}. Set it to e.g. ${setting.fallback}, or unset it for the default.`)
    }
    values[setting.key] = value
    set.push(`${setting.variable}=${value}`)
  }
  return { ...values, command: [...set, "npm run bench"].join(" ") }
}
