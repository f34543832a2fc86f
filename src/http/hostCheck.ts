import { isIP } from "node:net"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { hostnameOf } from "../config/parse.js"

/** DNS rebinding needs a name the attacker's DNS answers for: an IP address in `Host` is never one. */
const isAddress = (hostname: string): boolean =>
  isIP(hostname) !== 0 || (hostname.startsWith("[") && isIP(hostname.slice(1, -1)) === 6)

/**
 * Whether `Host` names this server: an IP address, `localhost`, or one of `allowed` (the `--host`
 * name, the OIDC base URL's host, INFRAHUB_MCP_ALLOWED_HOSTS). A request without `Host` cannot come
 * from a browser, so there is nothing to rebind.
 */
export const hostAllowed = (host: string | undefined, allowed: ReadonlyArray<string> | "any"): boolean => {
  if (allowed === "any" || host === undefined) return true
  const hostname = hostnameOf(host)
  return isAddress(hostname) || hostname === "localhost" || allowed.includes(hostname)
}

/**
 * DNS-rebinding protection for every route: a page on `evil.example` whose DNS later points at this
 * server reaches it with `Host: evil.example` (and, for same-origin GETs, no `Origin` at all), so the
 * `Host` check is what stops it. Refused with 421 Misdirected Request.
 */
export const checkHost = (allowed: ReadonlyArray<string> | "any") =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const host = request.headers["host"]
      if (hostAllowed(host, allowed)) return yield* app
      yield* Effect.logWarning(`http_refused reason=host host=${JSON.stringify(host)}`)
      return HttpServerResponse.unsafeJson(
        {
          error: "misdirected_request",
          error_description: `Host ${JSON.stringify(host)} is not a name of this server, so the request was refused (DNS-rebinding protection). If clients reach the server under this name, add it to INFRAHUB_MCP_ALLOWED_HOSTS.`
        },
        { status: 421 }
      )
    })
  )
