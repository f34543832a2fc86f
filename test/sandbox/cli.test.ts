import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect, createServer } from "node:net"
import { networkInterfaces, tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { BIN, runCli } from "../support/mcp.js"
import { apiKey, BASE_SCHEMA_DIR, dataOf, get, postGraphql, repoPath, request } from "./http/support.js"

/** `infrahub-mcp sandbox …` as users run it: the built binary, spawned, on 127.0.0.1. */

interface RunningCli {
  readonly url: string
  /** The token the banner prints. */
  readonly token: string
  readonly stdout: string
  readonly stderr: () => string
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

const children = new Set<ChildProcessWithoutNullStreams>()

const environment = (env: Readonly<Record<string, string>>) => ({ PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env })

/** Spawns the sandbox and waits for its banner (printed once it listens). */
const startCli = async (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<RunningCli> => {
  const child = spawn(process.execPath, [BIN, "sandbox", "--port", "0", ...args], { env: environment(env) })
  children.add(child)
  let stdout = ""
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox printed no banner:\n${stdout}\n${stderr}`)), 100_000)
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer)
        resolve()
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the sandbox exited with ${code}:\n${stdout}\n${stderr}`))
    })
  })
  const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1]
  const token = /API token \(X-INFRAHUB-KEY\): (\S+)/.exec(stdout)?.[1]
  if (url === undefined || token === undefined) throw new Error(`unexpected banner:\n${stdout}`)
  return {
    url,
    token,
    stdout,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGINT")
      const code = await exited
      children.delete(child)
      return code
    }
  }
}

afterEach(async () => {
  // A failed assertion must not leave a server behind.
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once("exit", () => resolve())
          child.kill("SIGKILL")
        })
    )
  )
  children.clear()
})

const canConnect = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** A port nothing listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const portOf = (url: string) => Number(new URL(url).port)

describe("infrahub-mcp sandbox", () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-cli-"))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  describe("the banner and the API token", () => {
    it("prints the address and a random token that works, different on every start; Ctrl-C stops it", async () => {
      const first = await startCli([])
      expect(first.stdout).toContain(`Infrahub sandbox (Infrahub 1.10.0 API, in memory) listening on ${first.url}`)
      expect(first.stdout).toContain("(random; set one with --token or INFRAHUB_SANDBOX_TOKEN)")
      expect(first.stdout).toContain(`INFRAHUB_ADDRESS=${first.url} INFRAHUB_API_TOKEN=${first.token}`)
      expect(first.stdout).toContain("Data: demo data set")
      expect(first.token.length).toBeGreaterThanOrEqual(20)
      expect((await get(`${first.url}/api/info`, apiKey(first.token))).status).toBe(200)
      expect((await get(`${first.url}/api/info`, apiKey(`${first.token}x`))).status).toBe(401)
      // The demo data set is loaded by default.
      expect(dataOf(await postGraphql(`${first.url}/graphql`, `query { LocationSite(shortname__value: "atl1") { count } }`, apiKey(first.token)))).toEqual({
        LocationSite: { count: 1 }
      })
      const second = await startCli([])
      expect(second.token).not.toBe(first.token)
      expect((await get(`${second.url}/api/info`, apiKey(first.token))).status).toBe(401)
      expect(await first.stop()).toBe(0)
      expect(await second.stop()).toBe(0)
      expect(await canConnect("127.0.0.1", portOf(first.url))).toBe(false)
    })

    it("takes the token from INFRAHUB_SANDBOX_TOKEN, and --token (repeatable) wins over it", async () => {
      const fromEnv = await startCli([], { INFRAHUB_SANDBOX_TOKEN: "env-token-123456" })
      expect(fromEnv.token).toBe("env-token-123456")
      expect(fromEnv.stdout).not.toContain("(random")
      expect((await get(`${fromEnv.url}/api/info`, apiKey("env-token-123456"))).status).toBe(200)
      await fromEnv.stop()

      const flags = await startCli(["--token", "flag-token-1", "--token", "flag-token-2"], { INFRAHUB_SANDBOX_TOKEN: "env-token-123456" })
      expect(flags.token).toBe("flag-token-1")
      expect((await get(`${flags.url}/api/info`, apiKey("flag-token-1"))).status).toBe(200)
      expect((await get(`${flags.url}/api/info`, apiKey("flag-token-2"))).status).toBe(200)
      expect((await get(`${flags.url}/api/info`, apiKey("env-token-123456"))).status).toBe(401)
      await flags.stop()
    })

    it("binds 127.0.0.1 unless told otherwise", async () => {
      const sandbox = await startCli(["--token", "bind-token"])
      expect(new URL(sandbox.url).hostname).toBe("127.0.0.1")
      expect(await canConnect("127.0.0.1", portOf(sandbox.url))).toBe(true)
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address !== undefined && address.family === "IPv4" && !address.internal)
      // The machine's other addresses get no answer (when it has one: containers may have only loopback).
      if (external !== undefined) expect(await canConnect(external.address, portOf(sandbox.url))).toBe(false)
      await sandbox.stop()
    })
  })

  describe("schemas and data", () => {
    it("loads the four schema-library files with --schema and --seed none", async () => {
      const sandbox = await startCli(["--seed", "none", "--token", "t0k3n", "--schema", BASE_SCHEMA_DIR])
      expect(sandbox.stdout).toContain("Data: empty")
      const schema = (await get(`${sandbox.url}/api/schema`, apiKey("t0k3n"))).body as { nodes: Array<{ kind: string }> }
      const kinds = schema.nodes.map((node) => node.kind)
      expect(kinds).toEqual(expect.arrayContaining(["DcimDevice", "InterfacePhysical", "IpamPrefix", "OrganizationManufacturer"]))
      // The demo's extension and objects are not loaded with --seed none.
      expect(kinds).not.toContain("LocationSite")
      expect(dataOf(await postGraphql(`${sandbox.url}/graphql`, "query { BuiltinTag { count } DcimDevice { count } }", apiKey("t0k3n")))).toEqual({
        BuiltinTag: { count: 0 },
        DcimDevice: { count: 0 }
      })
      await sandbox.stop()
    })

    it("loads a schema directory and object files with --data", async () => {
      const objects = join(dir, "tags.yml")
      writeFileSync(objects, "apiVersion: infrahub.app/v1\nkind: Object\nspec:\n  kind: BuiltinTag\n  data:\n    - name: from-cli\n      description: Loaded with --data\n")
      const sandbox = await startCli([
        "--seed", "none", "--token", "t0k3n",
        "--schema", repoPath("src/sandbox/data/schemas/base"), "--schema", repoPath("src/sandbox/data/schemas/demo/location.yml"),
        "--data", objects
      ])
      expect(sandbox.stdout).toContain(`Data: empty + ${objects}`)
      const data = dataOf(await postGraphql(`${sandbox.url}/graphql`, `query { BuiltinTag { edges { node { name { value } description { value } } } } LocationSite { count } }`, apiKey("t0k3n")))
      expect(data).toEqual({
        BuiltinTag: { edges: [{ node: { name: { value: "from-cli" }, description: { value: "Loaded with --data" } } }] },
        LocationSite: { count: 0 }
      })
      await sandbox.stop()
    })

    it("loads the demo's own schema directory once when it is also given with --schema", async () => {
      const sandbox = await startCli(["--token", "t0k3n", "--schema", repoPath("src/sandbox/data/schemas/base")])
      expect(dataOf(await postGraphql(`${sandbox.url}/graphql`, `query { LocationSite(shortname__value: "atl1") { count } }`, apiKey("t0k3n")))).toEqual({
        LocationSite: { count: 1 }
      })
      await sandbox.stop()
    })

    it("explains a clash between a user's schema and the demo's, and how to avoid it", async () => {
      const copy = join(dir, "manufacturer.yml")
      writeFileSync(copy, 'version: "1.0"\nnodes:\n  - name: Manufacturer\n    namespace: Organization\n    attributes:\n      - name: name\n        kind: Text\n')
      const result = await runCli({}, ["sandbox", "--port", "0", "--schema", copy])
      expect(result.code).toBe(2)
      // The user's definition updates the demo's (as a later Infrahub schema load does): the demo objects no longer fit.
      expect(result.stderr).toContain("(kind OrganizationManufacturer): data[1].description: description is not a valid attribute")
      expect(result.stderr).toContain("add --seed none")
      const alone = await startCli(["--seed", "none", "--schema", copy])
      await alone.stop()
    })

    it("refuses a broken schema file with exit code 2, naming the file, the kind and the problem, and never listens", async () => {
      const broken = join(dir, "broken-schema.yml")
      writeFileSync(broken, 'version: "1.0"\nnodes:\n  - name: Widget\n    namespace: Test\n    attributes:\n      - name: size\n        kind: Strng\n')
      const port = await freePort()
      const result = await runCli({}, ["sandbox", "--port", String(port), "--schema", broken])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("nothing was loaded")
      expect(result.stderr).toContain(`${broken} [TestWidget]`)
      expect(result.stderr).toMatch(/attribute "size": "kind" must be one of .*; got "Strng"/)
      expect(result.stderr).toContain("Fix the files listed above and start the sandbox again.")
      expect(await canConnect("127.0.0.1", port)).toBe(false)
    })

    it("refuses a broken object file, or a missing one, with exit code 2 and says which and why", async () => {
      const unknownField = join(dir, "broken-objects.yml")
      writeFileSync(unknownField, "apiVersion: infrahub.app/v1\nkind: Object\nspec:\n  kind: BuiltinTag\n  data:\n    - name: red\n      colour: blue\n")
      const notYaml = join(dir, "not-yaml.yml")
      writeFileSync(notYaml, "apiVersion: infrahub.app/v1\nkind: Object\nspec:\n  kind: [\n")
      const cases: Array<[string, ReadonlyArray<string | RegExp>]> = [
        [unknownField, [unknownField, "BuiltinTag", "colour is not a valid attribute or relationship for BuiltinTag"]],
        [notYaml, [notYaml, "not valid YAML"]],
        [join(dir, "missing.yml"), [join(dir, "missing.yml"), "does not exist", "Check the --data path"]]
      ]
      for (const [path, expected] of cases) {
        const port = await freePort()
        const result = await runCli({}, ["sandbox", "--port", String(port), "--data", path])
        expect(result.code, path).toBe(2)
        expect(result.stdout).toBe("")
        expect(result.stderr).toContain("The sandbox did not start")
        for (const part of expected) expect(result.stderr).toContain(part)
        expect(await canConnect("127.0.0.1", port)).toBe(false)
      }
    })

    it("refuses a port in use with exit code 1, as serve and demo do, and says what to do", async () => {
      const sandbox = await startCli(["--token", "t0k3n"])
      const result = await runCli({}, ["sandbox", "--port", String(portOf(sandbox.url))])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${portOf(sandbox.url)} (EADDRINUSE)`)
      expect(result.stderr).toContain("Choose another --port")
      // The running one is unharmed.
      expect((await get(`${sandbox.url}/api/info`, apiKey("t0k3n"))).status).toBe(200)
      await sandbox.stop()
    })
  })

  describe("access and test flags", () => {
    it("accepts --user logins (never printing the password)", async () => {
      const sandbox = await startCli(["--user", "alice:pa:ss", "--user", "bob:builder"])
      expect(sandbox.stdout).toContain(`Login user: alice (POST ${sandbox.url}/api/auth/login)`)
      expect(sandbox.stdout).toContain("Login user: bob")
      expect(sandbox.stdout).not.toContain("pa:ss")
      expect(sandbox.stdout).not.toContain("builder")
      const login = await request(`${sandbox.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: "pa:ss" })
      })
      expect(login.status).toBe(200)
      const { access_token } = login.body as { access_token: string }
      const profile = dataOf(await postGraphql(`${sandbox.url}/graphql`, "query { AccountProfile { name { value } } }", { authorization: `Bearer ${access_token}` }))
      expect(profile).toEqual({ AccountProfile: { name: { value: "alice" } } })
      await sandbox.stop()
    })

    it("answers anonymous reads unless --no-anonymous, and never anonymous mutations", async () => {
      const closed = await startCli(["--seed", "none", "--no-anonymous"])
      expect((await get(`${closed.url}/api/info`)).status).toBe(401)
      await closed.stop()
      const open = await startCli(["--seed", "none"])
      expect((await get(`${open.url}/api/info`)).status).toBe(200)
      expect(dataOf(await postGraphql(`${open.url}/graphql`, "query { BuiltinTag { count } }"))).toEqual({ BuiltinTag: { count: 0 } })
      expect((await postGraphql(`${open.url}/graphql`, `mutation { BuiltinTagCreate(data: {name: {value: "x"}}) { ok } }`)).status).toBe(401)
      await open.stop()
    })

    it("serves the debug endpoints only with --debug-endpoints", async () => {
      const plain = await startCli(["--seed", "none", "--token", "t0k3n"])
      expect(plain.stdout).not.toContain("Debug endpoints")
      const hidden = await get(`${plain.url}/__sandbox/requests`, apiKey("t0k3n"))
      expect([hidden.status, hidden.body]).toEqual([404, { detail: "Not Found" }])
      await plain.stop()
      const debug = await startCli(["--seed", "none", "--token", "t0k3n", "--debug-endpoints"])
      expect(debug.stdout).toContain(`Debug endpoints: ${debug.url}/__sandbox/requests, ${debug.url}/__sandbox/faults`)
      await get(`${debug.url}/api/info`, apiKey("t0k3n"))
      const log = await get(`${debug.url}/__sandbox/requests`)
      expect(log.status).toBe(200)
      expect(log.body).toEqual([{ method: "GET", path: "/api/info", branch: null, operations: [], status: 200, credential: { type: "token", sha256: expect.stringMatching(/^[0-9a-f]{12}$/) } }])
      await debug.stop()
    })

    it("words GraphQL errors with the error catalogue with --error-format catalogue", async () => {
      const legacy = await startCli(["--seed", "none", "--token", "t0k3n"])
      const missing = `mutation { BuiltinTagUpdate(data: {id: "nope", name: {value: "x"}}) { ok } }`
      const legacyBody = (await postGraphql(`${legacy.url}/graphql`, missing, apiKey("t0k3n"))).body as { data: unknown; errors: Array<Record<string, unknown>> }
      // Legacy: graphql-core's error, no extensions (error_catalogue/graphql_no_extensions.json), the field's data null.
      expect(Object.keys(legacyBody.errors[0] ?? {}).sort()).toEqual(["locations", "message", "path"])
      expect(legacyBody.data).toEqual({ BuiltinTagUpdate: null })
      await legacy.stop()
      const catalogue = await startCli(["--seed", "none", "--token", "t0k3n", "--error-format", "catalogue"])
      const answer = await postGraphql(`${catalogue.url}/graphql`, missing, apiKey("t0k3n"))
      expect(answer.status).toBe(200)
      const error = (answer.body as { errors: Array<{ message: string; extensions: unknown }> }).errors[0]
      expect(error?.extensions).toEqual({ code: "NODE_NOT_FOUND", http_status: 404, data: { node_kind: "BuiltinTag", identifier: "nope" } })
      // Catalogue envelopes carry "data": null, as every recorded one does (codes/node_not_found.json).
      expect((answer.body as { data: unknown }).data).toBeNull()
      await catalogue.stop()
    })

    it("refuses bad flag values with exit code 2 and one line per problem", async () => {
      const result = await runCli({}, ["sandbox", "--seed", "maybe", "--error-format", "xml", "--user", "nopassword", "--port", "99999"])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('Option --seed "maybe" is not valid: use demo or none.')
      expect(result.stderr).toContain('Option --error-format "xml" is not valid: use legacy or catalogue.')
      expect(result.stderr).toContain("Option --user needs NAME:PASSWORD")
      expect(result.stderr).toContain('Option --port "99999" is not a valid port')
      expect(result.stderr).toContain("Run 'infrahub-mcp sandbox --help'")
    })
  })
})
