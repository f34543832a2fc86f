// nix/npm-sources.nix turns package-lock.json into the tarballs the flake fetches: name, version,
// `mirror://npm/` URL and integrity hash for every entry npm downloads. Evaluated with Nix itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { nixEval, nixString, ROOT } from "./nix.js"

interface Source {
  readonly name: string
  readonly version: string
  readonly url: string
  readonly hash: string
}
interface LockEntry {
  readonly version?: string
  readonly integrity?: string
  readonly name?: string
  readonly link?: boolean
  readonly inBundle?: boolean
  readonly resolved?: string
}

const SOURCES_FILE = join(ROOT, "nix", "npm-sources.nix")
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { readonly packages: Record<string, LockEntry> }

const scratch = mkdtempSync(join(tmpdir(), "npm-sources-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let lockFiles = 0
/** npm-sources.nix applied to the given lock (a parsed package-lock.json). */
const sourcesOf = (packageLock: unknown): Record<string, Source> => {
  const file = join(scratch, `lock-${lockFiles++}.json`)
  writeFileSync(file, JSON.stringify(packageLock))
  return nixEval(["--expr", `import ${nixString(SOURCES_FILE)} (builtins.fromJSON (builtins.readFile ${nixString(file)}))`])
}
const lockWith = (packages: Record<string, LockEntry>) => ({
  lockfileVersion: 3,
  packages: { "": { name: "demo", version: "1.0.0" }, ...packages }
})

const SHA512 = "sha512-" + "A".repeat(86) + "=="
const SHA1 = "sha1-" + "B".repeat(27) + "="

describe("the real package-lock.json", () => {
  const downloaded = Object.entries(lock.packages).filter(([path, entry]) => path.includes("node_modules/") && !entry.link && !entry.inBundle)
  const sources = sourcesOf(lock)

  it("gives every downloaded entry an integrity hash", () => {
    const missing = downloaded.filter(([, entry]) => entry.integrity === undefined).map(([path]) => path)
    expect(missing).toEqual([])
    expect(downloaded.length).toBeGreaterThan(100)
  })

  it("yields one source per downloaded entry, with the entry's version and its SRI integrity as the hash", () => {
    expect(Object.keys(sources).sort()).toEqual(downloaded.map(([path]) => path).sort())
    for (const [path, entry] of downloaded) {
      const source = sources[path]!
      expect(source.version).toBe(entry.version)
      expect(source.hash).toBe(entry.integrity)
      expect(source.hash).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/)
    }
  })

  it("derives a well-formed mirror://npm/ URL from each name and version", () => {
    for (const [path, source] of Object.entries(sources)) {
      const installedAs = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)
      expect(source.name).toBe(installedAs)
      const url = new URL(source.url)
      expect(url.protocol).toBe("mirror:")
      expect(url.host).toBe("npm")
      const unscoped = source.name.startsWith("@") ? source.name.split("/")[1] : source.name
      expect(url.pathname).toBe(`/${source.name}/-/${unscoped}-${source.version}.tgz`)
      expect(source.url).toBe(`mirror://npm${url.pathname}`)
    }
  })

  it("spells scoped, unscoped and nested entries as the registry names their tarballs", () => {
    expect(sources["node_modules/effect"]!.url).toBe(`mirror://npm/effect/-/effect-${lock.packages["node_modules/effect"]!.version}.tgz`)
    expect(sources["node_modules/@effect/platform"]!.url).toBe(
      `mirror://npm/@effect/platform/-/platform-${lock.packages["node_modules/@effect/platform"]!.version}.tgz`
    )
    const nested = Object.keys(sources).find((path) => path.split("node_modules/").length > 2)!
    expect(sources[nested]!.url.startsWith(`mirror://npm/${nested.slice(nested.lastIndexOf("node_modules/") + 13)}/-/`)).toBe(true)
  })
})

describe("other locks", () => {
  it("fetches an alias under the real package's name, and skips links, bundled packages and the root", () => {
    const sources = sourcesOf(
      lockWith({
        "node_modules/alias": { name: "@scope/real", version: "2.0.0", integrity: SHA512 },
        "node_modules/linked": { link: true, resolved: "packages/linked" },
        "packages/linked": { version: "1.0.0" },
        "node_modules/parent/node_modules/bundled": { version: "1.0.0", inBundle: true },
        "node_modules/parent": { version: "1.2.3-beta.1", integrity: SHA512 }
      })
    )
    expect(sources).toEqual({
      "node_modules/alias": { name: "@scope/real", version: "2.0.0", url: "mirror://npm/@scope/real/-/real-2.0.0.tgz", hash: SHA512 },
      "node_modules/parent": { name: "parent", version: "1.2.3-beta.1", url: "mirror://npm/parent/-/parent-1.2.3-beta.1.tgz", hash: SHA512 }
    })
  })

  it("keeps the strongest of several integrity hashes", () => {
    const sources = sourcesOf(lockWith({ "node_modules/a": { version: "1.0.0", integrity: `${SHA1} ${SHA512}` } }))
    expect(sources["node_modules/a"]!.hash).toBe(SHA512)
  })

  it("accepts a registry `resolved` URL that matches the name and version", () => {
    const sources = sourcesOf(
      lockWith({ "node_modules/a": { version: "1.0.0", integrity: SHA512, resolved: "https://registry.invalid/a/-/a-1.0.0.tgz" } })
    )
    expect(sources["node_modules/a"]!.url).toBe("mirror://npm/a/-/a-1.0.0.tgz")
  })
})

describe("a lock the flake cannot fetch from", () => {
  const refusal = (packages: Record<string, LockEntry>) => () => sourcesOf(lockWith(packages))

  it("refuses an entry without integrity, saying how to refresh the lock", () => {
    expect(refusal({ "node_modules/a": { version: "1.0.0" } })).toThrow(
      "package-lock.json entry node_modules/a has no integrity hash, so its download cannot be verified: run `npm install` to refresh the lock file"
    )
  })

  it("refuses an integrity that is not a Subresource Integrity hash", () => {
    expect(refusal({ "node_modules/a": { version: "1.0.0", integrity: "md5-abc" } })).toThrow(
      'package-lock.json entry node_modules/a has integrity "md5-abc", which is not a Subresource Integrity hash'
    )
  })

  it("refuses an entry without a version", () => {
    expect(refusal({ "node_modules/a": { integrity: SHA512 } })).toThrow("package-lock.json entry node_modules/a has no version")
  })

  it("refuses names and versions that would not make a registry URL", () => {
    expect(refusal({ "node_modules/a": { name: "../../etc", version: "1.0.0", integrity: SHA512 } })).toThrow(
      'has the package name "../../etc", which npm would not publish'
    )
    expect(refusal({ "node_modules/a": { version: "latest", integrity: SHA512 } })).toThrow('has the version "latest", which is not a semantic version')
  })

  it("refuses git and file sources, which have no registry tarball", () => {
    expect(refusal({ "node_modules/a": { version: "1.0.0", integrity: SHA512, resolved: "git+ssh://git@example.org/a.git#abc" } })).toThrow(
      "package-lock.json entry node_modules/a comes from git+ssh://git@example.org/a.git#abc, not from an npm registry"
    )
  })

  it("refuses a lock file from npm 6, which has no `packages` map", () => {
    expect(() => sourcesOf({ lockfileVersion: 1, dependencies: {} })).toThrow(
      "package-lock.json has no `packages` map (lockfileVersion 1): regenerate it with npm 7 or newer"
    )
  })
})
