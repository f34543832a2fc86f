import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricState from "effect/MetricState"

/** Only this server's metrics: Effect's own runtime metrics are not an operator's concern here. */
const ours = Effect.map(Metric.snapshot, (pairs) => pairs.filter((pair) => pair.metricKey.name.startsWith("infrahub_mcp_")))

/** Escapes a Prometheus label value. */
const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const labels = (tags: ReadonlyArray<{ readonly key: string; readonly value: string }>, extra = ""): string => {
  const parts = tags.map((tag) => `${tag.key}="${label(tag.value)}"`)
  if (extra.length > 0) parts.push(extra)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const tagKey = (tags: ReadonlyArray<{ readonly key: string; readonly value: string }>): string =>
  tags.length === 0 ? "total" : tags.map((tag) => tag.value).join(":")

/** Every metric of the process as Prometheus text exposition (counters and histograms). */
export const prometheusText = Effect.map(ours, (pairs) => {
  const lines: Array<string> = []
  const seen = new Set<string>()
  for (const pair of pairs) {
    const { name, tags } = pair.metricKey
    const state = pair.metricState
    if (MetricState.isCounterState(state)) {
      if (!seen.has(name)) lines.push(`# TYPE ${name} counter`)
      seen.add(name)
      lines.push(`${name}${labels(tags)} ${Number(state.count)}`)
    } else if (MetricState.isHistogramState(state)) {
      if (!seen.has(name)) lines.push(`# TYPE ${name} histogram`)
      seen.add(name)
      for (const [bound, count] of state.buckets) {
        lines.push(`${name}_bucket${labels(tags, `le="${Number.isFinite(bound) ? bound : "+Inf"}"`)} ${count}`)
      }
      lines.push(`${name}_sum${labels(tags)} ${state.sum}`, `${name}_count${labels(tags)} ${state.count}`)
    }
  }
  return `${lines.join("\n")}\n`
})

/** The same metrics as compact JSON: `{ metric: { tags: value } }`, histograms as count/sum/min/max. */
export const metricsJson = Effect.map(ours, (pairs) => {
  const report: Record<string, Record<string, unknown>> = {}
  for (const pair of pairs) {
    const { name, tags } = pair.metricKey
    const state = pair.metricState
    const entry = (report[name] ??= {})
    if (MetricState.isCounterState(state)) entry[tagKey(tags)] = Number(state.count)
    else if (MetricState.isHistogramState(state)) {
      entry[tagKey(tags)] = { count: state.count, sum: state.sum, min: state.count === 0 ? null : state.min, max: state.count === 0 ? null : state.max }
    }
  }
  return report
})
