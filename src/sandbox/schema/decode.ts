/**
 * One parsed schema document to working kinds, checking what Infrahub's pydantic models check on input
 * (`SchemaRoot`, `NodeSchema`, `GenericSchema`, `AttributeSchema`, `RelationshipSchema`, `DropdownChoice`):
 * unknown fields, types, name patterns and lengths, enumerations, Dropdown choices. Every problem is
 * collected, none stops the others from being found.
 */
import {
  ATTRIBUTE_KINDS, DEFAULT_FILTER_REGEX, FIELD_NAME_REGEX, HTML_COLOR_REGEX, NAMESPACE_REGEX, NODE_NAME_REGEX,
  PYTHON_CAPITALISED_KEYWORDS, RELATIONSHIP_KINDS
} from "./constants.js"
import type { SchemaProblem } from "./errors.js"
import { excludedRanges } from "./parameters.js"
import type { SchemaDocument } from "./files.js"
import {
  type ComputedAttribute, newAttribute, newKind, newRelationship, type WorkAttribute, type WorkChoice,
  type WorkKind, type WorkRelationship
} from "./model.js"
import type { AttributeKind, KindCategory } from "./types.js"

export interface SourceExtension {
  readonly kind: string
  readonly attributes: ReadonlyArray<WorkAttribute>
  readonly relationships: ReadonlyArray<WorkRelationship>
}

/** A decoded `SchemaRoot`: what one document contributes. */
export interface SourceRoot {
  /** How messages name this document: the file, plus the document number in a multi-document file. */
  readonly file: string
  readonly nodes: ReadonlyArray<WorkKind>
  readonly generics: ReadonlyArray<WorkKind>
  readonly extensions: ReadonlyArray<SourceExtension>
}

export interface DecodedDocument {
  readonly root: SourceRoot
  readonly problems: ReadonlyArray<SchemaProblem>
}

type Report = (problem: string, fix: string) => void
type Obj = Record<string, unknown>

const isObject = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const show = (value: unknown): string => JSON.stringify(value) ?? String(value)

const ROOT_FIELDS = ["version", "generics", "nodes", "extensions"]
const BASE_FIELDS = [
  "id", "state", "name", "namespace", "description", "label", "branch", "default_filter", "human_friendly_id",
  "display_labels", "display_label", "include_in_menu", "menu_placement", "icon", "order_by",
  "uniqueness_constraints", "documentation", "attributes", "relationships"
]
const NODE_FIELDS = [...BASE_FIELDS, "inherit_from", "generate_profile", "generate_template", "hierarchy", "parent", "children"]
const GENERIC_FIELDS = [...BASE_FIELDS, "hierarchical", "generate_profile", "generate_template", "used_by"]
const ATTRIBUTE_FIELDS = [
  "id", "state", "name", "kind", "enum", "computed_attribute", "choices", "regex", "max_length", "min_length", "label",
  "description", "read_only", "unique", "optional", "branch", "order_weight", "default_value", "inherited",
  "allow_override", "parameters", "deprecation"
]
const RELATIONSHIP_FIELDS = [
  "id", "state", "name", "peer", "kind", "label", "description", "identifier", "cardinality", "min_count", "max_count",
  "common_parent", "common_relatives", "order_weight", "optional", "branch", "inherited", "direction", "hierarchical",
  "on_delete", "allow_override", "read_only", "deprecation", "display"
]
const CHOICE_FIELDS = ["id", "state", "name", "description", "color", "label"]
const EXTENSION_NODE_FIELDS = ["id", "state", "kind", "attributes", "relationships"]

/** Reads typed fields out of one mapping, reporting each bad one against `what` (e.g. `attribute "status"`). */
class Fields {
  constructor(
    private readonly obj: Obj,
    private readonly what: string,
    private readonly report: Report
  ) {}

  /** `noun` names what the allowed fields belong to in the fix ("attribute", "choice"...). */
  unknown(allowed: ReadonlyArray<string>, noun: string): void {
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key)) {
        this.report(
          `${this.what} has an unknown field "${key}".`,
          `Remove it or correct its spelling; the fields of a ${noun} are: ${allowed.join(", ")}.`
        )
      }
    }
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.obj, key)
  }

  raw(key: string): unknown {
    return this.obj[key]
  }

  /** `undefined` when absent, `null` when explicitly null and allowed. */
  string(key: string, options: {
    readonly required?: boolean
    readonly nullable?: boolean
    readonly min?: number
    readonly max?: number
    readonly pattern?: RegExp
    readonly patternText?: string
  } = {}): string | null | undefined {
    if (!this.has(key) || (this.obj[key] === null && options.required !== true && options.nullable !== false)) {
      if (options.required === true) {
        this.report(`${this.what} has no "${key}".`, `Add a "${key}"; it is required.`)
      }
      return this.has(key) ? null : undefined
    }
    const value = this.obj[key]
    if (typeof value !== "string") {
      this.report(`${this.what}: "${key}" must be a string, not ${show(value)}.`, `Write "${key}" as a quoted string.`)
      return undefined
    }
    if (options.min !== undefined && value.length < options.min) {
      this.report(`${this.what}: "${key}" ${show(value)} is shorter than ${options.min} characters.`, `Use a "${key}" of at least ${options.min} characters.`)
      return undefined
    }
    if (options.max !== undefined && value.length > options.max) {
      this.report(`${this.what}: "${key}" is longer than ${options.max} characters.`, `Shorten "${key}" to ${options.max} characters or fewer.`)
      return undefined
    }
    if (options.pattern !== undefined && !options.pattern.test(value)) {
      this.report(
        `${this.what}: "${key}" ${show(value)} does not match Infrahub's pattern ${options.pattern.source}.`,
        `Rename it: ${options.patternText ?? "follow the pattern"}.`
      )
      return undefined
    }
    return value
  }

  boolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (typeof value !== "boolean") {
      this.report(`${this.what}: "${key}" must be true or false, not ${show(value)}.`, `Set "${key}" to true or false.`)
      return undefined
    }
    return value
  }

  /** Infrahub's `bool | None` fields. */
  nullableBoolean(key: string): boolean | null | undefined {
    if (this.has(key) && this.obj[key] === null) return null
    return this.boolean(key)
  }

  integer(key: string, options: { readonly nullable?: boolean } = {}): number | null | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (value === null && options.nullable === true) return null
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.report(`${this.what}: "${key}" must be a whole number, not ${show(value)}.`, `Set "${key}" to an integer.`)
      return undefined
    }
    return value
  }

  oneOf<T extends string>(key: string, values: ReadonlyArray<T>, options: { readonly nullable?: boolean } = {}): T | null | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (value === null && options.nullable === true) return null
    if (typeof value !== "string" || !(values as ReadonlyArray<string>).includes(value)) {
      this.report(
        `${this.what}: "${key}" must be one of ${values.join(", ")}; got ${show(value)}.`,
        `Use one of the values Infrahub accepts for "${key}".`
      )
      return undefined
    }
    return value as T
  }

  stringList(key: string, options: { readonly nullable?: boolean } = { nullable: true }): Array<string> | null | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (value === null && options.nullable === true) return null
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      this.report(`${this.what}: "${key}" must be a list of strings, not ${show(value)}.`, `Write "${key}" as a YAML list of strings.`)
      return undefined
    }
    return [...(value as Array<string>)]
  }

  stringListList(key: string): Array<Array<string>> | null | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (value === null) return null
    if (!Array.isArray(value) || !value.every((group) => Array.isArray(group) && group.every((item) => typeof item === "string"))) {
      this.report(
        `${this.what}: "${key}" must be a list of lists of paths (e.g. [[name__value], [device, name__value]]), not ${show(value)}.`,
        `Write each constraint of "${key}" as a list of paths.`
      )
      return undefined
    }
    return (value as Array<Array<string>>).map((group) => [...group])
  }

  list(key: string): Array<unknown> | undefined {
    if (!this.has(key)) return undefined
    const value = this.obj[key]
    if (!Array.isArray(value)) {
      this.report(`${this.what}: "${key}" must be a list, not ${show(value)}.`, `Write "${key}" as a YAML list.`)
      return undefined
    }
    return value
  }
}

const set = <K extends keyof T, T>(target: T, key: K, value: T[K] | undefined): void => {
  if (value !== undefined) target[key] = value
}

const FIELD_NAME_RULE = "lowercase letters, digits and '_' only"

const decodeChoice = (raw: unknown, index: number, owner: string, report: Report): WorkChoice | undefined => {
  const what = `${owner} choice #${index + 1}`
  if (!isObject(raw)) {
    report(`${what} must be a mapping with a "name", not ${show(raw)}.`, "Write each choice as `- name: <value>` with optional label, description and color.")
    return undefined
  }
  const f = new Fields(raw, what, report)
  f.unknown(CHOICE_FIELDS, "Dropdown choice")
  const name = f.string("name", { required: true })
  const color = f.string("color")
  if (typeof color === "string" && !HTML_COLOR_REGEX.test(color)) {
    report(`${what}: color ${show(color)} is not an HTML colour code.`, "Use a colour like \"#a9dfbf\" (a '#' and six hex digits).")
  }
  if (typeof name !== "string") return undefined
  return {
    id: f.string("id") ?? null,
    state: f.oneOf("state", ["present", "absent"]) ?? "present",
    name,
    description: f.string("description") ?? null,
    color: typeof color === "string" && HTML_COLOR_REGEX.test(color) ? color.toLowerCase() : null,
    label: f.string("label") ?? null
  }
}

const decodeComputedAttribute = (value: unknown, what: string, report: Report): ComputedAttribute | null | undefined => {
  if (value === null) return null
  if (!isObject(value)) {
    report(`${what}: "computed_attribute" must be a mapping with a "kind", not ${show(value)}.`, "Write it as `computed_attribute: {kind: Jinja2, jinja2_template: \"...\"}`.")
    return undefined
  }
  const f = new Fields(value, `${what} computed_attribute`, report)
  f.unknown(["kind", "jinja2_template", "transform"], "computed_attribute")
  const kind = f.oneOf("kind", ["Jinja2", "TransformPython", "User"])
  if (!f.has("kind")) report(`${what}: "computed_attribute" has no "kind".`, "Set its kind to Jinja2, TransformPython or User.")
  if (kind === undefined || kind === null) return undefined
  return { kind, jinja2_template: f.string("jinja2_template") ?? null, transform: f.string("transform") ?? null }
}

/** `get_attribute_parameters_class_for_kind`: the parameters each attribute kind takes, by type. */
const PARAMETER_FIELDS: Readonly<Record<string, Readonly<Record<string, "string" | "integer">>>> = {
  Text: { regex: "string", min_length: "integer", max_length: "integer" },
  TextArea: { regex: "string", min_length: "integer", max_length: "integer" },
  List: { regex: "string" },
  Number: { min_value: "integer", max_value: "integer", excluded_values: "string" }
}

const EXCLUDED_VALUES_REGEX = /^(\d+(?:-\d+)?)(?:,\d+(?:-\d+)?)*$/

/**
 * `AttributeSchema.parameters` from a mapping: the fields of the kind's parameter class (`convert_from_dict`
 * drops any other key, as Infrahub does), type-checked, with the class's own validators (excluded ranges,
 * min above max in Infrahub's default strict mode). Null when the kind takes no parameters.
 */
const decodeParameters = (kind: string, raw: Obj, label: string, report: Report): Record<string, unknown> | null => {
  const fields = PARAMETER_FIELDS[kind]
  if (fields === undefined) return null
  const what = `${label} parameters`
  const result: Record<string, unknown> = {}
  for (const [name, type] of Object.entries(fields)) {
    const value = raw[name] ?? null
    if (value !== null && type === "integer" && !(typeof value === "number" && Number.isInteger(value))) {
      report(`${what}: "${name}" must be a whole number, not ${show(value)}.`, `Set "${name}" to an integer.`)
      result[name] = null
    } else if (value !== null && type === "string" && typeof value !== "string") {
      report(`${what}: "${name}" must be a string, not ${show(value)}.`, `Write "${name}" as a quoted string.`)
      result[name] = null
    } else {
      result[name] = value
    }
  }
  const below = (low: unknown, high: unknown) => typeof low === "number" && typeof high === "number" && high < low
  if (below(result["min_length"], result["max_length"])) {
    report(`${what}: \`max_length\` can't be less than \`min_length\` when the schema is configured with strict mode.`, "Make max_length at least min_length.")
  }
  if (below(result["min_value"], result["max_value"])) {
    report(`${what}: \`max_value\` can't be less than \`min_value\` when the schema is configured with strict mode.`, "Make max_value at least min_value.")
  }
  const excluded = result["excluded_values"]
  if (typeof excluded === "string") {
    if (!EXCLUDED_VALUES_REGEX.test(excluded)) {
      report(`${what}: "excluded_values" ${show(excluded)} does not match Infrahub's pattern ${EXCLUDED_VALUES_REGEX.source}.`, "List values and ranges like '100,150-200,280'.")
    } else {
      const ranges = excludedRanges(excluded)
      if (ranges.some(([start, end]) => start > end)) {
        report(`${what}: in "excluded_values", \`start_range\` can't be less than \`end_range\`.`, "Write each range low-high.")
      } else if (ranges.some(([start, end], i) => ranges.slice(i + 1).some(([s2, e2]) => !(end < s2 || start > e2)))) {
        report(`${what}: excluded ranges cannot overlap.`, "Merge the overlapping ranges of \"excluded_values\".")
      }
    }
  }
  return result
}

const decodeAttribute = (raw: unknown, index: number, owner: string, report: Report): WorkAttribute | undefined => {
  if (!isObject(raw)) {
    report(`${owner}: attribute #${index + 1} must be a mapping, not ${show(raw)}.`, "Write each attribute as a mapping with at least `name` and `kind`.")
    return undefined
  }
  const label = typeof raw["name"] === "string" ? `attribute "${raw["name"]}"` : `attribute #${index + 1}`
  const f = new Fields(raw, label, report)
  f.unknown(ATTRIBUTE_FIELDS, "attribute")
  const name = f.string("name", { required: true, min: 2, max: 64, pattern: FIELD_NAME_REGEX, patternText: FIELD_NAME_RULE })
  const kind = f.oneOf("kind", ATTRIBUTE_KINDS)
  if (!f.has("kind")) {
    report(`${label} has no "kind".`, `Add a "kind": one of ${ATTRIBUTE_KINDS.join(", ")}.`)
  }
  const rawChoices = f.list("choices")
  let choices: Array<WorkChoice> | null = null
  if (rawChoices !== undefined && f.raw("choices") !== null) {
    choices = rawChoices.flatMap((choice, i) => decodeChoice(choice, i, label, report) ?? [])
    const seen = new Set<string>()
    for (const choice of choices) {
      if (seen.has(choice.name)) {
        report(`${label}: choice "${choice.name}" is listed twice.`, "Give every choice of a Dropdown a distinct name.")
      }
      seen.add(choice.name)
    }
  }
  if (kind === "Dropdown" && (rawChoices === undefined || rawChoices.length === 0)) {
    report(`${label} is a Dropdown without choices.`, "Add a non-empty \"choices\" list (each item with a \"name\"), or use another attribute kind.")
  }
  if (kind !== undefined && kind !== null && kind !== "Dropdown" && rawChoices !== undefined && rawChoices.length > 0) {
    report(`${label} has "choices" but is of kind ${kind}; only Dropdown attributes take choices.`, "Remove \"choices\" or set kind: Dropdown.")
  }
  const enumValue = f.raw("enum")
  if (f.has("enum") && enumValue !== null && !Array.isArray(enumValue)) {
    report(`${label}: "enum" must be a list of values, not ${show(enumValue)}.`, "Write \"enum\" as a YAML list.")
  }
  const parameters = f.raw("parameters")
  if (f.has("parameters") && parameters !== null && !isObject(parameters)) {
    report(`${label}: "parameters" must be a mapping, not ${show(parameters)}.`, "Write \"parameters\" as a mapping (e.g. min_length, max_length, regex).")
  }
  const decodedParameters = isObject(parameters) && typeof kind === "string" ? decodeParameters(kind, parameters, label, report) : null
  const computed = f.has("computed_attribute") ? decodeComputedAttribute(f.raw("computed_attribute"), label, report) : null
  if (typeof name !== "string" || kind === undefined || kind === null) return undefined
  const attribute = newAttribute({ name, kind: kind as AttributeKind })
  set(attribute, "id", f.string("id"))
  set(attribute, "state", f.oneOf("state", ["present", "absent"]) ?? undefined)
  attribute.enum = Array.isArray(enumValue) ? [...(enumValue as Array<unknown>)] : null
  attribute.computed_attribute = computed ?? null
  attribute.choices = choices
  set(attribute, "regex", f.string("regex"))
  set(attribute, "max_length", f.integer("max_length", { nullable: true }))
  set(attribute, "min_length", f.integer("min_length", { nullable: true }))
  set(attribute, "label", f.string("label", { max: 64 }))
  set(attribute, "description", f.string("description", { max: 128 }))
  set(attribute, "read_only", f.boolean("read_only"))
  set(attribute, "unique", f.boolean("unique"))
  set(attribute, "optional", f.boolean("optional"))
  set(attribute, "branch", f.oneOf("branch", ["aware", "agnostic", "local"], { nullable: true }))
  set(attribute, "order_weight", f.integer("order_weight", { nullable: true }))
  if (f.has("default_value")) attribute.default_value = structuredClone(f.raw("default_value"))
  set(attribute, "inherited", f.boolean("inherited"))
  set(attribute, "allow_override", f.oneOf("allow_override", ["any", "none"]) ?? undefined)
  set(attribute, "deprecation", f.string("deprecation", { max: 128 }))
  attribute.parameters = decodedParameters
  return attribute
}

const decodeRelationship = (raw: unknown, index: number, owner: string, report: Report): WorkRelationship | undefined => {
  if (!isObject(raw)) {
    report(`${owner}: relationship #${index + 1} must be a mapping, not ${show(raw)}.`, "Write each relationship as a mapping with at least `name` and `peer`.")
    return undefined
  }
  const label = typeof raw["name"] === "string" ? `relationship "${raw["name"]}"` : `relationship #${index + 1}`
  const f = new Fields(raw, label, report)
  f.unknown(RELATIONSHIP_FIELDS, "relationship")
  const name = f.string("name", { required: true, min: 2, max: 64, pattern: FIELD_NAME_REGEX, patternText: FIELD_NAME_RULE })
  const peer = f.string("peer", { required: true, pattern: NODE_NAME_REGEX, patternText: "a kind: an uppercase letter, then letters and digits (e.g. DcimDevice)" })
  const kind = f.oneOf("kind", RELATIONSHIP_KINDS)
  const cardinality = f.oneOf("cardinality", ["one", "many"])
  const direction = f.oneOf("direction", ["bidirectional", "outbound", "inbound"])
  const identifier = f.string("identifier", { max: 128, pattern: FIELD_NAME_REGEX, patternText: FIELD_NAME_RULE })
  // Accepted (newer Infrahub), not part of the served dump this sandbox mirrors.
  f.oneOf("display", ["default", "extra"])
  if (typeof name !== "string" || typeof peer !== "string") return undefined
  const relationship = newRelationship({ name, peer })
  set(relationship, "id", f.string("id"))
  set(relationship, "state", f.oneOf("state", ["present", "absent"]) ?? undefined)
  set(relationship, "kind", kind ?? undefined)
  set(relationship, "label", f.string("label", { max: 64 }))
  set(relationship, "description", f.string("description", { max: 128 }))
  set(relationship, "identifier", identifier)
  set(relationship, "cardinality", cardinality ?? undefined)
  set(relationship, "min_count", f.integer("min_count") ?? undefined)
  set(relationship, "max_count", f.integer("max_count") ?? undefined)
  set(relationship, "common_parent", f.string("common_parent"))
  set(relationship, "common_relatives", f.stringList("common_relatives"))
  set(relationship, "order_weight", f.integer("order_weight", { nullable: true }))
  set(relationship, "optional", f.boolean("optional"))
  set(relationship, "branch", f.oneOf("branch", ["aware", "agnostic", "local"], { nullable: true }))
  set(relationship, "inherited", f.boolean("inherited"))
  set(relationship, "direction", direction ?? undefined)
  set(relationship, "hierarchical", f.string("hierarchical"))
  set(relationship, "on_delete", f.oneOf("on_delete", ["no-action", "cascade"], { nullable: true }))
  set(relationship, "allow_override", f.oneOf("allow_override", ["any", "none"]) ?? undefined)
  set(relationship, "read_only", f.boolean("read_only"))
  set(relationship, "deprecation", f.string("deprecation", { max: 128 }))
  return relationship
}

const decodeMembers = (f: Fields, owner: string, report: Report) => ({
  attributes: (f.list("attributes") ?? []).flatMap((a, i) => decodeAttribute(a, i, owner, report) ?? []),
  relationships: (f.list("relationships") ?? []).flatMap((r, i) => decodeRelationship(r, i, owner, report) ?? [])
})

const decodeKind = (
  raw: unknown,
  index: number,
  category: Extract<KindCategory, "node" | "generic">,
  reportFor: (kind: string | undefined) => Report
): WorkKind | undefined => {
  const section = category === "node" ? "nodes" : "generics"
  if (!isObject(raw)) {
    reportFor(undefined)(`${section}[${index}] must be a mapping, not ${show(raw)}.`, `Write each entry of "${section}" as a mapping with name, namespace, attributes...`)
    return undefined
  }
  const rawKind = typeof raw["namespace"] === "string" && typeof raw["name"] === "string"
    ? `${raw["namespace"]}${raw["name"]}`
    : undefined
  const report = reportFor(rawKind ?? `${section}[${index}]`)
  const what = category === "node" ? "node" : "generic"
  const f = new Fields(raw, what, report)
  f.unknown(category === "node" ? NODE_FIELDS : GENERIC_FIELDS, what)
  const name = f.string("name", {
    required: true, min: 2, max: 32, pattern: NODE_NAME_REGEX,
    patternText: "start with an uppercase letter, then letters and digits only (e.g. Device)"
  })
  if (typeof name === "string" && PYTHON_CAPITALISED_KEYWORDS.has(name)) {
    report(`${what} name "${name}" is a reserved keyword.`, "Choose another name.")
  }
  const namespace = f.string("namespace", {
    required: true, min: 3, max: 64, pattern: NAMESPACE_REGEX,
    patternText: "an uppercase letter followed by lowercase letters or digits (e.g. Dcim)"
  })
  const members = decodeMembers(f, what, report)
  const fields = {
    id: f.string("id"),
    state: f.oneOf("state", ["present", "absent"]) ?? undefined,
    description: f.string("description", { max: 128 }),
    label: f.string("label", { max: 64 }),
    branch: f.oneOf("branch", ["aware", "agnostic", "local"]) ?? undefined,
    default_filter: f.string("default_filter", { pattern: DEFAULT_FILTER_REGEX, patternText: "an attribute path such as name__value" }),
    human_friendly_id: f.stringList("human_friendly_id"),
    display_labels: f.stringList("display_labels"),
    display_label: f.string("display_label"),
    include_in_menu: f.nullableBoolean("include_in_menu"),
    menu_placement: f.string("menu_placement"),
    icon: f.string("icon"),
    order_by: f.stringList("order_by"),
    uniqueness_constraints: f.stringListList("uniqueness_constraints"),
    documentation: f.string("documentation"),
    generate_profile: f.boolean("generate_profile"),
    generate_template: f.boolean("generate_template")
  }
  const nodeFields = category === "node"
    ? {
      inherit_from: f.stringList("inherit_from", { nullable: false }) ?? undefined,
      hierarchy: f.string("hierarchy"),
      parent: f.string("parent"),
      children: f.string("children")
    }
    : { hierarchical: f.boolean("hierarchical"), used_by: f.stringList("used_by", { nullable: false }) }
  if (typeof name !== "string" || typeof namespace !== "string") return undefined
  const kind = newKind({ category, name, namespace })
  for (const [key, value] of Object.entries({ ...fields, ...nodeFields })) {
    if (value !== undefined) (kind as unknown as Record<string, unknown>)[key] = value
  }
  // `used_by` is computed by Infrahub whatever the file says.
  kind.used_by = []
  kind.attributes = members.attributes
  kind.relationships = members.relationships
  return kind
}

const decodeExtensions = (raw: unknown, reportFor: (kind: string | undefined) => Report): Array<SourceExtension> => {
  const report = reportFor(undefined)
  if (raw === undefined || raw === null) return []
  if (!isObject(raw)) {
    report(`"extensions" must be a mapping with a "nodes" list, not ${show(raw)}.`, "Write `extensions: {nodes: [{kind: ..., attributes: [...]}]}`.")
    return []
  }
  const f = new Fields(raw, "extensions", report)
  f.unknown(["nodes"], "extensions section")
  return (f.list("nodes") ?? []).flatMap((item, index) => {
    if (!isObject(item)) {
      report(`extensions.nodes[${index}] must be a mapping with a "kind", not ${show(item)}.`, "Give each extension a `kind` and the attributes/relationships it adds.")
      return []
    }
    const kindName = typeof item["kind"] === "string" ? item["kind"] : undefined
    const itemReport = reportFor(kindName ?? `extensions.nodes[${index}]`)
    const g = new Fields(item, "extension", itemReport)
    g.unknown(EXTENSION_NODE_FIELDS, "node extension")
    const kind = g.string("kind", { required: true })
    const members = decodeMembers(g, "extension", itemReport)
    return typeof kind === "string" ? [{ kind, ...members }] : []
  })
}

/** Decodes one document; problems name the document and, where known, the kind. */
export const decodeSchemaDocument = (doc: SchemaDocument): DecodedDocument => {
  const file = doc.position === undefined ? doc.file : `${doc.file} (document ${doc.position})`
  const problems: Array<SchemaProblem> = []
  const reportFor = (kind: string | undefined): Report => (problem, fix) =>
    problems.push(kind === undefined ? { file, problem, fix } : { file, kind, problem, fix })
  const report = reportFor(undefined)
  const empty: SourceRoot = { file, nodes: [], generics: [], extensions: [] }
  if (!isObject(doc.content)) {
    report(
      `is not a schema: expected a mapping with "version", "nodes", "generics" or "extensions", got ${show(doc.content)}.`,
      "Start the document with `version: \"1.0\"` followed by `nodes:` and/or `generics:`."
    )
    return { root: empty, problems }
  }
  const f = new Fields(doc.content, "schema", report)
  f.unknown(ROOT_FIELDS, "schema document")
  if (!f.has("version") || f.raw("version") === null) {
    report("has no \"version\".", "Add `version: \"1.0\"` at the top of the document.")
  } else if (f.raw("version") !== "1.0") {
    report(
      `has version ${show(f.raw("version"))}; Infrahub schema files use version "1.0".`,
      "Set `version: \"1.0\"` (quoted, so YAML keeps it a string)."
    )
  }
  const nodes = (f.list("nodes") ?? []).flatMap((n, i) => decodeKind(n, i, "node", reportFor) ?? [])
  const generics = (f.list("generics") ?? []).flatMap((g, i) => decodeKind(g, i, "generic", reportFor) ?? [])
  const extensions = decodeExtensions(f.raw("extensions"), reportFor)
  return { root: { file, nodes, generics, extensions }, problems }
}
