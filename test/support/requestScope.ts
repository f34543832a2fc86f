import { Effect, Logger, LogLevel } from "effect"
import { apiToken, InfrahubCredentials } from "../../src/auth/InfrahubCredentials.js"
import { Principal, type PrincipalShape } from "../../src/auth/Principal.js"
import { RequestContext } from "../../src/session/RequestContext.js"

/** Runs `self` as a request of `who` in `workspace`, calling Infrahub with `token`; its logs are muted. */
export const asRequest =
  (token: string, who: PrincipalShape, workspace: string) =>
  <A, E>(self: Effect.Effect<A, E, InfrahubCredentials | Principal | RequestContext>): Effect.Effect<A, E> =>
    self.pipe(
      Effect.provideService(InfrahubCredentials, apiToken(token)),
      Effect.provideService(Principal, who),
      Effect.provideService(RequestContext, RequestContext.detached(workspace)),
      Logger.withMinimumLogLevel(LogLevel.None)
    )
