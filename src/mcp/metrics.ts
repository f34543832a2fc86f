import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

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
