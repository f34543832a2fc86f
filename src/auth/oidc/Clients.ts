/**
 * Registered clients in the state store: added at `/register` (within the flood bounds), looked up
 * at `/authorize`, `/token` and `/revoke`. A registration expires after `CLIENT_TTL` unused; every
 * lookup renews it, so a client in use is never forgotten.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StateStoreUnavailable } from "../../state/StateStore.js"
import type { Admission, FloodGuard } from "./FloodGuard.js"
import { CLIENT_TTL, type OidcState, type RegisteredClient } from "./OidcState.js"
import { randomToken } from "./secrets.js"

export interface NewClient {
  readonly clientName: string | undefined
  readonly redirectUris: ReadonlyArray<string>
  readonly scope: string | undefined
}

export type RegistrationOutcome =
  | Extract<Admission, { readonly _tag: "Refused" }>
  | { readonly _tag: "Registered"; readonly client: RegisteredClient }

export const makeClients = (state: OidcState, flood: FloodGuard) => {
  const register = (
    metadata: NewClient,
    source: string
  ): Effect.Effect<RegistrationOutcome, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const client: RegisteredClient = {
        clientId: randomToken(),
        ...(metadata.clientName === undefined ? {} : { clientName: metadata.clientName }),
        redirectUris: metadata.redirectUris,
        ...(metadata.scope === undefined ? {} : { scope: metadata.scope }),
        issuedAt: Math.floor((yield* Clock.currentTimeMillis) / 1000)
      }
      const admission = yield* flood.admitRegistration(client.clientId, source)
      if (admission._tag === "Refused") return admission
      yield* state.clients.set(client.clientId, client, CLIENT_TTL)
      return { _tag: "Registered", client } as const
    })

  /** The registration of `clientId`, renewed because it is being used. */
  const find = (clientId: string): Effect.Effect<Option.Option<RegisteredClient>, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const client = yield* state.clients.get(clientId)
      if (Option.isSome(client)) {
        yield* state.clients.touch(clientId, CLIENT_TTL)
        yield* flood.renewRegistration(clientId)
      }
      return client
    })

  return { register, find }
}

export type Clients = ReturnType<typeof makeClients>
