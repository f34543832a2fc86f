import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import { stderrLogger } from "./app/logging.js"
import type { OidcStartupError } from "./auth/oidc/errors.js"
import { parseCli, type Command } from "./config/cli.js"
import type { ConfigurationError } from "./config/ServerConfig.js"
import type { ListenFailed } from "./http/listen.js"
import type { SandboxStartError } from "./sandbox/server.js"
import type { StateStoreStartupError } from "./state/redisStore.js"
import { VERSION } from "./version.js"

/** Exit codes: 0 done, 1 runtime failure (including a port or address we cannot listen on), 2 bad command line or configuration (as argparse does). */
const EXIT_USAGE = 2
const EXIT_FAILURE = 1

const fail = (code: number, text: string) =>
  Effect.sync(() => {
    process.stderr.write(text.endsWith("\n") ? text : `${text}\n`)
    return code
  })

/**
 * Everything a command stops with. Type-only imports: the modules behind them load with their
 * command, not at start.
 */
type CommandError = ConfigurationError | SandboxStartError | OidcStartupError | ListenFailed | StateStoreStartupError

const run = (command: Command): Effect.Effect<number, CommandError> => {
  switch (command._tag) {
    case "Help":
      return Effect.sync(() => {
        process.stdout.write(`${command.text}\n`)
        return 0
      })
    case "Version":
      return Effect.sync(() => {
        process.stdout.write(`infrahub-mcp ${VERSION}\n`)
        return 0
      })
    // Each command loads its modules on demand, so `--help` and `--version` answer at once, and the
    // sandbox (with graphql's executor and yaml) never loads for `serve`. Commands that need the
    // platform's file system provide it themselves.
    case "Serve":
      return Effect.flatMap(
        Effect.promise(() => import("./app/serve.js")),
        (module) => Effect.as(module.runServe(command), 0)
      )
    case "Sandbox":
      return Effect.flatMap(
        Effect.promise(() => import("./sandbox/cli.js")),
        (module) => Effect.as(module.runSandbox(command), 0)
      )
    case "Demo":
      return Effect.flatMap(
        Effect.promise(() => import("./app/demo.js")),
        (module) => Effect.as(module.runDemo(command), 0)
      )
  }
}

/**
 * A setting the user gave cannot be used: fix the command line, the configuration, or the service a
 * setting names (an IdP or state store that does not answer). Exit 2, as argparse exits.
 */
const usageError = (error: { readonly message: string }) => fail(EXIT_USAGE, error.message)

/** The machine refused (a port taken, an address not ours): the same for every command that listens. */
const environmentError = (error: { readonly message: string }) => fail(EXIT_FAILURE, error.message)

/** The one place where errors become messages on stderr and exit codes. */
const main = Effect.suspend(() => {
  const parsed = parseCli(process.argv.slice(2))
  if (parsed._tag === "Left") return fail(EXIT_USAGE, parsed.left.message)
  return run(parsed.right).pipe(
    Effect.catchTags({
      ConfigurationError: usageError,
      SandboxStartError: usageError,
      OidcStartupError: usageError,
      StateStoreStartupError: usageError,
      ListenFailed: environmentError
    })
  )
}).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger)))

NodeRuntime.runMain(main, {
  disablePrettyLogger: true,
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof exit.value === "number" ? exit.value : 0)
    if (Cause.isInterruptedOnly(exit.cause)) return onExit(0)
    process.stderr.write(`infrahub-mcp crashed: ${Cause.pretty(exit.cause)}\n`)
    onExit(EXIT_FAILURE)
  }
})
