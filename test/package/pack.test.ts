// What npm users get: the tarball `npm pack` makes from the built tree, installed into a scratch
// project outside the repository (packages come from npm's cache when it has them), then run.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, posix } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTestSandbox, type TestSandbox } from "../support/sandbox.js"

const ROOT = join(import.meta.dirname, "..", "..")
const NPM = process.platform === "win32" ? "npm.cmd" : "npm"

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly license: string
  readonly repository: { readonly type: string; readonly url: string }
  readonly homepage: string
  readonly bugs: { readonly url: string }
  readonly engines: { readonly node: string }
  readonly dependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
  readonly peerDependenciesMeta: Record<string, { readonly optional?: boolean }>
}
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson

const scratch = mkdtempSync(join(tmpdir(), "infrahub-mcp-pack-"))
const app = join(scratch, "app")
let files: Array<string> = []
let tarball = ""
let install: { readonly status: number | null; readonly output: string }

const npm = (args: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync(NPM, [...args], { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } })
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` }
}
const bin = (name: string) => join(app, "node_modules", ".bin", name)

beforeAll(() => {
  // dist/ is fresh: the global setup builds it before any test runs.
  const packed = JSON.parse(execFileSync(NPM, ["pack", "--json", "--pack-destination", scratch], { cwd: ROOT, encoding: "utf8" })) as Array<{
    readonly filename: string
    readonly files: ReadonlyArray<{ readonly path: string }>
  }>
  files = packed[0]!.files.map((file) => file.path)
  tarball = join(scratch, packed[0]!.filename)
  mkdirSync(app)
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch-app", version: "1.0.0", private: true }))
  install = npm(["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], app)
}, 240_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("the npm tarball", () => {
  it("ships the licence, the readme and the built code, and nothing of the repository's tooling", () => {
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/bin.js", "dist/index.js", "dist/index.d.ts"]))
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toContain("Apache License\n                           Version 2.0, January 2004")
    expect(packageJson.license).toBe("Apache-2.0")
    expect(files.filter((file) => /^(test|bench|scripts|nix|\.ci)\//.test(file) || file.startsWith("flake."))).toEqual([])
  })

  it("ships the built-in schema once, where the built code imports it", () => {
    expect(files.filter((file) => file.endsWith("builtin-schema.json"))).toEqual(["dist/sandbox/data/builtin-schema.json"])
    expect(files).toEqual(expect.arrayContaining(["src/sandbox/data/objects/demo.yml", "src/sandbox/data/schemas/demo/location.yml"]))
  })

  it("ships every source a source map points at", () => {
    const maps = files.filter((file) => file.endsWith(".map"))
    expect(maps.length).toBeGreaterThan(50)
    const missing: Array<string> = []
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as { readonly sources: ReadonlyArray<string> }
      for (const source of sources) {
        const shipped = posix.normalize(posix.join(posix.dirname(map), source))
        if (!files.includes(shipped)) missing.push(`${map} -> ${shipped}`)
      }
    }
    expect(missing).toEqual([])
  })

  it("says where the project lives, consistently", () => {
    const base = packageJson.homepage.replace(/#readme$/, "")
    expect(packageJson.homepage).toBe(`${base}#readme`)
    expect(packageJson.repository).toEqual({ type: "git", url: `git+${base}.git` })
    expect(packageJson.bugs).toEqual({ url: `${base}/issues` })
  })

  it("requires a Node that undici, the HTTP client underneath, supports", () => {
    const undici = JSON.parse(readFileSync(join(ROOT, "node_modules", "undici", "package.json"), "utf8")) as { readonly engines: { readonly node: string } }
    expect(packageJson.engines.node).toBe(">=20.18.1")
    expect(undici.engines.node).toBe(packageJson.engines.node)
  })

  it("takes Effect as peer dependencies, so an app's own Effect is shared rather than nested", () => {
    for (const name of ["effect", "@effect/platform", "@effect/platform-node"]) {
      expect(Object.keys(packageJson.peerDependencies)).toContain(name)
      expect(Object.keys(packageJson.dependencies)).not.toContain(name)
      // Still installed for our own development and tests.
      expect(packageJson.devDependencies[name]).toBe(packageJson.peerDependencies[name])
    }
    expect(packageJson.peerDependenciesMeta["@effect/opentelemetry"]).toEqual({ optional: true })
  })
})

describe("installed into a project", () => {
  it("installs", () => {
    expect(install.output).not.toMatch(/npm (error|ERR!)/)
    expect(install.status).toBe(0)
  })

  it("answers --help and --version", () => {
    const help = spawnSync(bin("infrahub-mcp"), ["--help"], { encoding: "utf8" })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("Usage: infrahub-mcp [command] [options]")
    const version = spawnSync(bin("infrahub-mcp"), ["--version"], { encoding: "utf8" })
    expect(version.stdout.trim()).toBe(`infrahub-mcp ${packageJson.version}`)
  })

  it("has one copy of effect, the peer npm installed beside it, and no OpenTelemetry SDK", () => {
    const copies: Array<string> = []
    const walk = (directory: string): void => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue
        const path = join(directory, entry.name)
        if (entry.name === "effect" && dirname(path).endsWith("node_modules")) copies.push(path)
        walk(path)
      }
    }
    walk(join(app, "node_modules"))
    expect(copies).toEqual([join(app, "node_modules", "effect")])
    expect(existsSync(join(app, "node_modules", "@opentelemetry"))).toBe(false)
    expect(existsSync(join(app, "node_modules", "@effect", "opentelemetry"))).toBe(false)
  })

  describe("against a sandbox", () => {
    let sandbox: TestSandbox
    beforeAll(async () => {
      sandbox = await startTestSandbox()
    })
    afterAll(async () => {
      await sandbox?.close()
    })

    it("serves MCP over stdio", async () => {
      const transport = new StdioClientTransport({
        command: bin("infrahub-mcp"),
        env: { PATH: process.env["PATH"] ?? "", INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token },
        stderr: "pipe"
      })
      const client = new Client({ name: "pack-test", version: "1.0.0" }, { capabilities: {} })
      await client.connect(transport)
      try {
        const { tools } = await client.listTools()
        expect(tools.map((tool) => tool.name)).toContain("get_nodes")
      } finally {
        await client.close()
      }
    })

    it("says how to add the optional OTLP exporter when telemetry is enabled without it", () => {
      const run = spawnSync(bin("infrahub-mcp"), [], {
        encoding: "utf8",
        input: "",
        env: { PATH: process.env["PATH"] ?? "", INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token, INFRAHUB_MCP_OTEL_ENABLED: "true" },
        timeout: 60_000
      })
      expect(run.stderr).toContain(
        `INFRAHUB_MCP_OTEL_ENABLED=true needs the optional package @effect/opentelemetry, which is not installed: install it next to infrahub-mcp (npm install "@effect/opentelemetry@${packageJson.peerDependencies["@effect/opentelemetry"]}", with -g for a global install), or unset INFRAHUB_MCP_OTEL_ENABLED.`
      )
      expect(run.status).toBe(2)
    })
  })
})

describe("installed next to an incompatible Effect", () => {
  it("is refused by npm with the conflict spelled out, instead of nesting a second effect", () => {
    const other = join(scratch, "effect-4-app")
    mkdirSync(other)
    writeFileSync(join(other, "package.json"), JSON.stringify({ name: "effect-4-app", version: "1.0.0", private: true }))
    const result = npm(["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, "effect@4"], other)
    expect(result.status).not.toBe(0)
    expect(result.output).toContain("ERESOLVE")
    expect(result.output).toMatch(/peer @effect\/platform-node@"[^"]+" from infrahub-mcp@/)
    expect(existsSync(join(other, "node_modules"))).toBe(false)
  }, 120_000)
})
