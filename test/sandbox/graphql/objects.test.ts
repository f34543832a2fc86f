import { beforeEach, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { ObjectLoadError } from "../../../src/sandbox/graphql/engine.js"
import { makeServer, type TestServer } from "./helpers.js"

/** Infrahub object files, as `infrahubctl object load` reads them. */

const tagsFile = `
apiVersion: infrahub.app/v1
kind: Object
spec:
  kind: BuiltinTag
  data:
    - name: red
      description: Warm
    - name: blue
`

const locationsFile = `
apiVersion: infrahub.app/v1
kind: Object
spec:
  kind: LocationCountry
  data:
    - name: United States
      shortname: us
      tags:
        - red
      children:
        kind: LocationSite
        data:
          - name: Atlanta
            shortname: atl1
            tags: [red, blue]
          - name: Boston
            shortname: bos1
    - name: Canada
      shortname: ca
`

const devicesFile = `
apiVersion: infrahub.app/v1
kind: Object
spec:
  kind: InfraDevice
  data:
    - role_id: 1
      location: atl1
      role: access
`

const load = (server: TestServer, files: Record<string, string>) =>
  server.engine.loadObjects(Object.entries(files).map(([file, text]) => ({ file, document: parse(text) as unknown })))

describe("object files", () => {
  let server: TestServer
  beforeEach(() => {
    server = makeServer()
  })

  it("loads attributes, references by hfid or default filter, and nested objects", () => {
    load(server, { "tags.yml": tagsFile, "locations.yml": locationsFile, "devices.yml": devicesFile })
    expect(server.ok(`query {
      LocationCountry { edges { node { display_label tags { edges { node { display_label } } } children { edges { node { display_label } } } } } }
      LocationSite(shortname__value: "atl1") { edges { node { parent { node { display_label } } tags { count } } } }
      InfraDevice { edges { node { name { value } role { value } } } }
      BuiltinTag(name__value: "red") { edges { node { description { value } } } }
    }`)).toEqual({
      LocationCountry: {
        edges: [
          { node: { display_label: "Canada", tags: { edges: [] }, children: { edges: [] } } },
          {
            node: {
              display_label: "United States",
              tags: { edges: [{ node: { display_label: "red" } }] },
              children: { edges: [{ node: { display_label: "Atlanta" } }, { node: { display_label: "Boston" } }] }
            }
          }
        ]
      },
      LocationSite: { edges: [{ node: { parent: { node: { display_label: "United States" } }, tags: { count: 2 } } }] },
      InfraDevice: { edges: [{ node: { name: { value: "access001-atl1" }, role: { value: "access" } } }] },
      BuiltinTag: { edges: [{ node: { description: { value: "Warm" } } }] }
    })
  })

  it("upserts, so loading the same files twice changes nothing", () => {
    load(server, { "tags.yml": tagsFile, "locations.yml": locationsFile })
    load(server, { "tags.yml": tagsFile, "locations.yml": locationsFile })
    expect(server.ok(`query { BuiltinTag { count } LocationCountry { count } LocationSite { count } }`)).toEqual({
      BuiltinTag: { count: 2 },
      LocationCountry: { count: 2 },
      LocationSite: { count: 2 }
    })
  })

  it("keeps nothing when any file fails, and names the file, the kind and the problem", () => {
    const broken = `
apiVersion: infrahub.app/v1
kind: Object
spec:
  kind: LocationSite
  data:
    - name: Nowhere
      shortname: now1
      parent: atlantis
`
    let caught: unknown
    try {
      load(server, { "tags.yml": tagsFile, "broken.yml": broken })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ObjectLoadError)
    expect(caught).toMatchObject({
      _tag: "ObjectLoadError",
      file: "broken.yml",
      kind: "LocationSite",
      problem: "data[1]: Unable to find the node atlantis / LocationCountry in the database."
    })
    expect((caught as Error).message).toBe(
      "Cannot load the object file broken.yml (kind LocationSite): data[1]: Unable to find the node atlantis / LocationCountry in the database. Fix the file and load it again; no object from this load was kept."
    )
    expect(server.ok(`query { BuiltinTag { count } }`)).toEqual({ BuiltinTag: { count: 0 } })
  })

  it.each([
    ["a wrong apiVersion", { apiVersion: "v2", kind: "Object", spec: { kind: "BuiltinTag", data: [] } }, "BuiltinTag", `apiVersion must be 'infrahub.app/v1', got "v2"`],
    ["a file that is not an object file", { apiVersion: "infrahub.app/v1", kind: "Menu", spec: { kind: "BuiltinTag", data: [] } }, "BuiltinTag", `kind must be 'Object' (an object file), got "Menu"`],
    ["an unknown kind", { apiVersion: "infrahub.app/v1", kind: "Object", spec: { kind: "NopeKind", data: [] } }, "NopeKind", "the kind NopeKind is not in the schema"],
    ["an unknown field", { apiVersion: "infrahub.app/v1", kind: "Object", spec: { kind: "BuiltinTag", data: [{ name: "x", colour: "red" }] } }, "BuiltinTag", "data[1].colour: colour is not a valid attribute or relationship for BuiltinTag"],
    ["a missing mandatory field", { apiVersion: "infrahub.app/v1", kind: "Object", spec: { kind: "LocationSite", data: [{ name: "x", parent: "us" }] } }, "LocationSite", "data[1].shortname: shortname is mandatory"],
    ["a malformed relationship", { apiVersion: "infrahub.app/v1", kind: "Object", spec: { kind: "LocationCountry", data: [{ name: "x", shortname: "x", tags: { name: "red" } }] } }, "LocationCountry", "Invalid structure for a relationship of cardinality many, either provide a dict with data as a list or a list of objects"],
    ["an invalid value", { apiVersion: "infrahub.app/v1", kind: "Object", spec: { kind: "TestPerson", data: [{ name: "lowercase" }] } }, "TestPerson", "data[1]: lowercase must conform with the regex: '^[A-Z]' at name"]
  ])("reports %s", (_label, document, kind, problem) => {
    expect(() => server.engine.loadObjects([{ file: "objects.yml", document }])).toThrowError(
      expect.objectContaining({ _tag: "ObjectLoadError", file: "objects.yml", kind, problem })
    )
  })
})
