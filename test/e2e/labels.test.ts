// Node labels fall back display_label → hfid (with the kind) → id, as the Python server labels them.
// Infrahub ≥ 1.5 always computes a display_label, so the fallbacks matter for older versions: a
// small proxy in front of the real sandbox blanks display_label (and hfid) in GraphQL answers the
// way such an Infrahub would answer.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { decode } from "@toon-format/toon"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { call, nodesOf, sandboxData, structured } from "./read-support.js"

/** Kinds whose nodes lose their display_label, and kinds that lose their hfid as well. */
const NO_DISPLAY_LABEL = new Set(["DcimDevice", "LocationSite"])
const NO_HFID = new Set(["LocationSite"])

const blankLabels = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(blankLabels)
  if (typeof value !== "object" || value === null) return value
  const record: Record<string, unknown> = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, blankLabels(inner)]))
  const kind = record["__typename"]
  if (typeof kind === "string" && NO_DISPLAY_LABEL.has(kind) && "display_label" in record) record["display_label"] = null
  if (typeof kind === "string" && NO_HFID.has(kind) && "hfid" in record) record["hfid"] = null
  return record
}

/** Forwards every request to the sandbox; GraphQL answers come back with labels blanked. */
const startLabelProxy = (target: string): Promise<{ readonly url: string; readonly server: Server }> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === "string" && name !== "host" && name !== "content-length") headers.set(name, value)
        }
        const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
        void fetch(`${target}${request.url ?? "/"}`, { method: request.method ?? "GET", headers, ...(body === undefined ? {} : { body }) })
          .then(async (upstream) => {
            const text = await upstream.text()
            const isGraphQL = (request.url ?? "").startsWith("/graphql")
            const out = isGraphQL ? JSON.stringify(blankLabels(JSON.parse(text))) : text
            response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" })
            response.end(out)
          })
          .catch((error: unknown) => {
            response.writeHead(502, { "content-type": "text/plain" })
            response.end(String(error))
          })
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve({ url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`, server })
    })
  })

interface Labelled {
  readonly id: string
  readonly display_label: string
  readonly hfid: ReadonlyArray<string>
}

let sandbox: TestSandbox
let proxy: { readonly url: string; readonly server: Server }
let session: StdioSession

beforeAll(async () => {
  sandbox = await startTestSandbox()
  proxy = await startLabelProxy(sandbox.url)
  session = await connectStdio({ INFRAHUB_ADDRESS: proxy.url, INFRAHUB_API_TOKEN: sandbox.token })
})

afterAll(async () => {
  await session?.close()
  await new Promise<void>((resolve) => {
    if (proxy === undefined) return resolve()
    proxy.server.closeAllConnections()
    proxy.server.close(() => resolve())
  })
  await sandbox?.close()
})

interface NodesResult {
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly kind: string; readonly label: string; readonly attributes?: Record<string, unknown> }>
}

describe("node labels", () => {
  it("use the hfid with the kind when there is no display_label", async () => {
    const devices = nodesOf<Labelled>(await sandboxData(sandbox, "query { DcimDevice { edges { node { id display_label hfid } } } }"), "DcimDevice")
    const answer = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "DcimDevice" }))
    expect(answer.nodes).toEqual(devices.map((device) => ({ id: device.id, kind: "DcimDevice", label: ["DcimDevice", ...device.hfid].join("__") })))
  })

  it("use the id when there is neither display_label nor hfid, for nodes and for related peers", async () => {
    const sites = nodesOf<Labelled>(await sandboxData(sandbox, "query { LocationSite { edges { node { id } } } }"), "LocationSite")
    const answer = structured<NodesResult>(await call(session.client, "get_nodes", { kind: "LocationSite" }))
    expect(answer.nodes).toEqual(sites.map((site) => ({ id: site.id, kind: "LocationSite", label: site.id })))

    const device = nodesOf<{ id: string; location: { node: { id: string } } }>(
      await sandboxData(sandbox, "query { DcimDevice(limit: 1) { edges { node { id location { node { id } } } } } }"),
      "DcimDevice"
    )[0]
    const detailed = structured<NodesResult>(
      await call(session.client, "get_nodes", { kind: "DcimDevice", include_attributes: true, filters: { ids: [device?.id] } })
    )
    expect(detailed.nodes[0]?.attributes?.["location"]).toBe(device?.location.node.id)
  })

  it("keep Infrahub's display_label when there is one", async () => {
    const tags = nodesOf<Labelled>(await sandboxData(sandbox, "query { BuiltinTag { edges { node { id display_label } } } }"), "BuiltinTag")
    const answer = structured<NodesResult>(await call(session.client, "search_nodes", { query: tags[0]?.display_label ?? "", kind: "BuiltinTag" }))
    expect(answer.nodes).toContainEqual({ id: tags[0]?.id, kind: "BuiltinTag", label: tags[0]?.display_label })
  })
})

describe("an attribute named like a node column (schema-library's DcimCable has a `label`)", () => {
  const dir = mkdtempSync(join(tmpdir(), "labels-"))
  let cables: TestSandbox
  let cableSession: StdioSession

  beforeAll(async () => {
    const schema = join(dir, "cable.yml")
    writeFileSync(
      schema,
      [
        'version: "1.0"',
        "nodes:",
        "  - name: Cable",
        "    namespace: Test",
        "    human_friendly_id: [name__value]",
        "    display_label: name__value",
        "    attributes:",
        "      - name: name",
        "        kind: Text",
        "        unique: true",
        "      - name: label",
        "        kind: Text",
        "        optional: true"
      ].join("\n")
    )
    const objects = join(dir, "cables.yml")
    writeFileSync(
      objects,
      ["apiVersion: infrahub.app/v1", "kind: Object", "spec:", "  kind: TestCable", "  data:", "    - name: cable-1", '      label: "A-B patch"'].join("\n")
    )
    cables = await startTestSandbox({ schemas: [schema], data: [objects] })
    cableSession = await connectStdio({ INFRAHUB_ADDRESS: cables.url, INFRAHUB_API_TOKEN: cables.token })
  })

  afterAll(async () => {
    await cableSession?.close()
    await cables?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("does not overwrite the node's label in the text: text and structuredContent say the same", async () => {
    const result = await call(cableSession.client, "get_nodes", { kind: "TestCable", include_attributes: true })
    const answer = structured<NodesResult>(result)
    expect(answer.nodes).toEqual([{ id: expect.any(String), kind: "TestCable", label: "cable-1", attributes: { name: "cable-1", label: "A-B patch" } }])
    const text = decode(textOf(result)) as { nodes: ReadonlyArray<Record<string, unknown>> }
    expect(text.nodes).toEqual([{ id: answer.nodes[0]?.id, kind: "TestCable", label: "cable-1", name: "cable-1", "attributes.label": "A-B patch" }])
  })
})
