import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { DocumentNode, ValueNode } from "graphql/language/ast.js"
import { Kind } from "graphql/language/kinds.js"
import { topLevelFieldNodes } from "./graphqlGuard.js"
import type { BranchSchema } from "./schemaModel.js"

/**
 * What `mutate_graphql` may run: data mutations of the schema's branch-aware kinds
 * (`<Kind>Create/Update/Upsert/Delete`), `RelationshipAdd/Remove` and IP pool allocations — an
 * allowlist, so Infrahub's other mutations (account tokens and passwords, proposed-change reviews and
 * merges, tasks, repositories, diffs, generators, …) never run through it, whatever their name.
 *
 * Writes must stay on the session branch until a human merges them, but Infrahub's branch-agnostic
 * kinds (accounts, groups, permissions, proposed changes, webhooks, repositories, pools, …) exist
 * once for every branch: a mutation of one sent to a session branch changes the default branch at
 * once. Those are refused too.
 */

export class BranchAgnosticWrite extends Schema.TaggedError<BranchAgnosticWrite>()("BranchAgnosticWrite", {
  targets: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Refused: ${this.targets.join(", ")} ${this.targets.length === 1 ? "changes a kind" : "change kinds"} that Infrahub shares across all branches, so the change would reach the default branch at once, without review. Nothing was sent.`
  }
  get remediation(): string {
    return "Change only branch-aware objects through this server (accounts, groups, permissions, proposed changes and similar are administered in Infrahub itself); use propose_changes to open a proposed change."
  }
}

export class NotADataMutation extends Schema.TaggedError<NotADataMutation>()("NotADataMutation", {
  fields: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `mutate_graphql runs data mutations only, and ${this.fields.join(", ")} ${this.fields.length === 1 ? "is not one" : "are not"}. Nothing was sent.`
  }
  get remediation(): string {
    return "Use <Kind>Create, <Kind>Update, <Kind>Upsert or <Kind>Delete of a kind in get_schema(), RelationshipAdd/RelationshipRemove, or an IP pool allocation (IPPrefixPoolGetResource, IPAddressPoolGetResource). Everything else is done in Infrahub by a person."
  }
}

export class UnresolvedRelationshipTarget extends Schema.TaggedError<UnresolvedRelationshipTarget>()(
  "UnresolvedRelationshipTarget",
  { field: Schema.String }
) {
  override get message(): string {
    return `${this.field}: the object id in data.id could not be read from the document or its variables, so the server cannot check which kind it changes. Nothing was sent.`
  }
  get remediation(): string {
    return `Pass data.id as a string literal or through a variable, e.g. ${this.field}(data: {id: "<node id>", name: "tags", nodes: [{id: "<peer id>"}]}) { ok }.`
  }
}

const MUTATION_SUFFIX = /^(.+?)(Create|Update|Upsert|Delete)$/
const RELATIONSHIP_MUTATIONS = new Set(["RelationshipAdd", "RelationshipRemove"])
/** Allocations from IP pools land on the branch they are sent to (both names Infrahub has used). */
const POOL_ALLOCATIONS = new Set([
  "IPPrefixPoolGetResource",
  "IPAddressPoolGetResource",
  "InfrahubIPPrefixPoolGetResource",
  "InfrahubIPAddressPoolGetResource"
])

/** A literal or variable `data.id` of a relationship mutation; `undefined` when not statically known. */
const dataId = (value: ValueNode | undefined, variables: Readonly<Record<string, unknown>>): string | undefined => {
  if (value === undefined) return undefined
  if (value.kind === Kind.VARIABLE) {
    const data = variables[value.name.value]
    const id = typeof data === "object" && data !== null ? (data as { id?: unknown }).id : undefined
    return typeof id === "string" ? id : undefined
  }
  if (value.kind !== Kind.OBJECT) return undefined
  const field = value.fields.find((f) => f.name.value === "id")?.value
  if (field === undefined) return undefined
  if (field.kind === Kind.STRING) return field.value
  if (field.kind === Kind.VARIABLE) {
    const id = variables[field.name.value]
    return typeof id === "string" ? id : undefined
  }
  return undefined
}

export interface WriteTargets {
  /** Top-level fields outside the allowlist (not a data mutation of this schema). */
  readonly notDataMutations: ReadonlyArray<string>
  /** `<Kind>Create/Update/Upsert/Delete` fields whose kind is branch-agnostic. */
  readonly agnosticFields: ReadonlyArray<string>
  /** Node ids that `RelationshipAdd/Remove` change: their kinds must be looked up before sending. */
  readonly relationshipNodeIds: ReadonlyArray<string>
}

/** What a mutation document writes, or the first relationship mutation whose target is unknowable. */
export const writeTargets = (
  doc: DocumentNode,
  schema: BranchSchema,
  variables: Readonly<Record<string, unknown>>
): Either.Either<WriteTargets, UnresolvedRelationshipTarget> => {
  const notDataMutations = new Set<string>()
  const agnosticFields = new Set<string>()
  const relationshipNodeIds = new Set<string>()
  for (const field of topLevelFieldNodes(doc)) {
    const name = field.name.value
    if (name === "__typename" || POOL_ALLOCATIONS.has(name)) continue
    if (RELATIONSHIP_MUTATIONS.has(name)) {
      const id = dataId(field.arguments?.find((a) => a.name.value === "data")?.value, variables)
      if (id === undefined) return Either.left(new UnresolvedRelationshipTarget({ field: name }))
      relationshipNodeIds.add(id)
      continue
    }
    const match = MUTATION_SUFFIX.exec(name)
    const kind = match?.[1] === undefined ? undefined : schema.kinds.get(match[1])
    // Infrahub generates Create/Upsert/Delete for nodes and only Update for generics.
    const generated =
      kind !== undefined && (kind.category === "node" || (kind.category === "generic" && match?.[2] === "Update"))
    if (!generated) notDataMutations.add(name)
    else if (kind.branchSupport === "agnostic") agnosticFields.add(name)
  }
  return Either.right({
    notDataMutations: [...notDataMutations],
    agnosticFields: [...agnosticFields],
    relationshipNodeIds: [...relationshipNodeIds]
  })
}
