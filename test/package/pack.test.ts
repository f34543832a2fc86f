// What npm users get: the tarball `npm pack` makes from the built tree, installed outside the
// repository the two ways it is used (packages come from npm's cache when it has them), then run: as
// a command (`npm install -g`), and as a library in an Effect application that brings its own Effect.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { SourceMap } from "node:module"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, posix } from "node:path"
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
const EFFECT_PEERS = ["effect", "@effect/platform", "@effect/platform-node"] as const

const scratch = mkdtempSync(join(tmpdir(), "infrahub-mcp-pack-"))
/** `npm install -g --prefix <global>`: what `npm install -g` does, into a directory of ours. */
const globalPrefix = join(scratch, "global")
const cli = join(globalPrefix, "bin", "infrahub-mcp")
/** An Effect application: the package and, at the versions it accepts, the Effect it shares. */
const host = join(scratch, "host")

interface NpmRun {
  readonly status: number | null
  readonly output: string
}
let files: Array<string> = []
let tarball = ""
let globalInstall: NpmRun
let hostInstall: NpmRun

const npm = (args: ReadonlyArray<string>, cwd: string): Promise<NpmRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(NPM, [...args, "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd,
      env: { ...process.env, npm_config_update_notifier: "false" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.once("error", reject)
    child.once("close", (status) => resolve({ status, output }))
  })
const project = (directory: string, name: string) => {
  mkdirSync(directory)
  writeFileSync(join(directory, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true }))
}

/** Every package under a node_modules tree (nested ones too), by name. */
const installedPackages = (nodeModules: string): Array<string> =>
  readdirSync(nodeModules, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory() || entry.name.startsWith(".")) return []
    if (entry.name.startsWith("@")) {
      return readdirSync(join(nodeModules, entry.name), { withFileTypes: true }).flatMap((scoped) =>
        scoped.isDirectory() ? packageAndNested(nodeModules, `${entry.name}/${scoped.name}`) : []
      )
    }
    return packageAndNested(nodeModules, entry.name)
  })
const packageAndNested = (nodeModules: string, name: string): Array<string> => {
  const nested = join(nodeModules, name, "node_modules")
  return [name, ...(existsSync(nested) ? installedPackages(nested) : [])]
}

/** A stand-in OpenTelemetry collector that reports the first export to a path containing a text. */
const startCollector = async () => {
  const waiting: Array<{ readonly path: string; readonly text: string; readonly resolve: (body: string) => void }> = []
  const server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => (body += chunk.toString()))
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
      for (const waiter of waiting.filter((w) => w.path === request.url && body.includes(w.text))) waiter.resolve(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: (path: string, text: string) => new Promise<string>((resolve) => waiting.push({ path, text, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

beforeAll(async () => {
  // dist/ is fresh: the global setup builds it before any test runs.
  const packed = JSON.parse(execFileSync(NPM, ["pack", "--json", "--pack-destination", scratch], { cwd: ROOT, encoding: "utf8" })) as Array<{
    readonly filename: string
    readonly files: ReadonlyArray<{ readonly path: string }>
  }>
  files = packed[0]!.files.map((file) => file.path)
  tarball = join(scratch, packed[0]!.filename)
  project(host, "effect-host")
  const peers = EFFECT_PEERS.map((name) => `${name}@${packageJson.peerDependencies[name]}`)
  ;[globalInstall, hostInstall] = await Promise.all([
    npm(["install", "--global", "--prefix", globalPrefix, tarball], scratch),
    npm(["install", tarball, ...peers], host)
  ])
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

  it("ships every source a source map points at, or embeds it", () => {
    const maps = files.filter((file) => file.endsWith(".map"))
    expect(maps).toContain("dist/main.js.map")
    expect(maps.length).toBeGreaterThan(50)
    const missing: Array<string> = []
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as {
        readonly sources: ReadonlyArray<string>
        readonly sourcesContent?: ReadonlyArray<string | null>
      }
      sources.forEach((source, index) => {
        const shipped = posix.normalize(posix.join(posix.dirname(map), source))
        if (!files.includes(shipped) && typeof sourcesContent?.[index] !== "string") missing.push(`${map} -> ${shipped}`)
      })
    }
    expect(missing).toEqual([])
  })

  it("maps the CLI bundle's code to our sources, and leaves its dependencies' code at its place in the bundle", () => {
    const bundle = readFileSync(join(ROOT, "dist", "main.js"), "utf8")
    const map = new SourceMap(JSON.parse(readFileSync(join(ROOT, "dist", "main.js.map"), "utf8")) as ConstructorParameters<typeof SourceMap>[0])
    const positionOf = (text: string) => {
      const offset = bundle.indexOf(text)
      expect(offset, text).toBeGreaterThanOrEqual(0)
      expect(bundle.indexOf(text, offset + 1), `${text} occurs once`).toBe(-1)
      const lines = bundle.slice(0, offset).split("\n")
      return { line: lines.length - 1, column: lines[lines.length - 1]!.length }
    }
    const ours = positionOf("mcp_server_ready transport=streamable-http")
    const serveSource = readFileSync(join(ROOT, "src", "app", "serve.ts"), "utf8").split("\n")
    expect(map.findEntry(ours.line, ours.column)).toMatchObject({
      originalSource: expect.stringMatching(/\/src\/app\/serve\.ts$/),
      originalLine: serveSource.findIndex((line) => line.includes("mcp_server_ready transport=streamable-http"))
    })
    // graphql-js's syntax error message: no source of graphql's ships, so no position pretends to be one.
    const theirs = positionOf("Syntax Error: ${description}")
    const entry = map.findEntry(theirs.line, theirs.column)
    expect(entry).toMatchObject({ generatedLine: theirs.line })
    expect(entry).not.toHaveProperty("originalSource", expect.any(String))
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

  it("takes Effect as optional peer dependencies, for the library to share an app's Effect; the CLI bundles what it runs", () => {
    for (const name of EFFECT_PEERS) {
      expect(packageJson.peerDependenciesMeta[name]).toEqual({ optional: true })
      expect(Object.keys(packageJson.dependencies)).not.toContain(name)
      // Still installed for our own development, tests and the bundle.
      expect(packageJson.devDependencies[name]).toBe(packageJson.peerDependencies[name])
    }
    expect(Object.keys(packageJson.peerDependencies).sort()).toEqual([...EFFECT_PEERS].sort())
    expect(Object.keys(packageJson.dependencies)).not.toContain("@effect/opentelemetry")
    expect(Object.keys(packageJson.devDependencies)).toContain("@effect/opentelemetry")
  })

  it("tells library users, in the README, to install the Effect peers at the versions it accepts", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8")
    const peers = EFFECT_PEERS.map((name) => `"${name}@${packageJson.peerDependencies[name]}"`).join(" ")
    expect(readme).toContain(`npm install ${packageJson.name} ${peers}`)
  })
})

describe("installed globally, the command", () => {
  it("installs without install-script warnings, and without Effect or the native add-ons its platform packages bring", () => {
    expect(globalInstall.output).not.toMatch(/npm (error|ERR!)/)
    expect(globalInstall.status).toBe(0)
    expect(globalInstall.output).not.toContain("install-scripts")
    expect(globalInstall.output).not.toMatch(/@parcel\/watcher|msgpackr-extract/)
    const installed = installedPackages(join(globalPrefix, "lib", "node_modules"))
    expect(installed).toContain(packageJson.name)
    expect(installed.filter((name) => /^(effect|@effect\/.*|@opentelemetry\/.*|@parcel\/watcher|msgpackr-extract)$/.test(name))).toEqual([])
  })

  it("answers --help and --version", () => {
    const help = spawnSync(cli, ["--help"], { encoding: "utf8" })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("Usage: infrahub-mcp [command] [options]")
    const version = spawnSync(cli, ["--version"], { encoding: "utf8" })
    expect(version.stdout.trim()).toBe(`infrahub-mcp ${packageJson.version}`)
  })

  describe("against a sandbox", () => {
    let sandbox: TestSandbox
    beforeAll(async () => {
      sandbox = await startTestSandbox()
    })
    afterAll(async () => {
      await sandbox?.close()
    })

    const connect = async (env: Readonly<Record<string, string>>) => {
      const transport = new StdioClientTransport({
        command: cli,
        env: { PATH: process.env["PATH"] ?? "", INFRAHUB_ADDRESS: sandbox.url, INFRAHUB_API_TOKEN: sandbox.token, ...env },
        stderr: "pipe"
      })
      let stderr = ""
      transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      const client = new Client({ name: "pack-test", version: "1.0.0" }, { capabilities: {} })
      await client.connect(transport)
      return { client, stderr: () => stderr }
    }

    it("serves MCP over stdio", async () => {
      const { client } = await connect({})
      try {
        const { tools } = await client.listTools()
        expect(tools.map((tool) => tool.name)).toContain("get_nodes")
      } finally {
        await client.close()
      }
    })

    it("exports OTLP when INFRAHUB_MCP_OTEL_ENABLED=true, with no package added", async () => {
      const collector = await startCollector()
      try {
        const exported = collector.received("/v1/traces", '"tool.get_nodes"')
        const { client, stderr } = await connect({ INFRAHUB_MCP_OTEL_ENABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url })
        try {
          const result = await client.callTool({ name: "get_nodes", arguments: { kind: "DcimDevice", limit: 1 } })
          expect(result.isError).not.toBe(true)
          expect(await exported).toContain(`"${packageJson.version}"`)
          expect(stderr()).toContain(`otel enabled=true endpoint=${collector.url}`)
        } finally {
          await client.close()
        }
      } finally {
        await collector.close()
      }
    })
  })
})

describe("installed as a library with its Effect peers", () => {
  it("installs", () => {
    expect(hostInstall.output).not.toMatch(/npm (error|ERR!)/)
    expect(hostInstall.status).toBe(0)
  })

  it("shares the application's one copy of effect, and brings no OpenTelemetry", () => {
    const installed = installedPackages(join(host, "node_modules"))
    expect(installed.filter((name) => name === "effect")).toEqual(["effect"])
    expect(existsSync(join(host, "node_modules", "effect", "package.json"))).toBe(true)
    expect(installed.filter((name) => /^(@opentelemetry\/.*|@effect\/opentelemetry)$/.test(name))).toEqual([])
  })

  it("runs its exports with the application's Effect", () => {
    const program = [
      'import * as Effect from "effect/Effect"',
      'import { ServerConfig } from "infrahub-mcp"',
      'const config = await Effect.runPromise(ServerConfig.load({ transport: "stdio", host: "127.0.0.1", port: 8001 }))',
      "console.log(JSON.stringify({ transport: config.transport, address: config.infrahub.address }))"
    ].join("\n")
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", program], {
      cwd: host,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", INFRAHUB_ADDRESS: "http://127.0.0.1:8000", INFRAHUB_API_TOKEN: "token-of-the-host" }
    })
    expect(run.stderr).toBe("")
    expect(JSON.parse(run.stdout)).toEqual({ transport: "stdio", address: "http://127.0.0.1:8000" })
  })
})

describe("installed next to an incompatible Effect", () => {
  it("is refused by npm with the conflict spelled out, instead of nesting a second effect", async () => {
    const other = join(scratch, "effect-4-app")
    project(other, "effect-4-app")
    const result = await npm(["install", tarball, "effect@4"], other)
    expect(result.status).not.toBe(0)
    expect(result.output).toContain("ERESOLVE")
    expect(result.output).toContain(`peerOptional effect@"${packageJson.peerDependencies["effect"]}" from infrahub-mcp@${packageJson.version}`)
    expect(existsSync(join(other, "node_modules"))).toBe(false)
  }, 120_000)
})
