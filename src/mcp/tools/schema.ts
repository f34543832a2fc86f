import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import { compactJson, toon } from "../render.js"
import { KindCatalog, KindDetail, kindCatalog, kindDetail } from "../schemaViews.js"
import { makeTool, READ_ANNOTATIONS } from "../ToolSpec.js"

const GetSchemaParams = Schema.Struct({
  kind: Schema.optional(
    Schema.String.pipe(Schema.minLength(1, { message: () => "kind must not be empty: leave it out for the catalog of kinds" })).annotations({
      description: "A kind (e.g. DcimDevice) for its attributes, relationships and filters. Omit for the catalog of all kinds."
    })
  ),
  branch: Schema.optional(
    Schema.String.pipe(Schema.minLength(1, { message: () => "branch must not be empty: name a branch (see infrahub://branches), or leave it out for the default branch" })).annotations({ description: "Branch whose schema to read. Defaults to Infrahub's default branch." })
  )
})

const GetSchemaResult = Schema.Struct({
  branch: Schema.NullOr(Schema.String).annotations({ description: "Branch read; null = Infrahub's default branch." }),
  kinds: Schema.optional(KindCatalog),
  detail: Schema.optional(KindDetail)
})

export const getSchema = makeTool({
  name: "get_schema",
  title: "Get schema",
  description:
    "Without `kind`: the catalog of kinds in Infrahub (kind → label). With `kind`: its attributes (with kinds and allowed values), relationships (peer, cardinality) and the filter names get_nodes accepts. Start here before querying.",
  parameters: GetSchemaParams,
  result: GetSchemaResult,
  access: "read",
  annotations: READ_ANNOTATIONS,
  render: (result) => (result.detail !== undefined ? toon(result.detail) : compactJson(result.kinds ?? {})),
  handler: (args) =>
    Effect.gen(function* () {
      const catalog = yield* SchemaCatalog
      const branch = args.branch ?? null
      if (args.kind === undefined) return { branch, kinds: kindCatalog(yield* catalog.forBranch(args.branch, { revalidate: true })) }
      const { schema, kind } = yield* catalog.lookup(args.kind, args.branch, { revalidate: true })
      return { branch, detail: kindDetail(schema, kind) }
    })
})
