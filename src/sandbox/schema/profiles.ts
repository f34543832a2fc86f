/**
 * Generated `Profile<Kind>` schemas and the `profiles` relationship (`manage_profile_schemas`,
 * `generate_profile_from_node`, `manage_profile_relationships`).
 */
import { getAttribute, relationshipNames, type WorkBranch } from "./branch.js"
import { Kinds, RESTRICTED_NAMESPACES } from "./constants.js"
import { pythonStr } from "./labels.js"
import {
  cloneAttribute, kindOf, newKind, newRelationship, type WorkAttribute, type WorkKind, type WorkRelationship
} from "./model.js"

export const profileKindOf = (kind: string): string => `Profile${kind}`

const copyCoreAttribute = (core: WorkKind, name: string, branch: WorkKind["branch"]): WorkAttribute[] => {
  const attribute = getAttribute(core, name)
  return attribute === undefined ? [] : [{ ...cloneAttribute(attribute), id: null, inherited: false, branch }]
}

const generateProfile = (core: WorkKind, node: WorkKind): WorkKind => {
  const kind = kindOf(node)
  const profile = newKind({
    category: "profile",
    name: kind,
    namespace: "Profile",
    label: `Profile ${pythonStr(node.label)}`,
    description: `Profile for ${kind}`,
    branch: node.branch,
    include_in_menu: false,
    display_labels: ["profile_name__value"],
    inherit_from: [Kinds.LINEAGESOURCE, Kinds.PROFILE, Kinds.NODE],
    human_friendly_id: ["profile_name__value"],
    default_filter: "profile_name__value",
    attributes: [
      ...copyCoreAttribute(core, "profile_name", node.branch),
      ...copyCoreAttribute(core, "profile_priority", node.branch)
    ],
    relationships: [newRelationship({
      name: "related_nodes", identifier: "node__profile", peer: kind, kind: "Profile", cardinality: "many",
      branch: "aware"
    })]
  })
  for (const attribute of node.attributes) {
    if (attribute.read_only || !attribute.optional) continue
    profile.attributes.push({
      ...cloneAttribute(attribute), id: null, unique: false, optional: true, read_only: false, default_value: null,
      inherited: false
    })
  }
  return profile
}

export const manageProfileSchemas = (branch: WorkBranch): void => {
  const core = branch.generics.get(Kinds.PROFILE)
  if (core === undefined) return
  const generated = new Set<string>()
  for (const name of [...branch.nodeNames, ...branch.genericNamesWithoutTemplates]) {
    const node = branch.get(name)
    if (node === undefined) continue
    if (RESTRICTED_NAMESPACES.has(node.namespace) || !node.generate_profile || node.state === "absent") {
      branch.delete(profileKindOf(name))
      continue
    }
    const profile = generateProfile(core, node)
    branch.set(profile)
    generated.add(kindOf(profile))
  }
  for (const previous of branch.profileNames) if (!generated.has(previous)) branch.delete(previous)
  if (generated.size === 0) return
  if ([...generated].some((kind) => !core.used_by.includes(kind))) core.used_by = [...generated].sort()
  const coreNode = branch.generics.get(Kinds.NODE)
  if (coreNode !== undefined && [...generated].some((kind) => !coreNode.used_by.includes(kind))) {
    coreNode.used_by = [...new Set([...generated, ...coreNode.used_by])].sort()
  }
}

const PROFILES_RELATIONSHIP = {
  name: "profiles", identifier: "node__profile", peer: Kinds.PROFILE, kind: "Profile", cardinality: "many",
  branch: "aware"
} as const satisfies Partial<WorkRelationship>

/** Every user node and generic relates to its profiles, whether or not a profile kind is generated. */
export const manageProfileRelationships = (branch: WorkBranch): void => {
  for (const name of [...branch.nodeNames, ...branch.genericNames]) {
    const node = branch.get(name)
    if (node === undefined || RESTRICTED_NAMESPACES.has(node.namespace)) continue
    const existing = node.relationships.find((r) => r.name === "profiles")
    if (!relationshipNames(node).includes("profiles") || existing === undefined) {
      node.relationships.push(newRelationship(PROFILES_RELATIONSHIP))
      continue
    }
    Object.assign(existing, PROFILES_RELATIONSHIP)
  }
}
