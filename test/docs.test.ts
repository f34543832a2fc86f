import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { configurationReference, VARIABLES } from "../src/config/variables.js"
import { README_PATH, referenceBlock } from "../scripts/readme.js"

describe("README", () => {
  const readme = readFileSync(README_PATH, "utf8")

  it("carries the configuration reference generated from the variables table (run `npx tsx scripts/config-reference.ts --write`)", () => {
    expect(referenceBlock(readme)).toBe(configurationReference())
  })

  it("documents every variable and every tool", () => {
    for (const name of Object.keys(VARIABLES)) expect(readme).toContain(`\`${name}\``)
    for (const tool of ["get_schema", "get_nodes", "search_nodes", "query_graphql", "get_session_info", "node_upsert", "node_delete", "mutate_graphql", "propose_changes", "reset_session_branch"]) {
      expect(readme).toContain(`\`${tool}\``)
    }
  })
})
