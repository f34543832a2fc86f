import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Principal, type PrincipalShape } from "../auth/Principal.js"
import type { ToolAccess } from "./ToolSpec.js"

export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  tool: Schema.String,
  reason: Schema.Literal("read-only", "missing-scopes"),
  missingScopes: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.reason === "read-only"
      ? `${this.tool} is not available: this server runs in read-only mode (INFRAHUB_MCP_READ_ONLY), so no tool can change Infrahub.`
      : `${this.tool} is not available to you: it needs the OAuth scope(s) ${this.missingScopes.join(", ")}, which your token does not have.`
  }
  get remediation(): string {
    return this.reason === "read-only"
      ? "Use the read tools (get_schema, get_nodes, search_nodes, query_graphql) and describe the change for a human to make."
      : "Ask your identity-provider administrator for the missing scope(s) and sign in again, or use the read tools only."
  }
}

/**
 * Whether a token's scopes satisfy one required scope. Microsoft Entra asks for a scope by its full
 * URI (`api://<app>/write`) but puts only the short name (`write`) in the token's `scp`, so a URI
 * scope is also satisfied by its last path segment.
 */
export const scopeGranted = (required: string, granted: ReadonlyArray<string>): boolean => {
  if (granted.includes(required)) return true
  const uri = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/(?:.*\/)?([^/]+)$/i.exec(required)
  return uri?.[1] !== undefined && granted.includes(uri[1])
}

export interface AccessPolicyOptions {
  readonly readOnly: boolean
  /** Scopes every write needs; `None` outside OIDC mode, where there are no scopes to check. */
  readonly writeScopes: Option.Option<ReadonlyArray<string>>
}

export interface GatedTool {
  readonly name: string
  readonly access: ToolAccess
}

/** Why a principal may not write: the server is read-only, or the token lacks write scopes. */
export interface WriteRefusal {
  readonly reason: "read-only" | "missing-scopes"
  readonly missingScopes: ReadonlyArray<string>
}

export interface AccessPolicyShape {
  /** `None` = allowed. The same decision filters `tools/list` and guards `tools/call`. */
  readonly decide: (tool: GatedTool, principal: PrincipalShape) => Option.Option<AccessDenied>
  /** Whether this principal may write at all (`None` = it may): what every write tool's decision rests on. */
  readonly decideWrites: (principal: PrincipalShape) => Option.Option<WriteRefusal>
}

/**
 * Who may run which tool: read-only mode and OIDC write scopes, in one place. Tools never check
 * access themselves; the pipeline composes {@link requireAccess} around every handler, and whatever
 * else depends on write access (the prompts' write workflow) asks {@link AccessPolicyShape.decideWrites}.
 */
export class AccessPolicy extends Context.Tag("infrahub-mcp/AccessPolicy")<AccessPolicy, AccessPolicyShape>() {
  static readonly make = (options: AccessPolicyOptions): AccessPolicyShape => {
    const readOnly = Option.some<WriteRefusal>({ reason: "read-only", missingScopes: [] })
    const decideWrites = (principal: PrincipalShape): Option.Option<WriteRefusal> => {
      if (options.readOnly) return readOnly
      return Option.flatMap(options.writeScopes, (required) => {
        const missing = required.filter((scope) => !scopeGranted(scope, principal.scopes))
        return missing.length === 0 ? Option.none() : Option.some({ reason: "missing-scopes", missingScopes: missing })
      })
    }
    return {
      decideWrites,
      decide: (tool, principal) =>
        tool.access === "read"
          ? Option.none()
          : Option.map(decideWrites(principal), (refusal) => new AccessDenied({ tool: tool.name, ...refusal }))
    }
  }

  static readonly layer = (options: AccessPolicyOptions): Layer.Layer<AccessPolicy> =>
    Layer.succeed(AccessPolicy, AccessPolicy.make(options))
}

/** Middleware: fails with {@link AccessDenied} before the wrapped effect runs when the caller may not use `tool`. */
export const requireAccess =
  (tool: GatedTool) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AccessDenied, R | AccessPolicy | Principal> =>
    Effect.contextWithEffect((context: Context.Context<AccessPolicy | Principal>) =>
      Option.match(Context.get(context, AccessPolicy).decide(tool, Context.get(context, Principal)), {
        onNone: (): Effect.Effect<A, E | AccessDenied, R> => self,
        onSome: Effect.fail
      })
    )
