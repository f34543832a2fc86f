import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** Builds `dist/` once per test run, so end-to-end tests drive the same binary users run. */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  execFileSync(process.execPath, [fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit"
  })
}
