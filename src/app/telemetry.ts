import * as Otlp from "@effect/opentelemetry/Otlp"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import type { ServerConfigShape } from "../config/ServerConfig.js"
import { VERSION } from "../version.js"

/**
 * INFRAHUB_MCP_OTEL_ENABLED: Effect's own spans (tool.<name>, mcp.<method>, InfrahubClient.*), this
 * server's metrics and its log lines go to an OpenTelemetry collector over OTLP/HTTP (JSON), at
 * OTEL_EXPORTER_OTLP_ENDPOINT. Exports are batched off the request path; a collector that is down
 * costs nothing but dropped telemetry.
 */
export const telemetryLayer = (config: ServerConfigShape): Layer.Layer<never> =>
  Otlp.layerJson({
    baseUrl: config.otel.endpoint,
    resource: { serviceName: config.otel.serviceName, serviceVersion: VERSION },
    tracerExportInterval: Duration.seconds(2),
    loggerExportInterval: Duration.seconds(2),
    metricsExportInterval: Duration.seconds(10),
    shutdownTimeout: Duration.seconds(3)
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))
