import { Either, Schema } from "effect"
import { type DocumentNode, Kind, type ValueNode } from "graphql"
import { topLevelFieldNodes } from "./graphqlGuard.js"
import type { BranchSchema } from "./schemaModel.js"

/**
 * Writes must stay on the session branch until a human merges them, but Infrahub's branch-agnostic
 * kinds (accounts, groups, permissions, proposed changes, webhooks, repositories, pools, …) exist
 * once for every branch: a mutation of one sent to a session branch changes the default branch at
 * once. This guard finds such writes in a mutation document before it is sent.
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
  const agnosticFields = new Set<string>()
  const relationshipNodeIds = new Set<string>()
  for (const field of topLevelFieldNodes(doc)) {
    const name = field.name.value
    if (RELATIONSHIP_MUTATIONS.has(name)) {
      const id = dataId(field.arguments?.find((a) => a.name.value === "data")?.value, variables)
      if (id === undefined) return Either.left(new UnresolvedRelationshipTarget({ field: name }))
      relationshipNodeIds.add(id)
      continue
    }
    const kind = MUTATION_SUFFIX.exec(name)?.[1]
    if (kind !== undefined && schema.kinds.get(kind)?.branchSupport === "agnostic") agnosticFields.add(name)
  }
  return Either.right({ agnosticFields: [...agnosticFields], relationshipNodeIds: [...relationshipNodeIds] })
}
