import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { expect } from "vitest"
import type { LoggedRequest } from "../../src/sandbox/http/debug.js"
import { textOf } from "../support/mcp.js"
import type { TestSandbox } from "../support/sandbox.js"

/** Shared helpers of the write-path end-to-end tests (test/e2e/write-*.test.ts). */

export type Structured = Record<string, unknown>

/** The environment a server needs to reach the sandbox in auth mode `none`. */
export const serverEnv = (sandbox: TestSandbox, extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  INFRAHUB_ADDRESS: sandbox.url,
  INFRAHUB_API_TOKEN: sandbox.token,
  ...extra
})

/** Calls a tool that must succeed and returns its structured result (checked against its text). */
export const callOk = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<Structured> => {
  const result = await client.callTool({ name, arguments: args })
  if (result.isError === true) throw new Error(`${name} failed unexpectedly: ${textOf(result)}`)
  expect(result.structuredContent, `${name} has structured content`).toBeDefined()
  return result.structuredContent as Structured
}

/** Calls a tool that must fail and returns the error text the model sees. */
export const callError = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> => {
  const result = await client.callTool({ name, arguments: args })
  const text = textOf(result)
  expect(result.isError, `${name} should fail, answered: ${text}`).toBe(true)
  expect(result.structuredContent).toBeUndefined()
  // Every error a user sees says what to do next.
  expect(text).toContain("\n\nRemediation: ")
  return text
}

export const branchOf = (result: Structured): string => {
  const branch = result["branch"]
  if (typeof branch !== "string") throw new Error(`no branch in ${JSON.stringify(result)}`)
  return branch
}

/** The session branch get_session_info reports (null when there is none). */
export const sessionBranch = async (client: Client): Promise<string | null> => {
  const info = await callOk(client, "get_session_info")
  expect(info["has_session_branch"]).toBe(info["session_branch"] !== null)
  return info["session_branch"] as string | null
}

/** Runs GraphQL as the sandbox admin and fails the test on GraphQL errors. */
export const adminGraphql = async (sandbox: TestSandbox, query: string, branch?: string): Promise<Record<string, unknown>> => {
  const answer = await sandbox.graphql(query, branch)
  if (answer.errors !== undefined && answer.errors.length > 0) {
    throw new Error(`admin GraphQL failed: ${answer.errors.map((e) => e.message).join(" | ")}`)
  }
  return answer.data ?? {}
}

export interface BranchView {
  readonly is_default: boolean
  readonly status: string | null
  readonly is_session_branch: boolean
}

/** The infrahub://branches resource as the client reads it. */
export const readBranchesResource = async (client: Client): Promise<Record<string, BranchView>> => {
  const resource = await client.readResource({ uri: "infrahub://branches" })
  const content = resource.contents[0]
  if (content === undefined || !("text" in content)) throw new Error("infrahub://branches has no text content")
  return JSON.parse(content.text) as Record<string, BranchView>
}

export interface BranchRow {
  readonly name: string
  readonly status: string
  readonly is_default: boolean
}

export const listBranches = async (sandbox: TestSandbox): Promise<ReadonlyArray<BranchRow>> => {
  const data = await adminGraphql(sandbox, "query { Branch { name status is_default } }")
  return data["Branch"] as ReadonlyArray<BranchRow>
}

export const branchNames = async (sandbox: TestSandbox): Promise<ReadonlyArray<string>> =>
  (await listBranches(sandbox)).map((branch) => branch.name).sort()

export const createBranch = (sandbox: TestSandbox, name: string) =>
  adminGraphql(sandbox, `mutation { BranchCreate(data: { name: ${JSON.stringify(name)}, sync_with_git: false }) { ok } }`)

export const mergeBranch = (sandbox: TestSandbox, name: string) =>
  adminGraphql(sandbox, `mutation { BranchMerge(data: { name: ${JSON.stringify(name)} }) { ok } }`)

export const deleteBranch = (sandbox: TestSandbox, name: string) =>
  adminGraphql(sandbox, `mutation { BranchDelete(data: { name: ${JSON.stringify(name)} }) { ok } }`)

export interface TagRow {
  readonly id: string
  readonly name: string
  readonly description: string | null
}

/** The BuiltinTag objects a branch holds (the default branch when `branch` is omitted). */
export const tags = async (sandbox: TestSandbox, branch?: string): Promise<ReadonlyArray<TagRow>> => {
  const data = await adminGraphql(sandbox, "query { BuiltinTag { edges { node { id name { value } description { value } } } } }", branch)
  const edges = (data["BuiltinTag"] as { edges: ReadonlyArray<{ node: { id: string; name: { value: string }; description: { value: string | null } } }> }).edges
  return edges.map(({ node }) => ({ id: node.id, name: node.name.value, description: node.description.value }))
}

export const tagNames = async (sandbox: TestSandbox, branch?: string): Promise<ReadonlyArray<string>> =>
  (await tags(sandbox, branch)).map((tag) => tag.name).sort()

/** GraphQL requests the sandbox served that ran `operation` as a top-level field. */
export const requestsRunning = (requests: ReadonlyArray<LoggedRequest>, operation: string): ReadonlyArray<LoggedRequest> =>
  requests.filter((request) => request.operations.includes(operation))

/** YYYYMMDD of the UTC day `offsetDays` from now. */
export const utcDate = (offsetDays = 0): string => {
  const now = new Date(Date.now() + offsetDays * 24 * 60 * 60 * 1000)
  return `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}${String(now.getUTCDate()).padStart(2, "0")}`
}

/** Collects the `notifications/message` log lines a server sends to this client. */
export const collectLogMessages = (client: Client): Array<{ level: string; data: unknown }> => {
  const messages: Array<{ level: string; data: unknown }> = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    messages.push({ level: notification.params.level, data: notification.params.data })
  })
  return messages
}

/** Ends an HTTP MCP session the way a client does (DELETE), then closes the client. */
export const endHttpSession = async (client: Client): Promise<void> => {
  const transport = client.transport as StreamableHTTPClientTransport | undefined
  await transport?.terminateSession().catch(() => undefined)
  await client.close()
}
