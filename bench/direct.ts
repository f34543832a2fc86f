import { Agent, request } from "node:http"

/**
 * The baseline: the same Infrahub request the MCP server sends, made directly with a lean
 * keep-alive client (node:http, one socket), so the baseline is as close to the sandbox's own cost
 * as a client gets and the ratios show what the MCP path adds.
 */
export interface DirectClient {
  /** POSTs a GraphQL document to `/graphql[/<branch>]`; fails on HTTP or GraphQL errors. */
  readonly graphql: (query: string, branch?: string) => Promise<Record<string, unknown>>
  /** GETs a REST path (e.g. `/api/schema/summary`) and returns its JSON. */
  readonly get: (path: string) => Promise<unknown>
  readonly delete: (path: string) => Promise<unknown>
  readonly close: () => void
}

export const makeDirectClient = (baseUrl: string, token: string): DirectClient => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const base = new URL(baseUrl)

  const send = (method: "GET" | "POST" | "DELETE", path: string, body?: string) =>
    new Promise<unknown>((resolve, reject) => {
      const headers: Record<string, string> = { "x-infrahub-key": token, accept: "application/json" }
      if (body !== undefined) {
        headers["content-type"] = "application/json"
        headers["content-length"] = String(Buffer.byteLength(body))
      }
      const outgoing = request({ agent, host: base.hostname, port: base.port, method, path, headers }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("error", reject)
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          if (response.statusCode !== 200) {
            reject(new Error(`${method} ${path} answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`))
            return
          }
          try {
            resolve(JSON.parse(text))
          } catch (error) {
            reject(new Error(`${method} ${path} answered invalid JSON: ${String(error)}`))
          }
        })
      })
      outgoing.on("error", reject)
      outgoing.end(body)
    })

  return {
    graphql: async (query, branch) => {
      // Per path segment, as the server does: branch names contain `/`.
      const path = `/graphql${branch === undefined ? "" : `/${branch.split("/").map(encodeURIComponent).join("/")}`}`
      const answer = (await send("POST", path, JSON.stringify({ query }))) as { data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string }> }
      if (answer.errors !== undefined && answer.errors.length > 0) {
        throw new Error(`GraphQL errors from ${path}: ${answer.errors.map((error) => error.message).join(" | ")}`)
      }
      return answer.data ?? {}
    },
    get: (path) => send("GET", path),
    delete: (path) => send("DELETE", path),
    close: () => agent.destroy()
  }
}
