import * as Data from "effect/Data"

/** What to do about a listen failure, by Node's error code. */
const hints: Readonly<Record<string, (host: string, port: number) => string>> = {
  EADDRINUSE: (_host, port) =>
    `port ${port} is already in use. Choose another --port (0 picks a free one) or stop the process using it.`,
  EADDRNOTAVAIL: (host) =>
    `${host} is not an address of this machine. Use --host with one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
  ENOTFOUND: (host) =>
    `the host name ${host} does not resolve. Use --host with an address of this machine, e.g. 127.0.0.1 or 0.0.0.0.`,
  EAI_AGAIN: (host) =>
    `the host name ${host} could not be resolved right now. Retry, or use --host with an IP address, e.g. 127.0.0.1.`,
  EACCES: (_host, port) =>
    `permission denied for port ${port}. Ports below 1024 need privileges: choose a --port above 1023.`
}

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/**
 * A server (MCP or sandbox) could not listen on `host:port`. The same error, message and exit code
 * for every command, with a hint that matches the cause (port taken, address not ours, name unknown).
 */
export class ListenFailed extends Data.TaggedError("ListenFailed")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override get message(): string {
    const code = codeOf(this.cause)
    const hint = code === undefined ? undefined : hints[code]
    const where = `${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`
    return hint === undefined
      ? `Cannot listen on ${where}: ${String(this.cause)}. Check --host and --port.`
      : `Cannot listen on ${where} (${code}): ${hint(this.host, this.port)}`
  }
}
