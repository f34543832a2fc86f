import { describe, expect, it } from "@effect/vitest"
import { parseSchemaText } from "../../../src/sandbox/schema/files.js"

describe("parseSchemaText", () => {
  it("reads YAML as PyYAML does (YAML 1.1)", () => {
    const parsed = parseSchemaText("a.yml", "version: \"1.0\"\nnodes:\n  - name: Widget\n    generate_profile: no\n")
    expect(parsed.problems).toEqual([])
    expect(parsed.documents).toEqual([{ file: "a.yml", content: { version: "1.0", nodes: [{ name: "Widget", generate_profile: false }] } }])
  })

  it("reads every document of a multi-document file, numbered", () => {
    const parsed = parseSchemaText("multi.yaml", "---\nversion: \"1.0\"\n---\nversion: \"1.0\"\nnodes: []\n")
    expect(parsed.documents.map((d) => d.position)).toEqual([1, 2])
    expect(parsed.documents[1]?.content).toEqual({ version: "1.0", nodes: [] })
  })

  it("reads JSON files as JSON", () => {
    const parsed = parseSchemaText("a.json", "{\"version\": \"1.0\", \"generics\": []}")
    expect(parsed.documents).toEqual([{ file: "a.json", content: { version: "1.0", generics: [] } }])
  })

  it("refuses unparsable YAML with the line and column", () => {
    const parsed = parseSchemaText("bad.yml", "version: \"1.0\"\nnodes:\n  - name: Widget\n   namespace: Test\n")
    expect(parsed.documents).toEqual([])
    expect(parsed.problems).toHaveLength(1)
    expect(parsed.problems[0]).toMatchObject({ file: "bad.yml", problem: expect.stringMatching(/^is not valid YAML at line 4, column \d+: /) })
  })

  it("refuses unparsable JSON with the line and column", () => {
    const parsed = parseSchemaText("bad.json", "{\n  \"version\": \"1.0\",\n  \"nodes\": [,]\n}")
    expect(parsed.problems).toEqual([expect.objectContaining({ file: "bad.json", problem: expect.stringContaining("is not valid JSON at line 3, column 13") })])
  })

  it("refuses empty files and empty documents", () => {
    expect(parseSchemaText("empty.yml", "").problems).toEqual([expect.objectContaining({ problem: "is empty." })])
    expect(parseSchemaText("gap.yml", "---\nversion: \"1.0\"\n---\n---\nversion: \"1.0\"\n").problems)
      .toEqual([expect.objectContaining({ problem: "document (document 2) is empty." })])
  })
})
