import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * The shared store did not answer (unreachable, timed out, refused the command) or is full. Every
 * caller fails closed on it: no silent fallback to process memory, which would split one client's
 * state between replicas.
 */
export class StateStoreUnavailable extends Schema.TaggedError<StateStoreUnavailable>()("StateStoreUnavailable", {
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `The server's state store failed during ${this.operation}: ${this.detail}.`
  }
  get remediation(): string {
    return "Retry in a few seconds. If it keeps failing, the operator must check the store named by INFRAHUB_MCP_STATE_STORE (is Valkey/Redis running and reachable?)."
  }
}

/** A token bucket: `ratePerSecond` tokens refill per second, at most `burst` kept. */
export interface BucketSpec {
  readonly ratePerSecond: number
  readonly burst: number
}

export type TokenDecision =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Refused"; readonly retryAfterMs: number }

/**
 * Shared server state with expiry: one interface, one layer per backend (in memory, Valkey/Redis), so
 * no other module knows which it has. Values are opaque strings (see `StateNamespace` for typed
 * access); keys never carry a secret (callers key by fingerprints). Every entry has a time to live,
 * so abandoned state disappears on its own.
 *
 * Every operation is atomic on its own: `take` is how single-use values (codes, sign-ins in flight)
 * are consumed, `compareAndSet` how a value is rotated (refresh tokens) without a lost update, `admit`
 * how a bounded group (sessions of one principal, sign-ins in flight from one source) refuses new
 * members past its limit instead of evicting old ones.
 */
export interface StateStoreShape {
  /** `memory` or `redis` (for `/health` and logs). */
  readonly backend: string
  readonly get: (key: string) => Effect.Effect<Option.Option<string>, StateStoreUnavailable>
  readonly set: (key: string, value: string, ttl: Duration.DurationInput) => Effect.Effect<void, StateStoreUnavailable>
  /** Sets only when the key holds nothing live; `true` when it did. */
  readonly setIfAbsent: (key: string, value: string, ttl: Duration.DurationInput) => Effect.Effect<boolean, StateStoreUnavailable>
  /** Reads and deletes in one step. */
  readonly take: (key: string) => Effect.Effect<Option.Option<string>, StateStoreUnavailable>
  readonly delete: (key: string) => Effect.Effect<void, StateStoreUnavailable>
  /** Restarts a live entry's time to live; `false` when there is none. */
  readonly touch: (key: string, ttl: Duration.DurationInput) => Effect.Effect<boolean, StateStoreUnavailable>
  /**
   * Replaces the value only if it is still `expected` (`None`: absent); `next` `None` deletes.
   * `true` when the swap happened.
   */
  readonly compareAndSet: (
    key: string,
    expected: Option.Option<string>,
    next: Option.Option<string>,
    ttl: Duration.DurationInput
  ) => Effect.Effect<boolean, StateStoreUnavailable>
  /**
   * Adds `member` to the bounded group `group` until `ttl` from now (an existing member is renewed and
   * always admitted). `false` when the group already has `limit` live members: the newcomer is
   * refused, nobody is evicted.
   */
  readonly admit: (
    group: string,
    member: string,
    ttl: Duration.DurationInput,
    limit: number
  ) => Effect.Effect<boolean, StateStoreUnavailable>
  readonly leave: (group: string, member: string) => Effect.Effect<void, StateStoreUnavailable>
  /** Live members of a group. */
  readonly count: (group: string) => Effect.Effect<number, StateStoreUnavailable>
  /** Spends one token of the bucket at `key` (full when new), or says how long until one is there. */
  readonly takeToken: (key: string, bucket: BucketSpec) => Effect.Effect<TokenDecision, StateStoreUnavailable>
  /** Succeeds when the store answers (for `/health`). */
  readonly health: Effect.Effect<void, StateStoreUnavailable>
}

export class StateStore extends Context.Tag("infrahub-mcp/StateStore")<StateStore, StateStoreShape>() {}
