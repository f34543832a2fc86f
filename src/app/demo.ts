import * as NodeContext from "@effect/platform-node/NodeContext"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type { DemoCommand } from "../config/cli.js"
import { ServerConfig, toEffectLogLevel } from "../config/ServerConfig.js"
import { defaultSandboxOptions, startSandbox } from "../sandbox/server.js"
import { httpServerLayer } from "./http.js"
import { logConfigWarnings } from "./layers.js"
import { serverLayers } from "./serve.js"

const banner = (mcpUrl: string, sandboxUrl: string, token: string) =>
  [
    "",
    "infrahub-mcp demo is running: an MCP server over Streamable HTTP in front of an in-memory Infrahub with demo data.",
    "",
    `  MCP endpoint:      ${mcpUrl}`,
    `  Infrahub sandbox:  ${sandboxUrl}   (X-INFRAHUB-KEY: ${token})`,
    "",
    "Connect a client:",
    `  MCP Inspector:  npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --method tools/list`,
    `  Claude Code:    claude mcp add --transport http infrahub ${mcpUrl}`,
    `  Cursor (.cursor/mcp.json), Claude Code (.mcp.json):`,
    `    { "mcpServers": { "infrahub": { "type": "http", "url": "${mcpUrl}" } } }`,
    `  VS Code (.vscode/mcp.json):`,
    `    { "servers": { "infrahub": { "type": "http", "url": "${mcpUrl}" } } }`,
    "",
    'Try: "Which devices are in atl1?" or "Add a tag called lab to atl1-edge1 and propose the change."',
    "Press Ctrl-C to stop.",
    ""
  ].join("\n")

/**
 * `infrahub-mcp demo` (what `npm start` runs): the sandbox on a free loopback port, and the MCP
 * server on `--host/--port` against it. Other INFRAHUB_MCP_* settings from the environment apply.
 */
export const runDemo = (command: DemoCommand) =>
  Effect.gen(function* () {
    const sandbox = yield* startSandbox({ ...defaultSandboxOptions, debugEndpoints: false })
    const token = sandbox.tokens[0] === undefined ? "" : Redacted.value(sandbox.tokens[0])
    const config = yield* ServerConfig.load({ transport: "streamable-http", host: command.host, port: command.port }).pipe(
      Effect.withConfigProvider(
        ConfigProvider.orElse(
          ConfigProvider.fromMap(new Map([["INFRAHUB_ADDRESS", sandbox.url], ["INFRAHUB_API_TOKEN", token]])),
          () => ConfigProvider.fromEnv()
        )
      )
    )
    yield* logConfigWarnings(config)
    const server = httpServerLayer(config, (baseUrl) =>
      Effect.sync(() => process.stdout.write(banner(`${baseUrl}/mcp`, sandbox.url, token)))
    ).pipe(Layer.provide(serverLayers(config)))
    return yield* Layer.launch(server).pipe(Logger.withMinimumLogLevel(toEffectLogLevel(config.logLevel)))
  }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
