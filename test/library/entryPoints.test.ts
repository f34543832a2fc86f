// What `import "infrahub-mcp"` costs a host: the built package, resolved through package.json
// `exports` as a host resolves it, must not load the sandbox, which has its own subpath.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const ROOT = join(import.meta.dirname, "..", "..")
const HOOKS = pathToFileURL(join(import.meta.dirname, "fixtures", "record-resolutions.mjs")).href
const scratch = mkdtempSync(join(tmpdir(), "infrahub-mcp-entry-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
// A fresh Node loading ~1 000 modules takes seconds, many more on a shared machine: a generous limit, not a measurement.
const CHILD_MS = 120_000

/** Imports `specifier` in a fresh Node process at the package root (dist/ is built by the global setup); the module URLs it loaded, and its export names. */
const importInChild = (specifier: string) => {
  const log = join(scratch, `${specifier.replace(/\W/g, "_")}.log`)
  const program = [
    'import { register } from "node:module"',
    `register(${JSON.stringify(HOOKS)}, { data: { log: ${JSON.stringify(log)} } })`,
    `const loaded = await import(${JSON.stringify(specifier)})`,
    "console.log(JSON.stringify(Object.keys(loaded)))"
  ].join("\n")
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", program], { cwd: ROOT, encoding: "utf8" })
  expect(run.stderr).toBe("")
  expect(run.status).toBe(0)
  const urls = readFileSync(log, "utf8").split("\n").filter((url) => url !== "")
  return { urls, exports: JSON.parse(run.stdout) as ReadonlyArray<string> }
}

const ours = (urls: ReadonlyArray<string>) => urls.filter((url) => url.startsWith(pathToFileURL(join(ROOT, "dist")).href + "/"))
const sandboxModules = (urls: ReadonlyArray<string>) => urls.filter((url) => /\/(dist|src)\/sandbox\//.test(url))

describe("the package's entry points", () => {
  it("`infrahub-mcp` loads the library without a single sandbox module, nor the Redis client it loads only when configured", () => {
    const { urls, exports } = importInChild("infrahub-mcp")
    expect(ours(urls)).toContain(pathToFileURL(join(ROOT, "dist", "index.js")).href)
    expect(sandboxModules(urls)).toEqual([])
    expect(urls.filter((url) => url.includes("/node_modules/ioredis/") || url.endsWith("/dist/state/redisStore.js"))).toEqual([])
    expect(exports).toEqual(expect.arrayContaining(["mcpHttpLayer", "callTool", "AuthMode", "makeHttpApp"]))
    expect(exports).not.toContain("startSandbox")
  }, CHILD_MS)

  it("`infrahub-mcp/sandbox` is where the sandbox is", () => {
    const { urls, exports } = importInChild("infrahub-mcp/sandbox")
    expect(ours(urls)).toContain(pathToFileURL(join(ROOT, "dist", "sandbox", "index.js")).href)
    expect(sandboxModules(urls).length).toBeGreaterThan(50)
    expect([...exports].sort()).toEqual(["ListenFailed", "SANDBOX_INFRAHUB_VERSION", "SandboxStartError", "defaultSandboxOptions", "startSandbox"])
  }, CHILD_MS)
})
