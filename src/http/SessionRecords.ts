import { isInitializeRequest, isJSONRPCRequest, LoggingLevelSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { StateStoreShape } from "../state/StateStore.js"
import { type StateNamespace, stateNamespace } from "../state/StateNamespace.js"

/**
 * What any replica needs to serve an MCP session it did not open: who may use it (the binding of
 * principal and credential fingerprint, never the credential), what the client said at `initialize`
 * (replayed into a fresh SDK server), and the log level it chose. Kept in the `StateStore` as long as
 * the session is in use (TTL = the idle timeout, renewed by every request).
 */
export const SessionRecord = Schema.Struct({
  binding: Schema.String,
  principalId: Schema.String,
  /** The client's `initialize` params, as sent. */
  initialize: Schema.Unknown,
  logLevel: Schema.optional(Schema.String)
})
export type SessionRecord = typeof SessionRecord.Type

export type SessionRecords = StateNamespace<SessionRecord>

export const sessionRecords = (store: StateStoreShape): SessionRecords => stateNamespace(store, "mcp-session", SessionRecord)

const messagesOf = (body: unknown): ReadonlyArray<unknown> => (Array.isArray(body) ? body : [body])

/** The `initialize` params in a POST body (a single message or a batch), if it carries one. */
export const initializeParams = (body: unknown): Option.Option<unknown> =>
  Option.map(Option.fromNullable(messagesOf(body).find((message) => isInitializeRequest(message))), (message) => message.params)

/** The level a `logging/setLevel` request in this body asks for, if any (the last one wins). */
export const requestedLogLevel = (body: unknown): Option.Option<string> =>
  Option.fromNullable(
    messagesOf(body)
      // The method first: every request passes here, and only this one needs the schema check.
      .filter((message) => typeof message === "object" && message !== null && "method" in message && message.method === "logging/setLevel")
      .flatMap((message) => {
        if (!isJSONRPCRequest(message)) return []
        const level = LoggingLevelSchema.safeParse(message.params?.["level"])
        return level.success ? [level.data] : []
      })
      .at(-1)
  )
