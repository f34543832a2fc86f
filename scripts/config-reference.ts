// Keeps README.md's configuration reference in step with src/config/variables.ts: prints the table,
// or with --write replaces the block between README's `config-reference` markers.
// test/docs.test.ts fails when the README block and the table drift apart.
import { readFileSync, writeFileSync } from "node:fs"
import { configurationReference } from "../src/config/variables.js"
import { README_PATH, replaceReferenceBlock } from "./readme.js"

if (process.argv.includes("--write")) {
  writeFileSync(README_PATH, replaceReferenceBlock(readFileSync(README_PATH, "utf8"), configurationReference()))
} else {
  process.stdout.write(`${configurationReference()}\n`)
}
