import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { SandboxCommand } from "../config/cli.js"
import { SANDBOX_INFRAHUB_VERSION, startSandbox } from "./server.js"

/** `infrahub-mcp sandbox`: serve the in-memory Infrahub until interrupted, after printing how to use it. */
export const runSandbox = (command: SandboxCommand) =>
  Effect.gen(function* () {
    // `--token` wins; INFRAHUB_SANDBOX_TOKEN is the way to keep a fixed token out of shell history.
    const fromEnv = yield* Config.option(Config.redacted("INFRAHUB_SANDBOX_TOKEN")).pipe(Effect.orElseSucceed(() => Option.none()))
    const tokens = command.tokens.length > 0 ? command.tokens : Option.toArray(fromEnv)
    const sandbox = yield* startSandbox({
      host: command.host,
      port: command.port,
      tokens,
      users: command.users,
      schemas: command.schemas,
      data: command.data,
      seed: command.seed,
      allowAnonymous: command.allowAnonymous,
      debugEndpoints: command.debugEndpoints,
      errorFormat: command.errorFormat
    })
    const token = sandbox.tokens[0] === undefined ? "" : Redacted.value(sandbox.tokens[0])
    const lines = [
      `Infrahub sandbox (Infrahub ${SANDBOX_INFRAHUB_VERSION} API, in memory) listening on ${sandbox.url}`,
      `API token (X-INFRAHUB-KEY): ${token}${tokens.length === 0 ? "   (random; set one with --token or INFRAHUB_SANDBOX_TOKEN)" : "   (account admin)"}`,
      ...sandbox.tokens.slice(1).map((other, index) => `Also accepted: ${Redacted.value(other)}   (account token-${index + 2})`),
      ...command.users.map((user) => `Login user: ${user.username} (POST ${sandbox.url}/api/auth/login)`),
      `Data: ${command.seed === "demo" ? "demo data set" : "empty"}${command.data.length > 0 ? ` + ${command.data.join(", ")}` : ""}`,
      ...(command.debugEndpoints ? [`Debug endpoints: ${sandbox.url}/__sandbox/requests, ${sandbox.url}/__sandbox/faults`] : []),
      "",
      "Use it with infrahub-mcp:",
      `  INFRAHUB_ADDRESS=${sandbox.url} INFRAHUB_API_TOKEN=${token} infrahub-mcp --transport streamable-http`,
      "Press Ctrl-C to stop."
    ]
    yield* Effect.sync(() => process.stdout.write(`${lines.join("\n")}\n`))
    return yield* Effect.never
  }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
