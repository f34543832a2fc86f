import { build } from "../../scripts/build.js"

/** Builds `dist/` once per test run (library and bundled CLI), so end-to-end tests drive the binary users run. */
export default async function setup(): Promise<void> {
  await build()
}
