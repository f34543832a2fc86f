import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { OidcProxy } from "../auth/oidc/OidcProxy.js"

/**
 * The OAuth surface of the HTTP server. In `oidc` mode the OIDC proxy answers these routes; in every
 * other mode OAuth discovery probes and `/register` get a JSON 404 so MCP clients stop looking
 * (a plain-text 404 makes several clients fail instead).
 */
export interface OAuthRoutesShape {
  /** `Some(response)` when the request is an OAuth route; `None` lets the router go on. */
  readonly handle: (request: Request) => Effect.Effect<Option.Option<Response>>
}

const DISCOVERY = /^(?:\/.*)?\/\.well-known\/(?:oauth-authorization-server|oauth-protected-resource|openid-configuration)(?:\/.*)?$/

export const isOAuthProbe = (path: string): boolean => DISCOVERY.test(path) || path === "/register" || path.endsWith("/register")

export class OAuthRoutes extends Context.Tag("infrahub-mcp/OAuthRoutes")<OAuthRoutes, OAuthRoutesShape>() {
  /** `oidc` mode: metadata, registration, authorize/consent, callbacks, token, revoke. */
  static readonly fromOidc: Layer.Layer<OAuthRoutes, never, OidcProxy> = Layer.effect(
    OAuthRoutes,
    Effect.map(OidcProxy, (proxy) => OAuthRoutes.of({ handle: proxy.handle }))
  )

  static readonly disabled: Layer.Layer<OAuthRoutes> = Layer.succeed(
    OAuthRoutes,
    OAuthRoutes.of({
      handle: (request) =>
        Effect.sync(() =>
          isOAuthProbe(new URL(request.url).pathname)
            ? Option.some(
                new Response(JSON.stringify({ error: "invalid_request", error_description: "OAuth is not enabled on this server." }), {
                  status: 404,
                  headers: { "content-type": "application/json" }
                })
              )
            : Option.none()
        )
    })
  )
}
