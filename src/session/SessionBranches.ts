import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { Branches, isClosedStatus } from "../infrahub/Branches.js"
import { type InfrahubError, InfrahubGraphQLError } from "../infrahub/errors.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { renderLiteral } from "../infrahub/graphqlLiteral.js"
import { RequestContext } from "../mcp/RequestContext.js"
import { type BranchPattern, conforms, expand, isFixed, randomHex, validateBranchName } from "./branchPattern.js"
import {
  BranchCreationFailed,
  BranchNameExhausted,
  BranchSwitchRefused,
  FixedBranchExists,
  SessionBranchLost
} from "./errors.js"
import { makeKeyedLock } from "./KeyedLock.js"
import { makeInMemory, type SessionStore } from "./SessionStore.js"

export interface SessionBranchesOptions {
  readonly pattern: BranchPattern
  readonly maxRetries: number
  /** Workspaces kept at once, and how long an unused one lives (match the HTTP session limits). */
  readonly maxWorkspaces: number
  readonly idleTimeoutMs: number
}

/** The session branch moved: the old one was merged or deleted, a new one took its place. */
export interface Recovery {
  readonly from: string
  readonly reason: string
}

export interface OnBranch<A> {
  readonly value: A
  readonly branch: string
  readonly created: boolean
  readonly recovered: Option.Option<Recovery>
}

export interface SwitchResult {
  readonly branch: string
  readonly previous: Option.Option<string>
  readonly created: boolean
}

type Needs = InfrahubCredentials | Principal | RequestContext

export type SessionBranchError =
  | InfrahubError
  | FixedBranchExists
  | BranchNameExhausted
  | BranchCreationFailed
  | SessionBranchLost
  | BranchSwitchRefused

export interface SessionBranchesShape {
  /** The workspace's branch, if a write created or a reset chose one. Never creates. */
  readonly current: Effect.Effect<Option.Option<string>, never, RequestContext>
  /**
   * Runs a write on the workspace's branch, creating it on first use. When Infrahub answers that the
   * branch is gone or merged and nothing was applied, the write moves to a fresh branch (once) and
   * the result says so; when part of it was applied, it fails with {@link SessionBranchLost}.
   */
  readonly write: <A, E, R>(
    run: (branch: string) => Effect.Effect<A, E, R>
  ) => Effect.Effect<OnBranch<A>, E | SessionBranchError, R | Needs>
  /** Forgets the workspace's branch (the branch itself stays in Infrahub). */
  readonly reset: Effect.Effect<Option.Option<string>, never, RequestContext>
  /** Makes `name` the workspace's branch; creates it when missing and it matches the pattern. */
  readonly switchTo: (name: string) => Effect.Effect<SwitchResult, SessionBranchError, Needs>
  /** Drops a workspace's state when its MCP session ends. */
  readonly forget: (workspace: string) => Effect.Effect<void>
  /** Marks the workspace as in use (any request), so its branch does not idle out between writes. */
  readonly touch: Effect.Effect<void, never, RequestContext>
}

/** Messages Infrahub uses when a branch no longer takes writes (legacy and error-catalogue forms). */
const STALE_HINTS = ["has been merged", "already been merged", "read-only", "read only", "not found"]

/** True when no top-level mutation field produced data: Infrahub rejected the whole document. */
const nothingApplied = (error: InfrahubGraphQLError): boolean => {
  const data = error.data
  if (data === null || data === undefined || typeof data !== "object") return true
  return Object.values(data).every((value) => value === null)
}

export class SessionBranches extends Context.Tag("infrahub-mcp/SessionBranches")<SessionBranches, SessionBranchesShape>() {
  static readonly make = (options: SessionBranchesOptions) =>
    Effect.gen(function* () {
      const client = yield* InfrahubClient
      const branches = yield* Branches
      const store: SessionStore<string> = yield* makeInMemory<string>({
        maxEntries: options.maxWorkspaces,
        idleTimeoutMs: options.idleTimeoutMs
      })
      const { withLock } = makeKeyedLock()
      const workspace = Effect.map(RequestContext, (context) => context.workspace)

      const createBranch = (name: string, user: string) =>
        client
          .graphql({
            query: `mutation { BranchCreate(wait_until_completion: true, data: { name: ${renderLiteral(name)}, description: ${renderLiteral(`infrahub-mcp session branch of ${user}`)}, sync_with_git: false }) { ok object { id name } } }`
          })
          .pipe(Effect.asVoid)

      /** Creates a fresh branch from the pattern, retrying collisions with new expansions. */
      const provision = Effect.gen(function* () {
        const principal = yield* Principal
        const user = principal.user ?? "anonymous"
        let lastTried = ""
        for (let attempt = 1; attempt <= options.maxRetries; attempt++) {
          const name = expand(options.pattern, { now: new Date(yield* Clock.currentTimeMillis), hex: yield* randomHex, user: principal.user })
          lastTried = name
          const created = yield* Effect.either(createBranch(name, user))
          if (Either.isRight(created)) {
            yield* Effect.logInfo(`session_branch_created branch=${name} user=${user}`)
            return name
          }
          const error = created.left
          const collision = error._tag === "InfrahubGraphQLError" && error.mentions("already exist", "unique", "duplicate")
          if (!collision) {
            return yield* error._tag === "InfrahubGraphQLError"
              ? new BranchCreationFailed({ branch: name, detail: error.errors.map((e) => e.message).join(" | ") })
              : error
          }
          if (isFixed(options.pattern)) return yield* new FixedBranchExists({ branch: name, pattern: options.pattern.source })
        }
        return yield* new BranchNameExhausted({ attempts: options.maxRetries, lastTried })
      })

      /** The workspace's branch, created under the workspace lock so concurrent first writes share one. */
      const ensure = Effect.gen(function* () {
        const key = yield* workspace
        return yield* withLock(key)(
          Effect.gen(function* () {
            const existing = yield* store.get(key)
            if (Option.isSome(existing)) return { branch: existing.value, created: false }
            const branch = yield* provision
            yield* store.set(key, branch)
            return { branch, created: true }
          })
        )
      })

      /** Why a branch takes no writes, or `None` when it is healthy (the error was about something else). */
      const staleness = (branch: string) =>
        Effect.map(branches.get(branch), (found) =>
          Option.match(found, {
            onNone: () => Option.some("was deleted"),
            onSome: (info) =>
              isClosedStatus(info.status)
                ? Option.some(info.status === "MERGED" ? "was merged" : "is being deleted")
                : Option.none()
          })
        )

      /** Clears the workspace's branch only if it is still `branch` (another call may have moved it). */
      const clearIf = (branch: string) =>
        Effect.flatMap(workspace, (key) =>
          store.modify(key, (current) => [undefined, Option.isSome(current) && current.value === branch ? Option.none() : current])
        )

      const write = <A, E, R>(run: (branch: string) => Effect.Effect<A, E, R>) =>
        Effect.gen(function* () {
          const first = yield* ensure
          const attempt = yield* Effect.either(run(first.branch))
          if (Either.isRight(attempt)) {
            return { value: attempt.right, branch: first.branch, created: first.created, recovered: Option.none<Recovery>() }
          }
          const error: unknown = attempt.left
          const suspicious =
            (error instanceof InfrahubGraphQLError && error.mentions(...STALE_HINTS)) ||
            (typeof error === "object" && error !== null && "_tag" in error && error._tag === "BranchNotFound")
          if (!suspicious) return yield* Effect.fail(attempt.left)
          // Only now pay for a status check: Infrahub's answer already told us something is off.
          const reason = yield* staleness(first.branch)
          if (Option.isNone(reason)) return yield* Effect.fail(attempt.left) // e.g. a read-only *attribute*
          yield* clearIf(first.branch)
          if (error instanceof InfrahubGraphQLError && !nothingApplied(error)) {
            return yield* new SessionBranchLost({ branch: first.branch, reason: reason.value })
          }
          const next = yield* ensure
          const context = yield* RequestContext
          yield* context.notify(
            "warning",
            `Session branch '${first.branch}' ${reason.value}; this write moved to the new session branch '${next.branch}'.`
          )
          yield* Effect.logInfo(`session_branch_recovered from=${first.branch} to=${next.branch} reason="${reason.value}"`)
          const value = yield* run(next.branch)
          return {
            value,
            branch: next.branch,
            created: next.created,
            recovered: Option.some({ from: first.branch, reason: reason.value })
          }
        })

      const refuse = (branch: string, reason: string, advice: string) => new BranchSwitchRefused({ branch, reason, advice })

      const switchTo = (name: string) =>
        Effect.gen(function* () {
          const key = yield* workspace
          const valid = validateBranchName(name)
          if (Either.isLeft(valid)) {
            return yield* refuse(name, valid.left, "Use a valid Infrahub branch name, or omit `branch` to start a fresh session branch.")
          }
          const defaultBranch = yield* branches.defaultBranch
          const protectedAdvice = "Writes never go to the default branch: omit `branch` for a fresh session branch, then use propose_changes to reach the default branch through review."
          if (name === defaultBranch) return yield* refuse(name, "it is the default branch", protectedAdvice)
          const found = yield* branches.get(name)
          let created = false
          if (Option.isSome(found)) {
            if (found.value.is_default === true) return yield* refuse(name, "it is the default branch", protectedAdvice)
            if (isClosedStatus(found.value.status)) {
              return yield* refuse(
                name,
                found.value.status === "MERGED" ? "it was merged and is read-only" : "it is being deleted",
                "Omit `branch` to start a fresh session branch."
              )
            }
          } else {
            if (!conforms(options.pattern, name)) {
              return yield* refuse(
                name,
                `it does not exist, and only names matching INFRAHUB_MCP_BRANCH_PATTERN ('${options.pattern.source}') are created`,
                "Omit `branch` to get a fresh session branch, or name an existing branch (see infrahub://branches)."
              )
            }
            const principal = yield* Principal
            yield* createBranch(name, principal.user ?? "anonymous").pipe(
              Effect.catchTag("InfrahubGraphQLError", (error) =>
                Effect.fail(new BranchCreationFailed({ branch: name, detail: error.errors.map((e) => e.message).join(" | ") }))
              )
            )
            created = true
          }
          const previous = yield* store.modify(key, (current) => [current, Option.some(name)])
          return { branch: name, previous, created }
        })

      return SessionBranches.of({
        current: Effect.flatMap(workspace, (key) => store.get(key)),
        write,
        reset: Effect.flatMap(workspace, (key) => store.modify(key, (current) => [current, Option.none()])),
        switchTo,
        forget: (key) => store.delete(key),
        touch: Effect.asVoid(Effect.flatMap(workspace, (key) => store.get(key)))
      })
    })

  static readonly layer = (
    options: SessionBranchesOptions
  ): Layer.Layer<SessionBranches, never, InfrahubClient | Branches> => Layer.scoped(SessionBranches, SessionBranches.make(options))
}

