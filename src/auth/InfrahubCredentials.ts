import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Redacted from "effect/Redacted"

/** An Infrahub API token, sent as `X-INFRAHUB-KEY`. */
export class ApiToken extends Data.TaggedClass("ApiToken")<{ readonly token: Redacted.Redacted<string> }> {}

/** An Infrahub username and password, exchanged at `/api/auth/login` for a JWT. */
export class Password extends Data.TaggedClass("Password")<{
  readonly username: string
  readonly password: Redacted.Redacted<string>
}> {}

export type Credential = ApiToken | Password

/**
 * The credential used for the Infrahub calls of one request. Request-scoped: the MCP edge provides it
 * per call from the request's authentication, so a service that talks to Infrahub says so in its
 * type and the compiler refuses any Infrahub call made outside a request.
 */
export class InfrahubCredentials extends Context.Tag("infrahub-mcp/InfrahubCredentials")<
  InfrahubCredentials,
  Credential
>() {}

export const apiToken = (token: string): ApiToken => new ApiToken({ token: Redacted.make(token) })

export const password = (username: string, secret: string): Password =>
  new Password({ username, password: Redacted.make(secret) })
