import { Effect, Layer, Logger } from "effect"
import type { ServeCommand } from "../config/cli.js"
import { ServerConfig, type ServerConfigShape, toEffectLogLevel } from "../config/ServerConfig.js"
import { httpServerLayer } from "./http.js"
import { authLayer, logConfigWarnings, mcpCoreLayer, stateLayer } from "./layers.js"
import { serveStdio } from "./stdio.js"

/** OTLP export, loaded only when enabled: its modules cost start-up time nobody else should pay. */
const telemetry = (config: ServerConfigShape): Layer.Layer<never> =>
  config.otelEnabled
    ? Layer.unwrapEffect(Effect.map(Effect.promise(() => import("./telemetry.js")), (module) => module.telemetryLayer(config)))
    : Layer.empty

/**
 * The layers behind both transports for a validated configuration (telemetry first, so every span is
 * exported); the state store and fingerprints are shared with the transport layers.
 */
export const serverLayers = (config: ServerConfigShape) =>
  Layer.merge(mcpCoreLayer(config), authLayer(config)).pipe(
    Layer.provideMerge(stateLayer(config)),
    Layer.provide(telemetry(config))
  )

/** Streamable HTTP until interrupted (Ctrl-C / SIGTERM close sessions and the listener). */
export const runHttp = (config: ServerConfigShape) =>
  Layer.launch(
    httpServerLayer(config, (baseUrl) =>
      Effect.logInfo(`mcp_server_ready transport=streamable-http url=${baseUrl}/mcp auth_mode=${config.auth.mode} read_only=${config.readOnly}`)
    ).pipe(Layer.provide(serverLayers(config)))
  )

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
      if (config.transport === "stdio") {
        yield* serveStdio.pipe(Effect.provide(serverLayers(config)))
      } else {
        yield* runHttp(config)
      }
    })
    yield* program.pipe(Logger.withMinimumLogLevel(toEffectLogLevel(config.logLevel)))
  })
