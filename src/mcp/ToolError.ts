import * as Schema from "effect/Schema"

/**
 * What every error a client can see offers: a message saying what went wrong, and a remediation
 * saying what to call or change next. The MCP bridge renders both (`…\n\nRemediation: …`).
 */
export interface Remediable {
  readonly _tag: string
  readonly message: string
  readonly remediation: string
}

/** An error raised by a tool's own checks (bad filter keys, missing identifiers, …). */
export class ToolError extends Schema.TaggedError<ToolError>()("ToolError", {
  message: Schema.String,
  remediation: Schema.String
}) {}

/** The arguments did not match the tool's input schema. */
export class InvalidArguments extends Schema.TaggedError<InvalidArguments>()("InvalidArguments", {
  tool: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Invalid arguments for ${this.tool}: ${this.detail}`
  }
  get remediation(): string {
    return `Fix the arguments to match the input schema of ${this.tool} (see tools/list) and call it again.`
  }
  /** A caller error: the arguments must change (see `isCallerError`). */
  get callerError(): boolean {
    return true
  }
}

/** The result is larger than INFRAHUB_MCP_MAX_RESPONSE_BYTES: refused rather than silently truncated. */
export class ResponseTooLarge extends Schema.TaggedError<ResponseTooLarge>()("ResponseTooLarge", {
  tool: Schema.String,
  bytes: Schema.Number,
  limit: Schema.Number
}) {
  override get message(): string {
    return `The ${this.tool} result is ${this.bytes} bytes, over the ${this.limit}-byte limit.`
  }
  get remediation(): string {
    return "Narrow the request: add `filters`, lower `limit` (page with `offset`), drop `include_attributes`, or select fewer GraphQL fields."
  }
}
