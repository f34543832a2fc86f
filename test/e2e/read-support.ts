// Shared helpers for the read-path end-to-end tests: environments for the spawned CLI, typed tool
// calls, and the assertions every tool answer and error must satisfy.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { CallToolResultSchema, type CallToolResult, type Progress } from "@modelcontextprotocol/sdk/types.js"
import { expect } from "vitest"
import { textOf } from "../support/mcp.js"
import type { TestSandbox } from "../support/sandbox.js"

/** The environment of a server in mode `none` in front of `sandbox`. */
export const serverEnv = (sandbox: TestSandbox, extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  INFRAHUB_ADDRESS: sandbox.url,
  INFRAHUB_API_TOKEN: sandbox.token,
  ...extra
})

/** Calls a tool through the real SDK client (which also checks `structuredContent` against the tool's output schema). */
export const call = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
  (await client.callTool({ name, arguments: args }, CallToolResultSchema)) as CallToolResult

/** Calls a tool asking for progress notifications; returns the result and every notification received. */
export const callWithProgress = async (
  client: Client,
  name: string,
  args: Record<string, unknown>
): Promise<{ readonly result: CallToolResult; readonly progress: ReadonlyArray<Progress> }> => {
  const progress: Array<Progress> = []
  const result = (await client.callTool({ name, arguments: args }, CallToolResultSchema, {
    onprogress: (update) => progress.push(update)
  })) as CallToolResult
  return { result, progress }
}

/** The structured answer of a successful call (fails the test, showing the error text, otherwise). */
export const structured = <T>(result: CallToolResult): T => {
  expect(result.isError ?? false, textOf(result)).toBe(false)
  expect(result.structuredContent).toBeDefined()
  return result.structuredContent as T
}

/**
 * The text of a failed call. Every tool error a user sees says what went wrong and ends with a
 * `Remediation:` paragraph saying what to do next.
 */
export const toolError = (result: CallToolResult): string => {
  const text = textOf(result)
  expect(result.isError, text).toBe(true)
  expect(result.structuredContent).toBeUndefined()
  expect(text).toMatch(/\S[^]*\n\nRemediation: \S[^\n]*$/)
  return text
}

/** The `Remediation:` line of an error text. */
export const remediationOf = (text: string): string => text.slice(text.lastIndexOf("\n\nRemediation: ") + 2)

/** The base URL (`http://host:port`) of a server whose `/mcp` URL is given. */
export const baseOf = (mcpUrl: string): string => new URL(mcpUrl).origin

/** Infrahub's processed schema, as the sandbox serves it (to compare tool answers against). */
export interface SandboxKind {
  readonly namespace: string
  readonly name: string
  readonly kind: string
  readonly label: string | null
  readonly attributes: ReadonlyArray<{ readonly name: string; readonly kind: string }>
  readonly relationships: ReadonlyArray<{ readonly name: string; readonly peer: string; readonly cardinality: string; readonly kind: string }>
  readonly used_by?: ReadonlyArray<string> | null
}

export interface SandboxSchema {
  readonly nodes: ReadonlyArray<SandboxKind>
  readonly generics: ReadonlyArray<SandboxKind>
}

export const fetchSchema = async (sandbox: TestSandbox): Promise<SandboxSchema> => {
  const response = await fetch(`${sandbox.url}/api/schema`, { headers: { "x-infrahub-key": sandbox.token } })
  expect(response.status).toBe(200)
  return (await response.json()) as SandboxSchema
}

/** Runs a GraphQL query on the sandbox as the admin and returns its data, failing on GraphQL errors. */
export const sandboxData = async <T>(sandbox: TestSandbox, query: string, branch?: string): Promise<T> => {
  const answer = await sandbox.graphql(query, branch)
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined()
  return answer.data as T
}

/** `{ Kind: { count, edges: [{ node }] } }` → the nodes. */
export const nodesOf = <N>(data: Record<string, { readonly edges: ReadonlyArray<{ readonly node: N }> }>, kind: string): ReadonlyArray<N> =>
  (data[kind]?.edges ?? []).map((edge) => edge.node)

/** Adds an injected fault to the sandbox, failing the test if the spec is refused. */
export const addFault = (sandbox: TestSandbox, spec: Parameters<TestSandbox["running"]["debug"]["addFault"]>[0]): void => {
  const added = sandbox.running.debug.addFault(spec)
  expect(added._tag, JSON.stringify(spec)).toBe("Right")
}
