/**
 * Schema file text to documents, the way `infrahubctl schema load` reads them: YAML (one or several
 * documents) or JSON. Pure; reading the files is `load.ts`'s job.
 */
import { parseAllDocuments } from "yaml"
import type { SchemaProblem } from "./errors.js"

export interface SchemaDocument {
  /** The file, as the user named it; used in every message about this document. */
  readonly file: string
  /** 1-based position in a multi-document file; absent when the file holds one document. */
  readonly position?: number
  readonly content: unknown
}

export interface ParsedText {
  readonly documents: ReadonlyArray<SchemaDocument>
  readonly problems: ReadonlyArray<SchemaProblem>
}

export const SCHEMA_FILE_EXTENSIONS: ReadonlyArray<string> = [".yml", ".yaml", ".json"]

const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, Math.max(0, offset))
  const lines = before.split("\n")
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 }
}

/**
 * Where a JSON syntax error is: from V8's message when it gives a position, otherwise from the YAML parser
 * (JSON is YAML), which reports lines and columns.
 */
const jsonErrorLocation = (text: string, detail: string): string => {
  const offset = /position (\d+)/.exec(detail)?.[1]
  if (offset !== undefined) {
    const { line, column } = lineAndColumn(text, Number(offset))
    return ` at line ${line}, column ${column}`
  }
  const parsed = parseAllDocuments(text, { prettyErrors: true })
  const pos = (Array.isArray(parsed) ? parsed : []).flatMap((doc) => doc.errors)[0]?.linePos?.[0]
  return pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`
}

const parseJson = (file: string, text: string): ParsedText => {
  let content: unknown
  try {
    content = JSON.parse(text)
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").replace(/\.$/, "")
    const where = jsonErrorLocation(text, detail)
    return {
      documents: [],
      problems: [{
        file,
        problem: `is not valid JSON${where}: ${detail}.`,
        fix: "Correct the JSON syntax (or write the schema as YAML in a .yml file)."
      }]
    }
  }
  return { documents: [{ file, content }], problems: [] }
}

const parseYaml = (file: string, text: string): ParsedText => {
  // YAML 1.1, as PyYAML (what infrahubctl uses) reads it: `yes`/`no` are booleans, `1.0` is a number.
  const parsed = parseAllDocuments(text, { version: "1.1", prettyErrors: true })
  const docs = Array.isArray(parsed) ? parsed : []
  const problems: Array<SchemaProblem> = []
  const documents: Array<SchemaDocument> = []
  const several = docs.length > 1
  docs.forEach((doc, index) => {
    const position = several ? { position: index + 1 } : {}
    const label = several ? ` (document ${index + 1})` : ""
    const first = doc.errors[0]
    if (first !== undefined) {
      const pos = first.linePos?.[0]
      const where = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`
      // Pretty messages end with " at line L, column C:" and a source excerpt; keep the reason only.
      const reason = (first.message.split("\n")[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, "")
      problems.push({
        file,
        problem: `is not valid YAML${label}${where}: ${reason}.`,
        fix: "Correct the YAML syntax there (indentation, quoting, a missing ':')."
      })
      return
    }
    const content: unknown = doc.toJS({ maxAliasCount: 1000 })
    if (content === null || content === undefined) {
      problems.push({
        file,
        problem: `document${label} is empty.`,
        fix: "Remove the empty document (a stray '---') or give it a schema with `version: \"1.0\"`."
      })
      return
    }
    documents.push({ file, ...position, content })
  })
  if (docs.length === 0) {
    problems.push({ file, problem: "is empty.", fix: "Write a schema in it (`version: \"1.0\"` and `nodes:`/`generics:`) or remove the file." })
  }
  return { documents, problems }
}

/** Parses a schema file's text; `.json` files as JSON, everything else as YAML. */
export const parseSchemaText = (file: string, text: string): ParsedText =>
  file.toLowerCase().endsWith(".json") ? parseJson(file, text) : parseYaml(file, text)
