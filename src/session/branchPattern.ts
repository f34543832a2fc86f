import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

/**
 * Session-branch naming: the `INFRAHUB_MCP_BRANCH_PATTERN` template (`{date}`, `{hex}`, `{user}`),
 * the `{user}` sanitiser, and Infrahub's own branch-name rules. Pure functions; the only effect is
 * `randomHex`.
 */

export type Placeholder = "date" | "hex" | "user"

export type PatternSegment =
  | { readonly _tag: "Literal"; readonly text: string }
  | { readonly _tag: "Placeholder"; readonly name: Placeholder }

export interface BranchPattern {
  readonly source: string
  readonly placeholders: ReadonlySet<Placeholder>
  /** The pattern split into literal text and placeholders (`{{`/`}}` already unescaped). */
  readonly segments: ReadonlyArray<PatternSegment>
}

/** The Python server's default, kept for drop-in compatibility. */
export const DEFAULT_BRANCH_PATTERN = "mcp/session-{date}-{hex}"

const PLACEHOLDERS: ReadonlyArray<Placeholder> = ["date", "hex", "user"]
const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as ReadonlyArray<string>).includes(name)

const MIN_LENGTH = 3
const MAX_LENGTH = 250
const SAMPLE = { date: "20260101", hex: "0a1b2c3d" } as const

/**
 * Reads a pattern the way Python's `str.format` does (so patterns written for the Python server keep
 * working, `{{`/`}}` included), but accepts only bare `{date}`, `{hex}` and `{user}`, and refuses a
 * pattern whose expansion Infrahub would not accept as a branch name. The error says what is wrong
 * and how to fix it.
 */
export const parsePattern = (source: string): Either.Either<BranchPattern, string> =>
  Either.flatMap(tokenize(source), (segments): Either.Either<BranchPattern, string> => {
    if (source.length === 0) {
      return Either.left(`The branch pattern is empty; set it to a name template such as "${DEFAULT_BRANCH_PATTERN}".`)
    }
    const placeholders = new Set<Placeholder>()
    for (const s of segments) if (s._tag === "Placeholder") placeholders.add(s.name)
    const pattern: BranchPattern = { source, placeholders, segments }
    // "a" is the shortest name sanitiseUser can produce, so it finds patterns that expand too short.
    for (const user of placeholders.has("user") ? ["anonymous", "a"] : ["anonymous"]) {
      const sample = render(segments, { ...SAMPLE, user })
      const problem = validateBranchName(sample)
      if (Either.isLeft(problem)) {
        return Either.left(
          `The branch pattern "${source}" expands to names Infrahub refuses, e.g. "${sample}"` +
            `${user === "a" ? ' for the user "a"' : ""} (${problem.left}); ` +
            `change the pattern, for example to "${DEFAULT_BRANCH_PATTERN}".`
        )
      }
    }
    return Either.right(pattern)
  })

/**
 * Builds a branch name: `{date}` is the UTC date as YYYYMMDD, `{hex}` the given 8 lowercase hex
 * digits, `{user}` the sanitised user or "anonymous". A very long user name is shortened so the
 * whole name stays within Infrahub's 250-character limit.
 */
export const expand = (
  pattern: BranchPattern,
  input: { readonly now: Date; readonly hex: string; readonly user: string | undefined }
): string => render(pattern.segments, { date: formatUtcDate(input.now), hex: input.hex, user: userSegment(pattern, input.user) })

/**
 * What `{user}` becomes for this user in this pattern: sanitised, "anonymous" without a user, and
 * shortened so the whole name fits Infrahub's limit (`{date}` and `{hex}` always have 8 characters).
 */
export const userSegment = (pattern: BranchPattern, rawUser: string | undefined): string => {
  let user = rawUser === undefined ? "anonymous" : sanitiseUser(rawUser)
  const userCount = pattern.segments.filter((s) => s._tag === "Placeholder" && s.name === "user").length
  if (userCount > 0) {
    const fixed = codePoints(render(pattern.segments, { ...SAMPLE, user: "" }))
    const budget = Math.floor((MAX_LENGTH - fixed) / userCount)
    if (codePoints(user) > budget) user = sanitiseUser([...user].slice(0, Math.max(1, budget)).join(""))
  }
  return user
}

/** No `{date}` or `{hex}`: every expansion (for one user) is the same name. */
export const isFixed = (pattern: BranchPattern): boolean =>
  !pattern.placeholders.has("date") && !pattern.placeholders.has("hex")

/**
 * Whether `name` looks like something this pattern generates: literal text exactly, `{date}` as 8
 * digits, `{hex}` as 8 lowercase hex digits, `{user}` as one sanitised path segment (no "/") — or,
 * when `user` is given, exactly that user's segment, so nobody can claim a name made for someone
 * else; and the name must be a valid Infrahub branch name.
 */
export const conforms = (pattern: BranchPattern, name: string, user?: { readonly name: string | undefined }): boolean => {
  if (Either.isLeft(validateBranchName(name))) return false
  const ownUser = user === undefined ? undefined : escapeRegExp(userSegment(pattern, user.name))
  const body = pattern.segments
    .map((s) => (s._tag === "Literal" ? escapeRegExp(s.text) : s.name === "user" && ownUser !== undefined ? ownUser : PLACEHOLDER_REGEX[s.name]))
    .join("")
  return new RegExp(`^${body}$`, "u").test(name)
}

/**
 * Makes an identity safe for a branch name, with the Python server's rules (git-ref style):
 * characters outside `[A-Za-z0-9._/-]` become "-", runs of "." / "/" / "-" collapse, "/." loses its
 * dot, a trailing ".lock" goes, and leading/trailing ".", "/", "-" are stripped; "anonymous" when
 * nothing is left. Unlike the Python one-pass version, the steps repeat until nothing changes, so
 * inputs such as "a.lock-" cannot leave an invalid ".lock" ending behind.
 */
export const sanitiseUser = (raw: string): string => {
  let current = raw.replace(/[^A-Za-z0-9._/-]/gu, "-")
  for (;;) {
    const next = current
      .replace(/\.{2,}/g, ".")
      .replace(/\/\./g, "/")
      .replace(/\/{2,}/g, "/")
      .replace(/\.lock$/, "")
      .replace(/-{2,}/g, "-")
      .replace(/^[-./]+|[-./]+$/g, "")
    if (next === current) break
    current = next
  }
  return current === "" ? "anonymous" : current
}

/**
 * Infrahub's branch-name check (`Branch.validate_branch_name` plus the 3–250 length constraint):
 * the name on success, or the exact problem text Infrahub would answer with.
 */
export const validateBranchName = (name: string): Either.Either<string, string> => {
  // Infrahub's internal global branch is the one name exempt from the rules.
  if (name === GLOBAL_BRANCH_NAME) return Either.right(name)
  const offending = NAME_CHECKS.filter(([re]) => re.test(name)).map(([, text]) => text)
  if (offending.length > 0) {
    return Either.left(`Branch name contains invalid patterns or characters: ${offending.join(", ")}`)
  }
  const length = codePoints(name)
  if (length < MIN_LENGTH) return Either.left(`invalid field name: String should have at least ${MIN_LENGTH} characters`)
  if (length > MAX_LENGTH) return Either.left(`invalid field name: String should have at most ${MAX_LENGTH} characters`)
  return Either.right(name)
}

/** 8 random lowercase hex digits for `{hex}`. Uniqueness matters here, not secrecy. */
export const randomHex: Effect.Effect<string> = Effect.sync(() => randomBytes(4).toString("hex"))

// --- internals --------------------------------------------------------------------------------

const GLOBAL_BRANCH_NAME = "-global-"

// Same checks, order and wording as Infrahub. Python's `$` also matches before a final newline,
// hence the `\n?`: the problem list then matches Infrahub's exactly.
const NAME_CHECKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/\./, "/."],
  [/\.\./, ".."],
  [/^\//, "starts with /"],
  [/\/\//, "//"],
  [/@\{/, "@{"],
  [/\\/, "backslash (\\)"],
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Infrahub refuses
  [/[\x00-\x1f\x7f ~^:?*[]/, "disallowed ASCII characters/patterns"],
  [/\.lock\n?$/, "ends with .lock"],
  [/\/\n?$/, "ends with /"],
  [/\.\n?$/, "ends with ."]
]

// A sanitised, slash-free user: word characters separated by single "." / "-" (or alternations of
// them), no ".lock" ending — exactly the shapes sanitiseUser produces for a name without "/".
const USER_SEGMENT = String.raw`[A-Za-z0-9_]+(?:(?:\.(?:-\.)*-?|-(?:\.-)*\.?)[A-Za-z0-9_]+)*(?<!\.lock)`

const PLACEHOLDER_REGEX: Readonly<Record<Placeholder, string>> = {
  date: "[0-9]{8}",
  hex: "[0-9a-f]{8}",
  user: USER_SEGMENT
}

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")

const codePoints = (text: string): number => [...text].length

const formatUtcDate = (now: Date): string =>
  `${now.getUTCFullYear().toString().padStart(4, "0")}${(now.getUTCMonth() + 1).toString().padStart(2, "0")}${now
    .getUTCDate()
    .toString()
    .padStart(2, "0")}`

const render = (segments: ReadonlyArray<PatternSegment>, values: Readonly<Record<Placeholder, string>>): string =>
  segments.map((s) => (s._tag === "Literal" ? s.text : values[s.name])).join("")

const BARE = `use only {date}, {hex} and {user}, written bare`

const tokenize = (source: string): Either.Either<ReadonlyArray<PatternSegment>, string> => {
  const segments: Array<PatternSegment> = []
  let literal = ""
  const flush = () => {
    if (literal !== "") segments.push({ _tag: "Literal", text: literal })
    literal = ""
  }
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i)
    if (ch === "{" && source[i + 1] === "{") {
      literal += "{"
      i++
    } else if (ch === "}" && source[i + 1] === "}") {
      literal += "}"
      i++
    } else if (ch === "}") {
      return Either.left(
        `The branch pattern "${source}" has an unmatched "}" at position ${i + 1}; write "}}" for a literal brace, or ${BARE}.`
      )
    } else if (ch === "{") {
      const close = source.indexOf("}", i + 1)
      const nested = source.indexOf("{", i + 1)
      if (close === -1 || (nested !== -1 && nested < close)) {
        return Either.left(
          `The branch pattern "${source}" has an unmatched "{" at position ${i + 1}; close the placeholder with "}", write "{{" for a literal brace, or ${BARE}.`
        )
      }
      const field = source.slice(i + 1, close)
      if (field.includes("!")) {
        return Either.left(
          `The branch pattern "${source}" uses a conversion in {${field}}; conversions like !r are not supported: ${BARE}.`
        )
      }
      if (field.includes(":")) {
        return Either.left(
          `The branch pattern "${source}" uses a format spec in {${field}}; format specs are not supported: ${BARE}.`
        )
      }
      if (!isPlaceholder(field)) {
        return Either.left(`The branch pattern "${source}" has an unknown placeholder {${field}}; ${BARE}.`)
      }
      flush()
      segments.push({ _tag: "Placeholder", name: field })
      i = close
    } else {
      literal += ch
    }
  }
  flush()
  return Either.right(segments)
}
