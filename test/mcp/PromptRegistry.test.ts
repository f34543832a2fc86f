import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option } from "effect"
import { Fingerprints } from "../../src/auth/fingerprint.js"
import { Principal, type PrincipalShape } from "../../src/auth/Principal.js"
import { Branches } from "../../src/infrahub/Branches.js"
import { isCallerError } from "../../src/infrahub/errors.js"
import { InfrahubClient } from "../../src/infrahub/InfrahubClient.js"
import { AccessPolicy, type AccessPolicyOptions } from "../../src/mcp/AccessPolicy.js"
import { PromptRegistry } from "../../src/mcp/PromptRegistry.js"
import { DEFAULT_BRANCH_PATTERN, parsePattern } from "../../src/session/branchPattern.js"
import { asRequest } from "../support/requestScope.js"
import { SessionBranches } from "../../src/session/SessionBranches.js"
import { memoryStoreLayer } from "../../src/state/memoryStore.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

/**
 * The prompt registry over the real stack (sandbox over HTTP, session branches in a memory store):
 * what a caller gets from `prompts/get` depends on the access policy's answer about writes, the
 * default branch Infrahub reports and the caller's session branch.
 */

let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await startTestSandbox()
})

afterAll(async () => {
  await sandbox?.close()
})

const open: AccessPolicyOptions = { readOnly: false, writeScopes: Option.none() }
const readOnly: AccessPolicyOptions = { readOnly: true, writeScopes: Option.none() }
const oidcWrite: AccessPolicyOptions = { readOnly: false, writeScopes: Option.some(["api://infrahub-mcp/write"]) }

const anonymous = Principal.anonymous
const reader: PrincipalShape = { id: "oidc:reader", user: "reader", scopes: ["openid"], mode: "oidc" }
// Entra puts the short name of a URI scope in the token: it satisfies the policy's `api://…/write`.
const writer: PrincipalShape = { id: "oidc:writer", user: "writer", scopes: ["openid", "write"], mode: "oidc" }

const WRITE_TOOLS = ["node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]

/** A fresh registry (and a fresh default-branch cache) with its session branches, against the sandbox. */
const stack = (policy: AccessPolicyOptions) => {
  const pattern = Either.getOrThrowWith(parsePattern(DEFAULT_BRANCH_PATTERN), (problem) => new Error(problem))
  const domain = SessionBranches.layer({ pattern, maxRetries: 3, idleTimeoutMs: 60_000 }).pipe(
    Layer.provideMerge(Branches.layer),
    Layer.provideMerge(InfrahubClient.layer({ address: sandbox.url, timeoutMs: 10_000 })),
    Layer.provide(Layer.merge(Fingerprints.random, memoryStoreLayer())),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  return Layer.build(PromptRegistry.layer.pipe(Layer.provideMerge(Layer.merge(domain, AccessPolicy.layer(policy))))).pipe(
    Effect.map((context) => ({ prompts: Context.get(context, PromptRegistry), sessions: Context.get(context, SessionBranches) }))
  )
}

/** Runs `self` as a request of `who` in workspace `ws`, with the sandbox admin's credential. */
const as = (who: PrincipalShape, workspace = "ws") => asRequest(sandbox.token, who, workspace)

const textOf = (rendered: { readonly messages: ReadonlyArray<{ readonly content: { readonly text: string } }> }): string => {
  expect(rendered.messages).toHaveLength(1)
  return rendered.messages[0]?.content.text ?? ""
}

describe("PromptRegistry", () => {
  it.scoped("lists the four prompts with their arguments", () =>
    Effect.gen(function* () {
      const { prompts } = yield* stack(open)
      expect(prompts.list.map((prompt) => [prompt.name, prompt.arguments.map((argument) => argument.name)])).toEqual([
        ["infrahub_agent", []],
        ["answer_infra_question", ["question", "kind_hint", "fields", "branch"]],
        ["make_infra_change", ["description", "kind", "branch"]],
        ["explore_schema", ["kind"]]
      ])
    })
  )

  it.scoped("renders one user message with the prompt's description and the default branch Infrahub reports", () =>
    Effect.gen(function* () {
      const { prompts } = yield* stack(open)
      const rendered = yield* as(anonymous)(prompts.get("answer_infra_question", { question: "  How many sites?  " }))
      expect(rendered.description).toBe(prompts.list.find((prompt) => prompt.name === "answer_infra_question")?.description)
      expect(rendered.messages[0]?.role).toBe("user")
      const text = textOf(rendered)
      expect(text).toContain("> How many sites?")
      expect(text).toContain("the default, `main`")
    })
  )

  it.scoped("teaches the write workflow when the access policy lets the caller write", () =>
    Effect.gen(function* () {
      for (const [policy, who] of [[open, anonymous], [oidcWrite, writer]] as const) {
        const { prompts } = yield* stack(policy)
        const text = textOf(yield* as(who)(prompts.get("infrahub_agent", undefined)))
        for (const tool of WRITE_TOOLS) expect(text, `${who.id}: ${tool}`).toContain(tool)
        expect(text).toContain("You have none yet.")
      }
    })
  )

  it.scoped("leaves the write workflow out, saying why, when the policy refuses writes", () =>
    Effect.gen(function* () {
      for (const [policy, who, reason] of [
        [readOnly, anonymous, "this server runs in read-only mode"],
        [readOnly, writer, "this server runs in read-only mode"],
        [oidcWrite, reader, "your account does not have write access"]
      ] as const) {
        const { prompts } = yield* stack(policy)
        const text = textOf(yield* as(who)(prompts.get("infrahub_agent", undefined)))
        expect(text).toContain(`Writes are unavailable because ${reason}`)
        for (const tool of WRITE_TOOLS) expect(text, `${who.id}: ${tool}`).not.toContain(tool)
      }
    })
  )

  it.scoped("names the caller's session branch once a write has created it, and only in that workspace", () =>
    Effect.gen(function* () {
      const { prompts, sessions } = yield* stack(open)
      const written = yield* as(anonymous, "mine")(sessions.write((branch) => Effect.succeed(branch)))
      const mine = textOf(yield* as(anonymous, "mine")(prompts.get("infrahub_agent", {})))
      expect(mine).toContain(`Yours is \`${written.branch}\`.`)
      const theirs = textOf(yield* as(anonymous, "theirs")(prompts.get("infrahub_agent", {})))
      expect(theirs).toContain("You have none yet.")
    })
  )

  it.scoped("still renders when Infrahub cannot say which branch is the default", () =>
    Effect.gen(function* () {
      const { prompts } = yield* stack(open)
      expect(Either.isRight(sandbox.running.debug.addFault({ path: "^/graphql", status: 503 }))).toBe(true)
      const text = yield* as(anonymous)(prompts.get("make_infra_change", { description: "Tag atl1-edge1 as lab" })).pipe(
        Effect.map(textOf),
        Effect.ensuring(Effect.sync(() => sandbox.running.debug.clearFaults()))
      )
      expect(text).toContain("> Tag atl1-edge1 as lab")
      expect(text).toContain("into `the default branch`")
      expect(text).not.toContain("`main`")
    })
  )

  it.scoped("refuses an unknown prompt or wrong arguments as the caller's error, saying what to send", () =>
    Effect.gen(function* () {
      const { prompts } = yield* stack(open)
      const unknown = yield* Effect.flip(as(anonymous)(prompts.get("plan_change", {})))
      expect(unknown.message).toBe(
        'There is no prompt "plan_change"; the prompts are: infrahub_agent, answer_infra_question, make_infra_change, explore_schema.'
      )
      expect(isCallerError(unknown)).toBe(true)
      const missing = yield* Effect.flip(as(anonymous)(prompts.get("answer_infra_question", { question: " " })))
      expect(missing.message).toBe(
        'Prompt "answer_infra_question" needs the argument "question" (The infrastructure question to answer.); pass it and retry.'
      )
      expect(isCallerError(missing)).toBe(true)
      const extra = yield* Effect.flip(as(anonymous)(prompts.get("explore_schema", { knd: "x" })))
      expect(extra.message).toBe('Prompt "explore_schema" has no argument "knd"; its arguments are: kind.')
    })
  )
})
