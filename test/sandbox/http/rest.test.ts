import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestSandbox, type TestSandbox } from "../../support/sandbox.js"
import { apiKey, dataOf, fixture, get, keySet, postGraphql, request, shapeOf } from "./support.js"

/**
 * Infrahub's REST routes as the sandbox serves them over HTTP: bodies compared with the recorded
 * responses (key sets and value types), and Infrahub's error bodies for bad branches, kinds and paths.
 */

type Kind = Record<string, unknown> & {
  readonly kind: string
  readonly namespace: string
  readonly hash: string
  readonly attributes: ReadonlyArray<Record<string, unknown>>
  readonly relationships: ReadonlyArray<Record<string, unknown>>
}
interface SchemaBody {
  readonly main: string
  readonly nodes: ReadonlyArray<Kind>
  readonly generics: ReadonlyArray<Kind>
  readonly profiles: ReadonlyArray<Kind>
  readonly templates: ReadonlyArray<Kind>
  readonly namespaces: ReadonlyArray<{ readonly name: string; readonly user_editable: boolean }>
}
const CATEGORIES = ["nodes", "generics", "profiles", "templates"] as const

const recorded = fixture("schema_05.json") as SchemaBody

/** The demo schemas generate no template; this user kind does, so /api/schema has all four categories. */
const TEMPLATED_SCHEMA = `version: "1.0"
nodes:
  - name: Widget
    namespace: Testing
    generate_template: true
    human_friendly_id: [name__value]
    display_label: "{{ name__value }}"
    attributes:
      - name: name
        kind: Text
        unique: true
`

const jsonType = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value)

/** For each key of the recorded objects, the JSON types its values take in the recording. */
const typeTable = (objects: ReadonlyArray<Record<string, unknown>>): Map<string, Set<string>> => {
  const table = new Map<string, Set<string>>()
  for (const object of objects) {
    for (const [key, value] of Object.entries(object)) {
      const types = table.get(key) ?? new Set<string>()
      types.add(jsonType(value))
      table.set(key, types)
    }
  }
  return table
}

/** Every way `objects` differ from the recorded key set and value types: `where.key: problem`. */
const shapeProblems = (
  where: string,
  objects: ReadonlyArray<Record<string, unknown>>,
  recordedObjects: ReadonlyArray<Record<string, unknown>>,
  extraKeys: ReadonlyMap<string, ReadonlyArray<string>> = new Map()
): Array<string> => {
  const table = typeTable(recordedObjects)
  const expectedKeys = [...table.keys()].sort()
  const problems: Array<string> = []
  for (const object of objects) {
    const label = `${where} ${String(object["kind"] ?? object["name"])}`
    const keys = keySet(object).filter((key) => !extraKeys.has(key))
    if (JSON.stringify(keys) !== JSON.stringify(expectedKeys)) {
      problems.push(`${label}: keys ${keys.join(",")} instead of ${expectedKeys.join(",")}`)
      continue
    }
    for (const [key, value] of Object.entries(object)) {
      const allowed = table.get(key) ?? new Set(extraKeys.get(key))
      // A null where the recording has values is still the same field; and where the recording only has
      // nulls (e.g. relationship descriptions) it cannot tell the type, so only the key is checked.
      const onlyNull = allowed.size === 1 && allowed.has("null")
      if (!onlyNull && !allowed.has(jsonType(value)) && jsonType(value) !== "null") problems.push(`${label}.${key}: ${jsonType(value)}, recorded ${[...allowed].join("|")}`)
    }
  }
  return problems
}

describe("the sandbox's REST routes over HTTP", () => {
  let sandbox: TestSandbox
  let schema: SchemaBody
  let dir: string
  const auth = () => apiKey(sandbox.token)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-rest-"))
    writeFileSync(join(dir, "widgets.yml"), TEMPLATED_SCHEMA)
    sandbox = await startTestSandbox({ schemas: [join(dir, "widgets.yml")] })
    const answer = await get(`${sandbox.url}/api/schema`, auth())
    expect(answer.status).toBe(200)
    schema = answer.body as SchemaBody
    expect(dataOf(await postGraphql(`${sandbox.url}/graphql`, `mutation { BranchCreate(data: {name: "rest/feature-1", sync_with_git: false}) { ok } }`, auth()))).toEqual({
      BranchCreate: { ok: true }
    })
  })
  afterAll(async () => {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  })

  describe("GET /api/schema", () => {
    it("has the recorded response's top-level fields and types", () => {
      expect(keySet(schema)).toEqual(keySet(recorded))
      expect(shapeOf({ ...schema, nodes: [], generics: [], profiles: [], templates: [] })).toEqual(
        shapeOf({ ...recorded, nodes: [], generics: [], profiles: [], templates: [] })
      )
      expect(schema.main).toMatch(/^[0-9a-f]{32}$/)
      for (const category of CATEGORIES) expect(schema[category].length, category).toBeGreaterThan(0)
    })

    it("serves every kind, attribute and relationship with the recorded key set and value types", () => {
      // Infrahub >= 1.5 adds `display_label` (a Jinja2 template string) to kinds that set one; the recording predates it.
      const newer = new Map([["display_label", ["string"]]])
      const problems = CATEGORIES.flatMap((category) => [
        ...shapeProblems(category, schema[category], recorded[category], newer),
        ...shapeProblems(`${category} attribute of`, schema[category].flatMap((k) => k.attributes.map((a) => ({ ...a, kind: `${k.kind}.${String(a["name"])}` }))),
          recorded[category].flatMap((k) => k.attributes.map((a) => ({ ...a, kind: "x" })))),
        ...shapeProblems(`${category} relationship of`, schema[category].flatMap((k) => k.relationships.map((r) => ({ ...r, name: `${k.kind}.${String(r["name"])}` }))),
          recorded[category].flatMap((k) => k.relationships))
      ])
      expect(problems).toEqual([])
    })

    it("serves the built-in kinds of the recording and the loaded schemas' kinds, never Internal ones", () => {
      const served = new Set(CATEGORIES.flatMap((category) => schema[category].map((k) => k.kind)))
      const builtins = CATEGORIES.flatMap((category) => recorded[category].map((k) => k.kind)).filter((kind) => /^(Core|Builtin|Lineage)/.test(kind))
      expect(builtins.filter((kind) => !served.has(kind))).toEqual([])
      for (const kind of ["DcimDevice", "DcimGenericDevice", "LocationSite", "IpamPrefix", "ProfileDcimDevice", "TestingWidget", "TemplateTestingWidget"]) {
        expect(served).toContain(kind)
      }
      expect(CATEGORIES.flatMap((category) => schema[category]).filter((k) => k.namespace === "Internal")).toEqual([])
      expect(schema.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(["Core", "Builtin", "Dcim", "Location", "Ipam"]))
    })

    it("answers the same schema for ?branch=main and for an existing branch whose name has a slash", async () => {
      expect((await get(`${sandbox.url}/api/schema?branch=main`, auth())).body).toEqual(schema)
      const onBranch = await get(`${sandbox.url}/api/schema?branch=${encodeURIComponent("rest/feature-1")}`, auth())
      expect(onBranch.status).toBe(200)
      expect((onBranch.body as SchemaBody).main).toBe(schema.main)
    })

    it("narrows to the namespaces asked for, as repeated ?namespaces=", async () => {
      const answer = await get(`${sandbox.url}/api/schema?namespaces=Dcim&namespaces=Location`, auth())
      const body = answer.body as SchemaBody
      expect(answer.status).toBe(200)
      const namespaces = new Set(CATEGORIES.flatMap((category) => body[category].map((k) => k.namespace)))
      expect([...namespaces].sort()).toEqual(["Dcim", "Location"])
      expect(body.nodes.map((k) => k.kind)).toContain("DcimDevice")
      expect(body.main).toBe(schema.main)
    })

    it("answers an unknown branch with Infrahub's 400 body, before it looks at the credential", async () => {
      const expected = { data: null, errors: [{ message: "Branch: nope not found.", extensions: { code: 400 } }] }
      for (const headers of [auth(), {}, apiKey("not-a-token")]) {
        const answer = await get(`${sandbox.url}/api/schema?branch=nope`, headers)
        expect(answer.status).toBe(400)
        expect(answer.body).toEqual(expected)
      }
    })
  })

  describe("GET /api/schema/{kind}", () => {
    it("returns a node, a generic, a profile or a template exactly as /api/schema lists it", async () => {
      for (const category of CATEGORIES) {
        const listed = schema[category][0]
        if (listed === undefined) throw new Error(`no ${category}`)
        const answer = await get(`${sandbox.url}/api/schema/${listed.kind}`, auth())
        expect(answer.status, listed.kind).toBe(200)
        expect(answer.body).toEqual(listed)
      }
      const device = await get(`${sandbox.url}/api/schema/DcimDevice?branch=rest/feature-1`, auth())
      expect(device.body).toEqual(schema.nodes.find((k) => k.kind === "DcimDevice"))
    })

    it("answers an unknown kind with Infrahub's 422 body, and an unknown branch with 400", async () => {
      const unknown = await get(`${sandbox.url}/api/schema/DcimDevise`, auth())
      expect(unknown.status).toBe(422)
      expect(unknown.body).toEqual({ data: null, errors: [{ message: "Unable to find the schema 'DcimDevise' in the registry", extensions: { code: 422 } }] })
      const internal = await get(`${sandbox.url}/api/schema/InternalAccountToken`, auth())
      expect(internal.status).toBe(422)
      const badBranch = await get(`${sandbox.url}/api/schema/DcimDevice?branch=nope`, auth())
      expect(badBranch.status).toBe(400)
      expect(badBranch.body).toEqual({ data: null, errors: [{ message: "Branch: nope not found.", extensions: { code: 400 } }] })
    })
  })

  describe("GET /api/schema/summary", () => {
    it("has the recorded summary's shape and the hashes /api/schema serves", async () => {
      const answer = await get(`${sandbox.url}/api/schema/summary`, auth())
      expect(answer.status).toBe(200)
      const summary = answer.body as { main: string; nodes: Record<string, string>; generics: Record<string, string> }
      const recordedSummary = fixture("infrahub-frontend/schemaSummary.json") as Record<string, unknown>
      // The frontend mock is trimmed to `main` and `nodes`; Infrahub's SchemaBranchHash also has `generics`.
      expect(keySet(summary)).toEqual([...keySet(recordedSummary), "generics"].sort())
      expect(shapeOf({ main: summary.main, nodes: { Device: summary.nodes["DcimDevice"] } })).toEqual(shapeOf(recordedSummary))
      expect(summary.main).toBe(schema.main)
      expect(summary.nodes).toEqual(Object.fromEntries(schema.nodes.map((k) => [k.kind, k.hash])))
      expect(summary.generics).toEqual(Object.fromEntries(schema.generics.map((k) => [k.kind, k.hash])))
      expect((await get(`${sandbox.url}/api/schema/summary?branch=nope`, auth())).status).toBe(400)
    })
  })

  describe("GET /schema.graphql", () => {
    it("serves the branch's SDL as text/plain", async () => {
      const answer = await get(`${sandbox.url}/schema.graphql`, auth())
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toMatch(/^text\/plain/)
      expect(answer.text).toContain("type DcimDevice implements")
      expect(answer.text).toContain("input DcimDeviceCreateInput {")
      expect(answer.text).toMatch(/^\s*Branch\(/m)
      const onBranch = await get(`${sandbox.url}/schema.graphql?branch=rest/feature-1`, auth())
      expect(onBranch.status).toBe(200)
      expect(onBranch.text).toBe(answer.text)
    })

    it("answers an unknown ?branch= with Infrahub's 400 body", async () => {
      const answer = await get(`${sandbox.url}/schema.graphql?branch=does-not-exist`, auth())
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ data: null, errors: [{ message: "Branch: does-not-exist not found.", extensions: { code: 400 } }] })
    })
  })

  describe("GET /api/info", () => {
    it("has the recorded body's shape, with the version and deployment id InfrahubInfo reports", async () => {
      const answer = await get(`${sandbox.url}/api/info`, auth())
      expect(answer.status).toBe(200)
      expect(shapeOf(answer.body)).toEqual(shapeOf(fixture("infrahub-frontend/info.json")))
      const info = answer.body as { deployment_id: string; version: string }
      expect(info.version).toBe("1.10.0")
      expect(info.deployment_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      const viaGraphql = dataOf(await postGraphql(`${sandbox.url}/graphql`, "query { InfrahubInfo { deployment_id version } }", auth()))
      expect(viaGraphql).toEqual({ InfrahubInfo: info })
    })
  })

  describe("paths and methods Infrahub does not serve", () => {
    it("answers unknown /api/ paths with Infrahub's 404 body", async () => {
      const answer = await get(`${sandbox.url}/api/nothing/here`, auth())
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({ data: null, errors: [{ message: "The requested endpoint /api/nothing/here does not exist", extensions: { code: 404 } }] })
    })

    // Infrahub hands unknown GET paths to its web UI; the sandbox has none and answers FastAPI's 404.
    it("answers other unknown paths with 404, and wrong methods with FastAPI's 405", async () => {
      const unknown = await get(`${sandbox.url}/nothing`, auth())
      expect(unknown.status).toBe(404)
      expect(unknown.body).toEqual({ detail: "Not Found" })
      const post = await request(`${sandbox.url}/api/schema`, { method: "POST", headers: auth() })
      expect(post.status).toBe(405)
      expect(post.body).toEqual({ detail: "Method Not Allowed" })
    })

    it("keeps the test hooks unreachable when debug endpoints are off", async () => {
      for (const [method, path] of [["GET", "/__sandbox/requests"], ["DELETE", "/__sandbox/requests"], ["POST", "/__sandbox/faults"], ["DELETE", "/__sandbox/faults"]] as const) {
        const answer = await request(`${sandbox.url}${path}`, {
          method,
          headers: { ...auth(), "content-type": "application/json" },
          ...(method === "POST" ? { body: JSON.stringify({ path: ".*", status: 500 }) } : {})
        })
        expect(answer.status, `${method} ${path}`).toBe(404)
        expect(answer.body).toEqual({ detail: "Not Found" })
      }
      // The POST above did not install a fault.
      expect((await get(`${sandbox.url}/api/info`, auth())).status).toBe(200)
    })
  })
})
