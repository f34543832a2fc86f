import * as Schema from "effect/Schema"

/** The pattern has no `{date}`/`{hex}`, and the one name it yields already exists in Infrahub. */
export class FixedBranchExists extends Schema.TaggedError<FixedBranchExists>()("FixedBranchExists", {
  branch: Schema.String,
  pattern: Schema.String
}) {
  override get message(): string {
    return `Cannot create the session branch '${this.branch}': it already exists, and INFRAHUB_MCP_BRANCH_PATTERN='${this.pattern}' always yields that same name.`
  }
  get remediation(): string {
    return "Ask the operator to add {hex} (or {date}) to INFRAHUB_MCP_BRANCH_PATTERN, or switch to an existing branch with reset_session_branch(branch)."
  }
}

/** Every expansion tried collided with an existing branch. */
export class BranchNameExhausted extends Schema.TaggedError<BranchNameExhausted>()("BranchNameExhausted", {
  attempts: Schema.Number,
  lastTried: Schema.String
}) {
  override get message(): string {
    return `Could not create a session branch: ${this.attempts} generated names (last '${this.lastTried}') all exist already.`
  }
  get remediation(): string {
    return "Retry; if it persists, the operator should add {hex} to INFRAHUB_MCP_BRANCH_PATTERN or raise INFRAHUB_MCP_MAX_BRANCH_RETRIES."
  }
}

/** Infrahub refused to create the session branch for another reason. */
export class BranchCreationFailed extends Schema.TaggedError<BranchCreationFailed>()("BranchCreationFailed", {
  branch: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Infrahub refused to create the session branch '${this.branch}': ${this.detail}`
  }
  get remediation(): string {
    return "Retry; if it persists, the Infrahub branch API may be unavailable or the account may lack the permission to create branches."
  }
}

/**
 * The session branch was merged or deleted while a write ran, after part of the write had been
 * applied to it. Replaying could apply that part twice, so the write is not replayed.
 */
export class SessionBranchLost extends Schema.TaggedError<SessionBranchLost>()("SessionBranchLost", {
  branch: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Your session branch '${this.branch}' ${this.reason} while this write ran; part of the write may have been applied to it before it closed. The write was not replayed.`
  }
  get remediation(): string {
    return "Retry the write: it will land on a fresh session branch. Check with get_nodes which parts reached the old branch if that matters."
  }
}

export class NoSessionBranch extends Schema.TaggedError<NoSessionBranch>()("NoSessionBranch", {}) {
  override get message(): string {
    return "This session has no branch yet: nothing has been written, so there is nothing to propose."
  }
  get remediation(): string {
    return "Make the changes first (node_upsert, node_delete or mutate_graphql create the session branch on the first write), then call propose_changes."
  }
}

/** `reset_session_branch(branch)` refused the target. */
export class BranchSwitchRefused extends Schema.TaggedError<BranchSwitchRefused>()("BranchSwitchRefused", {
  branch: Schema.String,
  reason: Schema.String,
  advice: Schema.String
}) {
  override get message(): string {
    return `Cannot use '${this.branch}' as the session branch: ${this.reason}.`
  }
  get remediation(): string {
    return this.advice
  }
}

/**
 * A write was sent but its answer never came (timeout, connection dropped): Infrahub may have
 * applied it. Reported as neither success nor failure, so nobody replays a write that landed.
 */
export class WriteOutcomeUnknown extends Schema.TaggedError<WriteOutcomeUnknown>()("WriteOutcomeUnknown", {
  branch: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `The write to your session branch '${this.branch}' may or may not have been applied: ${this.detail} after the request was sent, so its outcome is unknown.`
  }
  get remediation(): string {
    return `Do not retry blindly. First check whether the change is there: get_nodes (or query_graphql) with branch="${this.branch}". Retry only what is missing; if Infrahub is slow, narrow the write (fewer objects per mutation).`
  }
}
