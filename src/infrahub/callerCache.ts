import type * as Cache from "effect/Cache"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Hash from "effect/Hash"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { FingerprintsShape } from "../auth/fingerprint.js"
import { type Credential, InfrahubCredentials } from "../auth/InfrahubCredentials.js"

/**
 * The key of a per-process `Cache` entry that belongs to one caller's credential: a branch's schema,
 * the default branch. Keys are equal when the credential's fingerprint and the branch are.
 *
 * Effect's `Cache` runs a lookup in the context the cache was built in, not the caller's. So the key
 * carries what the lookup needs from the caller who missed: the credential (its Infrahub requests
 * are that caller's) and the caller's span (they appear in that caller's trace).
 */
export class CallerKey implements Equal.Equal {
  private constructor(
    readonly fingerprint: string,
    /** `undefined`: the default branch, or an entry about no branch at all. */
    readonly branch: string | undefined,
    private readonly credential: Credential,
    private readonly span: Option.Option<Tracer.AnySpan>
  ) {}

  /** The key of the current request's credential (and `branch`). */
  static readonly current = (
    fingerprints: FingerprintsShape,
    branch?: string
  ): Effect.Effect<CallerKey, never, InfrahubCredentials> =>
    // The parent span read from the context, not `Effect.option(Effect.currentParentSpan)`: without a
    // span (tracing off) the latter builds and drops an exception, with its stack trace, on every lookup.
    Effect.contextWith((context: Context.Context<InfrahubCredentials>) => {
      const credential = Context.get(context, InfrahubCredentials)
      return new CallerKey(fingerprints.credential(credential), branch, credential, Context.getOption(context, Tracer.ParentSpan))
    })

  /** Runs `effect` as the caller this key was made for: with its credential, under its span. */
  run<A, E>(effect: Effect.Effect<A, E, InfrahubCredentials>): Effect.Effect<A, E> {
    const asCaller = Effect.provideService(effect, InfrahubCredentials, this.credential)
    return Option.match(this.span, {
      onNone: () => asCaller,
      onSome: (span) => Effect.withParentSpan(asCaller, span)
    })
  }

  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof CallerKey && that.fingerprint === this.fingerprint && that.branch === this.branch
  }

  [Hash.symbol](): number {
    return Hash.cached(this, Hash.combine(Hash.string(this.fingerprint))(Hash.hash(this.branch)))
  }
}

/**
 * Time to live of a cache entry: `success` for a value; a failure is kept no longer than the callers
 * already waiting for it (see {@link getOrForget}).
 */
export const keepSuccessFor =
  (success: Duration.DurationInput) =>
  <A, E>(exit: Exit.Exit<A, E>): Duration.DurationInput =>
    Exit.isSuccess(exit) ? success : Duration.zero

/**
 * `Cache.get` that forgets a failed lookup at once. A zero time to live alone still serves the
 * failure for the rest of the millisecond (and forever under a paused `TestClock`); a retry must
 * ask Infrahub again.
 */
export const getOrForget = <K, V, E>(cache: Cache.Cache<K, V, E>, key: K): Effect.Effect<V, E> =>
  cache.get(key).pipe(Effect.tapError(() => cache.invalidate(key)))
