/**
 * Bounds on what unauthenticated requests can make the server remember: sign-ins in flight (from
 * `/authorize`) and client registrations (`/register`). Past a bound the newcomer is refused with
 * 429 and `Retry-After`; nothing already admitted is ever evicted, so a flood can neither push out a
 * real user's sign-in in progress nor an existing registration.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { StateStoreShape, StateStoreUnavailable } from "../../state/StateStore.js"
import { CLIENT_TTL, TRANSACTION_TTL } from "./OidcState.js"

export interface FloodLimits {
  /** Sign-ins in flight per registered client. */
  readonly signInsPerClient: number
  /** Sign-ins in flight per source address (IPv4 address or IPv6 /64). */
  readonly signInsPerSource: number
  /** Sign-ins in flight on the whole server. */
  readonly signInsTotal: number
  /** Registrations one source may make per hour (a token bucket that size, refilled over the hour). */
  readonly registrationsPerSourcePerHour: number
  /** Live registrations on the whole server; past it new ones are refused, old ones kept. */
  readonly registrationsTotal: number
}

/**
 * Far above what people do (a sign-in takes a minute and leaves its slots when it finishes), low
 * enough that a flood costs bounded memory.
 */
export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  signInsPerClient: 50,
  signInsPerSource: 50,
  signInsTotal: 10_000,
  registrationsPerSourcePerHour: 20,
  registrationsTotal: 10_000
}

export type Admission =
  | { readonly _tag: "Admitted" }
  | { readonly _tag: "Refused"; readonly description: string; readonly retryAfterSeconds: number }

const admitted: Admission = { _tag: "Admitted" }

/** A slot frees up when some sign-in finishes or expires; we cannot know when, so suggest a minute. */
const SIGN_IN_RETRY_SECONDS = 60
/** When every registration slot is taken, the next one frees up when an unused registration expires. */
const REGISTRATION_FULL_RETRY_SECONDS = 3600

const minutes = (ttl: Duration.DurationInput) => Duration.toMinutes(Duration.decode(ttl))

const groups = {
  signIns: "oidc:sign-ins",
  signInsOfSource: (source: string) => `oidc:sign-ins:source:${source}`,
  signInsOfClient: (clientId: string) => `oidc:sign-ins:client:${clientId}`,
  registrations: "oidc:registrations",
  registrationBucket: (source: string) => `oidc:registrations:source:${source}`
}

export const makeFloodGuard = (store: StateStoreShape, limits: FloodLimits) => {
  const signInGroups = (clientId: string, source: string) =>
    [
      {
        group: groups.signInsOfSource(source),
        limit: limits.signInsPerSource,
        description: `Too many sign-ins are in progress from your network address (at most ${limits.signInsPerSource}). Finish or close the ones you started (each expires ${minutes(TRANSACTION_TTL)} minutes after it began), then start again.`
      },
      {
        group: groups.signInsOfClient(clientId),
        limit: limits.signInsPerClient,
        description: `Too many sign-ins are in progress for this application (at most ${limits.signInsPerClient}). Finish the ones already open, or wait a few minutes, then start again.`
      },
      {
        group: groups.signIns,
        limit: limits.signInsTotal,
        description: `This server has too many sign-ins in progress (at most ${limits.signInsTotal}). Wait a few minutes, then start again.`
      }
    ] as const

  /** Takes a slot in each bound for the sign-in `member`; on a refusal, gives back the ones taken. */
  const admitSignIn = (member: string, clientId: string, source: string): Effect.Effect<Admission, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const taken: Array<string> = []
      for (const bound of signInGroups(clientId, source)) {
        if (!(yield* store.admit(bound.group, member, TRANSACTION_TTL, bound.limit))) {
          yield* Effect.forEach(taken, (group) => store.leave(group, member), { discard: true })
          return { _tag: "Refused", description: bound.description, retryAfterSeconds: SIGN_IN_RETRY_SECONDS } as const
        }
        taken.push(bound.group)
      }
      return admitted
    })

  /** Frees the slots of a sign-in that finished (or was denied) before it expired. */
  const releaseSignIn = (member: string, clientId: string, source: string) =>
    Effect.forEach(signInGroups(clientId, source), (bound) => store.leave(bound.group, member), { discard: true })

  const perHour = limits.registrationsPerSourcePerHour
  const registrationBucket = { burst: perHour, ratePerSecond: perHour / 3600 }

  /** A new registration from `source`: within its hourly allowance and under the server's cap. */
  const admitRegistration = (clientId: string, source: string): Effect.Effect<Admission, StateStoreUnavailable> =>
    Effect.gen(function* () {
      const token = yield* store.takeToken(groups.registrationBucket(source), registrationBucket)
      if (token._tag === "Refused") {
        const seconds = Math.max(1, Math.ceil(token.retryAfterMs / 1000))
        return {
          _tag: "Refused",
          description: `Too many client registrations from your network address (at most ${perHour} an hour); try again in ${seconds} seconds. An MCP client registers once and keeps its client_id.`,
          retryAfterSeconds: seconds
        } as const
      }
      if (!(yield* store.admit(groups.registrations, clientId, CLIENT_TTL, limits.registrationsTotal))) {
        return {
          _tag: "Refused",
          description: `This server already holds its maximum of ${limits.registrationsTotal} client registrations; registrations unused for ${Duration.toDays(CLIENT_TTL)} days expire. Try again later, or ask the operator.`,
          retryAfterSeconds: REGISTRATION_FULL_RETRY_SECONDS
        } as const
      }
      return admitted
    })

  /** A registration in use keeps its place (an existing member is always re-admitted). */
  const renewRegistration = (clientId: string) =>
    Effect.asVoid(store.admit(groups.registrations, clientId, CLIENT_TTL, limits.registrationsTotal))

  return { admitSignIn, releaseSignIn, admitRegistration, renewRegistration }
}

export type FloodGuard = ReturnType<typeof makeFloodGuard>
