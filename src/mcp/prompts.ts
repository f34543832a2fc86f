import * as Either from "effect/Either"

/**
 * The four MCP prompts, as data, with the Python server's names and arguments. The text is ours and
 * corrects the Python prompts: mutations go through `mutate_graphql`, the proposed change targets the
 * resolved default branch (never a hard-coded one), and the write workflow (session branch,
 * reset_session_branch, propose_changes, human review) only appears when the caller can write.
 */

export interface PromptContext {
  readonly readOnly: boolean
  /** The caller holds write access (e.g. the OIDC write scope); false hides the write workflow too. */
  readonly writeAllowed: boolean
  readonly defaultBranch: string
  readonly sessionBranch: string | undefined
}

export interface PromptArgument {
  readonly name: string
  readonly description: string
  readonly required: boolean
}

export interface PromptSpec {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly arguments: ReadonlyArray<PromptArgument>
  /** Expects arguments checked by `resolveArguments`: known names only, trimmed, empty ones absent. */
  readonly render: (args: Readonly<Record<string, string | undefined>>, context: PromptContext) => string
}

type Args = Readonly<Record<string, string | undefined>>

const canWrite = (ctx: PromptContext): boolean => !ctx.readOnly && ctx.writeAllowed

const whyNoWrites = (ctx: PromptContext): string =>
  ctx.readOnly ? "this server runs in read-only mode" : "your account does not have write access"

/** The user's text as a Markdown quote, every line of it, so it stays visibly the user's words. */
const quote = (text: string): string =>
  text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n")

/** A value as it appears in a tool call: JSON-quoted, so odd characters cannot break the example. */
const lit = (value: string): string => JSON.stringify(value)

const TOON =
  "Tables (schema detail, `get_nodes` with `include_attributes=true`) come as TOON: a header such as " +
  "`nodes[2]{name,status}:` gives the row count and column names once, then each indented line is one row " +
  "of comma-separated values. Read it as a table."

const infrahubAgent: PromptSpec = {
  name: "infrahub_agent",
  title: "Infrahub agent",
  description:
    "System prompt for working with Infrahub through this server: discovery first, reads, TOON, and, when the caller may write, the branch-isolated write workflow.",
  arguments: [],
  render: (_args, ctx) => {
    const main = ctx.defaultBranch
    const intro = canWrite(ctx)
      ? `You work with Infrahub, the infrastructure source of truth, through this MCP server. You can read, and change data on your own session branch; \`${main}\` is the default branch.`
      : `You work with Infrahub, the infrastructure source of truth, through this MCP server, read-only; \`${main}\` is the default branch.`
    const discovery = [
      "## Discover before you query",
      "Never guess kind names, attribute names or filter keys.",
      "- `infrahub://schema` (or `get_schema()`): every kind with its label.",
      "- `infrahub://schema/{kind}` (or `get_schema(kind=…)`): attributes, relationships and the filter keys `get_nodes` accepts.",
      "- `infrahub://graphql-schema/{type}`: the GraphQL SDL of one type or query/mutation field (e.g. `infrahub://graphql-schema/DcimDevice`), for hand-written queries. The whole SDL is too large to read.",
      "- `infrahub://branches`: the branches."
    ].join("\n")
    const read = [
      "## Read",
      "- `get_nodes(kind, filters?, branch?, limit=50, offset=0)`: list nodes; filter keys such as `name__value` come from the schema; `include_attributes=true` adds attribute values; page with `offset` while `has_more` is true.",
      "- `search_nodes(query, kind, branch?)`: find nodes by partial text.",
      "- `query_graphql(query, variables?, branch?)`: read-only GraphQL for relationships and custom shapes.",
      `Without \`branch\`, reads see \`${main}\`.`,
      "",
      TOON
    ].join("\n")
    const write = canWrite(ctx)
      ? [
          "## Write (branch-isolated)",
          `Writes never touch \`${main}\` directly: they land on your session branch, created by your first write. ${
            ctx.sessionBranch === undefined
              ? "You have none yet."
              : `Yours is \`${ctx.sessionBranch}\`.`
          } \`get_session_info()\` names it.`,
          "- `node_upsert(kind, data, id?, hfid?)`: create (no id/hfid) or update attributes and relationships (a peer by id, hfid list, or `{\"hfid\": [...], \"kind\": ...}`); a create needs the kind's mandatory relationships.",
          "- `node_delete(kind, id? | hfid?)`: delete a node; confirm with the user first.",
          "- `mutate_graphql(query, variables?)`: everything else, such as several objects at once or adding peers to many-relationships without replacing them (`RelationshipAdd`). `query_graphql` refuses mutations.",
          "- Check your work by reading with `branch` set to your session branch.",
          `- \`propose_changes(title, description?)\`: opens a proposed change from your session branch into \`${main}\`. A human reviews and merges it; you cannot merge.`,
          "- `reset_session_branch()`: your next write starts a fresh branch. `reset_session_branch(branch=…)`: switch to another branch (not the default one).",
          "Branch and schema management mutations are refused."
        ].join("\n")
      : [
          "## Writes are unavailable",
          `Writes are unavailable because ${whyNoWrites(ctx)}: you can read and explain, not change data. If the user asks for a change, describe it precisely (kind, node id or hfid, attribute values, relationships) so someone with write access can apply it.`
        ].join("\n")
    const answers = [
      "## Answers",
      "Cite the kind, the filters and the branch each answer comes from. If a result is too large, narrow the filters or lower `limit`."
    ].join("\n")
    return [intro, discovery, read, write, answers].join("\n\n")
  }
}

const answerInfraQuestion: PromptSpec = {
  name: "answer_infra_question",
  title: "Answer an infrastructure question",
  description: "Read-only workflow that answers a question from Infrahub data and cites the kind, filters and branch used.",
  arguments: [
    { name: "question", description: "The infrastructure question to answer.", required: true },
    {
      name: "kind_hint",
      description: "The schema kind to query, if known (e.g. LocationSite); skips catalog discovery.",
      required: false
    },
    { name: "fields", description: "Comma-separated attribute names the answer should include.", required: false },
    { name: "branch", description: "Branch to read. Defaults to the default branch.", required: false }
  ],
  render: (args, ctx) => {
    const { question = "", kind_hint: kindHint, fields, branch } = args
    const kind = kindHint ?? "<kind>"
    const onBranch = branch === undefined ? "" : `, branch=${lit(branch)}`
    const attrs = fields === undefined ? "" : ", include_attributes=true"
    const steps = [
      kindHint === undefined
        ? "1. Kind: read `infrahub://schema` (or call `get_schema()`) and pick the kind that matches the question."
        : `1. Kind: use \`${kindHint}\` (given); skip catalog discovery.`,
      `2. Schema: read \`infrahub://schema/${kind}\` (or \`get_schema(kind=${lit(kind)})\`) for attributes, relationships and the valid filter keys.`,
      `3. Data: \`get_nodes(kind=${lit(kind)}, filters={…}${onBranch}${attrs})\` with filter keys from step 2, or \`search_nodes(query=…, kind=${lit(kind)}${onBranch})\` for a partial name. Page with \`offset\` while \`has_more\` is true.`,
      `4. Related data: if the answer needs other nodes, use \`query_graphql(query=…${onBranch})\`; the fields of a type are in \`infrahub://graphql-schema/{type}\`.`,
      `5. Answer, citing the kind, the filters and the branch (${branch === undefined ? `the default, \`${ctx.defaultBranch}\`` : `\`${branch}\``}).`
    ]
    const lines = [
      `Answer this question from Infrahub data${branch === undefined ? "" : ` on branch \`${branch}\``}:`,
      "",
      quote(question),
      ""
    ]
    if (fields !== undefined) lines.push(`Include these fields: ${fields}.`, "")
    if (branch === undefined && ctx.sessionBranch !== undefined) {
      lines.push(
        `Changes not yet merged are on your session branch \`${ctx.sessionBranch}\`; read with branch=${lit(ctx.sessionBranch)} to see them.`,
        ""
      )
    }
    lines.push(...steps, "", TOON)
    return lines.join("\n")
  }
}

const makeInfraChange: PromptSpec = {
  name: "make_infra_change",
  title: "Make an infrastructure change",
  description:
    "Write workflow: check the schema, apply the change on the session branch, verify it, and open a proposed change for human review.",
  arguments: [
    { name: "description", description: "The infrastructure change to make.", required: true },
    { name: "kind", description: "The schema kind to change, if known.", required: false },
    {
      name: "branch",
      description:
        "An existing branch (or a new name that fits the server's branch pattern) to write to instead of the session branch; switched to with reset_session_branch.",
      required: false
    }
  ],
  render: (args, ctx) => {
    const { description = "", kind: givenKind, branch } = args
    const main = ctx.defaultBranch
    const kind = givenKind ?? "<kind>"
    const header = [
      `${canWrite(ctx) ? "Make" : "The user wants"} this infrastructure change${givenKind === undefined ? "" : ` to kind \`${givenKind}\``}:`,
      "",
      quote(description),
      ""
    ]
    const schemaStep = `Schema: read \`infrahub://schema/${kind}\` (or \`get_schema(kind=${lit(kind)})\`) for required attributes, types and relationships.${
      givenKind === undefined ? " Unsure of the kind? Read `infrahub://schema` first." : ""
    }`

    if (!canWrite(ctx)) {
      return [
        ...header,
        `Writes are unavailable because ${whyNoWrites(ctx)}, so do not try to apply it. Prepare it instead:`,
        `1. ${schemaStep}`,
        `2. Find the affected nodes with \`get_nodes\` or \`search_nodes\`${branch === undefined ? "" : ` (branch=${lit(branch)})`}.`,
        "3. Give the user a precise plan (kind, node id or hfid, attribute values, relationships) that someone with write access can apply."
      ].join("\n")
    }

    const target =
      branch === undefined
        ? ctx.sessionBranch === undefined
          ? "Your first write creates your session branch; all writes land there."
          : `Your writes land on your session branch \`${ctx.sessionBranch}\`.`
        : branch === main
          ? `\`${branch}\` is the default branch, which is never written directly: work on your session branch and propose the change instead.`
          : `First call \`reset_session_branch(branch=${lit(branch)})\` so your writes land on \`${branch}\` (created if the name fits the server's branch pattern).`
    return [
      ...header,
      target,
      "",
      `1. ${schemaStep}`,
      "2. Target: for an update or delete, find the node with `get_nodes` or `search_nodes` and note its `id` or `hfid`.",
      "3. Apply:",
      `   - create or update attributes and relationships: \`node_upsert(kind=${lit(kind)}, data={…})\`, with \`id\` or \`hfid\` to update (a relationship takes a peer id or hfid; many-relationships are replaced);`,
      "   - adding peers to many-relationships without replacing them, several objects at once, or anything node_upsert cannot express: `mutate_graphql(query=…)`, fields from `infrahub://graphql-schema/{type}`;",
      `   - delete: \`node_delete(kind=${lit(kind)}, id=…)\`, only after the user confirms.`,
      "4. Verify: read the nodes back with `branch` set to the branch you wrote to (`get_session_info()` names it).",
      `5. Propose: \`propose_changes(title=…, description=…)\` opens a proposed change into \`${main}\`. A human reviews and merges it; tell the user it awaits review.`,
      "",
      `Never write to \`${main}\` directly. If the session branch was merged or you want a clean start, \`reset_session_branch()\`.`
    ].join("\n")
  }
}

const exploreSchema: PromptSpec = {
  name: "explore_schema",
  title: "Explore the schema",
  description: "Browse the Infrahub schema catalog, or summarise one kind's attributes, relationships and filters.",
  arguments: [{ name: "kind", description: "A kind to explore. Omit to browse the whole catalog.", required: false }],
  render: (args) => {
    const { kind } = args
    if (kind === undefined) {
      return [
        "Explore the Infrahub schema catalog.",
        "1. Read `infrahub://schema` (or call `get_schema()`): every kind with its label.",
        "2. Summarise it grouped by namespace (the leading word of a kind, e.g. `Location` in `LocationSite`).",
        "3. For a kind the user asks about, read `infrahub://schema/{kind}` for its attributes, relationships and filters."
      ].join("\n")
    }
    return [
      `Explore the Infrahub schema of kind \`${kind}\`.`,
      `1. Read \`infrahub://schema/${kind}\` (or call \`get_schema(kind=${lit(kind)})\`). It is TOON: a header names the columns once, each following line is one row.`,
      "2. Summarise:",
      "   - Attributes: name, type, required or optional.",
      "   - Relationships: name, peer kind, cardinality.",
      "   - Filters: the keys `get_nodes` accepts."
    ].join("\n")
  }
}

export const prompts: ReadonlyArray<PromptSpec> = [infrahubAgent, answerInfraQuestion, makeInfraChange, exploreSchema]

/** The prompt called `name`, or a message listing the ones that exist. */
export const findPrompt = (name: string): Either.Either<PromptSpec, string> => {
  const spec = prompts.find((p) => p.name === name)
  return spec === undefined
    ? Either.left(`There is no prompt "${name}"; the prompts are: ${prompts.map((p) => p.name).join(", ")}.`)
    : Either.right(spec)
}

/**
 * Checks a `prompts/get` request's arguments against the spec: refuses unknown names and missing
 * required ones (saying which and what they mean), trims values and treats empty optional ones as
 * absent.
 */
export const resolveArguments = (
  spec: PromptSpec,
  args: Readonly<Record<string, string | undefined>> | undefined
): Either.Either<Args, string> => {
  const given = args ?? {}
  const known = new Set(spec.arguments.map((a) => a.name))
  const unknown = Object.keys(given).filter((name) => !known.has(name))
  if (unknown.length > 0) {
    const accepted =
      spec.arguments.length === 0
        ? "it takes no arguments"
        : `its arguments are: ${spec.arguments.map((a) => a.name).join(", ")}`
    return Either.left(
      `Prompt "${spec.name}" has no argument ${unknown.map((n) => `"${n}"`).join(", ")}; ${accepted}.`
    )
  }
  const resolved: Record<string, string | undefined> = {}
  for (const arg of spec.arguments) {
    const value = Object.hasOwn(given, arg.name) ? given[arg.name]?.trim() : undefined
    if (value === undefined || value === "") {
      if (arg.required) {
        return Either.left(`Prompt "${spec.name}" needs the argument "${arg.name}" (${arg.description}); pass it and retry.`)
      }
      continue
    }
    resolved[arg.name] = value
  }
  return Either.right(resolved)
}
