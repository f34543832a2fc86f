import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Fingerprints } from "./fingerprint.js"
import { OidcProxy } from "./oidc/OidcProxy.js"
import { sanitizeDescription } from "./oidc/answers.js"
import { apiToken, type Credential, password } from "./InfrahubCredentials.js"
import { AUTH_MODES, type AuthModeName, Principal, type PrincipalMode, type PrincipalShape } from "./Principal.js"

/** What the edge learns about one request: who calls, and which credential their Infrahub calls use. */
export interface RequestAuth {
  readonly principal: PrincipalShape
  readonly credential: Credential
}

/**
 * A request without a usable credential. Refused at the HTTP edge with `status` and a JSON body
 * before anything else runs — in particular before any Infrahub request (fail closed).
 */
export class AuthRejected extends Data.TaggedError("AuthRejected")<{
  readonly status: 401 | 403 | 503
  readonly error: string
  readonly description: string
  /** The `WWW-Authenticate` challenge to send back. */
  readonly challenge: string
}> {
  override get message(): string {
    return this.description
  }
}

export interface AuthModeShape {
  /** The name `/health`, `get_session_info` and the principals it identifies report. */
  readonly mode: PrincipalMode
  /** Resolves an HTTP request's identity and Infrahub credential, or refuses it. */
  readonly authenticate: (request: Request) => Effect.Effect<RequestAuth, AuthRejected>
  /** The identity of a stdio connection: only mode `none` has one (stdio has no headers). */
  readonly processAuth: Option.Option<RequestAuth>
  /** The server's own Infrahub credential (modes `none` and `oidc`): used by `/health`. */
  readonly sharedCredential: Option.Option<Credential>
}

/**
 * What a host's own authentication (`AuthMode.custom`) learns about a request: who calls — without
 * the mode, which the custom mode stamps on — and the Infrahub credential their calls use.
 */
export interface HostIdentity {
  readonly principal: Omit<PrincipalShape, "mode">
  readonly credential: Credential
}

export interface CustomAuthModeOptions {
  /**
   * The mode's name, as `/health` and `get_session_info` report it: lower-case letters,
   * digits, `.`, `_` and `-`, starting with a letter, at most 64 characters, and not one of the
   * built-in modes' names (a host's SSO reported as `oidc` would mislead whoever reads `/health`).
   */
  readonly name: string
  /** Identifies an HTTP request, or refuses it (the refusal's status, body and challenge are sent as they are). */
  readonly authenticate: (request: Request) => Effect.Effect<HostIdentity, AuthRejected>
  /**
   * The server's own Infrahub credential, if the mode has one (like modes `none` and `oidc`):
   * `/health` then proves it works; without one, `/health` only checks that Infrahub answers.
   */
  readonly sharedCredential?: Credential
}

/** `AuthMode.custom` was given a name it cannot report (start-up error: the host's code must change). */
export class InvalidAuthModeName extends Data.TaggedError("InvalidAuthModeName")<{ readonly name: string }> {
  override get message(): string {
    return `'${this.name}' cannot name a custom auth mode: use lower-case letters, digits, '.', '_' and '-' (starting with a letter, at most 64 characters), and none of the built-in names (${AUTH_MODES.join(", ")}).`
  }
}

const BUILT_IN_MODES: ReadonlySet<string> = new Set(AUTH_MODES)
const CUSTOM_MODE_NAME = /^[a-z][a-z0-9._-]{0,63}$/

/** Why a header holds no usable credential: absent (or blank), or present in a form we refuse. */
export type CredentialProblem = "missing" | "malformed"

// RFC 9110 §11.2 token68: what a bearer token (or a raw Infrahub token) is made of.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

// Registered HTTP authentication schemes (IANA): a header holding only one of these names is a
// client that meant a scheme and forgot its credentials, never a raw token.
const SCHEMES = new Set(["basic", "bearer", "digest", "dpop", "gnap", "hoba", "mutual", "negotiate", "ntlm", "oauth", "privatetoken", "scram-sha-1", "scram-sha-256", "vapid", "concealed", "token"])

/**
 * `Bearer <token>` (any case) or a raw token. Anything else is refused rather than guessed at:
 * another scheme (`Basic …`), a scheme without credentials (`Basic`, `Bearer`), or a value that is
 * not a token (`Bearer:abc`, spaces inside) would otherwise reach Infrahub as a "token".
 */
export const tokenFromHeader = (value: string | null): Either.Either<string, CredentialProblem> => {
  const trimmed = value?.trim() ?? ""
  if (trimmed === "") return Either.left("missing")
  const parts = trimmed.split(/\s+/)
  const [first = "", second, ...rest] = parts
  const token = second === undefined ? first : first.toLowerCase() === "bearer" && rest.length === 0 ? second : undefined
  if (token === undefined || !TOKEN68.test(token) || SCHEMES.has(token.toLowerCase())) return Either.left("malformed")
  return Either.right(token)
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** `Basic base64(user:password)`: the password may contain `:` or be empty; malformed → `None`. */
export const basicFromHeader = (value: string | null): Option.Option<{ username: string; password: string }> => {
  if (value === null) return Option.none()
  const match = /^basic\s+(\S+)$/i.exec(value.trim())
  const encoded = match?.[1]
  if (encoded === undefined || !BASE64.test(encoded) || encoded.length % 4 !== 0) return Option.none()
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon <= 0) return Option.none()
  return Option.some({ username: decoded.slice(0, colon), password: decoded.slice(colon + 1) })
}

const rejected = (mode: AuthModeName, header: string, scheme: "Bearer" | "Basic", expected: string, problem: CredentialProblem) =>
  new AuthRejected({
    status: 401,
    error: "invalid_request",
    description: problem === "missing"
      ? `Auth mode '${mode}' needs your own Infrahub credential in the ${header} header (${expected}); none was found, so the request was refused.`
      : `Auth mode '${mode}' needs your own Infrahub credential in the ${header} header as ${expected}; the header holds something else, so the request was refused. Check the client's header configuration.`,
    challenge: scheme === "Basic" ? `Basic realm="infrahub-mcp", charset="UTF-8"` : `Bearer realm="infrahub-mcp"`
  })

export class AuthMode extends Context.Tag("infrahub-mcp/AuthMode")<AuthMode, AuthModeShape>() {
  /** Everybody shares the server's `INFRAHUB_API_TOKEN`. */
  static readonly none = (token: Redacted.Redacted<string>): Layer.Layer<AuthMode> => {
    const auth: RequestAuth = { principal: Principal.anonymous, credential: apiToken(Redacted.value(token)) }
    return Layer.succeed(
      AuthMode,
      AuthMode.of({
        mode: "none",
        authenticate: () => Effect.succeed(auth),
        processAuth: Option.some(auth),
        sharedCredential: Option.some(auth.credential)
      })
    )
  }

  /** Each client sends its own Infrahub API token; never falls back to a shared one. */
  static readonly tokenPassthrough = (header: string): Layer.Layer<AuthMode, never, Fingerprints> =>
    Layer.effect(
      AuthMode,
      Effect.map(Fingerprints, (fingerprints) => AuthMode.of({
        mode: "token-passthrough",
        processAuth: Option.none(),
        sharedCredential: Option.none(),
        authenticate: (request) =>
          Either.match(tokenFromHeader(request.headers.get(header)), {
            onLeft: (problem) =>
              Effect.fail(rejected("token-passthrough", header, "Bearer", header.toLowerCase() === "authorization" ? "Bearer <token>" : "<token>", problem)),
            onRight: (token) => {
              const credential = apiToken(token)
              const id = `token:${fingerprints.credential(credential).slice(0, 12)}`
              return Effect.succeed({ credential, principal: { id, user: undefined, scopes: [], mode: "token-passthrough" } })
            }
          })
      }))
    )

  /** Each client sends its own Infrahub username and password (HTTP Basic); exchanged at Infrahub's login. */
  static readonly basicPassthrough = (header: string): Layer.Layer<AuthMode, never, Fingerprints> =>
    Layer.effect(
      AuthMode,
      Effect.map(Fingerprints, (fingerprints) => AuthMode.of({
        mode: "basic-passthrough",
        processAuth: Option.none(),
        sharedCredential: Option.none(),
        authenticate: (request) =>
          Option.match(basicFromHeader(request.headers.get(header)), {
            onNone: () =>
              Effect.fail(rejected(
                "basic-passthrough",
                header,
                "Basic",
                "Basic base64(username:password)",
                (request.headers.get(header)?.trim() ?? "") === "" ? "missing" : "malformed"
              )),
            onSome: ({ username, password: secret }) => {
              const credential = password(username, secret)
              const id = `user:${fingerprints.credential(credential).slice(0, 12)}`
              return Effect.succeed({ credential, principal: { id, user: username, scopes: [], mode: "basic-passthrough" } })
            }
          })
      }))
    )

  /**
   * OIDC: the OAuth proxy decides who may connect (and with which scopes); Infrahub calls use the
   * server's shared token. The 401 carries `resource_metadata` so clients find the sign-in flow.
   */
  static readonly oidc = (token: Redacted.Redacted<string>): Layer.Layer<AuthMode, never, OidcProxy> =>
    Layer.effect(
      AuthMode,
      Effect.map(OidcProxy, (proxy) => {
        const credential = apiToken(Redacted.value(token))
        return AuthMode.of({
          mode: "oidc",
          processAuth: Option.none(),
          sharedCredential: Option.some(credential),
          authenticate: (request) =>
            proxy.authenticate(request.headers.get("authorization") ?? undefined).pipe(
              Effect.map((identity) => ({
                credential,
                principal: { id: `oidc:${identity.subject}`, user: identity.user, scopes: identity.scopes, mode: "oidc" as const }
              })),
              Effect.mapError((error) => {
                const description = sanitizeDescription(`${error.message} ${error.remediation}`)
                // The sign-ins are unreadable, not wrong: a 401 would send the client to sign in again for nothing.
                if (error._tag === "StateStoreUnavailable") {
                  return new AuthRejected({ status: 503, error: "temporarily_unavailable", description, challenge: `Bearer realm="infrahub-mcp"` })
                }
                return new AuthRejected({
                  status: 401,
                  error: "invalid_token",
                  description,
                  challenge: `Bearer error="invalid_token", error_description="${description}", resource_metadata="${proxy.resourceMetadataUrl}"`
                })
              })
            )
        })
      })
    )

  /**
   * A host's own authentication under its own name: `authenticate` identifies each HTTP request,
   * and every principal it returns carries `name` as its mode. A host whose authentication needs
   * services of its own builds this inside `Layer.unwrapEffect`. Over stdio (no headers) a custom
   * mode identifies nobody, so every request there is refused.
   */
  static readonly custom = (options: CustomAuthModeOptions): Layer.Layer<AuthMode, InvalidAuthModeName> => {
    const name = options.name
    if (!CUSTOM_MODE_NAME.test(name) || BUILT_IN_MODES.has(name)) return Layer.fail(new InvalidAuthModeName({ name }))
    return Layer.succeed(
      AuthMode,
      AuthMode.of({
        mode: name,
        processAuth: Option.none(),
        sharedCredential: Option.fromNullable(options.sharedCredential),
        authenticate: (request) =>
          Effect.map(options.authenticate(request), (identity) => ({
            credential: identity.credential,
            principal: { ...identity.principal, mode: name }
          }))
      })
    )
  }
}
