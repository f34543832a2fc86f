/** Infrahub's `SchemaBranch.process()`: pre-validation, validation, post-validation, in that exact order. */
import type { Reporter, WorkBranch } from "./branch.js"
import { manageProfileRelationships, manageProfileSchemas } from "./profiles.js"
import {
  addGroups, cleanupInheritedElements, generateWeight, processDropdowns, processHumanFriendlyId, processLabels,
  processRelationships
} from "./steps-post.js"
import {
  addHierarchyGeneric, addHierarchyNode, generateIdentifiers, processBranchSupport, processCardinalityCounts,
  processDefaultValues, processDeprecations, processHierarchy, processInheritance
} from "./steps-pre.js"
import { manageObjectTemplateRelationships, manageObjectTemplateSchemas } from "./templates.js"
import { processValidate } from "./validate.js"

export const processBranch = (branch: WorkBranch, reporter: Reporter): void => {
  generateIdentifiers(branch)
  processDefaultValues(branch)
  processDeprecations(branch)
  processCardinalityCounts(branch)
  processInheritance(branch, reporter)
  processHierarchy(branch, reporter)
  processBranchSupport(branch)
  manageObjectTemplateSchemas(branch)
  manageObjectTemplateRelationships(branch)
  manageProfileSchemas(branch)
  manageProfileRelationships(branch)
  addHierarchyGeneric(branch)
  addHierarchyNode(branch)

  processValidate(branch, reporter)

  cleanupInheritedElements(branch)
  addGroups(branch)
  generateWeight(branch)
  processLabels(branch)
  processDropdowns(branch)
  processRelationships(branch)
  processHumanFriendlyId(branch)
}
