import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { OidcProxy } from "../auth/oidc/OidcProxy.js"

/**
 * The OAuth surface of the HTTP server, served as an `HttpApp` the server's router falls through to.
 * In `oidc` mode the OIDC proxy's routes answer; in every other mode OAuth discovery probes and
 * `/register` get a JSON 404 so MCP clients stop looking (a plain-text 404 makes several clients
 * fail instead). Any other path fails with `RouteNotFound`, for the server's own 404.
 */
export interface OAuthRoutesShape {
  readonly app: HttpApp.Default<HttpServerError.RouteNotFound>
  /**
   * The app reads request bodies itself, stopping at its own (smaller) limit; otherwise the server
   * bounds them with INFRAHUB_MCP_MAX_BODY_BYTES before the app runs.
   */
  readonly boundsBodies: boolean
}

const DISCOVERY = /^(?:\/.*)?\/\.well-known\/(?:oauth-authorization-server|oauth-protected-resource|openid-configuration)(?:\/.*)?$/

export const isOAuthProbe = (path: string): boolean => DISCOVERY.test(path) || path === "/register" || path.endsWith("/register")

const notEnabled = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (!isOAuthProbe(new URL(request.url, "http://localhost").pathname)) return yield* new HttpServerError.RouteNotFound({ request })
  return HttpServerResponse.unsafeJson(
    { error: "invalid_request", error_description: "OAuth is not enabled on this server." },
    { status: 404 }
  )
})

export class OAuthRoutes extends Context.Tag("infrahub-mcp/OAuthRoutes")<OAuthRoutes, OAuthRoutesShape>() {
  /** `oidc` mode: metadata, registration, authorize/consent, callbacks, token, revoke. */
  static readonly fromOidc: Layer.Layer<OAuthRoutes, never, OidcProxy> = Layer.effect(
    OAuthRoutes,
    Effect.map(OidcProxy, (proxy) => OAuthRoutes.of({ app: proxy.app, boundsBodies: true }))
  )

  static readonly disabled: Layer.Layer<OAuthRoutes> = Layer.succeed(OAuthRoutes, OAuthRoutes.of({ app: notEnabled, boundsBodies: false }))
}
