import * as Cache from "effect/Cache"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Fingerprints } from "../auth/fingerprint.js"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { fnIf, spanIf, spansRecorded } from "../spans.js"
import { CallerKey, getOrForget, keepSuccessFor } from "./callerCache.js"
import { InfrahubProtocolError, type InfrahubError } from "./errors.js"
import { InfrahubClient } from "./InfrahubClient.js"
import { type BranchSchema, decodeBranchSchema, type KindInfo } from "./schemaModel.js"

export class UnknownKind extends Schema.TaggedError<UnknownKind>()("UnknownKind", {
  kind: Schema.String,
  branch: Schema.String,
  suggestions: Schema.Array(Schema.String),
  validKinds: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const hint = this.suggestions.length > 0 ? ` Did you mean ${this.suggestions.join(" or ")}?` : ""
    return `Schema not found for kind '${this.kind}' (${this.branch}).${hint} Valid kinds: ${this.validKinds.join(", ")}.`
  }
  get remediation(): string {
    return "Use one of the valid kinds above (exact spelling); get_schema() or the infrahub://schema resource lists them with labels."
  }
  /** A caller error: the kind must be spelled as Infrahub has it (see `isCallerError`). */
  get callerError(): boolean {
    return true
  }
}

export interface SchemaCatalogOptions {
  /** How long a fetched schema is used without asking Infrahub whether its hash changed. */
  readonly freshForMs: number
  /**
   * Whether `revalidate` reads (get_schema, schema resources) check the hash even inside the
   * freshness window. Off when INFRAHUB_MCP_CACHE_ENABLED trades freshness for zero requests.
   */
  readonly honourRevalidate: boolean
}

export interface ReadOptions {
  /**
   * Ask Infrahub whether the cached schema is still current (one cheap hash request) even inside
   * the freshness window: for callers whose answer *is* the schema (get_schema, resources).
   */
  readonly revalidate?: boolean
}

export interface SchemaCatalogShape {
  /** The processed schema of a branch (`undefined` = default branch), cached per branch and credential. */
  readonly forBranch: (
    branch: string | undefined,
    options?: ReadOptions
  ) => Effect.Effect<BranchSchema, InfrahubError, InfrahubCredentials>
  /** A kind's schema; an unknown kind revalidates the cache once (it may have just been loaded) before failing. */
  readonly kind: (
    kind: string,
    branch: string | undefined
  ) => Effect.Effect<KindInfo, InfrahubError | UnknownKind, InfrahubCredentials>
  /**
   * A kind's schema with the branch schema it was found in, in one cache lookup: what `forBranch`
   * then `kind` give, except that after a revalidation both come from the revalidated schema.
   */
  readonly lookup: (
    kind: string,
    branch: string | undefined,
    options?: ReadOptions
  ) => Effect.Effect<KindLookup, InfrahubError | UnknownKind, InfrahubCredentials>
  /** Forgets a branch's schema, e.g. after Infrahub rejected a document built from it. */
  readonly invalidate: (branch: string | undefined) => Effect.Effect<void>
}

/** A kind and the branch schema it belongs to. */
export interface KindLookup {
  readonly schema: BranchSchema
  readonly kind: KindInfo
}

const MAX_ENTRIES = 256

/** Edit distance, for "did you mean": models misspell kinds (`DcimDevise`) more often than they invent them. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

const suggestionsFor = (wanted: string, kinds: ReadonlyArray<string>): ReadonlyArray<string> => {
  const lower = wanted.toLowerCase()
  return kinds
    .map((kind) => ({ kind, score: kind.toLowerCase().includes(lower) ? 0 : distance(lower, kind.toLowerCase()) }))
    .filter((candidate) => candidate.score <= Math.max(2, Math.floor(lower.length / 4)))
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((candidate) => candidate.kind)
}

export class SchemaCatalog extends Context.Tag("infrahub-mcp/SchemaCatalog")<SchemaCatalog, SchemaCatalogShape>() {
  static readonly make = Effect.fn("SchemaCatalog.make")(function* (options: SchemaCatalogOptions) {
    const client = yield* InfrahubClient
    const fingerprints = yield* Fingerprints
    const recordSpans = yield* spansRecorded

    // The client has decoded the answer already; `decodeBranchSchema` (schemaModel) validates it once
    // more while indexing it, which it offers only from unknown JSON.
    const fetchSchema = (branch: string | undefined) =>
      client.schema(branch).pipe(
        Effect.flatMap((response) =>
          Either.match(decodeBranchSchema(response), {
            onLeft: (detail) => Effect.fail(new InfrahubProtocolError({ detail: `/api/schema: ${detail}` })),
            onRight: Effect.succeed
          })
        )
      )

    // Two caches, keyed by credential fingerprint and branch (in passthrough modes, callers may see
    // different schemas). `Cache` has no "revalidate with the previous value" lookup, so the schema
    // last fetched and the moment it was last confirmed current live apart:
    // - `fetched`: the last schema fetched, kept until evicted; concurrent cold callers share one fetch.
    const fetched = yield* Cache.makeWith({
      capacity: MAX_ENTRIES,
      lookup: (key: CallerKey) => key.run(fetchSchema(key.branch)),
      timeToLive: keepSuccessFor(Duration.infinity)
    })

    /** The last fetched schema, if Infrahub's hash says it is still current; refetched only when the hash moved. */
    const confirm = (key: CallerKey) =>
      Effect.gen(function* () {
        const known = yield* fetched.getOptionComplete(key)
        // Nothing fetched yet (or a fetch in flight): the fetch itself is current.
        if (Option.isNone(known)) return yield* getOrForget(fetched, key)
        const summary = yield* client.schemaSummary(key.branch)
        if (summary.main === known.value.hash) return known.value
        const schema = yield* fetchSchema(key.branch)
        yield* fetched.set(key, schema)
        return schema
      })

    // - `confirmed`: schemas confirmed within `freshForMs`. A hit costs no request; a miss costs one
    //   cheap summary request (or the fetch, when cold).
    const confirmed = yield* Cache.makeWith({
      capacity: MAX_ENTRIES,
      lookup: (key: CallerKey) => key.run(confirm(key)),
      timeToLive: keepSuccessFor(Duration.millis(options.freshForMs))
    })

    /** Confirms now, even inside the freshness window; concurrent confirmations of one key share one. */
    const reconfirm = (key: CallerKey) =>
      confirmed.refresh(key).pipe(
        Effect.zipRight(confirmed.get(key)),
        Effect.tapError(() => confirmed.invalidate(key))
      )

    const forBranch = (branch: string | undefined, forceCheck: boolean) =>
      Effect.flatMap(CallerKey.current(fingerprints, branch), (key) =>
        forceCheck ? reconfirm(key) : getOrForget(confirmed, key)
      )

    const resolve = (schema: BranchSchema, wanted: string): KindInfo | undefined => {
      const exact = schema.kinds.get(wanted)
      if (exact !== undefined) return exact
      // Case-insensitive match only when unambiguous: `locationsite` → `LocationSite`.
      const matches = [...schema.kinds.values()].filter((k) => k.kind.toLowerCase() === wanted.toLowerCase())
      return matches.length === 1 ? matches[0] : undefined
    }

    const lookup = fnIf(recordSpans)("SchemaCatalog.lookup")(function* (wanted: string, branch: string | undefined, forceCheck: boolean) {
      const schema = yield* forBranch(branch, forceCheck)
      const found = resolve(schema, wanted)
      if (found !== undefined) return { schema, kind: found }
      const rechecked = yield* forBranch(branch, true)
      const late = resolve(rechecked, wanted)
      if (late !== undefined) return { schema: rechecked, kind: late }
      const validKinds = rechecked.catalog.map((k) => k.kind)
      return yield* new UnknownKind({
        kind: wanted,
        branch: branch === undefined ? "default branch" : `branch ${branch}`,
        suggestions: suggestionsFor(wanted, validKinds),
        validKinds
      })
    })

    /** Every credential's entry for the branch: the branch's schema is Infrahub's, whoever asked. */
    const invalidate = Effect.fn("SchemaCatalog.invalidate")(function* (branch: string | undefined) {
      const keys = [...(yield* fetched.keys), ...(yield* confirmed.keys)].filter((key) => key.branch === branch)
      for (const key of keys) {
        yield* fetched.invalidate(key)
        yield* confirmed.invalidate(key)
      }
    })

    return SchemaCatalog.of({
      forBranch: (branch, readOptions) =>
        forBranch(branch, options.honourRevalidate && readOptions?.revalidate === true).pipe(spanIf(recordSpans, "SchemaCatalog.forBranch")),
      kind: (wanted, branch) => Effect.map(lookup(wanted, branch, false), (found) => found.kind),
      lookup: (wanted, branch, readOptions) => lookup(wanted, branch, options.honourRevalidate && readOptions?.revalidate === true),
      invalidate
    })
  })

  static readonly layer = (options: SchemaCatalogOptions): Layer.Layer<SchemaCatalog, never, InfrahubClient | Fingerprints> =>
    Layer.effect(SchemaCatalog, SchemaCatalog.make(options))
}
