/**
 * The working set of kinds being processed (Infrahub's `SchemaBranch`): four insertion-ordered maps, because
 * the order kinds and fields are met in decides generated order weights, as it does in Infrahub.
 */
import { kindOf, type WorkKind } from "./model.js"

export class WorkBranch {
  readonly nodes = new Map<string, WorkKind>()
  readonly generics = new Map<string, WorkKind>()
  readonly profiles = new Map<string, WorkKind>()
  readonly templates = new Map<string, WorkKind>()

  private mapOf(kind: WorkKind): Map<string, WorkKind> {
    switch (kind.category) {
      case "node": return this.nodes
      case "generic": return this.generics
      case "profile": return this.profiles
      case "template": return this.templates
    }
  }

  get(name: string): WorkKind | undefined {
    return this.nodes.get(name) ?? this.generics.get(name) ?? this.profiles.get(name) ?? this.templates.get(name)
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Stores a kind; replacing one keeps its position, as a Python dict does. */
  set(kind: WorkKind): void {
    this.mapOf(kind).set(kindOf(kind), kind)
  }

  delete(name: string): boolean {
    return this.nodes.delete(name) || this.generics.delete(name) || this.profiles.delete(name) ||
      this.templates.delete(name)
  }

  get nodeNames(): Array<string> {
    return [...this.nodes.keys()]
  }

  get genericNames(): Array<string> {
    return [...this.generics.keys()]
  }

  /** Generics other than generated template generics (`generic_names_without_templates`). */
  get genericNamesWithoutTemplates(): Array<string> {
    return this.genericNames.filter((name) => !name.startsWith("Template"))
  }

  get profileNames(): Array<string> {
    return [...this.profiles.keys()]
  }

  get templateNames(): Array<string> {
    return [...this.templates.keys()]
  }

  get allNames(): Array<string> {
    return [...this.nodeNames, ...this.genericNames, ...this.profileNames, ...this.templateNames]
  }

  /** Every kind, in `allNames` order. */
  all(): Array<WorkKind> {
    return [...this.nodes.values(), ...this.generics.values(), ...this.profiles.values(), ...this.templates.values()]
  }
}

/** Where processing reports a problem: the kind (and field) at fault; the file is looked up from it. */
export interface Reporter {
  readonly report: (at: { readonly kind: string; readonly field?: string }, problem: string, fix: string) => void
}

export const attributeNames = (kind: WorkKind): Array<string> => kind.attributes.map((a) => a.name)
export const relationshipNames = (kind: WorkKind): Array<string> => kind.relationships.map((r) => r.name)
export const localNames = (kind: WorkKind): Array<string> => [
  ...kind.attributes.filter((a) => !a.inherited).map((a) => a.name),
  ...kind.relationships.filter((r) => !r.inherited).map((r) => r.name),
  // NODE_METADATA_ATTRIBUTES
  "_source", "_owner"
]
export const getAttribute = (kind: WorkKind, name: string) => kind.attributes.find((a) => a.name === name)
export const getRelationship = (kind: WorkKind, name: string) => kind.relationships.find((r) => r.name === name)
export const uniqueAttributes = (kind: WorkKind) => kind.attributes.filter((a) => a.unique)
