import * as Data from "effect/Data"
import * as Schema from "effect/Schema"

/** One thing wrong with the schema files: where, which kind, what, and how to fix it. */
export interface SchemaProblem {
  /** The schema file (or `built-in schema`) the problem was found in. */
  readonly file: string
  /** The kind concerned, `Kind.field` when a single attribute or relationship is at fault; absent for file-level problems. */
  readonly kind?: string
  readonly problem: string
  readonly fix: string
  /** For a kind defined in two files with different definitions: the file of the earlier one. */
  readonly duplicateOf?: string
}

export const renderProblem = (p: SchemaProblem): string =>
  `${p.file}${p.kind === undefined ? "" : ` [${p.kind}]`}: ${p.problem} ${p.fix}`

/**
 * The sandbox refused its schema files. Raised at start-up, before anything listens; the whole load is
 * refused (nothing is half-loaded) and every problem found is listed.
 */
export class SchemaLoadError extends Data.TaggedError("SchemaLoadError")<{
  readonly problems: ReadonlyArray<SchemaProblem>
}> {
  override get message(): string {
    const count = this.problems.length
    return [
      `The sandbox refused its schema files: ${count} problem${count === 1 ? "" : "s"} found, nothing was loaded.`,
      ...this.problems.map((p) => `  - ${renderProblem(p)}`),
      "Fix the files listed above and start the sandbox again."
    ].join("\n")
  }
}

/** `GET /api/schema/{kind}` for a kind the branch does not have; Infrahub answers 422 with this exact message. */
export class SchemaKindNotFound extends Schema.TaggedError<SchemaKindNotFound>()("SchemaKindNotFound", {
  kind: Schema.String
}) {
  override get message(): string {
    return `Unable to find the schema '${this.kind}' in the registry`
  }
  get remediation(): string {
    return "Check the kind's spelling (namespace + name, e.g. DcimDevice); GET /api/schema lists every kind of the branch."
  }
}
