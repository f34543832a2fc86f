// The flake, evaluated offline: every .nix file parses, flake.lock pins a supported nixpkgs, and
// flake.nix evaluated against our stand-ins for nixpkgs (test/nix/stub/) builds what deployers expect.
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { VARIABLES } from "../../src/config/variables.js"
import { nixEval, nixInstantiate, ROOT } from "./nix.js"

const EVALUATE = "test/nix/stub/evaluate.nix"

const nixFiles = (directory: string): Array<string> =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : nixFiles(path)
    return entry.name.endsWith(".nix") ? [relative(ROOT, path)] : []
  })

const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  readonly name: string
  readonly version: string
  readonly description: string
  readonly homepage: string
  readonly dependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  readonly packages: Record<string, { readonly version?: string; readonly integrity?: string }>
}

interface FetchedSource {
  readonly name: string
  readonly fetcher: string
  readonly url: string | null
  readonly tarballPath: string | null
  readonly hash: string
  readonly outputHashMode: string | null
  readonly impureEnvVars: ReadonlyArray<string>
  readonly buildCommand: string | null
}
interface Service {
  readonly environment: Record<string, string>
  readonly wantedBy: ReadonlyArray<string>
  readonly serviceConfig: Record<string, unknown> & { readonly ExecStart: string }
}
interface FlakeSummary {
  readonly nixpkgsUrl: string
  readonly systems: ReadonlyArray<string>
  readonly package: {
    readonly pname: string
    readonly version: string
    readonly nodejs: string
    readonly npmConfigHook: string
    readonly npmRebuildFlags: ReadonlyArray<string>
    readonly npmDepsPackage: { readonly name: string; readonly dependencies: Record<string, string>; readonly devDependencies: Record<string, string> }
    readonly meta: Record<string, string>
    readonly src: Record<string, boolean>
    readonly checkSource: Record<string, boolean>
    readonly installHooks: ReadonlyArray<string>
  }
  readonly sources: Record<string, FetchedSource>
  readonly overlay: string
  readonly apps: Record<string, { readonly type: string; readonly program: string; readonly description: string }>
  readonly checks: Record<string, string>
  readonly darwinChecks: ReadonlyArray<string>
  readonly devShell: { readonly packages: ReadonlyArray<string>; readonly CHROMIUM_PATH: string | null }
  readonly darwinDevShell: { readonly packages: ReadonlyArray<string>; readonly CHROMIUM_PATH: string | null }
  readonly nixosModuleCheck: Service
}

const evaluateFlake = (withNpmMirror = false) =>
  nixEval<FlakeSummary>([EVALUATE, "-A", "flake", "--arg", "withNpmMirror", String(withNpmMirror)])

interface ModuleResult {
  readonly assertions: ReadonlyArray<{ readonly assertion: boolean; readonly message: string }>
  readonly warnings: ReadonlyArray<string>
  readonly firewall: ReadonlyArray<number>
  readonly unit: Service | null
}
const evaluateModule = (service: Record<string, unknown>) =>
  nixEval<ModuleResult>([EVALUATE, "-A", "module", "--argstr", "serviceJSON", JSON.stringify(service)])
const failedAssertions = (result: ModuleResult) => result.assertions.filter((a) => !a.assertion).map((a) => a.message)

describe("Nix files", () => {
  it("all parse", () => {
    const files = nixFiles(ROOT)
    expect(files).toEqual(expect.arrayContaining(["flake.nix", "nix/npm-sources.nix", "nix/package.nix", "nix/module.nix"]))
    for (const file of files) nixInstantiate(["--parse", file])
  })

  it("flake.lock pins a supported nixos release by revision and narHash, the one flake.nix follows", () => {
    const flakeLock = JSON.parse(readFileSync(join(ROOT, "flake.lock"), "utf8")) as {
      readonly version: number
      readonly root: string
      readonly nodes: Record<string, { readonly inputs?: Record<string, string>; readonly locked?: Record<string, string | number>; readonly original?: Record<string, string> }>
    }
    expect(flakeLock.version).toBe(7)
    const nixpkgs = flakeLock.nodes[flakeLock.nodes[flakeLock.root]!.inputs!["nixpkgs"]!]!
    expect(nixpkgs.locked).toMatchObject({ type: "github", owner: "NixOS", repo: "nixpkgs" })
    expect(nixpkgs.locked!["rev"]).toMatch(/^[0-9a-f]{40}$/)
    expect(nixpkgs.locked!["narHash"]).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/)
    expect(nixpkgs.locked!["lastModified"]).toEqual(expect.any(Number))
    const release = /^nixos-(\d\d)\.(05|11)$/.exec(nixpkgs.original!["ref"] ?? "")
    expect(release, "nixpkgs follows a nixos-YY.MM release branch").not.toBeNull()
    // 24.11 and older are out of support.
    expect(Number(release![1]) * 100 + Number(release![2])).toBeGreaterThanOrEqual(2511)
    expect(evaluateFlake().nixpkgsUrl).toBe(`github:NixOS/nixpkgs/${nixpkgs.original!["ref"]}`)
  })
})

describe("flake.nix against stand-ins for nixpkgs", () => {
  const flake = evaluateFlake()

  it("builds the package from package.json with Node 22 and importNpmLock's hook", () => {
    expect(flake.systems).toEqual(["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"])
    expect(flake.package).toMatchObject({
      pname: packageJson.name,
      version: packageJson.version,
      nodejs: "nodejs-22",
      npmConfigHook: "npm-config-hook",
      npmRebuildFlags: ["--ignore-scripts"],
      meta: { description: packageJson.description, homepage: packageJson.homepage, mainProgram: "infrahub-mcp", license: "Apache-2.0" }
    })
    expect(flake.overlay).toBe("infrahub-mcp")
  })

  it("fetches every lock entry by its derived URL and integrity, from npm's configured registry, naming no host", () => {
    const downloaded = Object.entries(lock.packages).filter(([path]) => path.includes("node_modules/"))
    expect(Object.keys(flake.sources).sort()).toEqual(downloaded.map(([path]) => path).sort())
    for (const [path, entry] of downloaded) {
      const source = flake.sources[path]!
      expect(source.fetcher).toBe("fixed-output")
      expect(source.hash).toBe(entry.integrity)
      expect(source.outputHashMode).toBe("flat")
      expect(source.tarballPath).toMatch(new RegExp(`/-/[^/]+-${entry.version!.replaceAll(".", "\\.")}\\.tgz$`))
      expect(source.name).toBe(source.tarballPath!.slice(source.tarballPath!.lastIndexOf("/") + 1))
    }
    const effect = flake.sources["node_modules/effect"]!
    expect(effect.buildCommand).toContain('registry="$(npm config get registry)"')
    expect(effect.buildCommand).toContain('"${registry%/}/$tarballPath"')
    expect(effect.impureEnvVars).toContain("NPM_CONFIG_REGISTRY")
  })

  it("leaves mirror://npm/ to fetchurl when nixpkgs has an npm mirror list", () => {
    const effect = evaluateFlake(true).sources["node_modules/effect"]!
    expect(effect).toMatchObject({
      fetcher: "fetchurl",
      url: `mirror://npm/effect/-/effect-${lock.packages["node_modules/effect"]!.version}.tgz`,
      hash: lock.packages["node_modules/effect"]!.integrity
    })
  })

  it("installs package.json as it is, with nothing copied in: the command is a bundle that carries Effect and the OTLP exporter", () => {
    expect(flake.package.npmDepsPackage.dependencies).toEqual(packageJson.dependencies)
    expect(flake.package.npmDepsPackage.devDependencies).toEqual(packageJson.devDependencies)
    for (const bundled of ["effect", "@effect/platform", "@effect/platform-node", "@effect/opentelemetry"]) {
      expect(Object.keys(packageJson.devDependencies)).toContain(bundled)
    }
    expect(flake.package.installHooks).toEqual([])
  })

  it("builds from a source tree without documentation, so doc edits do not rebuild; the checks also see the tests", () => {
    for (const doc of ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md", "docs/guide.md", "flake.nix", "nix/module.nix", ".ci/run", "test/docs.test.ts", "bench/run.ts"]) {
      expect(flake.package.src[doc], doc).toBe(false)
    }
    for (const input of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "LICENSE", "src/bin.ts", "src/sandbox/data/builtin-schema.json", "scripts/readme.ts"]) {
      expect(flake.package.src[input], input).toBe(true)
      expect(flake.package.checkSource[input], input).toBe(true)
    }
    expect(flake.package.checkSource["test/docs.test.ts"]).toBe(true)
    expect(flake.package.checkSource["nix/module.nix"]).toBe(false)
    // A local checkout's build products never enter the build.
    for (const output of ["node_modules/effect/package.json", "dist/bin.js"]) {
      expect(flake.package.src[output], output).toBe(false)
      expect(flake.package.checkSource[output], output).toBe(false)
    }
  })

  it("offers apps with descriptions that run the package's binary", () => {
    expect(Object.keys(flake.apps).sort()).toEqual(["default", "demo", "infrahub-mcp"])
    for (const app of Object.values(flake.apps)) {
      expect(app.type).toBe("app")
      expect(app.description.length).toBeGreaterThan(20)
    }
    expect(flake.apps["default"]!.program).toMatch(/-infrahub-mcp-\d+\.\d+\.\d+\/bin\/infrahub-mcp$/)
  })

  it("checks the package, the types, the linter, the unit tests and (on Linux) the NixOS module", () => {
    expect(Object.keys(flake.checks).sort()).toEqual(["lint", "nixos-module", "package", "typecheck", "unit-tests"])
    expect(flake.checks["typecheck"]).toContain("npm run typecheck")
    expect(flake.checks["lint"]).toContain("npm run lint")
    expect(flake.checks["unit-tests"]).toContain("./node_modules/.bin/vitest run")
    expect(flake.checks["unit-tests"]).toContain("--exclude 'test/e2e/**'")
    expect(flake.darwinChecks).toEqual(["lint", "package", "typecheck", "unit-tests"])
    expect(flake.nixosModuleCheck.serviceConfig).toMatchObject({ DynamicUser: true, EnvironmentFile: ["/run/secrets/infrahub-mcp.env"] })
  })

  it("gives the dev shell Node 22 and the Chromium the browser test uses", () => {
    expect(flake.devShell.packages).toEqual(["nodejs-22", "chromium"])
    expect(flake.devShell.CHROMIUM_PATH).toMatch(/-chromium\/bin\/chromium$/)
    expect(flake.darwinDevShell).toEqual({ packages: ["nodejs-22"], CHROMIUM_PATH: null })
  })
})

describe("services.infrahub-mcp", () => {
  it("runs the flake's package on streamable HTTP as a throwaway user on a read-only system", () => {
    const result = evaluateModule({ enable: true, settings: { INFRAHUB_ADDRESS: "https://infrahub.example.org", INFRAHUB_MCP_READ_ONLY: true, INFRAHUB_TIMEOUT: 30 } })
    expect(failedAssertions(result)).toEqual([])
    expect(result.firewall).toEqual([])
    expect(result.unit!.wantedBy).toEqual(["multi-user.target"])
    expect(result.unit!.environment).toEqual({ INFRAHUB_ADDRESS: "https://infrahub.example.org", INFRAHUB_MCP_READ_ONLY: "true", INFRAHUB_TIMEOUT: "30" })
    expect(result.unit!.serviceConfig.ExecStart).toMatch(/-infrahub-mcp-\d+\.\d+\.\d+\/bin\/infrahub-mcp serve --transport streamable-http --host 127\.0\.0\.1 --port 8001$/)
    expect(result.unit!.serviceConfig).toMatchObject({
      DynamicUser: true,
      NoNewPrivileges: true,
      ProtectSystem: "strict",
      ProtectHome: true,
      PrivateTmp: true,
      CapabilityBoundingSet: "",
      EnvironmentFile: []
    })
  })

  it("is off unless enabled", () => {
    expect(evaluateModule({ settings: { INFRAHUB_ADDRESS: "https://infrahub.example.org" } }).unit).toBeNull()
  })

  it("passes host, port, --stateless, the environment file, the state store, and opens the firewall on request", () => {
    const result = evaluateModule({
      enable: true,
      host: "0.0.0.0",
      port: 443,
      stateless: true,
      openFirewall: true,
      environmentFile: "/run/secrets/infrahub-mcp.env",
      stateStore: "redis://redis.internal:6379/0"
    })
    expect(failedAssertions(result)).toEqual([])
    expect(result.warnings).toEqual([])
    expect(result.firewall).toEqual([443])
    expect(result.unit!.serviceConfig.ExecStart).toMatch(/ serve --transport streamable-http --host 0\.0\.0\.0 --port 443 --stateless$/)
    expect(result.unit!.serviceConfig).toMatchObject({
      EnvironmentFile: ["/run/secrets/infrahub-mcp.env"],
      CapabilityBoundingSet: "CAP_NET_BIND_SERVICE",
      AmbientCapabilities: "CAP_NET_BIND_SERVICE"
    })
    expect(result.unit!.environment).toEqual({ INFRAHUB_MCP_STATE_STORE: "redis://redis.internal:6379/0" })
  })

  it("refuses secrets in settings, which would land in the Nix store, pointing at environmentFile", () => {
    const result = evaluateModule({ enable: true, settings: { INFRAHUB_API_TOKEN: "t0ken", INFRAHUB_MCP_OIDC_CLIENT_SECRET: "s3cret" } })
    expect(failedAssertions(result)).toEqual([
      "services.infrahub-mcp.settings sets INFRAHUB_API_TOKEN, INFRAHUB_MCP_OIDC_CLIENT_SECRET, which would be copied into the world-readable Nix store: put it in services.infrahub-mcp.environmentFile instead."
    ])
  })

  it("refuses a state store URL with credentials and settings the server does not read", () => {
    const result = evaluateModule({ enable: true, stateStore: "redis://:pw@redis.internal:6379", settings: { PATH: "/tmp" } })
    expect(failedAssertions(result)).toEqual([
      "services.infrahub-mcp.settings sets PATH, which the server does not read: settings are INFRAHUB_*, INFRAHUB_MCP_* and OTEL_* variables (README.md, Configuration).",
      "services.infrahub-mcp.stateStore is set but the server would have no INFRAHUB_MCP_STATE_KEY and would not start: set services.infrahub-mcp.stateKeyFile to a file holding the key (the same on every replica), or put INFRAHUB_MCP_STATE_KEY in services.infrahub-mcp.environmentFile.",
      "services.infrahub-mcp.stateStore contains credentials, which would be copied into the world-readable Nix store: set INFRAHUB_MCP_STATE_STORE in services.infrahub-mcp.environmentFile instead."
    ])
  })

  it("hands stateKeyFile to the service as a systemd credential, exported by a start script", () => {
    const result = evaluateModule({ enable: true, stateStore: "redis://valkey.internal:6379/0", stateKeyFile: "/run/secrets/infrahub-mcp-state-key" })
    expect(failedAssertions(result)).toEqual([])
    expect(result.unit!.serviceConfig).toMatchObject({ LoadCredential: ["state-key:/run/secrets/infrahub-mcp-state-key"], EnvironmentFile: [] })
    expect(result.unit!.serviceConfig.ExecStart).toMatch(/^\/nix\/store\/[0-9a-z]{32}-infrahub-mcp-start$/)
    expect(result.unit!.environment).toEqual({ INFRAHUB_MCP_STATE_STORE: "redis://valkey.internal:6379/0" })
    // Without it, the command runs as before and no credential is loaded.
    const plain = evaluateModule({ enable: true })
    expect(plain.unit!.serviceConfig).toMatchObject({ LoadCredential: [] })
  })

  it("refuses a state store without any way to get the state key, and a key file in the Nix store", () => {
    expect(failedAssertions(evaluateModule({ enable: true, stateStore: "redis://valkey.internal:6379/0" }))).toEqual([
      "services.infrahub-mcp.stateStore is set but the server would have no INFRAHUB_MCP_STATE_KEY and would not start: set services.infrahub-mcp.stateKeyFile to a file holding the key (the same on every replica), or put INFRAHUB_MCP_STATE_KEY in services.infrahub-mcp.environmentFile."
    ])
    expect(failedAssertions(evaluateModule({ enable: true, stateStore: "redis://valkey.internal:6379/0", stateKeyFile: "/nix/store/00000000000000000000000000000000-key" }))).toEqual([
      "services.infrahub-mcp.stateKeyFile is in the Nix store, which is world-readable: keep the key in a file outside it (a secrets manager's output such as /run/secrets/infrahub-mcp-state-key)."
    ])
  })

  it("warns when the firewall is opened for a server that only listens on loopback", () => {
    expect(evaluateModule({ enable: true, openFirewall: true }).warnings).toEqual([
      'services.infrahub-mcp.openFirewall opens port 8001, but the server listens on 127.0.0.1 only: set services.infrahub-mcp.host (for example to "0.0.0.0") or leave the firewall closed.'
    ])
  })

  it("rejects an option it does not have", () => {
    expect(() => evaluateModule({ enable: true, prot: 8002 })).toThrow("The option services.infrahub-mcp.prot does not exist.")
  })

  it("knows exactly the secret variables of src/config/variables.ts", () => {
    const secrets = Object.entries(VARIABLES).filter(([, spec]) => spec.secret).map(([name]) => name)
    expect(nixEval<Array<string>>(["nix/secret-variables.nix"]).sort()).toEqual(secrets.sort())
  })
})
