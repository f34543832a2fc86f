import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Principal } from "../auth/Principal.js"
import type { StateStoreShape, StateStoreUnavailable } from "../state/StateStore.js"

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterMs: Schema.Number
}) {
  override get message(): string {
    return `Too many tool calls: this server allows each caller a limited rate (INFRAHUB_MCP_RATE_LIMIT_RPS) and yours is used up right now.`
  }
  get remediation(): string {
    return `Wait ${Math.ceil(this.retryAfterMs / 100) / 10} s and retry; batch work into fewer calls (filters, limit) where you can.`
  }
}

export interface RateLimitOptions {
  readonly requestsPerSecond: number
  readonly burst: number
}

/**
 * One token bucket per principal (INFRAHUB_MCP_RATE_LIMIT_RPS/BURST), kept in the `StateStore` so
 * replicas sharing a store share the buckets. Per principal, not per process: one client (or a junk
 * credential) spending its bucket cannot starve the others. In auth mode `none` every caller is the
 * same principal, so the bucket is the whole server's, as in the Python server.
 *
 * A call over the rate is refused at once with the wait time rather than queued: a queue would hold
 * fibers and sockets while a model keeps sending. A store failure refuses the call too (fail closed).
 */
export const makeRateLimiter = (store: StateStoreShape, options: RateLimitOptions) => {
  const bucket = { ratePerSecond: options.requestsPerSecond, burst: options.burst }

  const take: Effect.Effect<void, RateLimited | StateStoreUnavailable, Principal> = Effect.flatMap(Principal, (principal) =>
    Effect.flatMap(store.takeToken(`rate:${principal.id}`, bucket), (decision) =>
      decision._tag === "Allowed" ? Effect.void : Effect.fail(new RateLimited({ retryAfterMs: decision.retryAfterMs }))
    )
  )

  return {
    /** Middleware: spends one of the caller's tokens before the wrapped effect, or refuses. */
    limited: <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimited | StateStoreUnavailable, R | Principal> =>
      Effect.zipRight(take, self)
  }
}

export type RateLimiter = ReturnType<typeof makeRateLimiter>
