import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterMs: Schema.Number
}) {
  override get message(): string {
    return `Too many tool calls: this server allows a limited rate (INFRAHUB_MCP_RATE_LIMIT_RPS) and it is exhausted right now.`
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
 * A token bucket shared by every tool call of the process (INFRAHUB_MCP_RATE_LIMIT_RPS/BURST). A call
 * over the rate is refused at once with the wait time rather than queued: a queue would hold fibers
 * and sockets while a model keeps sending.
 */
export const makeRateLimiter = (options: RateLimitOptions) => {
  const perMs = options.requestsPerSecond / 1000
  let tokens = options.burst
  let updatedAt: number | undefined

  const take = Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<void, RateLimited> => {
    tokens = Math.min(options.burst, tokens + (updatedAt === undefined ? 0 : (now - updatedAt) * perMs))
    updatedAt = now
    if (tokens >= 1) {
      tokens -= 1
      return Effect.void
    }
    return Effect.fail(new RateLimited({ retryAfterMs: Math.ceil((1 - tokens) / perMs) }))
  })

  return {
    /** Middleware: spends one token before the wrapped effect, or refuses. */
    limited: <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimited, R> => Effect.zipRight(take, self)
  }
}

export type RateLimiter = ReturnType<typeof makeRateLimiter>
