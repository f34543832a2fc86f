import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { InfrahubCredentials } from "../auth/InfrahubCredentials.js"
import { Principal } from "../auth/Principal.js"
import { Branches } from "../infrahub/Branches.js"
import type { InfrahubError } from "../infrahub/errors.js"
import { InfrahubClient } from "../infrahub/InfrahubClient.js"
import { SchemaCatalog, type UnknownKind } from "../infrahub/SchemaCatalog.js"
import { SessionBranches } from "../session/SessionBranches.js"
import { compactJson, toon } from "./render.js"
import { type RequestContext } from "./RequestContext.js"
import { kindCatalog, kindDetail } from "./schemaViews.js"

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

export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", { uri: Schema.String }) {
  override get message(): string {
    return `Unknown resource ${this.uri}.`
  }
  get remediation(): string {
    return "Read infrahub://schema, infrahub://schema/{kind}, infrahub://graphql-schema or infrahub://branches."
  }
}

type ResourceError = ResourceNotFound | UnknownKind | InfrahubError

type ReadServices = InfrahubCredentials | Principal | RequestContext

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
    uri: "infrahub://graphql-schema",
    name: "graphql-schema",
    title: "Infrahub GraphQL schema",
    description: "The GraphQL SDL of Infrahub's default branch: every query, mutation, field and filter argument.",
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
  }
]

export class ResourceRegistry extends Context.Tag("infrahub-mcp/ResourceRegistry")<ResourceRegistry, ResourceRegistryShape>() {
  static readonly make = Effect.gen(function* () {
    const catalog = yield* SchemaCatalog
    const client = yield* InfrahubClient
    const branches = yield* Branches
    const sessions = yield* SessionBranches

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

    const read = (uri: string): Effect.Effect<ResourceContents, ResourceError, ReadServices> => {
      const contents = (mimeType: string, text: string): ResourceContents => ({ uri, mimeType, text })
      if (uri === "infrahub://schema") {
        return Effect.map(catalog.forBranch(undefined, { revalidate: true }), (schema) =>
          contents("application/json", compactJson(kindCatalog(schema)))
        )
      }
      if (uri === "infrahub://graphql-schema") {
        return Effect.map(client.schemaSdl(undefined), (sdl) => contents("text/plain", sdl))
      }
      if (uri === "infrahub://branches") {
        return Effect.map(branchesView, (view) => contents("application/json", compactJson(view)))
      }
      if (uri.startsWith(SCHEMA_KIND_PREFIX) && uri.length > SCHEMA_KIND_PREFIX.length) {
        const wanted = decodeURIComponent(uri.slice(SCHEMA_KIND_PREFIX.length))
        return Effect.gen(function* () {
          const schema = yield* catalog.forBranch(undefined, { revalidate: true })
          const kind = yield* catalog.kind(wanted, undefined)
          return contents("text/plain", toon(kindDetail(schema, kind)))
        })
      }
      return Effect.fail(new ResourceNotFound({ uri }))
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

    return ResourceRegistry.of({
      resources: resourceDescriptors,
      templates: resourceTemplates,
      read: (uri) => read(uri).pipe(audited(uri), Effect.withSpan("resources/read", { attributes: { uri } })),
      completeKind
    })
  })

  static readonly layer: Layer.Layer<ResourceRegistry, never, SchemaCatalog | InfrahubClient | Branches | SessionBranches> =
    Layer.effect(ResourceRegistry, ResourceRegistry.make)
}
