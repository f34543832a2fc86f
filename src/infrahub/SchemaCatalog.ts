import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { fingerprint } from "../auth/fingerprint.js"
import { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { InfrahubProtocolError, type InfrahubError } from "./errors.js"
import { InfrahubClient } from "./InfrahubClient.js"
import { type BranchSchema, decodeBranchSchema, type KindInfo, SchemaSummaryResponse } from "./schemaModel.js"

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
  /** Forgets a branch's schema, e.g. after Infrahub rejected a document built from it. */
  readonly invalidate: (branch: string | undefined) => Effect.Effect<void>
}

interface Entry {
  readonly schema: BranchSchema
  readonly checkedAt: number
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
    // Keyed by credential fingerprint too: in passthrough modes, callers may see different schemas.
    const entries = new Map<string, Entry>()
    const inflight = new Map<string, Deferred.Deferred<BranchSchema, InfrahubError>>()

    const keyOf = (branch: string | undefined) =>
      Effect.map(InfrahubCredentials, (credential) => `${fingerprint(credential)}\u0000${branch ?? ""}`)

    const fetchSchema = (branch: string | undefined) =>
      client.schema(branch).pipe(
        Effect.flatMap((json) =>
          Either.match(decodeBranchSchema(json), {
            onLeft: (detail) => Effect.fail(new InfrahubProtocolError({ detail: `/api/schema: ${detail}` })),
            onRight: Effect.succeed
          })
        )
      )

    const store = (key: string, schema: BranchSchema, now: number) => {
      entries.delete(key)
      if (entries.size >= MAX_ENTRIES) {
        const oldest = entries.keys().next()
        if (!oldest.done) entries.delete(oldest.value)
      }
      entries.set(key, { schema, checkedAt: now })
    }

    /** A cached schema older than `freshForMs` costs one cheap summary request: refetch only if the hash moved. */
    const revalidate = (branch: string | undefined, cached: BranchSchema) =>
      client.schemaSummary(branch).pipe(
        Effect.flatMap((json) => Schema.decodeUnknown(SchemaSummaryResponse)(json)),
        Effect.mapError((error) =>
          error._tag === "ParseError" ? new InfrahubProtocolError({ detail: "/api/schema/summary has no hash" }) : error
        ),
        Effect.flatMap((summary) => (summary.main === cached.hash ? Effect.succeed(cached) : fetchSchema(branch)))
      )

    /** One fetch per key at a time: concurrent cold calls share it. */
    const load = (key: string, run: Effect.Effect<BranchSchema, InfrahubError, InfrahubCredentials>) =>
      Effect.gen(function* () {
        const existing = inflight.get(key)
        if (existing !== undefined) return yield* Deferred.await(existing)
        const deferred = yield* Deferred.make<BranchSchema, InfrahubError>()
        inflight.set(key, deferred)
        const exit = yield* Effect.exit(run)
        inflight.delete(key)
        if (Exit.isSuccess(exit)) store(key, exit.value, yield* Clock.currentTimeMillis)
        yield* Deferred.done(deferred, exit)
        return yield* exit
      })

    const forBranch = (branch: string | undefined, forceCheck = false) =>
      Effect.gen(function* () {
        const key = yield* keyOf(branch)
        const now = yield* Clock.currentTimeMillis
        const cached = entries.get(key)
        if (cached === undefined) return yield* load(key, fetchSchema(branch))
        if (!forceCheck && now - cached.checkedAt < options.freshForMs) return cached.schema
        return yield* load(key, revalidate(branch, cached.schema))
      })

    const resolve = (schema: BranchSchema, wanted: string): KindInfo | undefined => {
      const exact = schema.kinds.get(wanted)
      if (exact !== undefined) return exact
      // Case-insensitive match only when unambiguous: `locationsite` → `LocationSite`.
      const matches = [...schema.kinds.values()].filter((k) => k.kind.toLowerCase() === wanted.toLowerCase())
      return matches.length === 1 ? matches[0] : undefined
    }

    const kind = (wanted: string, branch: string | undefined) =>
      Effect.gen(function* () {
        const schema = yield* forBranch(branch)
        const found = resolve(schema, wanted)
        if (found !== undefined) return found
        const rechecked = yield* forBranch(branch, true)
        const late = resolve(rechecked, wanted)
        if (late !== undefined) return late
        const validKinds = rechecked.catalog.map((k) => k.kind)
        return yield* new UnknownKind({
          kind: wanted,
          branch: branch === undefined ? "default branch" : `branch ${branch}`,
          suggestions: suggestionsFor(wanted, validKinds),
          validKinds
        })
      })

    const invalidate = (branch: string | undefined) =>
      Effect.sync(() => {
        for (const key of entries.keys()) if (key.endsWith(`\u0000${branch ?? ""}`)) entries.delete(key)
      })

    return SchemaCatalog.of({
      forBranch: (branch, readOptions) => forBranch(branch, options.honourRevalidate && readOptions?.revalidate === true),
      kind,
      invalidate
    })
  })

  static readonly layer = (options: SchemaCatalogOptions): Layer.Layer<SchemaCatalog, never, InfrahubClient> =>
    Layer.effect(SchemaCatalog, SchemaCatalog.make(options))
}
