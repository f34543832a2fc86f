import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { InfrahubCredentials } from "../../auth/InfrahubCredentials.js"
import { coerceFilterValue } from "../../infrahub/filterValues.js"
import { type LiteralValue } from "../../infrahub/graphqlLiteral.js"
import { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import { buildNodeQuery, decodeNodePage, type NodeQueryInput, type NodeRow } from "../../infrahub/nodeQuery.js"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import { type BranchSchema, filtersOf, type KindInfo, RESERVED_FILTER_KEYS } from "../../infrahub/schemaModel.js"
import { InfrahubProtocolError } from "../../infrahub/errors.js"
import { toon } from "../render.js"
import { RequestContext } from "../../session/RequestContext.js"
import { ToolError } from "../ToolError.js"
import { makeTool, READ_ANNOTATIONS } from "../ToolSpec.js"

/** Pages for `limit=-1`: large enough to be few requests, small enough to report progress. */
const PAGE_SIZE = 500
/** `limit=-1` stops here: beyond it the answer would blow the response limit anyway. */
const MAX_ALL_NODES = 10_000

const KindParam = Schema.String.pipe(Schema.minLength(1, { message: () => "kind must not be empty; get_schema() lists the kinds" })).annotations({
  description: "Kind of the objects, e.g. DcimDevice. Read infrahub://schema or call get_schema() for valid kinds."
})
const BranchParam = Schema.optional(
  Schema.String.pipe(Schema.minLength(1, { message: () => "branch must not be empty: name a branch (see infrahub://branches), or leave it out for the default branch" })).annotations({ description: "Branch to query. Defaults to Infrahub's default branch." })
)

const NodeSummary = Schema.Struct({
  id: Schema.String,
  kind: Schema.String,
  label: Schema.String,
  attributes: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
type NodeSummary = typeof NodeSummary.Type

const toSummary = (row: NodeRow, withAttributes: boolean): NodeSummary =>
  withAttributes ? { id: row.id, kind: row.kind, label: row.label, attributes: row.fields } : { id: row.id, kind: row.kind, label: row.label }

/** The node's own columns; an attribute of the same name must not overwrite them. */
const NODE_COLUMNS = new Set(["id", "kind", "label"])

/**
 * TOON rows: one line per node; list values joined so the table stays a table. An attribute named
 * like a node column (a cable's `label`) gets the column `attributes.<name>`, its path in
 * `structuredContent`, so text and structured content say the same thing.
 */
const flatRow = (node: NodeSummary): Record<string, unknown> => {
  const row: Record<string, unknown> = { id: node.id, kind: node.kind, label: node.label }
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    row[NODE_COLUMNS.has(name) ? `attributes.${name}` : name] =
      Array.isArray(value) ? value.join(" | ") : typeof value === "object" && value !== null ? JSON.stringify(value) : value
  }
  return row
}

const describeFilters = (kind: KindInfo, schema: BranchSchema): string => {
  const names = [...filtersOf(schema, kind).keys()].filter((name) => name.endsWith("__value") && name !== "any__value")
  return `Valid filters for ${kind.kind}: ${names.join(", ")}. Each __value filter has a __values (list) twin; attributes also take __isnull; plus ids, any__value${filtersOf(schema, kind).has("hfid") ? ", hfid" : ""}, <relationship>__ids.`
}

/** Checks filter keys against the kind's filter map and coerces values to what Infrahub expects. */
const resolveFilters = (kind: KindInfo, schema: BranchSchema, filters: Readonly<Record<string, unknown>>, partialMatch: boolean) =>
  Effect.gen(function* () {
    const keys = Object.keys(filters)
    const reserved = keys.filter((key) => RESERVED_FILTER_KEYS.has(key))
    if (reserved.length > 0) {
      return yield* new ToolError({
        message: `Filters contain reserved key(s): ${reserved.sort().join(", ")}. The tool sets these itself.`,
        remediation: `Pass them as tool arguments instead (partial_match, limit, offset, branch), and read infrahub://schema/${kind.kind} for valid filter names.`
      })
    }
    const map = filtersOf(schema, kind)
    const unknown = keys.filter((key) => !map.has(key))
    if (unknown.length > 0) {
      return yield* new ToolError({
        message: `Unknown filter(s) for ${kind.kind}: ${unknown.join(", ")}. ${describeFilters(kind, schema)}`,
        remediation: `Use the filter names above (read infrahub://schema/${kind.kind} or get_schema("${kind.kind}") for details).`
      })
    }
    const resolved: Array<readonly [string, LiteralValue]> = []
    const problems: Array<string> = []
    for (const key of keys) {
      const target = map.get(key)
      if (target === undefined) continue
      Either.match(coerceFilterValue(target, filters[key], partialMatch), {
        onLeft: (problem) => problems.push(`${key} ${problem}`),
        onRight: (value) => resolved.push([key, value])
      })
    }
    if (problems.length > 0) {
      return yield* new ToolError({
        message: `Invalid filter value(s) for ${kind.kind}: ${problems.join("; ")}.`,
        remediation: `Fix the values (attribute kinds and allowed choices are in get_schema("${kind.kind}")) and call again.`
      })
    }
    return resolved
  })

const fetchPage = (input: NodeQueryInput, schema: BranchSchema, branch: string | undefined) =>
  Effect.gen(function* () {
    const client = yield* InfrahubClient
    const query = yield* Effect.try({
      try: () => buildNodeQuery(input, schema),
      catch: (error) =>
        new ToolError({ message: `Cannot express a filter value in GraphQL: ${String(error)}.`, remediation: "Use plain strings, numbers, booleans or lists as filter values." })
    })
    const data = yield* client.graphql({ query, branch }).pipe(
      Effect.catchTag("InfrahubGraphQLError", (error) =>
        Effect.zipRight(
          // Infrahub refused a document built from our schema copy: the schema may have moved.
          Effect.flatMap(SchemaCatalog, (catalog) => catalog.invalidate(branch)),
          Effect.fail(
            new ToolError({
              message: error.message,
              remediation: `Check the filters against infrahub://schema/${input.kind.kind} (or get_schema("${input.kind.kind}")) and retry.`
            })
          )
        )
      )
    )
    const page = decodeNodePage(data, input, schema)
    if (page === undefined) return yield* new InfrahubProtocolError({ detail: `the ${input.kind.kind} query answered an unexpected shape` })
    return page
  })

const GetNodesParams = Schema.Struct({
  kind: KindParam,
  branch: BranchParam,
  filters: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
      description:
        'Attribute/relationship filters, e.g. {"name__value": "atl1-edge1"} or {"location__shortname__value": "atl1"}. Read infrahub://schema/{kind} for the full filter map.'
    })
  ),
  partial_match: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description: "Substring matching for string filters.",
    default: false
  }),
  include_attributes: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description: "Return every attribute value and small relationships (as TOON rows) instead of just labels. More expensive: omit when labels or counts suffice.",
    default: false
  }),
  limit: Schema.optionalWith(Schema.Int.pipe(
    Schema.filter((limit) => limit === -1 || limit >= 1, {
      message: () => "limit must be a whole number of at least 1, or -1 for all nodes",
      jsonSchema: { anyOf: [{ const: -1 }, { minimum: 1 }] }
    })
  ), {
    default: () => 50
  }).annotations({ description: "Maximum nodes to return (default 50). -1 returns all (reports progress; may be expensive).", default: 50 }),
  offset: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(0, { message: () => "offset must be a whole number of at least 0" })), { default: () => 0 }).annotations({
    description: "Nodes to skip, for paging with `limit`.",
    default: 0
  })
})

const BranchResult = Schema.NullOr(Schema.String).annotations({ description: "Branch read; null = Infrahub's default branch." })

const GetNodesResult = Schema.Struct({
  kind: Schema.String,
  branch: BranchResult,
  nodes: Schema.Array(NodeSummary),
  count: Schema.Int.annotations({ description: "Nodes in this answer." }),
  total_count: Schema.NullOr(Schema.Int).annotations({ description: "Nodes matching the filters in Infrahub; null when unknown." }),
  has_more: Schema.NullOr(Schema.Boolean).annotations({ description: "More nodes after this page; null when unknown." }),
  offset: Schema.Int,
  limit: Schema.Int
})

const allPages = (base: Omit<NodeQueryInput, "offset" | "limit">, schema: BranchSchema, branch: string | undefined, offset: number) =>
  Effect.gen(function* () {
    const context = yield* RequestContext
    // Announced before the first request: SDK clients drop a progress notification that arrives
    // together with the final response, so a one-page answer would otherwise show no progress at all.
    yield* context.reportProgress(0, undefined, `Fetching all ${base.kind.kind}`)
    const first = yield* fetchPage({ ...base, offset, limit: PAGE_SIZE }, schema, branch)
    const total = first.count
    if (total !== undefined && total - offset > MAX_ALL_NODES) {
      return yield* new ToolError({
        message: `limit=-1 would return ${total - offset} ${base.kind.kind} nodes; at most ${MAX_ALL_NODES} are returned at once.`,
        remediation: "Add filters, or page with limit (e.g. 500) and offset."
      })
    }
    const rows = [...first.rows]
    const fetched = () => context.reportProgress(rows.length, total, `Fetched ${rows.length} of ${total ?? "?"} ${base.kind.kind}`)
    // MCP requires progress to increase with every notification: only a page that added rows reports.
    if (rows.length > 0) yield* fetched()
    while (total !== undefined && offset + rows.length < total) {
      const page = yield* fetchPage({ ...base, offset: offset + rows.length, limit: PAGE_SIZE }, schema, branch)
      if (page.rows.length === 0) break
      rows.push(...page.rows)
      yield* fetched()
    }
    return { count: total, rows }
  })

export const getNodes = makeTool({
  name: "get_nodes",
  title: "Get nodes",
  description:
    "Retrieve objects of one kind from Infrahub, optionally filtered, with the total count and paging (offset/limit). Returns id, kind and label per node; include_attributes adds attribute values. Discover kinds with infrahub://schema and filters with infrahub://schema/{kind}.",
  parameters: GetNodesParams,
  result: GetNodesResult,
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) =>
    toon({
      kind: result.kind,
      branch: result.branch,
      total_count: result.total_count,
      has_more: result.has_more,
      offset: result.offset,
      limit: result.limit,
      nodes: result.nodes.map(flatRow)
    }),
  handler: (args) =>
    Effect.gen(function* () {
      const catalog = yield* SchemaCatalog
      const { schema, kind } = yield* catalog.lookup(args.kind, args.branch)
      const filters = yield* resolveFilters(kind, schema, args.filters ?? {}, args.partial_match)
      const base = { kind, filters, partialMatch: args.partial_match, detail: args.include_attributes ? "attributes" : "labels" } as const
      const page =
        args.limit === -1
          ? yield* allPages(base, schema, args.branch, args.offset)
          : yield* fetchPage({ ...base, offset: args.offset, limit: args.limit }, schema, args.branch)
      const nodes = page.rows.map((row) => toSummary(row, args.include_attributes))
      const total = page.count ?? null
      return {
        kind: kind.kind,
        branch: args.branch ?? null,
        nodes,
        count: nodes.length,
        total_count: total,
        has_more: total === null ? null : total > args.offset + nodes.length,
        offset: args.offset,
        limit: args.limit
      }
    })
})

const SearchNodesParams = Schema.Struct({
  // The description sits on the encoded side: JSON Schema is derived from it, and annotations on a
  // transformation (`Schema.Trim`) never reach `inputSchema`.
  query: Schema.compose(
    Schema.String.pipe(Schema.minLength(1)).annotations({
      description: "Text to look for (substring, case-insensitive as Infrahub matches) in any attribute of the nodes."
    }),
    Schema.Trim.pipe(Schema.minLength(1, { message: () => "query must not be blank" }))
  ),
  kind: KindParam,
  branch: BranchParam,
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100, { message: () => "limit must be a whole number from 1 to 100" })), { default: () => 10 }).annotations({
    description: "Maximum results, 1–100 (default 10).",
    default: 10
  })
})

const SearchNodesResult = Schema.Struct({
  kind: Schema.String,
  branch: BranchResult,
  query: Schema.String,
  nodes: Schema.Array(NodeSummary),
  total_count: Schema.NullOr(Schema.Int)
})

export const searchNodes = makeTool({
  name: "search_nodes",
  title: "Search nodes",
  description:
    "Find objects of a kind whose attributes contain some text (any__value with partial match), when you do not know exact names. Works on generic kinds too (e.g. CoreNode, DcimGenericDevice).",
  parameters: SearchNodesParams,
  result: SearchNodesResult,
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) =>
    toon({ kind: result.kind, query: result.query, total_count: result.total_count, nodes: result.nodes.map(flatRow) }),
  handler: (args) =>
    Effect.gen(function* () {
      const catalog = yield* SchemaCatalog
      const { schema, kind } = yield* catalog.lookup(args.kind, args.branch)
      const page = yield* fetchPage(
        { kind, filters: [["any__value", args.query]], partialMatch: true, offset: 0, limit: args.limit, detail: "labels" },
        schema,
        args.branch
      )
      return {
        kind: kind.kind,
        branch: args.branch ?? null,
        query: args.query,
        nodes: page.rows.map((row) => toSummary(row, false)),
        total_count: page.count ?? null
      }
    })
})

export type NodeToolsRequirements = InfrahubClient | SchemaCatalog | InfrahubCredentials | RequestContext
