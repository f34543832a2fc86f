// Resources, the kind template with completions, and the prompts, through the built CLI over stdio.
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectStdio, type StdioSession, textOf } from "../support/mcp.js"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"
import { call, serverEnv, structured } from "./read-support.js"

let sandbox: TestSandbox
let session: StdioSession

beforeAll(async () => {
  sandbox = await startTestSandbox()
  session = await connectStdio(serverEnv(sandbox))
})

afterAll(async () => {
  await session?.close()
  await sandbox?.close()
})

/** The JSON-RPC error a request failed with. */
const rpcError = async (request: Promise<unknown>): Promise<McpError> => {
  const error = await request.then(
    () => undefined,
    (failure: unknown) => failure
  )
  expect(error).toBeInstanceOf(McpError)
  return error as McpError
}

/** The one text content of a resource read. */
const single = (contents: ReadonlyArray<{ readonly uri: string; readonly mimeType?: string | undefined } & ({ readonly text: string } | { readonly blob: string })>) => {
  expect(contents).toHaveLength(1)
  const [first] = contents
  if (first === undefined || !("text" in first)) throw new Error(`expected one text content, got ${JSON.stringify(contents)}`)
  return first
}

describe("resources", () => {
  it("lists the three resources, the kind template and the GraphQL type template", async () => {
    const { resources } = await session.client.listResources()
    expect(resources.map((resource) => [resource.uri, resource.mimeType])).toEqual([
      ["infrahub://schema", "application/json"],
      ["infrahub://graphql-schema", "text/plain"],
      ["infrahub://branches", "application/json"]
    ])
    for (const resource of resources) {
      expect(resource.title, resource.uri).toMatch(/\S/)
      expect(resource.description, resource.uri).toMatch(/\S/)
    }
    const { resourceTemplates } = await session.client.listResourceTemplates()
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: "infrahub://schema/{kind}", mimeType: "text/plain" }),
      expect.objectContaining({ uriTemplate: "infrahub://graphql-schema/{type}", mimeType: "text/plain" })
    ])
  })

  it("infrahub://schema is the same kind catalog get_schema returns", async () => {
    const content = single((await session.client.readResource({ uri: "infrahub://schema" })).contents)
    expect(content).toMatchObject({ uri: "infrahub://schema", mimeType: "application/json" })
    const { kinds } = structured<{ kinds: Record<string, string> }>(await call(session.client, "get_schema"))
    expect(JSON.parse(content.text)).toEqual(kinds)
    expect(kinds["LocationSite"]).toBe("Site")
  })

  it("infrahub://schema/{kind} is the same TOON detail get_schema(kind) renders", async () => {
    const content = single((await session.client.readResource({ uri: "infrahub://schema/LocationSite" })).contents)
    expect(content).toMatchObject({ uri: "infrahub://schema/LocationSite", mimeType: "text/plain" })
    expect(content.text).toBe(textOf(await call(session.client, "get_schema", { kind: "LocationSite" })))
    expect(content.text).toContain("shortname__value")
  })

  it("an unknown kind in the template is refused with the valid kinds and a pointer to infrahub://schema", async () => {
    const error = await rpcError(session.client.readResource({ uri: "infrahub://schema/Switch" }))
    expect(error.code).toBe(-32602)
    expect(error.message).toContain("Schema not found for kind 'Switch'")
    expect(error.message).toMatch(/Valid kinds: .*\bDcimDevice\b/)
    expect(error.message).toMatch(/\n\nRemediation: .*infrahub:\/\/schema/)
  })

  it("infrahub://graphql-schema (1.2 MB here, as for a real schema) is refused by the response limit as invalid params, pointing at one type", async () => {
    const sdl = await (await fetch(`${sandbox.url}/schema.graphql`, { headers: { "x-infrahub-key": sandbox.token } })).text()
    expect(Buffer.byteLength(sdl)).toBeGreaterThan(500_000)
    const error = await rpcError(session.client.readResource({ uri: "infrahub://graphql-schema" }))
    // The caller's to narrow, not a server fault: "Invalid params", as for an unknown resource.
    expect(error.code).toBe(-32602)
    expect(error.message).toContain(`The resource infrahub://graphql-schema is ${Buffer.byteLength(sdl)} bytes, over the 500000-byte response limit.`)
    expect(error.message).toMatch(/\n\nRemediation: Read one type instead: infrahub:\/\/graphql-schema\/\{type\}.*get_schema\(kind\)/)
  })

  it("infrahub://graphql-schema/{type} is one type: the query field with its filters, the type, and the types they use", async () => {
    const content = single((await session.client.readResource({ uri: "infrahub://graphql-schema/DcimDevice" })).contents)
    expect(content).toMatchObject({ uri: "infrahub://graphql-schema/DcimDevice", mimeType: "text/plain" })
    const text = content.text
    expect(Buffer.byteLength(text)).toBeLessThan(100_000)
    // The query field, with the filter arguments get_nodes uses.
    expect(text.split("\n")[0]).toBe("# DcimDevice: the Query field, the type, and the types they use (one level deep). Read infrahub://graphql-schema/<Name> for any other type.")
    expect(text).toMatch(/type Query \{\n(?: {2}"""[^"]*"""\n)? {2}DcimDevice\([^)]*name__value: String[^)]*\): PaginatedDcimDevice!?\n\}/)
    expect(text).toMatch(/\btype DcimDevice\b[^{]*\{[^}]*\bname: TextAttribute\b/)
    // One level deep: the types named by the type and the query field, not the types behind them.
    expect(text).toMatch(/\btype PaginatedDcimDevice\b/)
    expect(text).toMatch(/\btype TextAttribute\b/)
    expect(text).not.toMatch(/\btype EdgedDcimDevice\b/)
    // Every slice parses as SDL.
    const { parse } = await import("graphql")
    expect(() => parse(text)).not.toThrow()
  })

  it("infrahub://graphql-schema/{type} of a mutation shows it with its input; names match ignoring letter case", async () => {
    const create = single((await session.client.readResource({ uri: "infrahub://graphql-schema/DcimDeviceCreate" })).contents).text
    expect(create).toMatch(/type Mutation \{\n(?: {2}"""[^"]*"""\n)? {2}DcimDeviceCreate\(/)
    expect(create).toMatch(/\binput DcimDeviceCreateInput\b/)
    expect(create).toMatch(/\btype DcimDeviceCreate\b/)
    const lower = single((await session.client.readResource({ uri: "infrahub://graphql-schema/dcimdevicecreate" })).contents).text
    expect(lower).toBe(create)
  })

  it("infrahub://graphql-schema/{type} of an unknown name lists the names containing it", async () => {
    const error = await rpcError(session.client.readResource({ uri: "infrahub://graphql-schema/DeviceType" }))
    expect(error.code).toBe(-32602)
    expect(error.message).toContain("Cannot read infrahub://graphql-schema/DeviceType: Infrahub's GraphQL schema has no type or query/mutation field named 'DeviceType'.")
    expect(error.message).toMatch(/Remediation: Names containing 'DeviceType': DcimDeviceType, .*\bDcimDeviceTypeCreate\b/)
    const nothing = await rpcError(session.client.readResource({ uri: "infrahub://graphql-schema/Zzyzx" }))
    expect(nothing.message).toMatch(/Remediation: Kinds are GraphQL type names \(get_schema\(\) lists them\)/)
  })

  it("infrahub://branches lists Infrahub's branches with the default marked", async () => {
    const before = JSON.parse(single((await session.client.readResource({ uri: "infrahub://branches" })).contents).text) as Record<string, unknown>
    expect(before).toEqual({ main: { is_default: true, status: "OPEN", description: "Default Branch", is_session_branch: false } })

    const created = await sandbox.graphql('mutation { BranchCreate(data: {name: "e2e-resources", description: "made by a test"}) { ok } }')
    expect(created.errors).toBeUndefined()
    const after = JSON.parse(single((await session.client.readResource({ uri: "infrahub://branches" })).contents).text) as Record<string, unknown>
    expect(after["e2e-resources"]).toEqual({ is_default: false, status: "OPEN", description: "made by a test", is_session_branch: false })
  })

  it("an unknown resource is refused, naming the ones that exist", async () => {
    const error = await rpcError(session.client.readResource({ uri: "infrahub://devices" }))
    expect(error.code).toBe(-32602)
    expect(error.message).toContain("Unknown resource infrahub://devices.")
    expect(error.message).toContain("Remediation: Read infrahub://schema, infrahub://schema/{kind}, infrahub://graphql-schema/{type} or infrahub://branches.")
  })
})

describe("completions", () => {
  const complete = async (value: string) =>
    (await session.client.complete({ ref: { type: "ref/resource", uri: "infrahub://schema/{kind}" }, argument: { name: "kind", value } })).completion

  it("complete the kind of infrahub://schema/{kind} from the catalog, case-insensitively", async () => {
    const { kinds } = structured<{ kinds: Record<string, string> }>(await call(session.client, "get_schema"))
    const dcim = Object.keys(kinds).filter((kind) => kind.startsWith("Dcim"))
    expect(dcim).toContain("DcimDevice")
    expect(await complete("Dcim")).toEqual({ values: dcim, total: dcim.length, hasMore: false })
    expect((await complete("locations")).values).toEqual(["LocationSite"])
    expect(await complete("Zz")).toEqual({ values: [], total: 0, hasMore: false })
  })

  it("offer nothing for arguments they do not know", async () => {
    const { completion } = await session.client.complete({ ref: { type: "ref/prompt", name: "explore_schema" }, argument: { name: "kind", value: "Dcim" } })
    expect(completion.values).toEqual([])
  })
})

describe("prompts", () => {
  it("lists the four prompts with their arguments", async () => {
    const { prompts } = await session.client.listPrompts()
    expect(prompts.map((prompt) => prompt.name)).toEqual(["infrahub_agent", "answer_infra_question", "make_infra_change", "explore_schema"])
    const argumentsOf = (name: string) => prompts.find((prompt) => prompt.name === name)?.arguments?.map((argument) => [argument.name, argument.required ?? false])
    expect(argumentsOf("infrahub_agent")).toEqual([])
    expect(argumentsOf("answer_infra_question")).toEqual([["question", true], ["kind_hint", false], ["fields", false], ["branch", false]])
    expect(argumentsOf("make_infra_change")).toEqual([["description", true], ["kind", false], ["branch", false]])
    expect(argumentsOf("explore_schema")).toEqual([["kind", false]])
  })

  it("renders each prompt as one user message, with the arguments and the default branch read from Infrahub", async () => {
    const textOfPrompt = async (name: string, args: Record<string, string> = {}) => {
      const prompt = await session.client.getPrompt({ name, arguments: args })
      expect(prompt.messages).toHaveLength(1)
      expect(prompt.messages[0]?.role).toBe("user")
      const content = prompt.messages[0]?.content
      expect(content?.type).toBe("text")
      return content?.type === "text" ? content.text : ""
    }
    expect(await textOfPrompt("infrahub_agent")).toContain("get_schema")
    const answer = await textOfPrompt("answer_infra_question", { question: "Which devices are in atl1?" })
    expect(answer).toContain("Which devices are in atl1?")
    expect(answer).toContain("`main`")
    expect(await textOfPrompt("make_infra_change", { description: "Tag atl1-edge1 as lab" })).toContain("Tag atl1-edge1 as lab")
    expect(await textOfPrompt("explore_schema", { kind: "DcimDevice" })).toContain("DcimDevice")
  })

  it("refuses a missing required argument and an unknown prompt, saying what to do", async () => {
    const missing = await rpcError(session.client.getPrompt({ name: "answer_infra_question", arguments: {} }))
    expect(missing.code).toBe(-32602)
    expect(missing.message).toContain('needs the argument "question"')
    const unknown = await rpcError(session.client.getPrompt({ name: "plan_change" }))
    expect(unknown.code).toBe(-32602)
    expect(unknown.message).toContain("infrahub_agent, answer_infra_question, make_infra_change, explore_schema")
  })
})
