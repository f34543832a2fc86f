import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { type Command, CliError, parseCli, usage } from "../../src/config/cli.js"

const ok = (argv: ReadonlyArray<string>): Command => {
  const result = parseCli(argv)
  if (Either.isLeft(result)) throw new Error(`expected ${JSON.stringify(argv)} to parse, got:\n${result.left.message}`)
  return result.right
}

const fail = (argv: ReadonlyArray<string>): CliError => {
  const result = parseCli(argv)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(argv)} to fail, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("parseCli serve", () => {
  it("defaults to serve on stdio, 127.0.0.1:8001, as the Python server", () => {
    const expected = { _tag: "Serve", transport: "stdio", host: "127.0.0.1", port: 8001, stateless: false }
    expect(ok([])).toEqual(expected)
    expect(ok(["serve"])).toEqual(expected)
  })

  it("reads the Python server's flags, in both --flag value and --flag=value forms", () => {
    expect(ok(["--transport", "streamable-http", "--host", "0.0.0.0", "--port", "9000"])).toEqual({
      _tag: "Serve", transport: "streamable-http", host: "0.0.0.0", port: 9000, stateless: false
    })
    expect(ok(["serve", "--transport=streamable-http", "--port=8101", "--stateless"])).toEqual({
      _tag: "Serve", transport: "streamable-http", host: "127.0.0.1", port: 8101, stateless: true
    })
  })

  it("lets the last of a repeated single-value flag win, as argparse does", () => {
    expect(ok(["--port", "1", "--port", "2"])).toMatchObject({ port: 2 })
  })

  it("refuses a bad transport, naming the choices", () => {
    expect(fail(["--transport", "sse"]).problems).toEqual([
      'Option --transport "sse" is not valid: use stdio or streamable-http.'
    ])
  })

  it("refuses ports outside 0-65535 and non-numbers", () => {
    for (const port of ["65536", "80a", "-1", "8.5"]) {
      expect(fail([`--port=${port}`]).problems).toEqual([
        `Option --port ${JSON.stringify(port)} is not a valid port: use a whole number from 0 to 65535 (0 picks a free port).`
      ])
    }
  })

  it("refuses a flag without its value, even when the next word is another flag", () => {
    expect(fail(["--port"]).problems).toEqual([
      "Option --port needs a value: write --port PORT (or --port=VALUE for a value starting with '-')."
    ])
    expect(fail(["--host", "--port", "9000"]).problems[0]).toBe(
      "Option --host needs a value: write --host HOST (or --host=VALUE for a value starting with '-')."
    )
  })

  it("refuses unknown flags with a suggestion or the list of options", () => {
    expect(fail(["--trasnport", "stdio"]).problems[0]).toBe("Unknown option '--trasnport' for 'serve': did you mean --transport?")
    expect(fail(["--verbose"]).problems).toEqual([
      "Unknown option '--verbose' for 'serve': its options are --transport, --host, --port, --stateless and --help."
    ])
    expect(fail(["-p", "9000"]).problems[0]).toBe(
      "Unknown option '-p' for 'serve': its options are --transport, --host, --port, --stateless and --help."
    )
  })

  it("refuses a value given to a switch, and stray arguments", () => {
    expect(fail(["--transport", "streamable-http", "--stateless=yes"]).problems).toEqual([
      "Option --stateless takes no value: write just --stateless."
    ])
    expect(fail(["serve", "now"]).problems).toEqual(["Unexpected argument 'now' for 'serve': it takes options only."])
  })

  it("refuses --stateless on stdio, where it means nothing", () => {
    expect(fail(["--stateless"]).problems).toEqual([
      "Option --stateless only applies to --transport streamable-http: add --transport streamable-http or drop --stateless."
    ])
  })

  it("refuses flags of other commands", () => {
    expect(fail(["serve", "--token", "abc"]).problems[0]).toMatch(/^Unknown option '--token' for 'serve'/)
    expect(fail(["demo", "--transport", "stdio"]).problems[0]).toMatch(/^Unknown option '--transport' for 'demo'/)
  })

  it("reports every problem at once and ends with a usage hint", () => {
    const error = fail(["--transport", "tcp", "--port", "70000", "--bogus"])
    expect(error).toBeInstanceOf(CliError)
    expect(error.problems).toHaveLength(3)
    expect(error.command).toBe("serve")
    expect(error.message.split("\n")).toEqual([...error.problems, "Run 'infrahub-mcp serve --help' to see the commands and options."])
  })
})

describe("parseCli commands", () => {
  it("refuses an unknown command, listing the real ones", () => {
    const error = fail(["start"])
    expect(error.problems).toEqual(["Unknown command 'start': use one of serve, sandbox, demo."])
    expect(error.command).toBeUndefined()
    expect(error.message).toContain("Run 'infrahub-mcp --help'")
  })

  it("parses sandbox with its defaults", () => {
    expect(ok(["sandbox"])).toEqual({
      _tag: "Sandbox",
      host: "127.0.0.1",
      port: 8000,
      tokens: [],
      users: [],
      schemas: [],
      data: [],
      seed: "demo",
      allowAnonymous: true,
      debugEndpoints: false,
      errorFormat: "legacy"
    })
  })

  it("parses every sandbox flag, keeping repeated ones in order and secrets redacted", () => {
    const command = ok([
      "sandbox", "--host", "0.0.0.0", "--port", "18000",
      "--token", "tok-1", "--token=tok-2",
      "--user", "admin:infrahub", "--user", "ops:pa:ss:word",
      "--schema", "schemas/base", "--schema", "extra.yml",
      "--data", "objects/", "--seed", "none",
      "--no-anonymous", "--debug-endpoints", "--error-format", "catalogue"
    ])
    if (command._tag !== "Sandbox") throw new Error(`expected Sandbox, got ${command._tag}`)
    expect(command.host).toBe("0.0.0.0")
    expect(command.port).toBe(18000)
    expect(command.tokens.map(Redacted.value)).toEqual(["tok-1", "tok-2"])
    expect(command.users.map((u) => [u.username, Redacted.value(u.password)])).toEqual([
      ["admin", "infrahub"],
      ["ops", "pa:ss:word"]
    ])
    expect(command.schemas).toEqual(["schemas/base", "extra.yml"])
    expect(command.data).toEqual(["objects/"])
    expect(command.seed).toBe("none")
    expect(command.allowAnonymous).toBe(false)
    expect(command.debugEndpoints).toBe(true)
    expect(command.errorFormat).toBe("catalogue")
    expect(JSON.stringify(command)).not.toMatch(/tok-1|tok-2|infrahub"|pa:ss:word/)
  })

  it("refuses bad sandbox values without echoing passwords", () => {
    const error = fail(["sandbox", "--user", "adminsecretpw", "--user", ":pw", "--seed", "full", "--error-format", "json", "--token="])
    expect(error.problems).toEqual([
      'Option --seed "full" is not valid: use demo or none.',
      'Option --error-format "json" is not valid: use legacy or catalogue.',
      "Option --token needs a non-empty token without spaces: write --token TOKEN.",
      "Option --user needs NAME:PASSWORD, both non-empty (the password may contain ':'): e.g. --user admin:infrahub.",
      "Option --user needs NAME:PASSWORD, both non-empty (the password may contain ':'): e.g. --user admin:infrahub."
    ])
    expect(error.message).not.toContain("adminsecretpw")
    expect(error.message).toContain("Run 'infrahub-mcp sandbox --help'")
  })

  it("parses demo with its defaults and a port", () => {
    expect(ok(["demo"])).toEqual({ _tag: "Demo", host: "127.0.0.1", port: 8001 })
    expect(ok(["demo", "--port", "9100", "--host", "::1"])).toEqual({ _tag: "Demo", host: "::1", port: 9100 })
  })
})

describe("parseCli help and version", () => {
  it("answers --help and -h with the usage of the command asked about", () => {
    expect(ok(["--help"])).toEqual({ _tag: "Help", command: undefined, text: usage() })
    expect(ok(["-h"])).toEqual({ _tag: "Help", command: undefined, text: usage() })
    expect(ok(["sandbox", "--help"])).toEqual({ _tag: "Help", command: "sandbox", text: usage("sandbox") })
    // --help wins over other problems, as with argparse
    expect(ok(["serve", "--port", "0", "--bogus", "--help"])).toMatchObject({ _tag: "Help", command: "serve" })
  })

  it("answers --version", () => {
    expect(ok(["--version"])).toEqual({ _tag: "Version" })
  })

  it("documents every flag and default in the usage text", () => {
    const top = usage()
    for (const text of ["serve", "sandbox", "demo", "--transport stdio|streamable-http", "--port PORT", "default 8001", "--version"]) {
      expect(top).toContain(text)
    }
    const sandbox = usage("sandbox")
    for (const flag of ["--token", "--user NAME:PASSWORD", "--schema", "--data", "--seed demo|none", "--allow-anonymous", "--no-anonymous", "--debug-endpoints", "--error-format legacy|catalogue", "default 8000"]) {
      expect(sandbox).toContain(flag)
    }
  })
})
