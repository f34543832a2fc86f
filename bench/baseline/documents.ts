/**
 * The baseline's GraphQL document and answer decoding, kept apart from its server so the bench can
 * check them against infrahub-mcp's own (`buildNodeQuery`, the tool's structuredContent) without
 * starting anything. Labels-only reads with string (or string list) filters: what the bench calls.
 */

/** infrahub-mcp's page size for `limit=-1`. */
export const PAGE_SIZE = 500

export interface Row {
  readonly id: string
  readonly kind: string
  readonly label: string
}

export type FilterValue = string | ReadonlyArray<string>

/** JSON string escapes are GraphQL string escapes; lists as infrahub-mcp writes them (`["a", "b"]`). */
const literal = (value: FilterValue): string => (typeof value === "string" ? JSON.stringify(value) : `[${value.map((item) => JSON.stringify(item)).join(", ")}]`)

export const nodesDocument = (kind: string, filters: ReadonlyArray<readonly [string, FilterValue]>, offset: number, limit: number): string => {
  const args = filters.map(([name, value]) => `${name}: ${literal(value)}`)
  if (offset > 0) args.push(`offset: ${offset}`)
  args.push(`limit: ${limit}`)
  return `query { ${kind}(${args.join(", ")}) { count edges { node { id hfid display_label __typename } } } }`
}

type Node = { readonly id?: unknown; readonly hfid?: unknown; readonly display_label?: unknown; readonly __typename?: unknown }

/** display_label, else `Kind__hfid…`, else the id: infrahub-mcp's labels. */
const labelOf = (node: Node, kind: string): string => {
  if (typeof node.display_label === "string" && node.display_label.trim() !== "") return node.display_label
  if (Array.isArray(node.hfid) && node.hfid.length > 0) return [kind, ...node.hfid.map(String)].join("__")
  return String(node.id)
}

export const pageOf = (data: Record<string, unknown>, kind: string): { readonly count: number | null; readonly rows: ReadonlyArray<Row> } => {
  const root = data[kind] as { count?: unknown; edges?: ReadonlyArray<{ node?: Node }> } | undefined
  const rows = (root?.edges ?? []).flatMap(({ node }) => {
    if (node === undefined || typeof node.id !== "string") return []
    const type = typeof node.__typename === "string" ? node.__typename : kind
    return [{ id: node.id, kind: type, label: labelOf(node, type) }]
  })
  return { count: typeof root?.count === "number" ? root.count : null, rows }
}
