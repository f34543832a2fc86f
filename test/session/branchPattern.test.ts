import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import {
  DEFAULT_BRANCH_PATTERN,
  conforms,
  expand,
  isFixed,
  parsePattern,
  randomHex,
  sanitiseUser,
  userSegment,
  validateBranchName,
  type BranchPattern
} from "../../src/session/branchPattern.js"

const pattern = (source: string): BranchPattern => Either.getOrThrow(parsePattern(source))

const problemOf = (source: string): string => {
  const result = parsePattern(source)
  if (Either.isRight(result)) throw new Error(`expected "${source}" to be refused`)
  return result.left
}

const JAN_5 = new Date(Date.UTC(2026, 0, 5, 12, 0, 0))

describe("sanitiseUser", () => {
  // The Python server's 15 cases (tests/unit/test_auth.py), which our output must match.
  it.each([
    ["alice@example.com", "alice-example.com"],
    ["alice", "alice"],
    ["Alice B. Carol!", "Alice-B.-Carol"],
    ["", "anonymous"],
    ["@@@", "anonymous"],
    ["org/team/alice", "org/team/alice"],
    ["a@@b", "a-b"],
    ["a..b", "a.b"],
    ["../alice", "alice"],
    ["team//alice", "team/alice"],
    ["team/.alice", "team/alice"],
    ["alice.lock", "alice"],
    [".alice", "alice"],
    ["alice/", "alice"],
    ["../team//alice.lock", "team/alice"]
  ])("%j → %j", (raw, expected) => {
    expect(sanitiseUser(raw)).toBe(expected)
  })

  it.each([
    // One pass of the Python rules would leave "a.lock" / "b.lock", which Infrahub refuses.
    ["a.lock-", "a"],
    ["b.lock/", "b"],
    ["x.lock.lock", "x"],
    ["José Müller", "Jos-M-ller"],
    ["😀alice", "alice"],
    ["a/./b", "a/b"],
    ["~^:?*[\\ @{}", "anonymous"]
  ])("repeats the rules until the result is stable: %j → %j", (raw, expected) => {
    expect(sanitiseUser(raw)).toBe(expected)
  })

  it("always yields an Infrahub-valid, stable segment", () => {
    const inputs = ["alice@example.com", "a.lock-", "team/.alice", "../x", "-", "a", "CN=Alice,OU=Ops", "x".repeat(200)]
    for (const raw of inputs) {
      const once = sanitiseUser(raw)
      expect(sanitiseUser(once)).toBe(once)
      expect(once).toMatch(/^[A-Za-z0-9_](?:[A-Za-z0-9._/-]*[A-Za-z0-9_])?$/)
      expect(Either.isRight(validateBranchName(`mcp/${once}`))).toBe(true)
    }
  })
})

describe("validateBranchName", () => {
  it.each(["main", "mcp/session-20260101-deadbeef", "feature/x.y_z", "abc", "ééé", "x".repeat(250), "-global-"])(
    "accepts %j",
    (name) => {
      expect(validateBranchName(name)).toEqual(Either.right(name))
    }
  )

  it.each([
    ["not valid", "Branch name contains invalid patterns or characters: disallowed ASCII characters/patterns"],
    ["a/.b", "Branch name contains invalid patterns or characters: /."],
    ["/a..b/", "Branch name contains invalid patterns or characters: .., starts with /, ends with /"],
    ["a//b", "Branch name contains invalid patterns or characters: //"],
    ["a@{b", "Branch name contains invalid patterns or characters: @{"],
    ["a\\b", "Branch name contains invalid patterns or characters: backslash (\\)"],
    ["a~b^c:d", "Branch name contains invalid patterns or characters: disallowed ASCII characters/patterns"],
    ["tab\there", "Branch name contains invalid patterns or characters: disallowed ASCII characters/patterns"],
    ["feature.lock", "Branch name contains invalid patterns or characters: ends with .lock"],
    ["feature.", "Branch name contains invalid patterns or characters: ends with ."],
    ["b", "invalid field name: String should have at least 3 characters"],
    ["x".repeat(251), "invalid field name: String should have at most 250 characters"]
  ])("refuses %j with Infrahub's text", (name, problem) => {
    expect(validateBranchName(name)).toEqual(Either.left(problem))
  })

  it("counts characters as Infrahub (Python) does, by code point", () => {
    expect(Either.isRight(validateBranchName("😀😀😀"))).toBe(true)
    expect(Either.isLeft(validateBranchName("😀😀"))).toBe(true)
  })
})

describe("parsePattern", () => {
  it("accepts the default pattern and records its placeholders", () => {
    const p = pattern(DEFAULT_BRANCH_PATTERN)
    expect(p.source).toBe("mcp/session-{date}-{hex}")
    expect([...p.placeholders].sort()).toEqual(["date", "hex"])
  })

  it("accepts a fixed name and a {user} pattern", () => {
    expect(pattern("staging").placeholders.size).toBe(0)
    expect([...pattern("mcp/{user}/{hex}").placeholders].sort()).toEqual(["hex", "user"])
  })

  it("reads {{ and }} as literal braces, as Python's str.format does", () => {
    const p = pattern("mcp/{{team}}-{hex}")
    expect(p.placeholders).toEqual(new Set(["hex"]))
    expect(expand(p, { now: JAN_5, hex: "0a1b2c3d", user: undefined })).toBe("mcp/{team}-0a1b2c3d")
  })

  it.each([
    ["mcp/{branch}", "unknown placeholder {branch}"],
    ["mcp/{}", "unknown placeholder {}"],
    ["mcp/{Date}", "unknown placeholder {Date}"],
    ["mcp/{date:%Y}", "format spec in {date:%Y}"],
    ["mcp/{hex:>8}", "format spec in {hex:>8}"],
    ["mcp/{user!r}", "conversion in {user!r}"],
    ["mcp/{user!s:x}", "conversion in {user!s:x}"],
    ["mcp/{hex", 'unmatched "{" at position 5'],
    ["mcp/{a{hex}}", 'unmatched "{" at position 5'],
    ["mcp/hex}", 'unmatched "}" at position 8']
  ])("refuses %j", (source, problem) => {
    const message = problemOf(source)
    expect(message).toContain(problem)
    // Every refusal says what to write instead.
    expect(message).toMatch(/use only \{date\}, \{hex\} and \{user\}|write "\{\{"|write "\}\}"/)
  })

  it("refuses an empty pattern", () => {
    expect(problemOf("")).toBe('The branch pattern is empty; set it to a name template such as "mcp/session-{date}-{hex}".')
  })

  it.each([
    ["mcp/{hex}/", "ends with /"],
    ["mcp/../{hex}", ".."],
    ["/mcp/{hex}", "starts with /"],
    ["mcp session {hex}", "disallowed ASCII characters/patterns"],
    ["mcp/{hex}.lock", "ends with .lock"],
    ["mcp/.{date}", "/."],
    ["{user}", "at least 3 characters"],
    [`${"x".repeat(242)}-{hex}`, "at most 250 characters"]
  ])("refuses %j, whose expansions Infrahub would refuse", (source, problem) => {
    const message = problemOf(source)
    expect(message).toContain(problem)
    expect(message).toContain("change the pattern")
  })

  it("shows an example expansion in the refusal", () => {
    expect(problemOf("mcp/{user}/")).toBe(
      'The branch pattern "mcp/{user}/" expands to names Infrahub refuses, e.g. "mcp/anonymous/" (Branch name contains invalid patterns or characters: ends with /); change the pattern, for example to "mcp/session-{date}-{hex}".'
    )
    expect(problemOf("{user}")).toContain('e.g. "a" for the user "a"')
  })
})

describe("expand", () => {
  it("fills {date} with the UTC date, {hex} and {user}", () => {
    const p = pattern("mcp/{user}/{date}-{hex}")
    expect(expand(p, { now: JAN_5, hex: "deadbeef", user: "Alice@Example.com" })).toBe("mcp/Alice-Example.com/20260105-deadbeef")
  })

  it("uses the UTC day, not the local one", () => {
    const p = pattern("d-{date}")
    expect(expand(p, { now: new Date("2026-01-05T23:30:00-05:00"), hex: "00000000", user: undefined })).toBe("d-20260106")
    expect(expand(p, { now: new Date("2026-12-31T23:59:59.999Z"), hex: "00000000", user: undefined })).toBe("d-20261231")
  })

  it("uses anonymous without a user", () => {
    expect(expand(pattern("mcp/{user}-{hex}"), { now: JAN_5, hex: "0a1b2c3d", user: undefined })).toBe("mcp/anonymous-0a1b2c3d")
  })

  it("sanitises the user", () => {
    expect(expand(pattern("mcp/{user}-{hex}"), { now: JAN_5, hex: "0a1b2c3d", user: "../team//alice.lock" })).toBe(
      "mcp/team/alice-0a1b2c3d"
    )
  })

  it("returns a fixed name unchanged", () => {
    expect(expand(pattern("staging"), { now: JAN_5, hex: "0a1b2c3d", user: "bob" })).toBe("staging")
  })

  it("shortens a very long user so the name stays valid", () => {
    const p = pattern("mcp/{user}-{date}-{hex}")
    const name = expand(p, { now: JAN_5, hex: "0a1b2c3d", user: `${"a".repeat(200)}.${"b".repeat(200)}` })
    expect(name.length).toBeLessThanOrEqual(250)
    expect(name.endsWith("-20260105-0a1b2c3d")).toBe(true)
    expect(Either.isRight(validateBranchName(name))).toBe(true)
    expect(conforms(p, name)).toBe(true)
  })

  it("shortens without leaving an invalid ending behind", () => {
    // 235 characters of budget for {user}: the cut lands right after a "." that must not survive.
    const p = pattern(`${"p".repeat(10)}/{user}`)
    const name = expand(p, { now: JAN_5, hex: "0a1b2c3d", user: `${"a".repeat(238)}.${"b".repeat(50)}` })
    expect(Either.isRight(validateBranchName(name))).toBe(true)
    expect(name).toBe(`${"p".repeat(10)}/${"a".repeat(238)}`)
  })
})

describe("isFixed", () => {
  it("is true without {date} and {hex}", () => {
    expect(isFixed(pattern("staging"))).toBe(true)
    expect(isFixed(pattern("mcp/{user}"))).toBe(true)
    expect(isFixed(pattern("mcp/{date}"))).toBe(false)
    expect(isFixed(pattern(DEFAULT_BRANCH_PATTERN))).toBe(false)
  })
})

describe("conforms", () => {
  const def = pattern(DEFAULT_BRANCH_PATTERN)
  const withUser = pattern("mcp/{user}/{date}-{hex}")

  it("accepts what the pattern generates", () => {
    expect(conforms(def, "mcp/session-20260101-deadbeef")).toBe(true)
    expect(conforms(withUser, "mcp/alice-example.com/20260101-0a1b2c3d")).toBe(true)
    expect(conforms(withUser, "mcp/anonymous/20260101-0a1b2c3d")).toBe(true)
  })

  it.each([
    ["mcp/session-2026011-deadbeef", "a 7-digit date"],
    ["mcp/session-20260101-DEADBEEF", "uppercase hex"],
    ["mcp/session-20260101-deadbee", "7 hex digits"],
    ["mcp/session-20260101-deadbeef0", "9 hex digits"],
    ["xmcp/session-20260101-deadbeef", "a different prefix"],
    ["mcp/session-20260101-deadbeef/", "a trailing slash"],
    ["totally-random-name", "an unrelated name"]
  ])("refuses %j (%s)", (name) => {
    expect(conforms(def, name)).toBe(false)
  })

  it.each([
    ["mcp/team/alice/20260101-0a1b2c3d", "a user with a slash"],
    ["mcp/-alice/20260101-0a1b2c3d", "a user starting with -"],
    ["mcp/a..b/20260101-0a1b2c3d", "a user with .."],
    ["mcp/a--b/20260101-0a1b2c3d", "a user the sanitiser would have collapsed"],
    ["mcp/alice.lock/20260101-0a1b2c3d", "a user ending in .lock"],
    ["mcp//20260101-0a1b2c3d", "an empty user"]
  ])("refuses %j (%s)", (name) => {
    expect(conforms(withUser, name)).toBe(false)
  })

  it("treats literal text literally", () => {
    const dotted = pattern("mcp.{hex}")
    expect(conforms(dotted, "mcp.0a1b2c3d")).toBe(true)
    expect(conforms(dotted, "mcpX0a1b2c3d")).toBe(false)
    const braces = pattern("x{{y}}-{hex}")
    expect(conforms(braces, "x{y}-0a1b2c3d")).toBe(true)
  })

  it("matches a fixed pattern exactly", () => {
    expect(conforms(pattern("staging"), "staging")).toBe(true)
    expect(conforms(pattern("staging"), "staging2")).toBe(false)
  })

  it.effect("holds for every expansion with a random hex", () =>
    Effect.gen(function* () {
      for (const user of ["alice@example.com", undefined, "Bob Smith", "x"]) {
        const hex = yield* randomHex
        expect(hex).toMatch(/^[0-9a-f]{8}$/)
        const name = expand(withUser, { now: new Date(), hex, user })
        expect(conforms(withUser, name)).toBe(true)
      }
    })
  )

  it("bound to a user, accepts only that user's {user}: nobody can name a branch for someone else", () => {
    const alice = { name: "alice@example.com" }
    expect(conforms(withUser, "mcp/alice-example.com/20260101-0a1b2c3d", alice)).toBe(true)
    expect(conforms(withUser, "mcp/bob/20260101-0a1b2c3d", alice)).toBe(false)
    expect(conforms(withUser, "mcp/alice-example.co/20260101-0a1b2c3d", alice)).toBe(false)
    // No user: the placeholder must read "anonymous".
    expect(conforms(withUser, "mcp/anonymous/20260101-0a1b2c3d", { name: undefined })).toBe(true)
    expect(conforms(withUser, "mcp/alice-example.com/20260101-0a1b2c3d", { name: undefined })).toBe(false)
    // A pattern without {user} is not affected.
    expect(conforms(def, "mcp/session-20260101-deadbeef", alice)).toBe(true)
  })

  it.effect("bound to a user, holds for every expansion for that user, shortened ones included", () =>
    Effect.gen(function* () {
      const long = pattern("mcp/{user}-{date}-{hex}")
      for (const user of ["alice@example.com", undefined, "Bob Smith", `${"a".repeat(200)}.${"b".repeat(200)}`]) {
        const name = expand(long, { now: new Date(), hex: yield* randomHex, user })
        expect(conforms(long, name, { name: user })).toBe(true)
        expect(name).toContain(`mcp/${userSegment(long, user)}-`)
        expect(conforms(long, name, { name: "someone-else" })).toBe(false)
      }
    })
  )
})
