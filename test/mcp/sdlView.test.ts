import { describe, expect, it } from "@effect/vitest"
import { parse } from "graphql"
import { indexSdl, namesContaining, sliceSdl } from "../../src/mcp/sdlView.js"

const SDL = `
type Query {
  """Sites"""
  LocationSite(name__value: String, status__value: String, limit: Int): PaginatedLocationSite!
  InfrahubInfo: Info
}

type Mutation {
  LocationSiteCreate(data: LocationSiteCreateInput!): LocationSiteCreate
}

type PaginatedLocationSite { count: Int! edges: [EdgedLocationSite!]! }
type EdgedLocationSite { node: LocationSite }
interface CoreNode { id: String! }
type LocationSite implements CoreNode {
  id: String!
  name: TextAttribute
  status: Dropdown
  tags(limit: Int, order: OrderInput): NestedPaginatedBuiltinTag!
}
type TextAttribute { value: String }
type Dropdown { value: String color: String }
type NestedPaginatedBuiltinTag { count: Int! }
input OrderInput { disable: Boolean }
input LocationSiteCreateInput { name: TextAttributeCreate! tags: [RelatedNodeInput] }
input TextAttributeCreate { value: String }
input RelatedNodeInput { id: String hfid: [String] }
type LocationSiteCreate { ok: Boolean object: LocationSite }
type Info { version: String }
`

const index = indexSdl(SDL)

describe("sliceSdl", () => {
  it("gives a kind's query field with its arguments, the type, and the types they name, one level deep", () => {
    const slice = sliceSdl(index, "LocationSite")
    expect(slice?.name).toBe("LocationSite")
    const text = slice?.sdl ?? ""
    expect(text.split("\n")[0]).toBe(
      "# LocationSite: the Query field, the type, and the types they use (one level deep). Read infrahub://graphql-schema/<Name> for any other type."
    )
    expect(text).toContain('type Query {\n  """Sites"""\n  LocationSite(name__value: String, status__value: String, limit: Int): PaginatedLocationSite!\n}')
    for (const type of ["type LocationSite implements CoreNode", "type PaginatedLocationSite", "interface CoreNode", "type TextAttribute", "type Dropdown", "type NestedPaginatedBuiltinTag", "input OrderInput"]) {
      expect(text).toContain(type)
    }
    // Two levels away, built-in scalars and the other root fields stay out.
    expect(text).not.toContain("type EdgedLocationSite")
    expect(text).not.toContain("InfrahubInfo")
    expect(text).not.toMatch(/scalar String/)
    expect(() => parse(text)).not.toThrow()
  })

  it("gives a mutation field with its input and payload", () => {
    const text = sliceSdl(index, "LocationSiteCreate")?.sdl ?? ""
    expect(text).toContain("type Mutation {\n  LocationSiteCreate(data: LocationSiteCreateInput!): LocationSiteCreate\n}")
    expect(text).toContain("input LocationSiteCreateInput")
    expect(text).toContain("type LocationSiteCreate {")
    // The input's own field types are a level further.
    expect(text).not.toContain("input RelatedNodeInput")
  })

  it("gives an input type with the inputs it uses", () => {
    const text = sliceSdl(index, "LocationSiteCreateInput")?.sdl ?? ""
    expect(text).toContain("input TextAttributeCreate")
    expect(text).toContain("input RelatedNodeInput")
    expect(text).not.toContain("type Mutation")
  })

  it("matches a name ignoring letter case, and nothing unknown", () => {
    expect(sliceSdl(index, "locationsite")?.name).toBe("LocationSite")
    expect(sliceSdl(index, "Device")).toBeUndefined()
  })

  it("lists names containing a fragment, shortest first", () => {
    expect(namesContaining(index, "site", 3)).toEqual(["LocationSite", "EdgedLocationSite", "LocationSiteCreate"])
    expect(namesContaining(index, "zzz", 3)).toEqual([])
  })
})
