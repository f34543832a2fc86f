/**
 * `infrahub-mcp/sandbox`: the Infrahub-compatible sandbox (an in-memory Infrahub with demo data),
 * for tests and demos of hosts that embed the server. A subpath of its own because it is large (the
 * built-in schema and ~1 000 modules): importing `infrahub-mcp` loads none of it.
 *
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect, Redacted } from "effect"
 * import { defaultSandboxOptions, startSandbox } from "infrahub-mcp/sandbox"
 *
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const sandbox = yield* startSandbox({ ...defaultSandboxOptions, port: 0 })
 *   yield* Effect.log(`Infrahub at ${sandbox.url}, token ${Redacted.value(sandbox.tokens[0]!)}`)
 * })).pipe(Effect.provide(NodeContext.layer))
 * ```
 *
 * @module
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { ListenFailed } from "../http/listen.js"
import * as server from "./server.js"

export { ListenFailed } from "../http/listen.js"
export { defaultSandboxOptions, SANDBOX_INFRAHUB_VERSION, type SandboxOptions, SandboxStartError, type SandboxUserOption } from "./server.js"

/** A sandbox serving until its scope closes. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:8000`: the `INFRAHUB_ADDRESS` of a server in front of it. */
  readonly url: string
  /** The accepted API tokens (`X-INFRAHUB-KEY`), the admin's first. */
  readonly tokens: ReadonlyArray<Redacted.Redacted<string>>
}

/**
 * Builds the sandbox (schema, data, accounts) and serves it until the scope closes; a broken schema
 * or object file stops it before it listens. (The in-process engine and request log the running
 * sandbox also holds are for this repository's tests, not part of the package's interface.)
 */
export const startSandbox: (
  options: server.SandboxOptions
) => Effect.Effect<Sandbox, server.SandboxStartError | ListenFailed, Scope.Scope | FileSystem.FileSystem> = server.startSandbox
