import * as Data from "effect/Data"
import * as Schema from "effect/Schema"

/**
 * Why a `/mcp` request's bearer token was refused. The edge answers it with `OidcProxy.unauthorized`
 * (401 + `WWW-Authenticate`), which sends MCP clients back through discovery and sign-in.
 */
export class OidcUnauthorized extends Schema.TaggedError<OidcUnauthorized>()("OidcUnauthorized", {
  reason: Schema.Literal("missing", "malformed", "invalid", "expired", "unknown_session", "upstream_rejected"),
  detail: Schema.String
}) {
  override get message(): string {
    switch (this.reason) {
      case "missing":
        return "No bearer token: this MCP server requires OAuth sign-in."
      case "malformed":
        return `The Authorization header is not a bearer token (${this.detail}).`
      case "invalid":
        return `The access token is not valid for this server (${this.detail}).`
      case "expired":
        return "The access token has expired."
      case "unknown_session":
        return "The access token's sign-in session is unknown: it was revoked, or the server restarted."
      case "upstream_rejected":
        return `The identity provider's token behind this session is no longer valid (${this.detail}).`
    }
  }

  get remediation(): string {
    switch (this.reason) {
      case "missing":
      case "malformed":
        return "Send `Authorization: Bearer <access token>`; MCP clients obtain one through the OAuth flow this 401 advertises."
      case "expired":
        return "Use the refresh token at the token endpoint, or sign in again."
      case "invalid":
      case "unknown_session":
      case "upstream_rejected":
        return "Sign in again."
    }
  }
}

/**
 * The OIDC proxy cannot start: the discovery document or the JWKS cannot be fetched or is invalid, or
 * a setting is unusable. The message names the variable to fix; the CLI (`src/main.ts`) prints it and exits with code 2.
 */
export class OidcStartupError extends Data.TaggedError("OidcStartupError")<{
  readonly message: string
  readonly cause?: unknown
}> {}
