/**
 * Command-line parsing for `infrahub-mcp [serve|sandbox|demo]`. Pure: `bin.ts` turns the result into
 * a program or a usage message and an exit code. `serve` keeps the Python server's flags and defaults.
 */
import { isIPv4 } from "node:net"
import { parseArgs } from "node:util"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { closest } from "./parse.js"
import type { Transport } from "./ServerConfig.js"

export const PROGRAM = "infrahub-mcp"

export const COMMANDS = ["serve", "sandbox", "demo"] as const
export type CommandName = (typeof COMMANDS)[number]

export interface ServeCommand {
  readonly _tag: "Serve"
  readonly transport: Transport
  readonly host: string
  readonly port: number
  readonly stateless: boolean
}

export interface SandboxUser {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

export type SeedMode = "demo" | "none"
export type ErrorFormat = "legacy" | "catalogue"

export interface SandboxCommand {
  readonly _tag: "Sandbox"
  readonly host: string
  readonly port: number
  readonly tokens: ReadonlyArray<Redacted.Redacted<string>>
  readonly users: ReadonlyArray<SandboxUser>
  /** Schema files or directories (`infrahubctl schema load` format), in the order given. */
  readonly schemas: ReadonlyArray<string>
  /** Object files or directories, in the order given. */
  readonly data: ReadonlyArray<string>
  readonly seed: SeedMode
  readonly allowAnonymous: boolean
  readonly debugEndpoints: boolean
  readonly errorFormat: ErrorFormat
}

export interface DemoCommand {
  readonly _tag: "Demo"
  readonly host: string
  readonly port: number
}

/** `--help`: print `text` to stdout, exit 0. */
export interface HelpCommand {
  readonly _tag: "Help"
  readonly command: CommandName | undefined
  readonly text: string
}

/** `--version`: print the package version, exit 0. */
export interface VersionCommand {
  readonly _tag: "Version"
}

export type Command = ServeCommand | SandboxCommand | DemoCommand | HelpCommand | VersionCommand

/** Unknown command or flag, missing or bad value: print `message` to stderr, exit 2 (as argparse). */
export class CliError extends Data.TaggedError("CliError")<{
  readonly problems: ReadonlyArray<string>
  readonly command: CommandName | undefined
}> {
  override get message(): string {
    const help = this.command === undefined ? `${PROGRAM} --help` : `${PROGRAM} ${this.command} --help`
    return [...this.problems, `Run '${help}' to see the commands and options.`].join("\n")
  }
}

// --- the flags -------------------------------------------------------------------------------------

interface FlagSpec {
  readonly type: "string" | "boolean"
  readonly multiple?: boolean
  readonly value?: string
  readonly help: string
}

const host = (fallback: string): FlagSpec => ({ type: "string", value: "HOST", help: `Address to bind (default ${fallback}).` })
const port = (fallback: number): FlagSpec => ({ type: "string", value: "PORT", help: `Port to listen on, 0-65535; 0 picks a free port (default ${fallback}).` })

const FLAGS: Readonly<Record<CommandName, Readonly<Record<string, FlagSpec>>>> = {
  serve: {
    transport: { type: "string", value: "stdio|streamable-http", help: "How MCP clients connect (default stdio)." },
    host: host("127.0.0.1"),
    port: port(8001),
    stateless: { type: "boolean", help: "Streamable HTTP without MCP sessions: one server per request." }
  },
  sandbox: {
    host: host("127.0.0.1"),
    port: port(8000),
    token: { type: "string", multiple: true, value: "TOKEN", help: "Accept this API token (X-INFRAHUB-KEY); repeatable." },
    user: { type: "string", multiple: true, value: "NAME:PASSWORD", help: "Accept this login at /api/auth/login; repeatable." },
    schema: {
      type: "string",
      multiple: true,
      value: "PATH",
      help: "Load a schema file or directory; repeatable, in the order given (like successive `infrahubctl schema load`)."
    },
    data: { type: "string", multiple: true, value: "PATH", help: "Load an object file or directory; repeatable." },
    seed: { type: "string", value: "demo|none", help: "Start with the demo data set or empty (default demo)." },
    "allow-anonymous": { type: "boolean", help: "Answer read queries without a credential (the default, as Infrahub's allow_anonymous_access)." },
    "no-anonymous": { type: "boolean", help: "Refuse requests without a credential (401), as Infrahub with allow_anonymous_access off." },
    "debug-endpoints": { type: "boolean", help: "Expose the sandbox's debugging endpoints (request log, fault injection)." },
    "error-format": { type: "string", value: "legacy|catalogue", help: "Shape of GraphQL error extensions (default legacy)." }
  },
  demo: {
    host: host("127.0.0.1"),
    port: port(8001)
  }
}

const SUMMARY: Readonly<Record<CommandName, string>> = {
  serve: "Run the MCP server (the default command). Configured by INFRAHUB_* environment variables.",
  sandbox: "Run the in-memory Infrahub-compatible server.",
  demo: "Run the sandbox with demo data and the MCP server on streamable HTTP in front of it."
}

/** Usage text for one command, or for the program when `command` is undefined. */
export const usage = (command?: CommandName): string => {
  const options = (name: CommandName): Array<string> => {
    const rows: Array<readonly [string, string]> = [
      ...Object.entries(FLAGS[name]).map(([flag, spec]) =>
        [`--${flag}${spec.value === undefined ? "" : ` ${spec.value}`}`, spec.help] as const
      ),
      ["--help", "Show this help."],
      ...(command === undefined ? [["--version", "Print the version."] as const] : [])
    ]
    const width = Math.max(...rows.map(([left]) => left.length)) + 2
    return rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`)
  }
  if (command === undefined) {
    // Without a command the flags are serve's, as with the Python server's single-command CLI.
    return [
      `Usage: ${PROGRAM} [command] [options]`,
      "",
      "Commands:",
      ...COMMANDS.map((name) => `  ${name.padEnd(9)}${SUMMARY[name]}`),
      "",
      "Options (serve):",
      ...options("serve"),
      "",
      `Run '${PROGRAM} <command> --help' for the options of another command.`
    ].join("\n")
  }
  return [
    `Usage: ${PROGRAM} ${command === "serve" ? "[serve]" : command} [options]`,
    "",
    SUMMARY[command],
    "",
    "Options:",
    ...options(command)
  ].join("\n")
}

// --- parsing ---------------------------------------------------------------------------------------

const isCommandName = (word: string): word is CommandName => (COMMANDS as ReadonlyArray<string>).includes(word)

interface Collected {
  readonly strings: ReadonlyMap<string, ReadonlyArray<string>>
  readonly booleans: ReadonlySet<string>
}

/**
 * Parses `process.argv.slice(2)`. The first word picks the command (`serve` when it is absent or a
 * flag). Every problem is reported at once; `--help` and `--version` win over other problems.
 */
export const parseCli = (argv: ReadonlyArray<string>): Either.Either<Command, CliError> => {
  const first = argv[0]
  let command: CommandName = "serve"
  let rest = argv
  if (first !== undefined && !first.startsWith("-")) {
    if (!isCommandName(first)) {
      return Either.left(new CliError({
        problems: [`Unknown command '${first}': use one of ${COMMANDS.join(", ")}.`],
        command: undefined
      }))
    }
    command = first
    rest = argv.slice(1)
  }
  const explicit = first !== undefined && isCommandName(first)

  // Non-strict parsing with tokens: we check every token ourselves, so messages can name the flag and the fix.
  const flags = FLAGS[command]
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple === true }])
  )
  const { tokens } = parseArgs({ args: [...rest], options, strict: false, allowPositionals: true, tokens: true })
  if (tokens.some((t) => t.kind === "option" && (t.name === "help" || t.name === "h"))) {
    const topic = explicit ? command : undefined
    return Either.right({ _tag: "Help", command: topic, text: usage(topic) })
  }
  if (tokens.some((t) => t.kind === "option" && t.name === "version")) return Either.right({ _tag: "Version" })

  const problems: Array<string> = []
  const strings = new Map<string, Array<string>>()
  const booleans = new Set<string>()
  for (const token of tokens) {
    if (token.kind === "positional") {
      problems.push(`Unexpected argument '${token.value}' for '${command}': it takes options only.`)
      continue
    }
    if (token.kind !== "option") continue
    const spec = flags[token.name]
    if (spec === undefined || token.rawName.length === 2) {
      problems.push(`Unknown option '${token.rawName}' for '${command}': ${suggest(token.name, Object.keys(flags))}`)
      continue
    }
    if (spec.type === "boolean") {
      if (token.value !== undefined) problems.push(`Option --${token.name} takes no value: write just --${token.name}.`)
      else booleans.add(token.name)
      continue
    }
    // parseArgs takes the next word as the value even when it is another flag (`--port --host x`).
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-"))) {
      problems.push(`Option --${token.name} needs a value: write --${token.name} ${spec.value ?? "VALUE"} (or --${token.name}=VALUE for a value starting with '-').`)
      continue
    }
    const values = strings.get(token.name) ?? []
    // Repeatable flags accumulate; for the others the last one wins, as with argparse.
    strings.set(token.name, spec.multiple === true ? [...values, token.value] : [token.value])
  }

  const collected: Collected = { strings, booleans }
  const result = build(command, collected, problems)
  return problems.length > 0 || result === undefined
    ? Either.left(new CliError({ problems, command }))
    : Either.right(result)
}

const build = (command: CommandName, flags: Collected, problems: Array<string>): Command | undefined => {
  const single = (name: string): string | undefined => flags.strings.get(name)?.at(-1)
  const many = (name: string): ReadonlyArray<string> => flags.strings.get(name) ?? []
  const hostValue = parseHost(single("host") ?? "127.0.0.1", problems)
  switch (command) {
    case "serve": {
      const transport = parseEnum("transport", single("transport") ?? "stdio", ["stdio", "streamable-http"], problems)
      const portValue = parsePort(single("port") ?? "8001", problems)
      const stateless = flags.booleans.has("stateless")
      if (stateless && transport === "stdio") {
        problems.push("Option --stateless only applies to --transport streamable-http: add --transport streamable-http or drop --stateless.")
      }
      if (transport === undefined || portValue === undefined || hostValue === undefined) return undefined
      return { _tag: "Serve", transport, host: hostValue, port: portValue, stateless }
    }
    case "sandbox": {
      const portValue = parsePort(single("port") ?? "8000", problems)
      const seed = parseEnum("seed", single("seed") ?? "demo", ["demo", "none"], problems)
      const errorFormat = parseEnum("error-format", single("error-format") ?? "legacy", ["legacy", "catalogue"], problems)
      const tokens = many("token").flatMap((token) => {
        if (token.trim() === "" || /\s/.test(token)) {
          problems.push("Option --token needs a non-empty token without spaces: write --token TOKEN.")
          return []
        }
        return [Redacted.make(token)]
      })
      const users = many("user").flatMap((pair): Array<SandboxUser> => {
        const colon = pair.indexOf(":")
        const username = colon === -1 ? "" : pair.slice(0, colon)
        const secret = colon === -1 ? "" : pair.slice(colon + 1)
        if (username.trim() === "" || secret === "") {
          // The value holds a password: never echo it.
          problems.push("Option --user needs NAME:PASSWORD, both non-empty (the password may contain ':'): e.g. --user admin:infrahub.")
          return []
        }
        return [{ username, password: Redacted.make(secret) }]
      })
      const paths = (name: string) =>
        many(name).filter((path) => {
          if (path.trim() !== "") return true
          problems.push(`Option --${name} needs a file or directory path: write --${name} PATH.`)
          return false
        })
      const schemas = paths("schema")
      const data = paths("data")
      if (portValue === undefined || hostValue === undefined || seed === undefined || errorFormat === undefined) return undefined
      return {
        _tag: "Sandbox",
        host: hostValue,
        port: portValue,
        tokens,
        users,
        schemas,
        data,
        seed,
        allowAnonymous: !flags.booleans.has("no-anonymous"),
        debugEndpoints: flags.booleans.has("debug-endpoints"),
        errorFormat
      }
    }
    case "demo": {
      const portValue = parsePort(single("port") ?? "8001", problems)
      if (portValue === undefined || hostValue === undefined) return undefined
      return { _tag: "Demo", host: hostValue, port: portValue }
    }
  }
}

const parsePort = (raw: string, problems: Array<string>): number | undefined => {
  const value = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (value >= 0 && value <= 65535) return value
  problems.push(`Option --port ${JSON.stringify(raw)} is not a valid port: use a whole number from 0 to 65535 (0 picks a free port).`)
  return undefined
}

const parseHost = (raw: string, problems: Array<string>): string | undefined => {
  if (raw.trim() === "" || /[\s/]/.test(raw)) {
    problems.push(`Option --host ${JSON.stringify(raw)} is not a host: use a host name or IP address to bind, e.g. 127.0.0.1 or 0.0.0.0.`)
    return undefined
  }
  // Four dotted numbers are meant as an IPv4 address; a resolver would only report "not found".
  if (/^\d+(?:\.\d+){3}$/.test(raw) && !isIPv4(raw)) {
    problems.push(`Option --host ${JSON.stringify(raw)} is not a valid IPv4 address: each of the four numbers must be 0-255, e.g. 127.0.0.1 or 0.0.0.0.`)
    return undefined
  }
  return raw
}

const parseEnum = <const T extends string>(
  name: string,
  raw: string,
  choices: ReadonlyArray<T>,
  problems: Array<string>
): T | undefined => {
  const found = choices.find((choice) => choice === raw)
  if (found !== undefined) return found
  problems.push(`Option --${name} ${JSON.stringify(raw)} is not valid: use ${choices.join(" or ")}.`)
  return undefined
}

const suggest = (name: string, known: ReadonlyArray<string>): string => {
  const near = closest(name, known, 2)
  return near === undefined
    ? `its options are ${known.map((candidate) => `--${candidate}`).join(", ")} and --help.`
    : `did you mean --${near}?`
}
