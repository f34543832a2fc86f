import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  type JSONRPCMessage,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Option from "effect/Option"

/** Deepest nesting of `tools/call` arguments accepted: far beyond any tool's input, far below a stack overflow. */
export const MAX_ARGUMENT_DEPTH = 64

interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

interface RequestParser {
  readonly safeParse: (value: unknown) => { readonly success: boolean; readonly error?: { readonly issues: ReadonlyArray<Issue> } | undefined }
}

/** The SDK's own schema for every request this server answers. */
const PARSERS: Readonly<Record<string, RequestParser>> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  "tools/list": ListToolsRequestSchema,
  "tools/call": CallToolRequestSchema,
  "resources/list": ListResourcesRequestSchema,
  "resources/templates/list": ListResourceTemplatesRequestSchema,
  "resources/read": ReadResourceRequestSchema,
  "prompts/list": ListPromptsRequestSchema,
  "prompts/get": GetPromptRequestSchema,
  "completion/complete": CompleteRequestSchema,
  "logging/setLevel": SetLevelRequestSchema
}

/** Whether a JSON value nests containers deeper than `limit` (iterative: deep input must not overflow the stack here either). */
export const nestedDeeperThan = (value: unknown, limit: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next
    if (typeof current !== "object" || current === null) continue
    if (depth > limit) return true
    for (const child of Object.values(current)) pending.push([child, depth + 1])
  }
  return false
}

const describeIssues = (issues: ReadonlyArray<Issue>): string =>
  issues.map((issue) => `${issue.path.length === 0 ? "the request" : issue.path.map(String).join(".")}: ${issue.message}`).join("; ")

/**
 * Why a client request cannot be served, as the JSON-RPC "Invalid params" (-32602) message, or
 * `None`. The SDK would otherwise answer a malformed request with an internal error (-32603) whose
 * message is a raw schema-validation dump, and deeply nested tool arguments overflow the stack
 * further in (an opaque internal error again).
 */
export const invalidParams = (message: JSONRPCMessage): Option.Option<string> => {
  if (!("method" in message) || !("id" in message)) return Option.none()
  const parser = PARSERS[message.method]
  if (parser === undefined) return Option.none()
  const params: unknown = message.params
  if (message.method === "tools/call" && (typeof params !== "object" || params === null)) {
    return Option.some(`Invalid params: tools/call needs "params" with the tool's "name" and its "arguments", e.g. {"name": "get_schema", "arguments": {}}.`)
  }
  const parsed = parser.safeParse(message)
  if (!parsed.success) {
    return Option.some(`Invalid params for ${message.method}: ${describeIssues(parsed.error?.issues ?? [])}.`)
  }
  if (message.method === "tools/call" && typeof params === "object" && params !== null && "arguments" in params && nestedDeeperThan(params.arguments, MAX_ARGUMENT_DEPTH)) {
    return Option.some(`Invalid params: tools/call arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels, which no tool accepts; send flatter arguments.`)
  }
  return Option.none()
}

/** The error response refusing `message`, if it is a request with invalid params. */
export const refusalOf = (message: JSONRPCMessage): Option.Option<JSONRPCMessage> =>
  "id" in message && "method" in message
    ? Option.map(invalidParams(message), (text) => ({ jsonrpc: "2.0" as const, id: message.id, error: { code: ErrorCode.InvalidParams, message: text } }))
    : Option.none()
