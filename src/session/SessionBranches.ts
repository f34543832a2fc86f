import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { Fingerprints } from "../auth/fingerprint.js"
import { spanIf, spansRecorded } from "../spans.js"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { Branches, isClosedStatus } from "../infrahub/Branches.js"
import { type InfrahubError, InfrahubGraphQLError, InfrahubTimeout, InfrahubUnreachable } from "../infrahub/errors.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { renderLiteral } from "../infrahub/graphqlLiteral.js"
import { recordWriteBranch } from "./CallFacts.js"
import { RequestContext } from "./RequestContext.js"
import { stateNamespace } from "../state/StateNamespace.js"
import { StateStore, type StateStoreUnavailable } from "../state/StateStore.js"
import { type BranchPattern, conforms, expand, isFixed, randomHex, userSegment, validateBranchName } from "./branchPattern.js"
import {
  BranchCreationFailed,
  BranchNameExhausted,
  BranchSwitchRefused,
  FixedBranchExists,
  SessionBranchLost,
  WriteOutcomeUnknown
} from "./errors.js"
import { makeKeyedLock } from "./KeyedLock.js"

export interface SessionBranchesOptions {
  readonly pattern: BranchPattern
  readonly maxRetries: number
  /** How long a workspace keeps its branch without a request (every request renews it). */
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
  /** True on the first result that lands on a branch created for this session (a failed first write may have created it). */
  readonly created: boolean
  readonly recovered: Option.Option<Recovery>
}

export interface SwitchResult {
  readonly branch: string
  readonly previous: Option.Option<string>
  readonly created: boolean
}

export type Needs = InfrahubCredentials | Principal | RequestContext

export type SessionBranchError =
  | InfrahubError
  | FixedBranchExists
  | BranchNameExhausted
  | BranchCreationFailed
  | SessionBranchLost
  | BranchSwitchRefused
  | WriteOutcomeUnknown
  | StateStoreUnavailable

export interface SessionBranchesShape {
  /** The workspace's branch, if a write created or a reset chose one. Never creates. */
  readonly current: Effect.Effect<Option.Option<string>, StateStoreUnavailable, RequestContext>
  /**
   * Runs a write on the workspace's branch, creating it on first use. When Infrahub answers that the
   * branch is gone or merged and nothing was applied, the write moves to a fresh branch (once) and
   * the result says so; when part of it was applied, it fails with {@link SessionBranchLost}; when the
   * answer never came, with {@link WriteOutcomeUnknown}.
   */
  readonly write: <A, E, R>(
    run: (branch: string) => Effect.Effect<A, E, R>
  ) => Effect.Effect<OnBranch<A>, E | SessionBranchError, R | Needs>
  /** Forgets the workspace's branch (the branch itself stays in Infrahub). */
  readonly reset: Effect.Effect<Option.Option<string>, StateStoreUnavailable, RequestContext>
  /**
   * Makes `name` the workspace's branch; creates it when missing and it matches the pattern (with the
   * caller's own `{user}`). Refuses a branch another principal created, or one another principal's
   * live session holds.
   */
  readonly switchTo: (name: string) => Effect.Effect<SwitchResult, SessionBranchError, Needs>
  /** Drops a workspace's state when its MCP session ends. */
  readonly forget: (workspace: string) => Effect.Effect<void>
  /**
   * Marks the workspace as in use (any request), so its branch does not idle out between writes. The
   * store is told at most once per renewal interval (a tenth of the idle lifetime, at most a minute).
   */
  readonly touch: Effect.Effect<void, never, RequestContext>
}

/**
 * A workspace's session branch, in the `StateStore` under the workspace's fingerprint (the key is an
 * MCP session id, which must not be stored in the clear). Lives as long as the workspace is used.
 */
const WorkspaceBranch = Schema.Struct({
  branch: Schema.String,
  /** False until a result said the branch was created for this session: a first write can fail after creating it. */
  creationReported: Schema.Boolean
})
type WorkspaceBranch = typeof WorkspaceBranch.Type

/**
 * Who may use a branch as session branch, in the `StateStore` under the branch name: the principal
 * that created it through this server (none for a branch made elsewhere), and the principal and
 * workspace that took it last.
 */
const BranchClaim = Schema.Struct({
  creator: Schema.NullOr(Schema.String),
  holder: Schema.String,
  workspace: Schema.String
})
type BranchClaim = typeof BranchClaim.Type

/**
 * A branch's creator keeps it at least this long after their last write to it, even with no session
 * open: a branch waiting for review must not become anyone's to write to once its author logs off.
 */
const MIN_CLAIM_LIFETIME = Duration.days(7)

/** Messages Infrahub uses when a branch no longer takes writes (legacy and error-catalogue forms). */
const STALE_HINTS = ["has been merged", "already been merged", "read-only", "read only", "not found"]

/** Connection failures that happen before a request leaves: nothing can have been applied. */
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/

/** What a write's failure says about whether Infrahub applied it: `Some` when nobody can know. */
const uncertainty = (error: unknown): Option.Option<string> => {
  if (error instanceof InfrahubTimeout) return Option.some(`Infrahub did not answer within ${error.timeoutMs / 1000} s`)
  if (error instanceof InfrahubUnreachable && !NOT_SENT.test(error.detail)) {
    return Option.some(`the connection to Infrahub broke (${error.detail})`)
  }
  return Option.none()
}

/** Workspace fingerprints remembered at most (a few per live session; see `workspaceId`). */
const MAX_REMEMBERED_WORKSPACE_IDS = 10_000

/**
 * A request renews its workspace's lifetime in the store only when the last renewal from this
 * process is older than this: a tenth of the idle lifetime, at most a minute. A busy session then
 * costs the store (a network round trip with Redis) one touch a minute instead of one per request;
 * its branch outlives the last request by at least the idle lifetime less this.
 */
const renewalInterval = (idleTimeoutMs: number): number => Math.min(idleTimeoutMs / 10, 60_000)

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
      const store = yield* StateStore
      const fingerprints = yield* Fingerprints
      const workspaces = stateNamespace(store, "session-branch", WorkspaceBranch)
      const claims = stateNamespace(store, "branch-claim", BranchClaim)
      const idle = Duration.millis(options.idleTimeoutMs)
      const claimLifetime = Duration.max(idle, MIN_CLAIM_LIFETIME)
      const { withLock } = makeKeyedLock()

      const recordSpans = yield* spansRecorded
      // Every request renews its workspace's branch, so the fingerprint (an HMAC) is remembered:
      // one entry per live session, dropped all at once past a bound rather than tracked one by one.
      const workspaceIds = new Map<string, string>()
      const workspaceId = (workspace: string) => {
        const known = workspaceIds.get(workspace)
        if (known !== undefined) return known
        if (workspaceIds.size >= MAX_REMEMBERED_WORKSPACE_IDS) workspaceIds.clear()
        const id = fingerprints.secret("workspace", workspace)
        workspaceIds.set(workspace, id)
        return id
      }
      const currentWorkspace = Effect.map(RequestContext, (context) => workspaceId(context.workspace))

      // When each workspace's lifetime was last renewed from here (bounded like `workspaceIds`).
      const renewedAt = new Map<string, number>()
      const renewEvery = renewalInterval(options.idleTimeoutMs)
      const renewDue = (workspace: string, now: number): boolean => {
        const last = renewedAt.get(workspace)
        if (last !== undefined && now - last < renewEvery) return false
        if (renewedAt.size >= MAX_REMEMBERED_WORKSPACE_IDS) renewedAt.clear()
        renewedAt.set(workspace, now)
        return true
      }

      const createBranch = (name: string, user: string) =>
        client
          .graphql({
            query: `mutation { BranchCreate(wait_until_completion: true, data: { name: ${renderLiteral(name)}, description: ${renderLiteral(`infrahub-mcp session branch of ${user}`)}, sync_with_git: false }) { ok object { id name } } }`
          })
          .pipe(Effect.asVoid)

      /** Creates a fresh branch from the pattern, retrying collisions with new expansions, and claims it. */
      const provision = Effect.fn("SessionBranches.provision")(function* (workspace: string) {
        const principal = yield* Principal
        const user = principal.user ?? "anonymous"
        let lastTried = ""
        for (let attempt = 1; attempt <= options.maxRetries; attempt++) {
          const name = expand(options.pattern, { now: new Date(yield* Clock.currentTimeMillis), hex: yield* randomHex, user: principal.user })
          lastTried = name
          const created = yield* Effect.either(createBranch(name, user))
          if (Either.isRight(created)) {
            yield* claims.set(name, { creator: principal.id, holder: principal.id, workspace }, claimLifetime)
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
      const ensure = Effect.fn("SessionBranches.ensure")(function* (workspace: string) {
        return yield* withLock(workspace)(
          Effect.gen(function* () {
            const existing = yield* workspaces.get(workspace)
            if (Option.isSome(existing)) return existing.value
            const record: WorkspaceBranch = { branch: yield* provision(workspace), creationReported: false }
            if (yield* workspaces.setIfAbsent(workspace, record, idle)) return record
            // Another replica gave this workspace a branch meanwhile: keep that one (ours stays unused).
            const theirs = yield* workspaces.get(workspace)
            if (Option.isSome(theirs)) {
              yield* Effect.logInfo(`session_branch_unused branch=${record.branch} kept=${theirs.value.branch}`)
              return theirs.value
            }
            yield* workspaces.set(workspace, record, idle)
            return record
          })
        )
      })

      /**
       * After Infrahub applied a write: whether this result is the first to say the branch was created
       * for the session (once, atomically), and the branch's claim renewed. Best effort: a store
       * failure now must not report an applied write as failed (the model would repeat it).
       */
      const afterWrite = (workspace: string, record: WorkspaceBranch) =>
        Effect.gen(function* () {
          yield* claims.touch(record.branch, claimLifetime)
          if (record.creationReported) return false
          return yield* workspaces.compareAndSet(workspace, Option.some(record), Option.some({ ...record, creationReported: true }), idle)
        }).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning(`session_branch_bookkeeping_failed branch=${record.branch}: ${error.message}`), !record.creationReported)
          )
        )

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
      const clearIf = (workspace: string, branch: string) =>
        Effect.gen(function* () {
          const current = yield* workspaces.get(workspace)
          if (Option.isSome(current) && current.value.branch === branch) {
            yield* workspaces.compareAndSet(workspace, current, Option.none(), idle)
          }
        })

      /** Sends the write to `branch`; an answer that never came becomes {@link WriteOutcomeUnknown}. */
      const sendTo = <A, E, R>(
        branch: string,
        run: (branch: string) => Effect.Effect<A, E, R>
      ): Effect.Effect<A, E | WriteOutcomeUnknown, R> =>
        recordWriteBranch(branch).pipe(
          Effect.zipRight(run(branch)),
          Effect.catchAll((error): Effect.Effect<never, E | WriteOutcomeUnknown> =>
            Option.match(uncertainty(error), {
              onNone: () => Effect.fail(error),
              onSome: (detail) => Effect.fail(new WriteOutcomeUnknown({ branch, detail }))
            })
          )
        )

      const write = Effect.fn("SessionBranches.write")(function* <A, E, R>(run: (branch: string) => Effect.Effect<A, E, R>) {
        const workspace = yield* currentWorkspace
        const first = yield* ensure(workspace)
        const attempt = yield* Effect.either(sendTo(first.branch, run))
        if (Either.isRight(attempt)) {
          const created = yield* afterWrite(workspace, first)
          return { value: attempt.right, branch: first.branch, created, recovered: Option.none<Recovery>() }
        }
        const error: unknown = attempt.left
        const suspicious =
          (error instanceof InfrahubGraphQLError && error.mentions(...STALE_HINTS)) ||
          Predicate.isTagged(error, "BranchNotFound")
        if (!suspicious) return yield* Effect.fail(attempt.left)
        // Only now pay for a status check: Infrahub's answer already told us something is off.
        const reason = yield* staleness(first.branch)
        if (Option.isNone(reason)) return yield* Effect.fail(attempt.left) // e.g. a read-only *attribute*
        yield* clearIf(workspace, first.branch)
        if (error instanceof InfrahubGraphQLError && !nothingApplied(error)) {
          return yield* new SessionBranchLost({ branch: first.branch, reason: reason.value })
        }
        const next = yield* ensure(workspace)
        const context = yield* RequestContext
        yield* context.notify(
          "warning",
          `Session branch '${first.branch}' ${reason.value}; this write moved to the new session branch '${next.branch}'.`
        )
        yield* Effect.logInfo(`session_branch_recovered from=${first.branch} to=${next.branch} reason="${reason.value}"`)
        const value = yield* sendTo(next.branch, run)
        const created = yield* afterWrite(workspace, next)
        return { value, branch: next.branch, created, recovered: Option.some({ from: first.branch, reason: reason.value }) }
      })

      const refuse = (branch: string, reason: string, advice: string) => new BranchSwitchRefused({ branch, reason, advice })

      /** Whether `workspace` is live and has `branch` as its session branch. */
      const holds = (workspace: string, branch: string) =>
        Effect.map(workspaces.get(workspace), (record) => Option.isSome(record) && record.value.branch === branch)

      /**
       * Takes an existing branch for this principal: refused when another principal created it through
       * this server, or when it was made elsewhere and another principal's live session holds it.
       * Atomic against concurrent takers (set-if-absent / compare-and-set, re-read on a lost race).
       */
      const claimExisting = (name: string, principal: string, workspace: string) =>
        Effect.gen(function* () {
          for (let attempt = 0; attempt < 3; attempt++) {
            const claim = yield* claims.get(name)
            if (Option.isNone(claim)) {
              if (yield* claims.setIfAbsent(name, { creator: null, holder: principal, workspace }, claimLifetime)) return
              continue
            }
            const { creator, holder } = claim.value
            if (creator !== null && creator !== principal) {
              return yield* refuse(
                name,
                "another user created it as their session branch, and only they may write to it",
                "Omit `branch` to start a fresh session branch of your own; to build on their work, ask them to propose it (propose_changes) and review it in Infrahub."
              )
            }
            if (creator === null && holder !== principal && (yield* holds(claim.value.workspace, name))) {
              return yield* refuse(
                name,
                "it is another user's session branch right now",
                "Omit `branch` to start a fresh session branch of your own, or try again once their session has ended."
              )
            }
            const next: BranchClaim = { creator, holder: principal, workspace }
            if (yield* claims.compareAndSet(name, claim, Option.some(next), claimLifetime)) return
          }
          return yield* refuse(name, "other sessions are taking it at the same moment", "Call reset_session_branch again in a moment.")
        })

      const switchTo = Effect.fn("SessionBranches.switchTo")(function* (name: string) {
        const workspace = yield* currentWorkspace
        const principal = yield* Principal
        const valid = validateBranchName(name)
        if (Either.isLeft(valid)) {
          return yield* refuse(name, valid.left, "Use a valid Infrahub branch name, or omit `branch` to start a fresh session branch.")
        }
        const defaultBranch = yield* branches.defaultBranch
        const protectedAdvice = "Writes never go to the default branch: omit `branch` for a fresh session branch, then use propose_changes to reach the default branch through review."
        if (name === defaultBranch) return yield* refuse(name, "it is the default branch", protectedAdvice)
        const ownUser = { name: principal.user }
        if (options.pattern.placeholders.has("user") && conforms(options.pattern, name) && !conforms(options.pattern, name, ownUser)) {
          return yield* refuse(
            name,
            `it is named for another user: INFRAHUB_MCP_BRANCH_PATTERN ('${options.pattern.source}') puts the user in the name, and yours is '${userSegment(options.pattern, principal.user)}'`,
            "Omit `branch` for a fresh session branch of your own, or name one with your own user."
          )
        }
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
          yield* claimExisting(name, principal.id, workspace)
        } else {
          if (!conforms(options.pattern, name, ownUser)) {
            return yield* refuse(
              name,
              `it does not exist, and only names matching INFRAHUB_MCP_BRANCH_PATTERN ('${options.pattern.source}') are created`,
              "Omit `branch` to get a fresh session branch, or name an existing branch (see infrahub://branches)."
            )
          }
          yield* createBranch(name, principal.user ?? "anonymous").pipe(
            Effect.catchTag("InfrahubGraphQLError", (error) =>
              Effect.fail(new BranchCreationFailed({ branch: name, detail: error.errors.map((e) => e.message).join(" | ") }))
            )
          )
          yield* claims.set(name, { creator: principal.id, holder: principal.id, workspace }, claimLifetime)
          created = true
        }
        const previous = yield* withLock(workspace)(
          Effect.gen(function* () {
            const before = yield* workspaces.get(workspace)
            yield* workspaces.set(workspace, { branch: name, creationReported: true }, idle)
            return Option.map(before, (record) => record.branch)
          })
        )
        return { branch: name, previous, created }
      })

      return SessionBranches.of({
        current: Effect.flatMap(currentWorkspace, (workspace) => workspaces.get(workspace)).pipe(
          Effect.map(Option.map((record) => record.branch)),
          spanIf(recordSpans, "SessionBranches.current")
        ),
        write,
        reset: Effect.flatMap(currentWorkspace, (workspace) => workspaces.take(workspace)).pipe(
          Effect.map(Option.map((record) => record.branch)),
          spanIf(recordSpans, "SessionBranches.reset")
        ),
        switchTo,
        forget: (workspace) =>
          Effect.suspend(() => {
            const id = workspaceId(workspace)
            renewedAt.delete(id)
            return workspaces.delete(id)
          }).pipe(Effect.catchAll((error) => Effect.logWarning(`session_branch_forget_failed: ${error.message}`))),
        // Renewing is best effort: a store hiccup must not fail the read that triggered it (the
        // next request tries again).
        touch: Effect.flatMap(currentWorkspace, (workspace) =>
          Effect.clockWith((clock) =>
            renewDue(workspace, clock.unsafeCurrentTimeMillis())
              ? workspaces.touch(workspace, idle).pipe(
                  Effect.asVoid,
                  Effect.catchAll((error) =>
                    Effect.zipRight(
                      Effect.sync(() => renewedAt.delete(workspace)),
                      Effect.logWarning(`session_branch_touch_failed: ${error.message}`)
                    )
                  )
                )
              : Effect.void
          )
        )
      })
    })

  static readonly layer = (
    options: SessionBranchesOptions
  ): Layer.Layer<SessionBranches, never, InfrahubClient | Branches | StateStore | Fingerprints> =>
    Layer.effect(SessionBranches, SessionBranches.make(options))
}
