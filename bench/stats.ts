/** Latency statistics over one series of samples (milliseconds). */

export interface Summary {
  readonly n: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
  readonly min: number
  readonly max: number
}

/**
 * Nearest-rank percentile of sorted samples: always a value that was actually observed, which keeps
 * p99 honest on a few hundred samples (no interpolation between the two slowest calls).
 */
const nearestRank = (sorted: ReadonlyArray<number>, percentile: number): number => {
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) throw new Error("summarize: no samples; the benchmark measured nothing for this series.")
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    p50: nearestRank(sorted, 50),
    p99: nearestRank(sorted, 99),
    mean: sorted.reduce((total, value) => total + value, 0) / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/** A sample collector per named series, in insertion order. */
export const makeSeries = () => {
  const series = new Map<string, Array<number>>()
  return {
    add: (name: string, ms: number) => {
      const samples = series.get(name)
      if (samples === undefined) series.set(name, [ms])
      else samples.push(ms)
    },
    summary: (name: string): Summary => summarize(series.get(name) ?? [])
  }
}

export type Series = ReturnType<typeof makeSeries>

/** Milliseconds since `start` (a `process.hrtime.bigint()` reading). */
export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6

/** Times one async action, in milliseconds. */
export const timed = async <A>(action: () => Promise<A>): Promise<{ readonly ms: number; readonly value: A }> => {
  const start = process.hrtime.bigint()
  const value = await action()
  return { ms: elapsedMs(start), value }
}

export const formatMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2))

export const formatRatio = (value: number, baseline: number): string => `${(value / baseline).toFixed(2)}×`
