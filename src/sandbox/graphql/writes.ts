import type { AttributeSchema, BaseKindSchema, NodeSchema, RelationshipSchema, SchemaRegistry } from "../schema/types.js"
import type { IdGenerator } from "../store/ids.js"
import { isUuid } from "../store/ids.js"
import type { AttributeRecord, EdgeRecord, NodeRecord } from "../store/records.js"
import type { Transaction } from "../store/store.js"
import { fieldMandatory, validateAttributeValue, valueRequired } from "./attributes.js"
import {
  combinedError,
  fieldError,
  InfrahubError,
  nodeNotFound,
  processingError,
  pyList,
  pyRepr,
  uniquenessViolation,
  validationError
} from "./errors.js"
import { attributeOf, entryOf, inheritFrom, kindSatisfies, relationshipOf, schemaOf } from "./model.js"
import { attributeProperty, computeHfid, parsePath, readPath } from "./paths.js"
import { edgesFor, matchingRelationship, otherEnd, peersOf } from "./relations.js"
import { ipRoleOf, reconcileIpNode, releaseChildren } from "./ipam.js"
import { renderTemplate } from "./template.js"
import { findViolations, judge, type Violation } from "./uniqueness.js"

/**
 * The write path shared by mutations and object files: create, update, upsert and delete with
 * Infrahub's validations (mandatory fields, attribute values, peers, uniqueness, cardinality).
 * A write is computed in full and checked before anything is staged on the transaction.
 */

export interface WriteContext {
  readonly registry: SchemaRegistry
  readonly tx: Transaction
  readonly now: string
  readonly actorId: string | null
  readonly newId: IdGenerator
}

export type Input = Readonly<Record<string, unknown>>

interface AttributeInput {
  readonly value?: unknown
  readonly is_default?: boolean | null
  readonly is_visible?: boolean | null
  readonly is_protected?: boolean | null
  readonly source?: string | null
  readonly owner?: string | null
  readonly from_pool?: unknown
}

interface RelatedInput {
  readonly id?: string | null
  readonly hfid?: ReadonlyArray<string | null> | null
  readonly kind?: string | null
  readonly from_pool?: unknown
  readonly _relation__is_visible?: boolean | null
  readonly _relation__is_protected?: boolean | null
  readonly _relation__owner?: string | null
  readonly _relation__source?: string | null
}

/** The upsert signal: the node being created matches an existing node's human-friendly id. */
export class HfidViolation extends InfrahubError {
  constructor(readonly violation: Violation, kind: string) {
    const error = uniquenessViolation(kind, violation.fields, violation.values)
    super(error.message, error.httpCode, error.catalogue)
  }
}

const isObject = (value: unknown): value is Input => typeof value === "object" && value !== null && !Array.isArray(value)

const requireSchema = (registry: SchemaRegistry, kind: string): BaseKindSchema => {
  const schema = schemaOf(registry, kind)
  if (schema === undefined) throw validationError(`Unable to find the schema '${kind}' in the registry`)
  return schema
}

const hasDefault = (attribute: AttributeSchema): boolean =>
  attribute.default_value !== null && attribute.default_value !== undefined

const isComputed = (attribute: AttributeSchema): boolean => {
  const computed = attribute.computed_attribute
  return isObject(computed) && computed["kind"] === "Jinja2" && typeof computed["jinja2_template"] === "string"
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

const sameHfid = (actual: ReadonlyArray<string> | null, wanted: ReadonlyArray<string>): boolean =>
  actual !== null && actual.length === wanted.length && actual.every((part, index) => part === wanted[index])

/** Attribute kinds whose stored value is the text a lookup compares with. */
const TEXT_VALUED = new Set(["Text", "TextArea", "Dropdown", "Email", "URL", "File", "Color", "ID"])

/**
 * The nodes of `kind` that may read `text` at `path`: an index look-up when the path is a text attribute's
 * value, otherwise every node of the kind (the caller compares each one).
 */
const candidatesByPath = (w: WriteContext, schema: BaseKindSchema, kind: string, path: string, text: string): ReadonlyArray<NodeRecord> => {
  const kinds = w.registry.concreteKindsOf(kind)
  const target = parsePath(w.registry, schema, path)
  if (target?.type === "attribute" && target.property === "value" && TEXT_VALUED.has(target.attribute.kind)) {
    return w.tx.nodesWithValue(kinds, target.attribute.name, text)
  }
  return w.tx.nodesOfKinds(kinds)
}

/** `NodeManager.get_one_by_hfid`: undefined when nothing matches; errors for schemas without an HFID. */
export const lookupByHfid = (w: WriteContext, kind: string, hfid: ReadonlyArray<unknown>): NodeRecord | undefined => {
  const schema = requireSchema(w.registry, kind)
  const wanted = hfid.map((part) => String(part))
  const joined = wanted.join(" :: ")
  const paths = schema.human_friendly_id ?? []
  if (paths.length === 0) {
    throw nodeNotFound(kind, joined, `Unable to lookup node by HFID, schema '${kind}' does not have a HFID defined.`)
  }
  if (paths.length !== wanted.length) {
    throw nodeNotFound(
      kind,
      joined,
      `Unable to lookup node by HFID, schema '${kind}' HFID does not contain the same number of elements as ${pyList(wanted)}`
    )
  }
  const matches = candidatesByPath(w, schema, kind, paths[0] ?? "", wanted[0] ?? "")
    .filter((node) => sameHfid(computeHfid(w.registry, w.tx, node), wanted))
  if (matches.length > 1) {
    throw nodeNotFound(kind, joined, `Unable to find node ${pyRepr(joined)}, ${matches.length} nodes returned, expected 1`)
  }
  return matches[0]
}

/** `NodeManager.get_one_by_default_filter`: a non-UUID "id" looked up through the kind's default filter. */
export const lookupByDefaultFilter = (w: WriteContext, kind: string, value: string): NodeRecord | undefined => {
  const schema = requireSchema(w.registry, kind)
  if (schema.default_filter === null) return undefined
  const path = schema.default_filter
  const matches = candidatesByPath(w, schema, kind, path, value)
    .filter((node) => {
      const found = readPath(w.registry, w.tx, node, path)
      return found !== null && String(found) === value
    })
  if (matches.length > 1) {
    throw nodeNotFound(kind, value, `Unable to find node ${pyRepr(value)}, ${matches.length} nodes returned, expected 1`)
  }
  return matches[0]
}

const getOne = (w: WriteContext, kind: string, id: string): NodeRecord => {
  const node = w.tx.getNode(id)
  if (node === undefined) throw nodeNotFound(kind, id)
  if (!kindSatisfies(w.registry, node.kind, kind)) {
    throw nodeNotFound(kind, id, `Node with id ${id} exists, but it is a ${node.kind}, not ${kind}`)
  }
  return node
}

/** `NodeManager.find_object`: by UUID, else by HFID, else by the default filter. */
export const findObject = (w: WriteContext, kind: string, id: unknown, hfid: unknown): NodeRecord => {
  const idText = typeof id === "string" && id !== "" ? id : undefined
  const hfidList = Array.isArray(hfid) && hfid.length > 0 ? hfid : undefined
  if (idText === undefined && hfidList === undefined) throw processingError("either id or hfid must be provided.")
  if (idText !== undefined && isUuid(idText)) return getOne(w, kind, idText)
  if (hfidList !== undefined) {
    const node = lookupByHfid(w, kind, hfidList)
    if (node === undefined) throw nodeNotFound(kind, hfidList.map(String).join(" :: "))
    return node
  }
  const node = idText === undefined ? undefined : lookupByDefaultFilter(w, kind, idText)
  if (node === undefined) throw nodeNotFound(kind, idText ?? "")
  return node
}

// ---------------------------------------------------------------------------------------------
// Relationships
// ---------------------------------------------------------------------------------------------

interface ResolvedPeer {
  readonly node: NodeRecord
  readonly input: RelatedInput
}

const resolvePeer = (w: WriteContext, rel: RelationshipSchema, input: RelatedInput): NodeRecord => {
  if (input.from_pool !== undefined && input.from_pool !== null) {
    throw fieldError(rel.name, "Resource pools are not supported by the sandbox; reference the peer by id or hfid instead")
  }
  const kind = typeof input.kind === "string" && input.kind !== "" ? input.kind : rel.peer
  if (typeof input.id === "string" && input.id !== "") {
    const node = isUuid(input.id) ? w.tx.getNode(input.id) : lookupByDefaultFilter(w, kind, input.id)
    if (node === undefined) throw nodeNotFound(rel.peer, input.id)
    return node
  }
  if (Array.isArray(input.hfid) && input.hfid.length > 0) {
    const node = lookupByHfid(w, kind, input.hfid)
    if (node === undefined) throw nodeNotFound(kind, input.hfid.map(String).join(" :: "))
    return node
  }
  throw fieldError(rel.name, "A related node must be given by id or hfid")
}

/** Resolves the peers given for one relationship (a list for cardinality many, one object or null otherwise). */
const resolvePeers = (w: WriteContext, rel: RelationshipSchema, value: unknown): ReadonlyArray<ResolvedPeer> => {
  const inputs: ReadonlyArray<unknown> = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]
  return inputs.filter(isObject).map((input) => ({ node: resolvePeer(w, rel, input as RelatedInput), input: input as RelatedInput }))
}

const peerKindErrors = (w: WriteContext, rel: RelationshipSchema, peers: ReadonlyArray<ResolvedPeer>): Array<InfrahubError> => {
  const peerEntry = entryOf(w.registry, rel.peer)
  const allowed = peerEntry?.category === "generic" ? peerEntry.schema.used_by : [rel.peer]
  return peers
    .filter((peer) => !kindSatisfies(w.registry, peer.node.kind, rel.peer))
    .map((peer) =>
      fieldError(rel.name, `${peer.node.kind} - ${peer.node.id} cannot be added to relationship, must be of type: ${pyList(allowed)}`)
    )
}

const newEdge = (w: WriteContext, node: NodeRecord, rel: RelationshipSchema, peer: ResolvedPeer): EdgeRecord => ({
  id: w.newId(),
  identifier: rel.identifier ?? `${node.kind.toLowerCase()}__${rel.peer.toLowerCase()}`,
  a: node.id,
  aRel: rel.name,
  b: peer.node.id,
  bRel: matchingRelationship(w.registry, peer.node.kind, rel, node.kind)?.name ?? null,
  is_visible: peer.input._relation__is_visible ?? true,
  is_protected: peer.input._relation__is_protected ?? false,
  source: peer.input._relation__source ?? null,
  owner: peer.input._relation__owner ?? null,
  updated_at: w.now,
  global: rel.branch === "agnostic"
})

interface RelationshipChange {
  readonly rel: RelationshipSchema
  readonly peers: ReadonlyArray<ResolvedPeer>
  readonly added: ReadonlyArray<ResolvedPeer>
  readonly removed: ReadonlyArray<EdgeRecord>
}

const planRelationship = (
  w: WriteContext,
  node: NodeRecord,
  rel: RelationshipSchema,
  peers: ReadonlyArray<ResolvedPeer>,
  existing: boolean
): RelationshipChange => {
  const current = existing ? edgesFor(w.tx, node, rel) : []
  const wanted = new Set(peers.map((peer) => peer.node.id))
  const present = new Set(current.map((edge) => otherEnd(edge, node.id)))
  const unique = new Map(peers.map((peer) => [peer.node.id, peer]))
  return {
    rel,
    peers: [...unique.values()],
    added: [...unique.values()].filter((peer) => !present.has(peer.node.id)),
    removed: current.filter((edge) => !wanted.has(otherEnd(edge, node.id)))
  }
}

/** Cardinality on both sides (`RelationshipValidatorList`, `RelationshipCountConstraint`). */
const countErrors = (w: WriteContext, node: NodeRecord, change: RelationshipChange): Array<InfrahubError> => {
  const { rel } = change
  const errors: Array<InfrahubError> = []
  const count = change.peers.length
  if (rel.max_count > 0 && count > rel.max_count) errors.push(fieldError(rel.name, `Too many relationships, max ${rel.max_count}`))
  if (rel.min_count > 0 && count < rel.min_count) errors.push(fieldError(rel.name, `Too few relationships, min ${rel.min_count}`))
  const check = (peer: NodeRecord, delta: 1 | -1): void => {
    const peerRel = matchingRelationship(w.registry, peer.kind, rel, node.kind)
    if (peerRel === undefined) return
    if (rel.direction === peerRel.direction && peerRel.direction !== "bidirectional") return
    const current = edgesFor(w.tx, peer, peerRel).filter((edge) => otherEnd(edge, peer.id) !== node.id).length +
      (delta === -1 ? 1 : 0)
    if (delta === 1 && peerRel.max_count > 0 && current + 1 > peerRel.max_count) {
      errors.push(validationError(`Node ${peer.id} has ${current + 1} peers for ${rel.identifier}, maximum of ${peerRel.max_count} allowed`))
    }
    if (delta === -1 && peerRel.min_count > 0 && current - 1 < peerRel.min_count) {
      errors.push(validationError(`Node ${peer.id} has ${current - 1} peers for ${rel.identifier}, no fewer than ${peerRel.min_count} allowed`))
    }
  }
  for (const peer of change.added) check(peer.node, 1)
  for (const edge of change.removed) {
    const peer = w.tx.getNode(otherEnd(edge, node.id))
    if (peer !== undefined) check(peer, -1)
  }
  return errors
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

const attributeRecord = (
  w: WriteContext,
  previous: AttributeRecord | undefined,
  patch: Partial<Omit<AttributeRecord, "id" | "updated_at">>
): AttributeRecord => ({
  id: previous?.id ?? w.newId(),
  value: previous?.value ?? null,
  is_default: previous?.is_default ?? true,
  is_protected: previous?.is_protected ?? false,
  is_visible: previous?.is_visible ?? true,
  source: previous?.source ?? null,
  owner: previous?.owner ?? null,
  ...patch,
  updated_at: w.now
})

const flagPatch = (input: AttributeInput): Partial<AttributeRecord> => ({
  ...(typeof input.is_visible === "boolean" ? { is_visible: input.is_visible } : {}),
  ...(typeof input.is_protected === "boolean" ? { is_protected: input.is_protected } : {}),
  ...(input.source !== undefined ? { source: input.source } : {}),
  ...(input.owner !== undefined ? { owner: input.owner } : {})
})

/** Reads schema paths on a node that is being written, with its new attributes and peers. */
const candidateReader =
  (w: WriteContext, schema: BaseKindSchema, attributes: Readonly<Record<string, AttributeRecord>>, peers: ReadonlyMap<string, ReadonlyArray<NodeRecord>>) =>
  (path: string): unknown => {
    const target = parsePath(w.registry, schema, path)
    if (target === undefined) return null
    if (target.type === "attribute") return attributeProperty(target.attribute, attributes[target.attribute.name], target.property)
    const peer = peers.get(target.relationship.name)?.[0]
    if (peer === undefined) return null
    if (target.attribute === undefined) return peer.id
    const peerAttribute = attributeOf(schemaOf(w.registry, peer.kind) ?? schema, target.attribute.name)
    return peerAttribute === undefined ? null : attributeProperty(peerAttribute, peer.attributes[peerAttribute.name], target.property ?? "value")
  }

const decisionNames: Readonly<Record<number, string>> = { 1: "deny", 2: "allow_default", 4: "allow_other", 6: "allow_all" }

/** Permission identifiers, which Infrahub's permission node classes derive from the other attributes. */
const permissionIdentifier = (kind: string, attributes: Readonly<Record<string, AttributeRecord>>): string | undefined => {
  const value = (name: string) => attributes[name]?.value
  const decision = decisionNames[Number(value("decision"))] ?? String(value("decision"))
  if (kind === "CoreGlobalPermission") return `global:${String(value("action"))}:${decision}`
  if (kind === "CoreObjectPermission") {
    return `object:${String(value("namespace"))}:${String(value("name"))}:${String(value("action"))}:${decision}`
  }
  return undefined
}

const applyComputed = (
  w: WriteContext,
  schema: BaseKindSchema,
  attributes: Record<string, AttributeRecord>,
  peers: ReadonlyMap<string, ReadonlyArray<NodeRecord>>
): void => {
  const identifier = permissionIdentifier(schema.kind, attributes)
  if (identifier !== undefined && attributeOf(schema, "identifier") !== undefined) {
    attributes["identifier"] = attributeRecord(w, attributes["identifier"], { value: identifier, is_default: false })
  }
  for (const attribute of schema.attributes.filter(isComputed)) {
    const template = (attribute.computed_attribute as Input)["jinja2_template"] as string
    let value: string | null
    try {
      value = renderTemplate(template, candidateReader(w, schema, attributes, peers))
    } catch {
      // Infrahub leaves a computed attribute empty when its template cannot render yet.
      value = null
    }
    attributes[attribute.name] = attributeRecord(w, attributes[attribute.name], { value, is_default: false })
  }
}

// ---------------------------------------------------------------------------------------------
// Create / update / upsert / delete
// ---------------------------------------------------------------------------------------------

const peersMap = (
  w: WriteContext,
  node: NodeRecord,
  schema: BaseKindSchema,
  changes: ReadonlyArray<RelationshipChange>,
  existing: boolean
): Map<string, ReadonlyArray<NodeRecord>> => {
  const map = new Map<string, ReadonlyArray<NodeRecord>>()
  if (existing) for (const rel of schema.relationships) map.set(rel.name, peersOf(w.tx, node, rel).map((peer) => peer.node))
  for (const change of changes) map.set(change.rel.name, change.peers.map((peer) => peer.node))
  return map
}

const enforceUniqueness = (
  w: WriteContext,
  schema: BaseKindSchema,
  id: string,
  read: (path: string) => unknown,
  fields: ReadonlySet<string> | undefined,
  allowHfidMatch: boolean
): void => {
  const outcome = judge(findViolations(w.registry, w.tx, schema, { id, read }, fields))
  if (outcome.type === "violation") {
    throw uniquenessViolation(schema.kind, outcome.violation.fields, outcome.violation.values)
  }
  if (outcome.type === "hfid" && !allowHfidMatch) throw new HfidViolation(outcome.violation, schema.kind)
}

const stage = (w: WriteContext, node: NodeRecord, changes: ReadonlyArray<RelationshipChange>): void => {
  w.tx.putNode(node)
  for (const change of changes) {
    for (const edge of change.removed) w.tx.removeEdge(edge.id)
    for (const peer of change.added) w.tx.putEdge(newEdge(w, node, change.rel, peer))
  }
}

const relationshipChanges = (
  w: WriteContext,
  node: NodeRecord,
  schema: BaseKindSchema,
  data: Input,
  existing: boolean,
  errors: Array<InfrahubError>
): Array<RelationshipChange> => {
  const changes: Array<RelationshipChange> = []
  for (const rel of schema.relationships) {
    if (!(rel.name in data)) continue
    try {
      const peers = resolvePeers(w, rel, data[rel.name])
      errors.push(...peerKindErrors(w, rel, peers))
      changes.push(planRelationship(w, node, rel, peers, existing))
    } catch (error) {
      if (!(error instanceof InfrahubError)) throw error
      errors.push(error)
    }
  }
  return changes
}

/** The IP namespace every Infrahub has from its first start (`registry.default_ipnamespace`). */
export const DEFAULT_IP_NAMESPACE = "default"

/** The `default` IP namespace's id on this branch, if the schema has IP namespaces and it exists. */
const defaultNamespaceId = (w: WriteContext): string | undefined =>
  w.tx.nodesOfKinds(w.registry.concreteKindsOf("BuiltinIPNamespace")).find((node) => node.attributes["name"]?.value === DEFAULT_IP_NAMESPACE)?.id

/**
 * `validate_namespace` (`graphql/mutations/ipam.py`): a prefix or address created without an `ip_namespace`
 * goes into the default namespace, so its HFID (`ip_namespace__name__value`, ...) is complete.
 */
const withDefaultNamespace = (w: WriteContext, kind: string, input: Input): Input => {
  const entry = w.registry.byKind.get(kind)
  if (entry?.category !== "node") return input
  const inherits = (entry.schema as NodeSchema).inherit_from
  if (!inherits.includes("BuiltinIPPrefix") && !inherits.includes("BuiltinIPAddress")) return input
  const given = input["ip_namespace"]
  if (given !== undefined && given !== null && !(isObject(given) && Object.keys(given).length === 0)) return input
  const id = defaultNamespaceId(w)
  return id === undefined ? input : { ...input, ip_namespace: { id } }
}

/** `<Kind>Create`: returns the staged node. Throws `HfidViolation` when its HFID already exists. */
export const createNode = (w: WriteContext, kind: string, data: Input, overrides: Input = {}): NodeRecord => {
  const schema = requireSchema(w.registry, kind)
  const input: Input = withDefaultNamespace(w, kind, { ...data, ...overrides })
  const id = typeof input["id"] === "string" && input["id"] !== "" ? input["id"] : w.newId()
  if (w.tx.getNode(id) !== undefined) throw validationError(`A node with the id ${id} already exists`)

  const mandatory: Array<InfrahubError> = []
  for (const attribute of schema.attributes) {
    if (attribute.optional || hasDefault(attribute) || isComputed(attribute) || attribute.kind === "NumberPool") continue
    if (!(attribute.name in input)) mandatory.push(fieldMandatory(kind, attribute.name))
  }
  for (const rel of schema.relationships) {
    if (!rel.optional && !(rel.name in input)) mandatory.push(fieldMandatory(kind, rel.name))
  }
  if (mandatory.length > 0) throw combinedError(mandatory)

  const draft: NodeRecord = {
    id,
    kind,
    attributes: {},
    created_at: w.now,
    updated_at: w.now,
    created_by: w.actorId,
    updated_by: w.actorId
  }
  const errors: Array<InfrahubError> = []
  const changes = relationshipChanges(w, draft, schema, input, false, errors)
  const attributes: Record<string, AttributeRecord> = {}
  for (const attribute of schema.attributes) {
    if (isComputed(attribute)) continue
    const given = input[attribute.name]
    const attrInput: AttributeInput = isObject(given) ? (given as AttributeInput) : {}
    if (attrInput.from_pool !== undefined && attrInput.from_pool !== null) {
      errors.push(fieldError(attribute.name, "Resource pools are not supported by the sandbox; give the value instead"))
      continue
    }
    let value: unknown = attrInput.value ?? null
    let isDefault = given === undefined ? true : attrInput.is_default === true
    if (value === null && hasDefault(attribute)) {
      value = attribute.default_value
      isDefault = true
    }
    try {
      if (value !== null) value = validateAttributeValue(kind, attribute, value)
      else if (!attribute.optional) throw valueRequired(kind, attribute.name)
    } catch (error) {
      if (!(error instanceof InfrahubError)) throw error
      errors.push(error)
      continue
    }
    attributes[attribute.name] = attributeRecord(w, undefined, { ...flagPatch(attrInput), value, is_default: isDefault })
  }
  if (errors.length > 0) throw combinedError(errors)

  const peers = peersMap(w, draft, schema, changes, false)
  applyComputed(w, schema, attributes, peers)
  const node: NodeRecord = { ...draft, attributes }
  enforceUniqueness(w, schema, id, candidateReader(w, schema, attributes, peers), undefined, false)
  const countProblems = changes.flatMap((change) => countErrors(w, node, change))
  if (countProblems.length > 0) throw combinedError(countProblems)
  stage(w, node, changes)
  if (ipRoleOf(w.registry, kind) !== undefined) reconcileIpNode(w, node, false)
  return node
}

/** `<Kind>Update` on an already-found node. `skipUniqueness` is the upsert-after-HFID-match path. */
export const updateFound = (w: WriteContext, found: NodeRecord, data: Input, skipUniqueness = false): NodeRecord => {
  const schema = requireSchema(w.registry, found.kind)
  const errors: Array<InfrahubError> = []
  const changes = relationshipChanges(w, found, schema, data, true, errors)
  const attributes: Record<string, AttributeRecord> = { ...found.attributes }
  for (const attribute of schema.attributes) {
    const given = data[attribute.name]
    if (!isObject(given) || isComputed(attribute)) continue
    const attrInput = given as AttributeInput
    const previous = attributes[attribute.name]
    let patch: Partial<AttributeRecord> = flagPatch(attrInput)
    try {
      if ("value" in attrInput) {
        const value = attrInput.value === null || attrInput.value === undefined ? null : validateAttributeValue(found.kind, attribute, attrInput.value)
        const isDefault =
          previous?.is_default === true && JSON.stringify(value) === JSON.stringify(attribute.default_value ?? null)
        patch = { ...patch, value, is_default: isDefault }
      }
      if (attrInput.is_default === true && previous?.is_default !== true) {
        patch = { ...patch, is_default: true, ...("value" in attrInput ? {} : { value: attribute.default_value ?? null }) }
      }
      const nextValue = "value" in patch ? patch.value : (previous?.value ?? null)
      if ((nextValue === null || nextValue === undefined) && !attribute.optional) throw valueRequired(found.kind, attribute.name)
    } catch (error) {
      if (!(error instanceof InfrahubError)) throw error
      errors.push(error)
      continue
    }
    attributes[attribute.name] = attributeRecord(w, previous, patch)
  }
  if (errors.length > 0) throw combinedError(errors)

  const peers = peersMap(w, found, schema, changes, true)
  applyComputed(w, schema, attributes, peers)
  const node: NodeRecord = { ...found, attributes, updated_at: w.now, updated_by: w.actorId }
  if (!skipUniqueness) {
    const fields = new Set(Object.keys(data).filter((key) => key !== "id" && key !== "hfid"))
    enforceUniqueness(w, schema, node.id, candidateReader(w, schema, attributes, peers), fields, false)
  }
  const countProblems = changes.flatMap((change) => countErrors(w, node, change))
  if (countProblems.length > 0) throw combinedError(countProblems)
  stage(w, node, changes)
  const role = ipRoleOf(w.registry, found.kind)
  if (role !== undefined) {
    const valueName = role === "prefix" ? "prefix" : "address"
    const moved = "ip_namespace" in data || JSON.stringify(found.attributes[valueName]?.value) !== JSON.stringify(attributes[valueName]?.value)
    reconcileIpNode(w, node, moved)
  }
  return node
}

/** `<Kind>Update(data: {id | hfid, …})`; `kind` may be a generic. */
export const updateNode = (w: WriteContext, kind: string, data: Input): NodeRecord =>
  updateFound(w, findObject(w, kind, data["id"], data["hfid"]), data)

/**
 * `<Kind>Upsert` (`mutate_upsert`): by id, else by default filter (kinds without an HFID), else by
 * hfid; otherwise create, and when the new node's HFID already exists, update that node instead.
 */
export const upsertNode = (w: WriteContext, kind: string, data: Input): { readonly node: NodeRecord; readonly created: boolean } => {
  const schema = requireSchema(w.registry, kind)
  if (typeof data["id"] === "string" && data["id"] !== "") {
    const found = w.tx.getNode(data["id"])
    if (found === undefined || !kindSatisfies(w.registry, found.kind, kind)) throw nodeNotFound(kind, data["id"])
    return { node: updateFound(w, found, data), created: false }
  }
  let found: NodeRecord | undefined
  if ((schema.human_friendly_id ?? []).length === 0 && schema.default_filter !== null) {
    const name = schema.default_filter.split("__")[0] ?? ""
    const given = data[name]
    if (isObject(given) && given["value"] !== undefined && given["value"] !== null) {
      found = lookupByDefaultFilter(w, kind, String(given["value"]))
    }
  }
  if (Array.isArray(data["hfid"]) && data["hfid"].length > 0) found = lookupByHfid(w, kind, data["hfid"])
  if (found !== undefined) return { node: updateFound(w, found, data), created: false }
  const { hfid: _hfid, ...createData } = data
  try {
    return { node: createNode(w, kind, createData), created: true }
  } catch (error) {
    if (!(error instanceof HfidViolation)) throw error
    const matching = error.violation.nodeIds
    if (matching.length > 1) throw validationError(`Multiple ${kind} nodes have the same hfid`)
    const existing = w.tx.getNode(matching[0] ?? "")
    if (existing === undefined) throw error
    return { node: updateFound(w, existing, createData, true), created: false }
  }
}

/**
 * `<Kind>Delete`: removes the node, cascades over `on_delete: cascade` relationships, and refuses
 * when another node would lose a mandatory relationship (`NodeDeleteValidator`).
 */
export const deleteNode = (w: WriteContext, kind: string, data: Input): NodeRecord => {
  const target = findObject(w, kind, data["id"], data["hfid"])
  const doomed = new Map<string, NodeRecord>([[target.id, target]])
  const queue = [target]
  while (queue.length > 0) {
    const current = queue.shift()
    if (current === undefined) break
    const schema = schemaOf(w.registry, current.kind)
    for (const rel of schema?.relationships ?? []) {
      if (rel.on_delete !== "cascade") continue
      for (const peer of peersOf(w.tx, current, rel)) {
        if (!doomed.has(peer.node.id)) {
          doomed.set(peer.node.id, peer.node)
          queue.push(peer.node)
        }
      }
    }
  }
  const problems: Array<InfrahubError> = []
  for (const node of doomed.values()) {
    const kinds = new Set([node.kind, ...inheritFrom(entryOf(w.registry, node.kind))])
    for (const edge of w.tx.edgesOf(node.id)) {
      const otherId = otherEnd(edge, node.id)
      if (doomed.has(otherId)) continue
      const other = w.tx.getNode(otherId)
      const otherRelName = edge.a === otherId ? edge.aRel : edge.bRel
      if (other === undefined || otherRelName === null) continue
      const otherSchema = schemaOf(w.registry, other.kind)
      const otherRel = otherSchema === undefined ? undefined : relationshipOf(otherSchema, otherRelName)
      if (otherRel === undefined || otherRel.optional || !kinds.has(otherRel.peer)) continue
      problems.push(
        fieldError(
          `${other.kind}.${otherRel.name}`,
          `Cannot delete ${node.kind} '${node.id}'. It is linked to mandatory relationship ${otherRel.name} on node ${other.kind} '${other.id}'`
        )
      )
    }
  }
  if (problems.length > 0) throw combinedError(problems)
  const doomedIds = new Set(doomed.keys())
  for (const node of doomed.values()) releaseChildren(w, node, doomedIds)
  for (const node of doomed.values()) {
    for (const edge of w.tx.edgesOf(node.id)) w.tx.removeEdge(edge.id)
    w.tx.removeNode(node.id)
  }
  return target
}

/** `RelationshipAdd` / `RelationshipRemove(data: {id, name, nodes})`. */
export const changeRelationship = (w: WriteContext, action: "add" | "remove", data: Input): void => {
  const id = String(data["id"])
  const name = String(data["name"])
  const source = w.tx.getNode(id)
  if (source === undefined) throw nodeNotFound("node", id)
  const schema = requireSchema(w.registry, source.kind)
  const rel = relationshipOf(schema, name)
  if (rel === undefined) throw fieldError("name", `'${name}' is not a valid relationship for '${source.kind}'`)
  if (rel.cardinality !== "many") throw fieldError("name", `'${name}' must be a relationship of cardinality Many`)
  const inputs = (Array.isArray(data["nodes"]) ? data["nodes"] : []).filter(isObject) as ReadonlyArray<RelatedInput>
  for (const input of inputs) {
    if (typeof input.id === "string" && w.tx.getNode(input.id) === undefined) {
      throw validationError(`'${input.id}': Unable to find the node in the database.`)
    }
  }
  for (const input of inputs) {
    const peer = typeof input.id === "string" ? w.tx.getNode(input.id) : undefined
    if (peer !== undefined && rel.peer !== "CoreNode" && !kindSatisfies(w.registry, peer.kind, rel.peer)) {
      throw validationError(`'${peer.id}' '${peer.kind}' is not a valid peer for '${rel.peer}'`)
    }
  }
  const existing = new Map(edgesFor(w.tx, source, rel).map((edge) => [otherEnd(edge, source.id), edge]))
  if (action === "add") {
    for (const input of inputs) {
      const peer = resolvePeer(w, rel, input)
      if (!existing.has(peer.id)) {
        const edge = newEdge(w, source, rel, { node: peer, input })
        existing.set(peer.id, edge)
        w.tx.putEdge(edge)
      }
    }
  } else {
    for (const input of inputs) {
      const edge = typeof input.id === "string" ? existing.get(input.id) : undefined
      if (edge !== undefined) w.tx.removeEdge(edge.id)
    }
  }
  w.tx.putNode({ ...source, updated_at: w.now, updated_by: w.actorId })
}
