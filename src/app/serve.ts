import { createRequire } from "node:module"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type { ServeCommand } from "../config/cli.js"
import { ConfigurationError, ServerConfig, type ServerConfigShape, toEffectLogLevel } from "../config/ServerConfig.js"
import { authLayer, logConfigWarnings, mcpCoreLayer, stateLayer } from "./layers.js"

const OTLP_PACKAGE = "@effect/opentelemetry"

/** The version range package.json accepts for it, so the advice installs one that fits this build. */
const otlpPackageSpec = (): string => {
  const pkg = createRequire(import.meta.url)("../../package.json") as { readonly peerDependencies?: Record<string, string> }
  const range = pkg.peerDependencies?.[OTLP_PACKAGE]
  return range === undefined ? OTLP_PACKAGE : `"${OTLP_PACKAGE}@${range}"`
}

/** The dynamic import failed because the optional peer dependency is not installed. */
const isOtlpPackageMissing = (cause: unknown): boolean =>
  cause instanceof Error && (cause as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && cause.message.includes(`'${OTLP_PACKAGE}'`)

/**
 * OTLP export, loaded only when enabled: its modules cost start-up time nobody else should pay, and its
 * package is an optional peer dependency (it would bring the whole OpenTelemetry SDK to every install),
 * so a server without it says how to add it.
 */
const telemetry = (config: ServerConfigShape): Layer.Layer<never, ConfigurationError> =>
  config.otelEnabled
    ? Layer.unwrapEffect(
      Effect.tryPromise({ try: () => import("./telemetry.js"), catch: (cause) => cause }).pipe(
        Effect.catchAll((cause) =>
          isOtlpPackageMissing(cause)
            ? Effect.fail(
              new ConfigurationError({
                problems: [{
                  variable: "INFRAHUB_MCP_OTEL_ENABLED",
                  message: `INFRAHUB_MCP_OTEL_ENABLED=true needs the optional package ${OTLP_PACKAGE}, which is not installed: ` +
                    `install it next to infrahub-mcp (npm install ${otlpPackageSpec()}, with -g for a global install), or unset INFRAHUB_MCP_OTEL_ENABLED.`
                }]
              })
            )
            : Effect.die(cause)
        ),
        Effect.map((module) => module.telemetryLayer(config))
      )
    )
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
