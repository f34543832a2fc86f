import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { GraphQLError } from "graphql/error/GraphQLError.js"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { Branches } from "../infrahub/Branches.js"
import { type InfrahubError, InfrahubProtocolError } from "../infrahub/errors.js"
import { annotateCurrentSpan } from "../spans.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { SchemaCatalog, type UnknownKind } from "../infrahub/SchemaCatalog.js"
import { SessionBranches } from "../session/SessionBranches.js"
import type { StateStoreUnavailable } from "../state/StateStore.js"
import { compactJson, toon } from "./render.js"
import { type RequestContext } from "../session/RequestContext.js"
import { kindCatalog, kindDetail } from "./schemaViews.js"
import { GRAPHQL_TYPE_ADVICE, indexSdl, namesContaining, type SdlIndex, sliceSdl } from "./sdlView.js"

export interface ResourceDescriptor {
  readonly uri: string
  readonly name: string
  readonly title: string
  readonly description: string
  readonly mimeType: string
}

export interface ResourceTemplateDescriptor {
  readonly uriTemplate: string
  readonly name: string
  readonly title: string
  readonly description: string
  readonly mimeType: string
}

export interface ResourceContents {
  readonly uri: string
  readonly mimeType: string
  readonly text: string
}

const RESOURCE_LIST = "Read infrahub://schema, infrahub://schema/{kind}, infrahub://graphql-schema/{type} or infrahub://branches."

/** The URI names no resource, or (with `reason`) a template argument that does not exist. */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  uri: Schema.String,
  reason: Schema.optional(Schema.String),
  advice: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.reason === undefined ? `Unknown resource ${this.uri}.` : `Cannot read ${this.uri}: ${this.reason}.`
  }
  get remediation(): string {
    return this.advice ?? RESOURCE_LIST
  }
  /** A caller error: the URI must change (see `isCallerError`). */
  get callerError(): boolean {
    return true
  }
}

/** A resource over INFRAHUB_MCP_MAX_RESPONSE_BYTES: refused like an oversized tool result, with a narrower way in. */
export class ResourceTooLarge extends Schema.TaggedError<ResourceTooLarge>()("ResourceTooLarge", {
  uri: Schema.String,
  bytes: Schema.Number,
  limit: Schema.Number
}) {
  override get message(): string {
    return `The resource ${this.uri} is ${this.bytes} bytes, over the ${this.limit}-byte response limit.`
  }
  get remediation(): string {
    return this.uri === GRAPHQL_SCHEMA_URI
      ? `Read one type instead: ${GRAPHQL_TYPE_ADVICE}`
      : "Read a narrower resource (infrahub://schema/{kind} for one kind) or call get_schema(kind)."
  }
  /** A caller error: the remediation names a narrower read (see `isCallerError`). */
  get callerError(): boolean {
    return true
  }
}

export type ResourceError = ResourceNotFound | ResourceTooLarge | UnknownKind | InfrahubError | StateStoreUnavailable

const GRAPHQL_SCHEMA_URI = "infrahub://graphql-schema"
const GRAPHQL_TYPE_PREFIX = "infrahub://graphql-schema/"

export type ReadServices = InfrahubCredentials | Principal | RequestContext

export interface ResourceRegistryShape {
  readonly resources: ReadonlyArray<ResourceDescriptor>
  readonly templates: ReadonlyArray<ResourceTemplateDescriptor>
  readonly read: (uri: string) => Effect.Effect<ResourceContents, ResourceError, ReadServices>
  /** Completions for the `{kind}` argument of `infrahub://schema/{kind}`. */
  readonly completeKind: (prefix: string) => Effect.Effect<ReadonlyArray<string>, never, ReadServices>
}

const SCHEMA_KIND_PREFIX = "infrahub://schema/"

export const resourceDescriptors: ReadonlyArray<ResourceDescriptor> = [
  {
    uri: "infrahub://schema",
    name: "schema",
    title: "Infrahub kinds",
    description: "Catalog of the kinds in Infrahub's default branch: kind → label (compact JSON).",
    mimeType: "application/json"
  },
  {
    uri: GRAPHQL_SCHEMA_URI,
    name: "graphql-schema",
    title: "Infrahub GraphQL schema",
    description:
      "The whole GraphQL SDL of Infrahub's default branch. Over a megabyte for a real schema, so usually refused by the response limit: read infrahub://graphql-schema/{type} instead.",
    mimeType: "text/plain"
  },
  {
    uri: "infrahub://branches",
    name: "branches",
    title: "Infrahub branches",
    description: "Branches in Infrahub (name → is_default, status, description), marking this session's branch.",
    mimeType: "application/json"
  }
]

export const resourceTemplates: ReadonlyArray<ResourceTemplateDescriptor> = [
  {
    uriTemplate: "infrahub://schema/{kind}",
    name: "schema-kind",
    title: "Infrahub kind detail",
    description: "Attributes, relationships and get_nodes filters of one kind (TOON).",
    mimeType: "text/plain"
  },
  {
    uriTemplate: "infrahub://graphql-schema/{type}",
    name: "graphql-schema-type",
    title: "Infrahub GraphQL type",
    description:
      "GraphQL SDL of one name: the type and the query or mutation field of that name (e.g. DcimDevice, DcimDeviceCreate, DcimDeviceCreateInput), with the types they use one level deep. An unknown name lists the names containing it.",
    mimeType: "text/plain"
  }
]

export interface ResourceRegistryOptions {
  /** INFRAHUB_MCP_MAX_RESPONSE_BYTES: resources are refused past it, as tool results are. */
  readonly maxResponseBytes: number
}

export class ResourceRegistry extends Context.Tag("infrahub-mcp/ResourceRegistry")<ResourceRegistry, ResourceRegistryShape>() {
  static readonly make = (options: ResourceRegistryOptions) =>
    Effect.gen(function* () {
      const catalog = yield* SchemaCatalog
      const client = yield* InfrahubClient
      const branches = yield* Branches
      const sessions = yield* SessionBranches
      // Parsing a megabyte of SDL takes a while; the last one is kept while Infrahub sends the same text.
      let lastSdl: { readonly text: string; readonly index: SdlIndex } | undefined

      const branchesView = Effect.gen(function* () {
        const all = yield* branches.all
        const current = yield* sessions.current
        const view: Record<string, unknown> = {}
        for (const branch of all) {
          view[branch.name] = {
            is_default: branch.is_default ?? false,
            status: branch.status ?? null,
            description: branch.description ?? null,
            is_session_branch: current._tag === "Some" && current.value === branch.name
          }
        }
        return view
      })

      const sdlIndex = Effect.gen(function* () {
        const text = yield* client.schemaSdl(undefined)
        if (lastSdl?.text === text) return lastSdl.index
        const index = yield* Effect.try({
          try: () => indexSdl(text),
          catch: (error) =>
            new InfrahubProtocolError({ detail: `/schema.graphql is not valid SDL (${error instanceof GraphQLError ? error.message : String(error)})` })
        })
        lastSdl = { text, index }
        return index
      })

      const graphqlType = (uri: string, wanted: string) =>
        Effect.gen(function* () {
          const index = yield* sdlIndex
          const slice = sliceSdl(index, wanted)
          if (slice !== undefined) return slice.sdl
          const near = namesContaining(index, wanted, 40)
          return yield* new ResourceNotFound({
            uri,
            reason: `Infrahub's GraphQL schema has no type or query/mutation field named '${wanted}'`,
            advice:
              near.length > 0
                ? `Names containing '${wanted}': ${near.join(", ")}. Read infrahub://graphql-schema/<one of them>.`
                : "Kinds are GraphQL type names (get_schema() lists them); mutations are <Kind>Create/Update/Upsert/Delete with inputs <Kind>CreateInput/<Kind>UpdateInput."
          })
        })

      const contentsOf = (uri: string): Effect.Effect<ResourceContents, ResourceError, ReadServices> => {
        const contents = (mimeType: string, text: string): ResourceContents => ({ uri, mimeType, text })
        if (uri === "infrahub://schema") {
          return Effect.map(catalog.forBranch(undefined, { revalidate: true }), (schema) =>
            contents("application/json", compactJson(kindCatalog(schema)))
          )
        }
        if (uri === GRAPHQL_SCHEMA_URI) {
          return Effect.map(client.schemaSdl(undefined), (sdl) => contents("text/plain", sdl))
        }
        if (uri.startsWith(GRAPHQL_TYPE_PREFIX) && uri.length > GRAPHQL_TYPE_PREFIX.length) {
          const wanted = decodeURIComponent(uri.slice(GRAPHQL_TYPE_PREFIX.length))
          return Effect.map(graphqlType(uri, wanted), (sdl) => contents("text/plain", sdl))
        }
        if (uri === "infrahub://branches") {
          return Effect.map(branchesView, (view) => contents("application/json", compactJson(view)))
        }
        if (uri.startsWith(SCHEMA_KIND_PREFIX) && uri.length > SCHEMA_KIND_PREFIX.length) {
          const wanted = decodeURIComponent(uri.slice(SCHEMA_KIND_PREFIX.length))
          return Effect.gen(function* () {
            const { schema, kind } = yield* catalog.lookup(wanted, undefined, { revalidate: true })
            return contents("text/plain", toon(kindDetail(schema, kind)))
          })
        }
        return Effect.fail(new ResourceNotFound({ uri }))
      }

      /** Refuses (never truncates) contents over the limit, as the tool pipeline does for results. */
      const limited = (contents: ResourceContents): Effect.Effect<ResourceContents, ResourceTooLarge> => {
        const bytes = Buffer.byteLength(contents.text)
        return bytes > options.maxResponseBytes
          ? Effect.fail(new ResourceTooLarge({ uri: contents.uri, bytes, limit: options.maxResponseBytes }))
          : Effect.succeed(contents)
      }

      // Request and error counters are kept by the MCP bridge for every method; counting here too
      // would report each read twice.
      const audited = (uri: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
        Effect.gen(function* () {
          const principal = yield* Principal
          const exit = yield* Effect.exit(self)
          yield* Effect.logInfo(
            `resource_read uri=${uri} user=${principal.user ?? "anonymous"} outcome=${exit._tag === "Success" ? "ok" : "error"}`
          )
          return yield* exit
        })

      const read = Effect.fn("ResourceRegistry.read")(function* (uri: string) {
        yield* annotateCurrentSpan("uri", uri)
        return yield* contentsOf(uri).pipe(Effect.flatMap(limited), audited(uri))
      })

      const completeKind = (prefix: string) =>
        catalog.forBranch(undefined).pipe(
          Effect.map((schema) =>
            schema.catalog
              .map((kind) => kind.kind)
              .filter((kind) => kind.toLowerCase().startsWith(prefix.toLowerCase()))
              .slice(0, 100)
          ),
          Effect.orElseSucceed((): ReadonlyArray<string> => [])
        )

      return ResourceRegistry.of({ resources: resourceDescriptors, templates: resourceTemplates, read, completeKind })
    })

  static readonly layer = (
    options: ResourceRegistryOptions
  ): Layer.Layer<ResourceRegistry, never, SchemaCatalog | InfrahubClient | Branches | SessionBranches> =>
    Layer.effect(ResourceRegistry, ResourceRegistry.make(options))
}
