import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { findPrompt, prompts, resolveArguments, type PromptContext, type PromptSpec } from "../../src/mcp/prompts.js"

const writer: PromptContext = { readOnly: false, writeAllowed: true, defaultBranch: "trunk", sessionBranch: undefined }
const writerWithBranch: PromptContext = { ...writer, sessionBranch: "mcp/session-20260101-deadbeef" }
const readOnlyServer: PromptContext = { ...writer, readOnly: true }
const noWriteScope: PromptContext = { ...writer, writeAllowed: false }
const contexts = { writer, writerWithBranch, readOnlyServer, noWriteScope }

const spec = (name: string): PromptSpec => Either.getOrThrow(findPrompt(name))

/** Renders as the MCP bridge will: arguments checked and normalised first. */
const render = (name: string, args: Record<string, string | undefined>, context: PromptContext): string => {
  const p = spec(name)
  return p.render(Either.getOrThrow(resolveArguments(p, args)), context)
}

const WRITE_TOOLS = ["node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]

const sampleArgs: Record<string, Record<string, string>> = {
  infrahub_agent: {},
  answer_infra_question: { question: "How many sites are there?", kind_hint: "LocationSite", fields: "name", branch: "dev" },
  make_infra_change: { description: "Add site atl1", kind: "LocationSite", branch: "feature-x" },
  explore_schema: { kind: "LocationSite" }
}

describe("prompt catalogue", () => {
  it("has the Python server's prompts, arguments and required flags", () => {
    expect(prompts.map((p) => [p.name, p.arguments.map((a) => [a.name, a.required])])).toEqual([
      ["infrahub_agent", []],
      [
        "answer_infra_question",
        [
          ["question", true],
          ["kind_hint", false],
          ["fields", false],
          ["branch", false]
        ]
      ],
      [
        "make_infra_change",
        [
          ["description", true],
          ["kind", false],
          ["branch", false]
        ]
      ],
      ["explore_schema", [["kind", false]]]
    ])
    for (const p of prompts) {
      expect(p.title.length).toBeGreaterThan(0)
      expect(p.description.length).toBeGreaterThan(0)
      for (const a of p.arguments) expect(a.description.length).toBeGreaterThan(0)
    }
  })

  it("never hard-codes main: the default branch comes from the context", () => {
    for (const p of prompts) {
      for (const [label, context] of Object.entries(contexts)) {
        for (const args of [{}, sampleArgs[p.name]]) {
          const required = Object.fromEntries(p.arguments.filter((a) => a.required).map((a) => [a.name, "x"]))
          const text = render(p.name, { ...required, ...args }, context)
          expect(text, `${p.name} / ${label}`).not.toMatch(/\bmain\b/)
        }
      }
    }
    expect(render("infrahub_agent", {}, writer)).toContain("into `trunk`")
    expect(render("make_infra_change", { description: "x" }, writer)).toContain("opens a proposed change into `trunk`")
  })

  it("finds prompts by name and lists the valid names otherwise", () => {
    expect(spec("explore_schema").name).toBe("explore_schema")
    expect(findPrompt("infrahub")).toEqual(
      Either.left(
        'There is no prompt "infrahub"; the prompts are: infrahub_agent, answer_infra_question, make_infra_change, explore_schema.'
      )
    )
  })
})

describe("resolveArguments", () => {
  it("refuses a missing or blank required argument, saying which and what it is", () => {
    const p = spec("answer_infra_question")
    const expected = Either.left(
      'Prompt "answer_infra_question" needs the argument "question" (The infrastructure question to answer.); pass it and retry.'
    )
    expect(resolveArguments(p, {})).toEqual(expected)
    expect(resolveArguments(p, undefined)).toEqual(expected)
    expect(resolveArguments(p, { question: "   " })).toEqual(expected)
  })

  it("refuses unknown arguments and lists the accepted ones", () => {
    expect(resolveArguments(spec("explore_schema"), { kind: "X", knd: "Y" })).toEqual(
      Either.left('Prompt "explore_schema" has no argument "knd"; its arguments are: kind.')
    )
    expect(resolveArguments(spec("infrahub_agent"), { mode: "x" })).toEqual(
      Either.left('Prompt "infrahub_agent" has no argument "mode"; it takes no arguments.')
    )
  })

  it("trims values and drops empty optional ones", () => {
    expect(resolveArguments(spec("answer_infra_question"), { question: "  Why?  ", kind_hint: "", branch: undefined })).toEqual(
      Either.right({ question: "Why?" })
    )
  })

  it("does not treat inherited object keys as arguments", () => {
    expect(Either.isLeft(resolveArguments(spec("answer_infra_question"), { toString: "x" }))).toBe(true)
  })
})

describe("infrahub_agent", () => {
  it("teaches discovery, reads and TOON", () => {
    const text = render("infrahub_agent", {}, writer)
    for (const word of ["infrahub://schema", "infrahub://graphql-schema", "infrahub://branches", "get_schema", "get_nodes", "search_nodes", "query_graphql", "TOON"]) {
      expect(text).toContain(word)
    }
    expect(text).toContain("Cite the kind, the filters and the branch")
  })

  it("with write access, teaches the session-branch workflow and human review", () => {
    const text = render("infrahub_agent", {}, writer)
    for (const tool of [...WRITE_TOOLS, "get_session_info"]) expect(text).toContain(tool)
    expect(text).toContain("session branch")
    expect(text).toContain("A human reviews and merges it; you cannot merge.")
    expect(text).toMatch(/`mutate_graphql[^\n]*relationships/)
    expect(text).toContain("You have none yet.")
    expect(render("infrahub_agent", {}, writerWithBranch)).toContain("Yours is `mcp/session-20260101-deadbeef`.")
  })

  it.each([
    ["read-only mode", readOnlyServer, "this server runs in read-only mode"],
    ["no write access", noWriteScope, "your account does not have write access"]
  ])("in %s, says writes are unavailable and leaves the write workflow out", (_label, context, reason) => {
    const text = render("infrahub_agent", {}, context)
    expect(text).toContain(`Writes are unavailable because ${reason}`)
    for (const tool of WRITE_TOOLS) expect(text).not.toContain(tool)
    expect(text).not.toContain("session branch")
    expect(text).toContain("get_nodes")
  })
})

describe("answer_infra_question", () => {
  it("quotes the question and walks discovery when no kind is given", () => {
    const text = render("answer_infra_question", { question: "How many sites exist?" }, writer)
    expect(text).toContain("> How many sites exist?")
    expect(text).toContain("read `infrahub://schema` (or call `get_schema()`)")
    for (const word of ["get_nodes", "search_nodes", "query_graphql", "TOON"]) expect(text).toContain(word)
    expect(text).toContain("the default, `trunk`")
  })

  it("uses the kind hint, fields and branch", () => {
    const text = render(
      "answer_infra_question",
      { question: "Which IPs are assigned?", kind_hint: "IpamIPAddress", fields: "address,description", branch: "dev" },
      writer
    )
    expect(text).toContain("use `IpamIPAddress` (given); skip catalog discovery")
    expect(text).toContain("infrahub://schema/IpamIPAddress")
    expect(text).toContain('get_nodes(kind="IpamIPAddress", filters={…}, branch="dev", include_attributes=true)')
    expect(text).toContain('search_nodes(query=…, kind="IpamIPAddress", branch="dev")')
    expect(text).toContain('query_graphql(query=…, branch="dev")')
    expect(text).toContain("Include these fields: address,description.")
    expect(text).toContain("on branch `dev`")
    expect(text).not.toContain("read `infrahub://schema` (or call")
  })

  it("keeps a multi-line question inside the quote", () => {
    const text = render("answer_infra_question", { question: "Line one\nLine two" }, writer)
    expect(text).toContain("> Line one\n> Line two")
  })

  it("points at unmerged work on the session branch", () => {
    expect(render("answer_infra_question", { question: "q" }, writerWithBranch)).toContain(
      'read with branch="mcp/session-20260101-deadbeef"'
    )
    expect(render("answer_infra_question", { question: "q" }, writer)).not.toContain("session branch")
  })

  it("quotes odd values safely in the example calls", () => {
    const text = render("answer_infra_question", { question: "q", branch: 'we"ird' }, writer)
    expect(text).toContain('branch="we\\"ird"')
  })
})

describe("make_infra_change", () => {
  it("walks schema → apply → verify → propose, with mutate_graphql for relationships", () => {
    const text = render("make_infra_change", { description: "Add a new site called lax1" }, writer)
    expect(text).toContain("> Add a new site called lax1")
    expect(text).toContain("infrahub://schema")
    expect(text).toContain("node_upsert")
    expect(text).toContain("node_delete")
    expect(text).toMatch(/relationships[^\n]*`mutate_graphql/)
    // The Python prompt sent relationship mutations to query_graphql, which refuses them.
    expect(text).not.toContain("query_graphql")
    expect(text).toContain("get_session_info")
    expect(text).toContain("propose_changes")
    expect(text).toContain("A human reviews and merges it")
    expect(text).toContain("only after the user confirms")
    expect(text).toContain("reset_session_branch()")
    expect(text).toContain("Your first write creates your session branch")
  })

  it("uses the kind", () => {
    const text = render("make_infra_change", { description: "Update site status", kind: "LocationSite" }, writer)
    expect(text).toContain("to kind `LocationSite`")
    expect(text).toContain("infrahub://schema/LocationSite")
    expect(text).toContain('node_upsert(kind="LocationSite"')
  })

  it("switches to a requested branch with reset_session_branch", () => {
    const text = render("make_infra_change", { description: "Remove old device", branch: "cleanup-branch" }, writer)
    expect(text).toContain('First call `reset_session_branch(branch="cleanup-branch")`')
  })

  it("refuses to target the default branch and keeps the session branch", () => {
    const text = render("make_infra_change", { description: "x", branch: "trunk" }, writerWithBranch)
    expect(text).toContain("`trunk` is the default branch, which is never written directly")
    expect(text).not.toContain('reset_session_branch(branch="trunk")')
  })

  it("names the current session branch", () => {
    expect(render("make_infra_change", { description: "x" }, writerWithBranch)).toContain(
      "Your writes land on your session branch `mcp/session-20260101-deadbeef`."
    )
  })

  it.each([
    ["read-only mode", readOnlyServer, "this server runs in read-only mode"],
    ["no write access", noWriteScope, "your account does not have write access"]
  ])("in %s, prepares a plan instead of writing", (_label, context, reason) => {
    const text = render("make_infra_change", { description: "Add site atl1", kind: "LocationSite", branch: "dev" }, context)
    expect(text).toContain("> Add site atl1")
    expect(text).toContain(`Writes are unavailable because ${reason}, so do not try to apply it.`)
    expect(text).toContain("infrahub://schema/LocationSite")
    expect(text).toContain('(branch="dev")')
    for (const tool of WRITE_TOOLS) expect(text).not.toContain(tool)
  })
})

describe("explore_schema", () => {
  it("browses the catalog without a kind", () => {
    const text = render("explore_schema", {}, writer)
    expect(text).toContain("catalog")
    expect(text).toContain("`infrahub://schema`")
    expect(text).toContain("get_schema()")
  })

  it("details one kind", () => {
    const text = render("explore_schema", { kind: "InfraDevice" }, readOnlyServer)
    expect(text).toContain("`InfraDevice`")
    expect(text).toContain("infrahub://schema/InfraDevice")
    expect(text).toContain('get_schema(kind="InfraDevice")')
    for (const word of ["Attributes", "Relationships", "Filters", "TOON"]) expect(text).toContain(word)
  })
})

describe("size", () => {
  it("keeps every prompt tight", () => {
    for (const p of prompts) {
      for (const context of Object.values(contexts)) {
        const text = render(p.name, sampleArgs[p.name] ?? {}, context)
        // ~4 characters per token: the agent prompt stays under ~700 tokens, the others far less.
        expect(text.length, p.name).toBeLessThan(p.name === "infrahub_agent" ? 2_800 : 2_000)
      }
    }
  })
})
