import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { Remediable } from "./ToolError.js"

/** `read` tools never change Infrahub; `write` tools are what read-only mode and write scopes gate. */
export type ToolAccess = "read" | "write"

export interface ToolAnnotations {
  readonly readOnlyHint: boolean
  readonly destructiveHint: boolean
  readonly idempotentHint: boolean
  readonly openWorldHint: boolean
}

/**
 * Facts about a result that are not part of it, so they never collide with its keys: `_meta`
 * entries (e.g. the branch a write landed on) and a short note shown as a second text block after
 * the result's own text (the first block stays the bare result, for clients that parse it).
 */
export interface ResultFacts {
  readonly meta: Readonly<Record<string, unknown>>
  readonly note: string | undefined
}

/** A handler's result together with its {@link ResultFacts}. */
export class WithFacts<O> {
  constructor(
    readonly value: O,
    readonly facts: ResultFacts
  ) {}
}

/**
 * A tool as data: its MCP metadata, its input and output schemas (the JSON Schemas clients see are
 * derived from them), the access it needs, and a handler that knows nothing about auth, read-only
 * mode, decoding or rendering — the pipeline does those.
 */
export interface ToolSpec<A, I, O, OI, R> {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly parameters: Schema.Schema<A, I>
  readonly result: Schema.Schema<O, OI>
  readonly access: ToolAccess
  readonly annotations: ToolAnnotations
  /** The text content: TOON for tables, compact JSON for maps; for clients without structured output. */
  readonly render: (result: O) => string
  /** The result, or the result {@link WithFacts} about it (`_meta` and a note). */
  readonly handler: (args: A) => Effect.Effect<O | WithFacts<O>, Remediable, R>
}

// The registry stores tools of different shapes side by side; `any` never leaks past `makeTool`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolSpec<R = any> = ToolSpec<any, any, any, any, R>

/** Declares a tool with its types inferred from the schemas. */
export const makeTool = <A, I, O, OI, R>(spec: ToolSpec<A, I, O, OI, R>): ToolSpec<A, I, O, OI, R> => spec

export const READ_ANNOTATIONS: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true
}
