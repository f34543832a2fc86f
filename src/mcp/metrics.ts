import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"
import type * as MetricState from "effect/MetricState"

/** MCP method calls (`tools/call`, `resources/read`, …), by method. */
export const requestsTotal = Metric.counter("infrahub_mcp_requests_total", {
  description: "MCP requests handled, by method",
  incremental: true
})

/** MCP method calls that ended in an error, by method. */
export const errorsTotal = Metric.counter("infrahub_mcp_errors_total", {
  description: "MCP requests that failed, by method",
  incremental: true
})

/** Latency of MCP method calls in milliseconds, by method. */
export const latencyMs = Metric.histogram(
  "infrahub_mcp_latency_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
  "MCP request latency in milliseconds, by method"
)

/** Tool calls by tool and outcome (`ok`, `error`, `denied`, `defect`). */
export const toolCallsTotal = Metric.counter("infrahub_mcp_tool_calls_total", {
  description: "Tool calls, by tool and outcome",
  incremental: true
})

/** The metrics of one MCP method, tagged once (a tagged metric is a new key to hash on every use). */
export interface MethodMetrics {
  readonly requests: Metric.Metric.Counter<number>
  readonly errors: Metric.Metric.Counter<number>
  readonly latency: Metric.Metric<MetricKeyType.MetricKeyType.Histogram, number, MetricState.MetricState.Histogram>
}

const byMethod = new Map<string, MethodMetrics>()

/** The tagged metrics of `method`, built on its first call and reused after (methods are a fixed set). */
export const methodMetrics = (method: string): MethodMetrics => {
  const known = byMethod.get(method)
  if (known !== undefined) return known
  const made: MethodMetrics = {
    requests: Metric.tagged(requestsTotal, "method", method),
    errors: Metric.tagged(errorsTotal, "method", method),
    latency: Metric.tagged(latencyMs, "method", method)
  }
  byMethod.set(method, made)
  return made
}

/** One tool's metrics, tagged once when the registry is built: its calls by outcome, and its latency. */
export interface ToolMetrics {
  readonly calls: (outcome: string) => Metric.Metric.Counter<number>
  readonly latency: Metric.Metric<MetricKeyType.MetricKeyType.Histogram, number, MetricState.MetricState.Histogram>
}

export const toolMetrics = (tool: string): ToolMetrics => {
  const byOutcome = new Map<string, Metric.Metric.Counter<number>>()
  return {
    calls: (outcome) => {
      const known = byOutcome.get(outcome)
      if (known !== undefined) return known
      // Both labels at once: a tagged metric tagged again joins the label lists anew on every update,
      // which misses Effect's per-metric cache of the registry entry.
      const made = Metric.taggedWithLabels(toolCallsTotal, [MetricLabel.make("tool", tool), MetricLabel.make("outcome", outcome)])
      byOutcome.set(outcome, made)
      return made
    },
    latency: Metric.tagged(latencyMs, "method", `tools/call:${tool}`)
  }
}
