import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { writeTargets } from "../../src/infrahub/dataMutationGuard.js"
import { parseDocument } from "../../src/infrahub/graphqlGuard.js"
import { decodeBranchSchema } from "../../src/infrahub/schemaModel.js"

/**
 * What `mutate_graphql` would send, sorted before anything is sent: data mutations of branch-aware
 * kinds pass; other fields, branch-agnostic kinds and relationship changes whose node cannot be named
 * are reported. Pure (no clock, no I/O): checked against Infrahub's recorded schema.
 */

const schema = Either.getOrThrow(decodeBranchSchema(JSON.parse(readFileSync(new URL("../fixtures/infrahub/schema_05.json", import.meta.url), "utf8"))))

const targetsOf = (source: string, variables: Readonly<Record<string, unknown>> = {}) =>
  writeTargets(Either.getOrThrow(parseDocument(source)), schema, variables)

const none = { notDataMutations: [], agnosticFields: [], relationshipNodeIds: [] }

describe("writeTargets", () => {
  it("lets data mutations of branch-aware kinds, IP pool allocations and __typename through", () => {
    expect(
      targetsOf(`mutation {
        BuiltinTagCreate(data: { name: { value: "lab" } }) { ok }
        BuiltinTagUpsert(data: { name: { value: "lab" } }) { ok }
        BuiltinTagDelete(data: { id: "t1" }) { ok }
        CoreStandardGroupUpdate(data: { id: "g1" }) { ok }
        IPPrefixPoolGetResource(data: { id: "p1" }) { ok }
        __typename
      }`)
    ).toEqual(Either.right(none))
  })

  it("reports fields that are no data mutation of this schema: other mutations, unknown kinds, and what Infrahub does not generate", () => {
    expect(
      targetsOf(`mutation {
        AccountTokenCreate(data: { name: { value: "t" } }) { ok }
        BranchMerge(data: { name: "x" }) { ok }
        NoSuchKindCreate(data: {}) { ok }
        CoreGroupCreate(data: {}) { ok }
      }`)
    ).toEqual(Either.right({ ...none, notDataMutations: ["AccountTokenCreate", "BranchMerge", "NoSuchKindCreate", "CoreGroupCreate"] }))
  })

  it("reports data mutations of kinds Infrahub shares across branches", () => {
    expect(
      targetsOf(`mutation {
        CoreAccountUpdate(data: { id: "a1" }) { ok }
        CoreProposedChangeCreate(data: {}) { ok }
        BuiltinTagCreate(data: { name: { value: "lab" } }) { ok }
      }`)
    ).toEqual(Either.right({ ...none, agnosticFields: ["CoreAccountUpdate", "CoreProposedChangeCreate"] }))
  })

  it("names the nodes relationship changes touch, from literals or variables, each once", () => {
    expect(
      targetsOf(
        `mutation ($data: RelationshipNodesInput!, $id: String!) {
          a: RelationshipAdd(data: { id: "n1", name: "tags", nodes: [{ id: "t1" }] }) { ok }
          b: RelationshipRemove(data: $data) { ok }
          c: RelationshipAdd(data: { id: $id, name: "tags", nodes: [] }) { ok }
          d: RelationshipAdd(data: { id: "n1", name: "members", nodes: [] }) { ok }
        }`,
        { data: { id: "n2", name: "tags", nodes: [] }, id: "n3" }
      )
    ).toEqual(Either.right({ ...none, relationshipNodeIds: ["n1", "n2", "n3"] }))
  })

  it("refuses a relationship change whose node id cannot be read, naming the field", () => {
    for (const [source, variables] of [
      ['mutation { RelationshipAdd(data: { name: "tags", nodes: [] }) { ok } }', {}],
      ["mutation ($data: RelationshipNodesInput!) { RelationshipRemove(data: $data) { ok } }", { data: { id: 7 } }],
      ["mutation ($id: String!) { RelationshipAdd(data: { id: $id, name: \"tags\", nodes: [] }) { ok } }", {}]
    ] as const) {
      const refused = targetsOf(source, variables)
      expect(Either.isLeft(refused), source).toBe(true)
      if (Either.isLeft(refused)) {
        expect(refused.left.message).toMatch(/^Relationship(Add|Remove): the object id in data\.id could not be read/)
        expect(refused.left.remediation).toContain('data: {id: "<node id>"')
      }
    }
  })
})
