import { isInitializeRequest, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Option from "effect/Option"

/** The first MCP protocol version without JSON-RPC batches (they were removed in 2025-06-18). */
export const BATCHES_REMOVED_IN = "2025-06-18"

/**
 * The protocol version a POST speaks: its `initialize` message's, else the `MCP-Protocol-Version`
 * header's. Absent, the transport assumes 2025-03-26 (clients of that version send no header).
 */
const protocolVersionOf = (messages: ReadonlyArray<unknown>, header: string | null): string => {
  const initialize = messages.find(isInitializeRequest)
  return initialize?.params.protocolVersion ?? header ?? "2025-03-26"
}

/**
 * Why a parsed `/mcp` body is not an acceptable JSON-RPC payload (JSON-RPC 2.0 "Invalid Request",
 * -32600), or `None`. Checked at the edge because the SDK transport answers these with a parse
 * error (-32700), accepts an empty batch with 202, and accepts batches on every protocol version.
 */
export const invalidRequest = (body: unknown, protocolHeader: string | null): Option.Option<string> => {
  const messages: ReadonlyArray<unknown> = Array.isArray(body) ? body : [body]
  if (Array.isArray(body)) {
    if (body.length === 0) return Option.some("Invalid Request: the body is an empty batch; send a JSON-RPC message.")
    const version = protocolVersionOf(messages, protocolHeader)
    if (version >= BATCHES_REMOVED_IN) {
      return Option.some(`Invalid Request: MCP protocol version ${version} has no JSON-RPC batches; send one message per POST.`)
    }
  }
  const invalid = messages.findIndex((message) => !JSONRPCMessageSchema.safeParse(message).success)
  if (invalid === -1) return Option.none()
  return Option.some(
    `Invalid Request: ${Array.isArray(body) ? `message ${invalid + 1} of the batch` : "the body"} is JSON but not a JSON-RPC 2.0 message (an object with "jsonrpc": "2.0" and a "method", or a response with an "id" and a "result" or "error").`
  )
}
