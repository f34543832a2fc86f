/**
 * Constants mirrored from Infrahub's backend (opsmill/infrahub `backend/infrahub/core/constants/__init__.py`,
 * `core/schema/generated/*.py`, `types.py ATTRIBUTE_TYPES`, `visuals.py`), so the sandbox accepts and refuses
 * exactly what a real server does.
 */
import type { AttributeKind, RelationshipKind } from "./types.js"

/** Namespaces a user schema may not use (`RESTRICTED_NAMESPACES`; `Builtin` is deliberately not in it). */
export const RESTRICTED_NAMESPACES: ReadonlySet<string> = new Set([
  "Account", "Branch", "Core", "Deprecated", "Diff", "Infrahub", "Internal", "Lineage", "Schema", "Profile", "Template"
])

/** `RESERVED_ATTR_REL_NAMES`: refused as attribute or relationship names on every kind. */
export const RESERVED_ATTR_REL_NAMES: ReadonlySet<string> = new Set([
  "any", "attribute", "attributes", "attr", "attrs", "relationship", "relationships", "rel", "rels", "save", "hfid"
])

/** `RESERVED_ATTR_GEN_NAMES`: refused as attribute or relationship names on generics only. */
export const RESERVED_ATTR_GEN_NAMES: ReadonlySet<string> = new Set(["type"])

/** Attribute kinds a current server accepts (`ATTRIBUTE_TYPES`, plus `NumberPool`). */
export const ATTRIBUTE_KINDS: ReadonlyArray<AttributeKind> = [
  "ID", "Dropdown", "Text", "TextArea", "DateTime", "Email", "Password", "HashedPassword", "URL", "File",
  "MacAddress", "Color", "Number", "NumberPool", "Bandwidth", "IPHost", "IPNetwork", "Boolean", "Checkbox", "List",
  "JSON", "Any"
]

export const RELATIONSHIP_KINDS: ReadonlyArray<RelationshipKind> = [
  "Generic", "Attribute", "Component", "Parent", "Group", "Hierarchy", "Profile", "Template"
]

export const NODE_NAME_REGEX = /^[A-Z][a-zA-Z0-9]+$/
export const NAMESPACE_REGEX = /^[A-Z][a-z0-9]+$/
export const FIELD_NAME_REGEX = /^[a-z0-9_]+$/
export const DEFAULT_FILTER_REGEX = /^[a-z0-9_]*$/
export const HTML_COLOR_REGEX = /^#[0-9a-fA-F]{6}\b/

/** Python keywords a node name may collide with (`BaseNodeSchema.name_is_not_keyword`); only capitalised ones can match. */
export const PYTHON_CAPITALISED_KEYWORDS: ReadonlySet<string> = new Set(["None", "True", "False"])

/** Properties allowed at the end of an attribute path (`get_allowed_property_in_path`). */
export const allowedPathProperties = (kind: AttributeKind): ReadonlyArray<string> =>
  kind === "IPNetwork"
    ? ["value", "version", "binary_address", "prefixlen"]
    : kind === "IPHost"
      ? ["value", "version", "binary_address"]
      : ["value"]

/** Colours assigned to Dropdown choices that have none (`visuals.COLOR_SELECTION`). */
export const COLOR_SELECTION: ReadonlyArray<string> = [
  "#ed6a5a", "#f4f1bb", "#9bc1bc", "#5ca4a9", "#e6ebe0", "#52489c", "#4062bb", "#59c3c3", "#56638a", "#5d737e",
  "#55505c", "#592941", "#498467", "#e5d0e3", "#748cab", "#018e42", "#50808e", "#7b2d26", "#9799ca", "#51bbfe"
]

export const PARENT_CHILD_IDENTIFIER = "parent__child"

/** Well-known kinds the processing refers to (`InfrahubKind`). */
export const Kinds = {
  NODE: "CoreNode",
  PROFILE: "CoreProfile",
  GENERICGROUP: "CoreGroup",
  LINEAGEOWNER: "LineageOwner",
  LINEAGESOURCE: "LineageSource",
  IPPREFIX: "BuiltinIPPrefix",
  IPADDRESS: "BuiltinIPAddress",
  OBJECTTEMPLATE: "CoreObjectTemplate",
  OBJECTCOMPONENTTEMPLATE: "CoreObjectComponentTemplate"
} as const

export const OBJECT_TEMPLATE_RELATIONSHIP_NAME = "object_template"
export const OBJECT_TEMPLATE_NAME_ATTR = "template_name"

/** Text fields where an empty string means "unset" when a schema is loaded again (`OPTIONAL_TEXT_FIELDS`). */
export const OPTIONAL_TEXT_FIELDS = [
  "default_filter", "description", "label", "menu_placement", "documentation", "parent", "children"
] as const
