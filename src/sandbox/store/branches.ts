/** Branch records as Infrahub's `Branch` GraphQL type exposes them (`graphql/types/branch.py`). */

export const DEFAULT_BRANCH = "main"

export type BranchStatus = "OPEN" | "NEED_REBASE" | "NEED_UPGRADE_REBASE" | "DELETING" | "MERGED"

export const branchStatuses: ReadonlyArray<BranchStatus> = [
  "OPEN",
  "NEED_REBASE",
  "NEED_UPGRADE_REBASE",
  "DELETING",
  "MERGED"
]

export interface BranchRecord {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly origin_branch: string
  readonly branched_from: string
  readonly created_at: string
  readonly sync_with_git: boolean
  readonly is_default: boolean
  readonly is_isolated: boolean
  readonly has_schema_changes: boolean
  readonly status: BranchStatus
  readonly graph_version: number | null
}

/** The graph version the sandbox reports; Infrahub bumps it with every data migration. */
export const GRAPH_VERSION = 1

// Infrahub's `Branch.validate_branch_name` checks (git ref rules), in its order and wording.
const nameChecks: ReadonlyArray<readonly [RegExp, string]> = [
  [/.*\/\./, "/."],
  [/\.\./, ".."],
  [/^\//, "starts with /"],
  [/\/\//, "//"],
  [/@\{/, "@{"],
  [/\\/, "backslash (\\)"],
  // eslint-disable-next-line no-control-regex
  [/[\u0000-\u001f\u007f ~^:?*[]/, "disallowed ASCII characters/patterns"],
  [/\.lock$/, "ends with .lock"],
  [/\/$/, "ends with /"],
  [/\.$/, "ends with ."]
]

/**
 * Returns Infrahub's error text for an unacceptable branch name, or undefined when the name is valid.
 * The pattern check runs first (a pydantic "before" validator), then the 3..250 length constraint.
 */
export const branchNameProblem = (name: string): string | undefined => {
  const offending = nameChecks.filter(([pattern]) => pattern.test(name)).map(([, label]) => label)
  if (offending.length > 0) {
    return `Branch name contains invalid patterns or characters: ${offending.join(", ")}`
  }
  const length = [...name].length
  if (length < 3) return "invalid field name: String should have at least 3 characters"
  if (length > 250) return "invalid field name: String should have at most 250 characters"
  return undefined
}
