import * as Data from "effect/Data"
import type { BaseKindSchema, RelationshipSchema } from "../schema/types.js"
import type { NodeRecord } from "../store/records.js"
import type { Transaction } from "../store/store.js"
import { graphqlNow } from "./clock.js"
import type { EngineState } from "./context.js"
import { InfrahubError } from "./errors.js"
import { attributeOf, entryOf, relationshipOf, schemaOf } from "./model.js"
import { matchingRelationship } from "./relations.js"
import { type Input, upsertNode, type WriteContext } from "./writes.js"

/**
 * Infrahub object files (`apiVersion: infrahub.app/v1`, `kind: Object`, `spec: {kind, data}`), loaded
 * the way `infrahubctl object load` does (`infrahub_sdk/spec/object.py`): attributes as plain values,
 * relationships by HFID (a string or a list) or as nested objects, every node saved as an upsert.
 */

/** An object file that cannot be loaded; nothing from any of the files is kept. */
export class ObjectLoadError extends Data.TaggedError("ObjectLoadError")<{
  readonly file: string
  readonly kind: string
  readonly problem: string
}> {
  override get message(): string {
    const problem = this.problem.endsWith(".") ? this.problem : `${this.problem}.`
    return `Cannot load the object file ${this.file} (kind ${this.kind}): ${problem} Fix the file and load it again; no object from this load was kept.`
  }
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

type Position = ReadonlyArray<string | number>

const at = (position: Position): string =>
  position.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("")

class ItemProblem extends Error {}

type Format = "one_ref" | "one_obj" | "many_obj_dict_list" | "many_obj_list_dict" | "many_ref"

/** `get_relationship_info`: which of the accepted shapes a relationship value has. */
const formatOf = (rel: RelationshipSchema, value: unknown): Format => {
  const scalar = (item: unknown) => ["string", "number", "boolean"].includes(typeof item)
  if (rel.cardinality === "one") {
    if (typeof value === "string") return "one_ref"
    if (Array.isArray(value)) {
      if (value.every(scalar)) return "one_ref"
      throw new ItemProblem("Too many objects provided for a relationship of cardinality one")
    }
    if (isObject(value) && "data" in value) return "one_obj"
    throw new ItemProblem(`Relationship ${rel.name} must be a dict with 'data'`)
  }
  if (isObject(value)) {
    if ("data" in value && Array.isArray(value["data"]) && value["data"].every(isObject)) return "many_obj_dict_list"
    throw new ItemProblem("Invalid structure for a relationship of cardinality many, either provide a dict with data as a list or a list of objects")
  }
  if (Array.isArray(value)) {
    if (value.every((item) => isObject(item) && "data" in item)) return "many_obj_list_dict"
    if (value.every((item) => typeof item === "string" || Array.isArray(item))) return "many_ref"
  }
  throw new ItemProblem("Invalid structure for a relationship of cardinality many, either provide a list of dict with data or a list of hfids")
}

class Loader {
  constructor(
    private readonly w: WriteContext,
    private readonly defaultKind: string
  ) {}

  private schema(kind: string): BaseKindSchema {
    const schema = schemaOf(this.w.registry, kind)
    if (schema === undefined) throw new ItemProblem(`the kind ${kind} is not in the schema`)
    return schema
  }

  /** Generic peers of nested objects fall back to the file's kind, as the SDK does. */
  private concreteSchema(kind: string): BaseKindSchema {
    if (entryOf(this.w.registry, kind)?.category !== "generic") return this.schema(kind)
    if (entryOf(this.w.registry, this.defaultKind)?.category === "generic") {
      throw new ItemProblem(`Default schema kind ${this.defaultKind} can't be a generic`)
    }
    return this.schema(this.defaultKind)
  }

  create(schema: BaseKindSchema, data: unknown, position: Position, context: Readonly<Record<string, unknown>>): NodeRecord {
    if (!isObject(data)) throw new ItemProblem(`${at(position)} must be a mapping of attributes and relationships`)
    if (entryOf(this.w.registry, schema.kind)?.category === "generic") {
      throw new ItemProblem(`${schema.kind} is a generic; objects must use one of its kinds`)
    }
    const missing = [
      ...schema.attributes.filter((attribute) => !attribute.optional && (attribute.default_value === null || attribute.default_value === undefined) && !attribute.read_only),
      ...schema.relationships.filter((rel) => !rel.optional)
    ]
      .map((field) => field.name)
      .filter((name) => !(name in data) && !(name in context))
    const unknown = Object.keys(data).filter((key) => attributeOf(schema, key) === undefined && relationshipOf(schema, key) === undefined)
    const problems = [
      ...missing.map((name) => `${at([...position, name])}: ${name} is mandatory`),
      ...unknown.map((key) => `${at([...position, key])}: ${key} is not a valid attribute or relationship for ${schema.kind}`)
    ]
    if (problems.length > 0) throw new ItemProblem(problems.join(", "))

    const input: Record<string, unknown> = {}
    const after: Array<(self: NodeRecord) => void> = []
    for (const [key, value] of Object.entries(data)) {
      if (attributeOf(schema, key) !== undefined) {
        input[key] = isObject(value) && "value" in value ? value : { value }
        continue
      }
      const rel = relationshipOf(schema, key)
      if (rel === undefined) continue
      const format = formatOf(rel, value)
      if (format === "one_ref") {
        input[key] = { hfid: (Array.isArray(value) ? value : [value]).map(String) }
      } else if (format === "many_ref") {
        input[key] = (value as ReadonlyArray<unknown>).map((item) =>
          Array.isArray(item) ? { hfid: item.map(String) } : { id: String(item) }
        )
      } else {
        const nested = this.nestedGroups(rel, value, format)
        const first = nested[0]
        const peerRel = first === undefined ? undefined : matchingRelationship(this.w.registry, first.schema.kind, rel, schema.kind)
        const mandatory = peerRel !== undefined && ((peerRel.cardinality === "one" && peerRel.kind === "Hierarchy") || !peerRel.optional)
        if (mandatory && peerRel !== undefined) {
          // The nested objects need this one first: they point back at it.
          after.push((self) => {
            const link = peerRel.cardinality === "one" ? { id: self.id } : [{ id: self.id }]
            for (const group of nested) this.create(group.schema, group.data, group.position, { [peerRel.name]: link })
          })
        } else {
          const created = nested.map((group) => this.create(group.schema, group.data, group.position, {}))
          input[key] = rel.cardinality === "one" ? { id: created[0]?.id } : created.map((node) => ({ id: node.id }))
        }
      }
    }
    for (const [key, value] of Object.entries(context)) {
      if (attributeOf(schema, key) !== undefined || relationshipOf(schema, key) !== undefined) input[key] = value
    }
    let node: NodeRecord
    try {
      node = upsertNode(this.w, schema.kind, input as Input).node
    } catch (error) {
      if (error instanceof InfrahubError) throw new ItemProblem(`${at(position)}: ${error.message}`)
      throw error
    }
    for (const step of after) step(node)
    return node
  }

  private nestedGroups(
    rel: RelationshipSchema,
    value: unknown,
    format: Format
  ): ReadonlyArray<{ schema: BaseKindSchema; data: unknown; position: Position }> {
    if (format === "one_obj" && isObject(value)) {
      const kind = typeof value["kind"] === "string" ? value["kind"] : rel.peer
      return [{ schema: this.schema(kind), data: value["data"], position: [rel.name] }]
    }
    if (format === "many_obj_dict_list" && isObject(value)) {
      const kind = typeof value["kind"] === "string" ? value["kind"] : rel.peer
      const schema = this.concreteSchema(kind)
      return (value["data"] as ReadonlyArray<unknown>).map((item, index) => ({ schema, data: item, position: [rel.name, index + 1] }))
    }
    return (value as ReadonlyArray<Readonly<Record<string, unknown>>>).map((item, index) => ({
      schema: this.concreteSchema(typeof item["kind"] === "string" ? item["kind"] : rel.peer),
      data: item["data"],
      position: [rel.name, index + 1]
    }))
  }
}

const describe = (document: unknown): string => {
  if (!isObject(document)) return "the document is not a mapping"
  if (document["apiVersion"] !== "infrahub.app/v1") return `apiVersion must be 'infrahub.app/v1', got ${JSON.stringify(document["apiVersion"])}`
  if (document["kind"] !== "Object") return `kind must be 'Object' (an object file), got ${JSON.stringify(document["kind"])}`
  const spec = document["spec"]
  if (!isObject(spec)) return "spec must be a mapping with 'kind' and 'data'"
  if (typeof spec["kind"] !== "string") return "spec.kind must be the kind of the objects"
  if (spec["data"] !== undefined && !Array.isArray(spec["data"])) return "spec.data must be a list of objects"
  return ""
}

/** Loads object files into the default branch, all-or-nothing. Throws ObjectLoadError. */
export const loadObjectFiles = (
  state: EngineState,
  documents: ReadonlyArray<{ readonly file: string; readonly document: unknown }>
): void => {
  const tx: Transaction = state.store.begin(state.store.defaultBranch.name)
  const w: WriteContext = { registry: state.registry, tx, now: graphqlNow(state.now), actorId: null, newId: state.newId }
  for (const { file, document } of documents) {
    const spec = isObject(document) && isObject(document["spec"]) ? document["spec"] : {}
    const kind = typeof spec["kind"] === "string" ? spec["kind"] : "unknown"
    const problem = describe(document)
    if (problem !== "") throw new ObjectLoadError({ file, kind, problem })
    const schema = schemaOf(state.registry, kind)
    if (schema === undefined) throw new ObjectLoadError({ file, kind, problem: `the kind ${kind} is not in the schema` })
    const loader = new Loader(w, kind)
    const items = Array.isArray(spec["data"]) ? spec["data"] : []
    for (const [index, item] of items.entries()) {
      try {
        loader.create(schema, item, [`data`, index + 1], {})
      } catch (error) {
        if (error instanceof ItemProblem) throw new ObjectLoadError({ file, kind, problem: error.message })
        throw error
      }
    }
  }
  tx.commit()
}
