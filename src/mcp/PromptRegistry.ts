import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { Branches } from "../infrahub/Branches.js"
import type { RequestContext } from "../session/RequestContext.js"
import { SessionBranches } from "../session/SessionBranches.js"
import type { StateStoreUnavailable } from "../state/StateStore.js"
import { annotateCurrentSpan } from "../spans.js"
import { AccessPolicy } from "./AccessPolicy.js"
import { findPrompt, type PromptArgument, type PromptContext, prompts, resolveArguments } from "./prompts.js"

/** A prompt as `prompts/list` shows it. */
export interface PromptDescriptor {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly arguments: ReadonlyArray<PromptArgument>
}

/** A `prompts/get` answer: the prompt's description and its text as one user message. */
export interface RenderedPrompt {
  readonly description: string
  readonly messages: ReadonlyArray<{ readonly role: "user"; readonly content: { readonly type: "text"; readonly text: string } }>
}

/** The prompt does not exist, or its arguments are wrong; the message says which and what to send. */
export class PromptRefused extends Schema.TaggedError<PromptRefused>()("PromptRefused", {
  message: Schema.String
}) {
  /** A caller error: the name or the arguments must change (see `isCallerError`). */
  get callerError(): boolean {
    return true
  }
}

export interface PromptRegistryShape {
  readonly list: ReadonlyArray<PromptDescriptor>
  /**
   * Renders a prompt for the caller: the default branch read from Infrahub, the session's branch, and
   * the write workflow only when the access policy lets this caller write.
   */
  readonly get: (
    name: string,
    args: Readonly<Record<string, string | undefined>> | undefined
  ) => Effect.Effect<RenderedPrompt, PromptRefused | StateStoreUnavailable, InfrahubCredentials | Principal | RequestContext>
}

/** When Infrahub cannot say which branch is the default, the prompt still reads well. */
const UNKNOWN_DEFAULT_BRANCH = "the default branch"

/** The MCP prompts (`prompts.ts` holds their text), rendered for the caller who asks. */
export class PromptRegistry extends Context.Tag("infrahub-mcp/PromptRegistry")<PromptRegistry, PromptRegistryShape>() {
  static readonly make = Effect.gen(function* () {
    const branches = yield* Branches
    const sessions = yield* SessionBranches
    const policy = yield* AccessPolicy

    const list: ReadonlyArray<PromptDescriptor> = prompts.map((prompt) => ({
      name: prompt.name,
      title: prompt.title,
      description: prompt.description,
      arguments: prompt.arguments.map((argument) => ({ ...argument }))
    }))

    /** What the prompt text depends on, for this caller. */
    const contextFor = Effect.gen(function* () {
      const principal = yield* Principal
      const defaultBranch = yield* branches.defaultBranch.pipe(Effect.orElseSucceed(() => UNKNOWN_DEFAULT_BRANCH))
      const session = yield* sessions.current
      const refusal = policy.decideWrites(principal)
      return {
        readOnly: Option.exists(refusal, (refused) => refused.reason === "read-only"),
        writeAllowed: Option.isNone(refusal),
        defaultBranch,
        sessionBranch: Option.getOrUndefined(session)
      } satisfies PromptContext
    })

    const get = Effect.fn("PromptRegistry.get")(function* (
      name: string,
      args: Readonly<Record<string, string | undefined>> | undefined
    ) {
      yield* annotateCurrentSpan("prompt", name)
      const spec = findPrompt(name)
      if (Either.isLeft(spec)) return yield* new PromptRefused({ message: spec.left })
      const resolved = resolveArguments(spec.right, args)
      if (Either.isLeft(resolved)) return yield* new PromptRefused({ message: resolved.left })
      const text = spec.right.render(resolved.right, yield* contextFor)
      return {
        description: spec.right.description,
        messages: [{ role: "user", content: { type: "text", text } }]
      } satisfies RenderedPrompt
    })

    return PromptRegistry.of({ list, get })
  })

  static readonly layer: Layer.Layer<PromptRegistry, never, Branches | SessionBranches | AccessPolicy> = Layer.effect(
    PromptRegistry,
    PromptRegistry.make
  )
}
