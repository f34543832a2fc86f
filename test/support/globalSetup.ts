import { build } from "../../scripts/build.js"

/**
 * Builds `dist/` once per test run (library and bundled CLI), so end-to-end tests drive the binary users
 * run. `.ci/run` sets TESTS_REUSE_DIST=1 for its later runs on other Node versions: the
 * first run has just built `dist/` from the same sources, and the bundle does not depend on the Node
 * that runs it.
 */
export default async function setup(): Promise<void> {
  if (process.env["TESTS_REUSE_DIST"] === "1") return
  await build()
}
