import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type { ServeCommand } from "../config/cli.js"
import { ServerConfig, type ServerConfigShape, toEffectLogLevel } from "../config/ServerConfig.js"
import { authLayer, logConfigWarnings, mcpCoreLayer, stateLayer } from "./layers.js"

/**
 * OTLP export, loaded only when enabled: its modules cost start-up time nobody else should pay. The
 * CLI bundle carries them (scripts/build.ts), so enabling it needs no package installed. Without an
 * exporter nobody reads a span, so spans are not recorded at all (a tool call opens several; each
 * costs clock reads, attribute maps and garbage).
 */
const telemetry = (config: ServerConfigShape): Layer.Layer<never> =>
  config.otelEnabled
    ? Layer.unwrapEffect(Effect.map(Effect.promise(() => import("./telemetry.js")), (module) => module.telemetryLayer(config)))
    : Layer.setTracerEnabled(false)

/**
 * The layers behind both transports for a validated configuration (telemetry first, so every span is
 * exported); the state store and fingerprints are shared with the transport layers.
 */
export const serverLayers = (config: ServerConfigShape) =>
  Layer.merge(mcpCoreLayer(config), authLayer(config)).pipe(
    Layer.provideMerge(stateLayer(config)),
    Layer.provide(telemetry(config))
  )

/**
 * Streamable HTTP until interrupted (Ctrl-C / SIGTERM close sessions and the listener). The HTTP
 * server's modules load only here: a stdio server never needs them.
 */
const runHttp = (config: ServerConfigShape) =>
  Effect.flatMap(Effect.promise(() => import("./http.js")), ({ httpServerLayer }) =>
    Layer.launch(
      httpServerLayer(config, (baseUrl) =>
        Effect.logInfo(`mcp_server_ready transport=streamable-http url=${baseUrl}/mcp auth_mode=${config.auth.mode} read_only=${config.readOnly}`)
      ).pipe(Layer.provide(serverLayers(config)))
    )
  )

const runStdio = (config: ServerConfigShape) =>
  Effect.flatMap(Effect.promise(() => import("./stdio.js")), ({ serveStdio }) => serveStdio.pipe(Effect.provide(serverLayers(config))))

/** `infrahub-mcp [serve]`: validate every setting first, then serve on the chosen transport. */
export const runServe = (command: ServeCommand) =>
  Effect.gen(function* () {
    const config = yield* ServerConfig.load({
      transport: command.transport,
      host: command.host,
      port: command.port,
      stateless: command.stateless
    })
    const program = Effect.gen(function* () {
      yield* logConfigWarnings(config)
      yield* config.transport === "stdio" ? runStdio(config) : runHttp(config)
    })
    yield* program.pipe(Logger.withMinimumLogLevel(toEffectLogLevel(config.logLevel)))
  })
