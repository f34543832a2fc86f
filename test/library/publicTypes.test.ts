import { describe, expect, it } from "vitest"
import { programFor, unexportedPublicTypes } from "./support/publicTypes.js"

// One program for every entry point: building it (the whole source tree, with Effect's types) is the slow part.
// Type-checking takes seconds of CPU, more on a shared machine: the limit is generous, the answer does not depend on it.
const TYPE_CHECK_MS = 180_000
const program = programFor(["src/index.ts", "src/sandbox/index.ts", "test/library/fixtures/leaky/index.ts"])

describe("the library's public types", () => {
  it("are all exported from `infrahub-mcp`: a host can name the type of everything it is given", () => {
    expect(unexportedPublicTypes(program, "src/index.ts")).toEqual([])
  }, TYPE_CHECK_MS)

  it("are all exported from `infrahub-mcp/sandbox`", () => {
    expect(unexportedPublicTypes(program, "src/sandbox/index.ts")).toEqual([])
  })

  it("are checked deeply enough to find a type used only inside a returned service's method, or a Tag's shape", () => {
    const missing = unexportedPublicTypes(program, "test/library/fixtures/leaky/index.ts", "test/library/fixtures/leaky").map((gap) => gap.type)
    expect(missing.sort()).toEqual([
      "HiddenOptions (test/library/fixtures/leaky/hidden.ts)",
      "HiddenResult (test/library/fixtures/leaky/hidden.ts)",
      "HiddenShape (test/library/fixtures/leaky/hidden.ts)"
    ])
  })
})
