import * as Context from "effect/Context"

/** How callers prove who they are (`INFRAHUB_MCP_AUTH_MODE`); configuration reads its values from here. */
export const AUTH_MODES = ["none", "oidc", "token-passthrough", "basic-passthrough"] as const
export type AuthModeName = (typeof AUTH_MODES)[number]

/**
 * Who is calling, for one request. `id` is a stable, non-secret key for per-principal state (a
 * fingerprint of the credential, or the OIDC subject); `user` is the name shown in audit lines and
 * used for the `{user}` branch placeholder; `scopes` are the OAuth scopes granted (empty outside OIDC).
 */
export interface PrincipalShape {
  readonly id: string
  readonly user: string | undefined
  readonly scopes: ReadonlyArray<string>
  readonly mode: AuthModeName
}

export class Principal extends Context.Tag("infrahub-mcp/Principal")<Principal, PrincipalShape>() {
  /** The caller in mode `none`: everybody shares the server's identity. */
  static readonly anonymous: PrincipalShape = { id: "anonymous", user: undefined, scopes: [], mode: "none" }
}
