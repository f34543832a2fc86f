import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { RequestAuth } from "../auth/AuthMode.js"
import { Fingerprints } from "../auth/fingerprint.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import type { InfrahubError } from "../infrahub/errors.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { stateNamespace } from "../state/StateNamespace.js"
import { StateStore, type StateStoreUnavailable } from "../state/StateStore.js"

/** Infrahub refused the caller's own credential (401): no session, no further Infrahub request. */
export class CredentialRejected extends Schema.TaggedError<CredentialRejected>()("CredentialRejected", {
  credential: Schema.Literal("token", "password"),
  detail: Schema.String
}) {
  override get message(): string {
    return `Infrahub rejected your ${this.credential === "token" ? "API token" : "username and password"} (${this.detail}).`
  }
  get remediation(): string {
    return this.credential === "token"
      ? "Send a valid Infrahub API token: this one is mistyped, expired or revoked."
      : "Send a valid Infrahub username and password: check both, and that the account is active."
  }
}

/** The credential could not be checked right now (Infrahub or the state store failed): retry later. */
export class CredentialCheckUnavailable extends Schema.TaggedError<CredentialCheckUnavailable>()("CredentialCheckUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return `Your credential could not be checked with Infrahub: ${this.detail}`
  }
  get remediation(): string {
    return "Retry in a few seconds; if it keeps failing, the operator must check that Infrahub (INFRAHUB_ADDRESS) and the state store are reachable."
  }
}

export interface CredentialCheckShape {
  /** Succeeds when Infrahub accepts the caller's credential (or it is the server's own). */
  readonly verify: (auth: RequestAuth) => Effect.Effect<void, CredentialRejected | CredentialCheckUnavailable>
}

export interface CredentialCheckOptions {
  /**
   * How long a positive answer is trusted. A credential revoked in Infrahub can still open sessions
   * for at most this long (its Infrahub calls fail at once, since Infrahub checks every request).
   */
  readonly trustFor: Duration.DurationInput
}

/** Five minutes: a few Infrahub requests per active credential per hour, and a short window after revocation. */
export const DEFAULT_TRUST = Duration.minutes(5)

// Costs Infrahub one cheap read, and proves who the caller is: with anonymous reads allowed an
// unauthenticated query would pass, but a credential that does not resolve is always a 401.
const WHO_AM_I = "query { AccountProfile { id } }"

/** Infrahub's answer about the credential: accepted, refused (401), or no answer we can trust. */
const classify = (auth: RequestAuth) => (error: InfrahubError): Effect.Effect<void, CredentialRejected | CredentialCheckUnavailable> => {
  switch (error._tag) {
    case "InfrahubUnauthorized":
      // 403 means Infrahub knew the account and refused the read: the credential itself is valid.
      return error.status === 401
        ? Effect.fail(new CredentialRejected({ credential: auth.credential._tag === "ApiToken" ? "token" : "password", detail: error.detail }))
        : Effect.void
    case "InfrahubGraphQLError":
      // GraphQL ran, so authentication passed.
      return Effect.void
    default:
      return Effect.fail(new CredentialCheckUnavailable({ detail: error.message }))
  }
}

const storeFailed = (error: StateStoreUnavailable) => new CredentialCheckUnavailable({ detail: error.message })

/**
 * Proves a caller's own Infrahub credential before the server spends a session (or a stateless
 * request) on it, so junk credentials cannot fill the session limits. A positive answer is kept in
 * the `StateStore` under the credential's fingerprint for `trustFor`; negative answers are not kept
 * (each would be state an attacker could make us hold).
 */
export class CredentialCheck extends Context.Tag("infrahub-mcp/CredentialCheck")<CredentialCheck, CredentialCheckShape>() {
  /** Modes `none` and `oidc`: the credential is the server's own, and OIDC verified the caller already. */
  static readonly trusted: Layer.Layer<CredentialCheck> = Layer.succeed(CredentialCheck, CredentialCheck.of({ verify: () => Effect.void }))

  /** The passthrough modes: one `AccountProfile` query with the caller's credential. */
  static readonly againstInfrahub = (
    options: CredentialCheckOptions
  ): Layer.Layer<CredentialCheck, never, InfrahubClient | StateStore | Fingerprints> =>
    Layer.effect(
      CredentialCheck,
      Effect.gen(function* () {
        const client = yield* InfrahubClient
        const fingerprints = yield* Fingerprints
        const verified = stateNamespace(yield* StateStore, "credential-verified", Schema.Literal(true))

        const ask = (auth: RequestAuth) =>
          client.graphql({ query: WHO_AM_I }).pipe(
            // An idempotent read: one retry rides out a kept-alive connection Infrahub just closed.
            Effect.retry({ times: 1, while: (error) => error._tag === "InfrahubUnreachable" }),
            Effect.provideService(InfrahubCredentials, auth.credential),
            Effect.asVoid,
            Effect.catchAll(classify(auth))
          )

        const verify = Effect.fn("CredentialCheck.verify")(function* (auth: RequestAuth) {
          const key = fingerprints.credential(auth.credential)
          if (Option.isSome(yield* Effect.mapError(verified.get(key), storeFailed))) return
          yield* ask(auth)
          yield* Effect.mapError(verified.set(key, true, options.trustFor), storeFailed)
        })

        return CredentialCheck.of({ verify })
      })
    )
}
