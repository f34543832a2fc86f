import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** Shared helpers for the sandbox's HTTP tests: real `fetch` against a sandbox on 127.0.0.1. */

export const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/infrahub/${path}`, import.meta.url), "utf8"))

export const repoPath = (relative: string): string => fileURLToPath(new URL(`../../../${relative}`, import.meta.url))

/** The four schema-library files, in the order their README gives (ipam and dcim refer to each other). */
export const BASE_SCHEMAS = ["location", "organization", "dcim", "ipam"].map((name) => repoPath(`src/sandbox/data/schemas/base/${name}.yml`))
/** The base files refer to each other, so they load in one `infrahubctl schema load` call: their directory. */
export const BASE_SCHEMA_DIR = repoPath("src/sandbox/data/schemas/base")

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed JSON body, or undefined when the body is not JSON. */
  readonly body: unknown
}

export const request = async (url: string, init: RequestInit = {}): Promise<Answer> => {
  const response = await fetch(url, init)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, text, body }
}

export const get = (url: string, headers: Record<string, string> = {}) => request(url, { headers })

/** POSTs a GraphQL document the way the SDK does (`content-type: application/json`). */
export const postGraphql = (
  url: string,
  query: string,
  headers: Record<string, string> = {},
  variables?: Record<string, unknown>
) =>
  request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) })
  })

export const apiKey = (token: string) => ({ "x-infrahub-key": token })
export const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` })

/** The structure of a JSON value: the same keys everywhere, and the type of every leaf. */
export const shapeOf = (value: unknown): unknown => {
  if (value === null) return "null"
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])]
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, shapeOf(item)]))
  }
  return typeof value
}

/** The keys of an object, sorted: for comparing key sets with recorded responses. */
export const keySet = (value: unknown): ReadonlyArray<string> =>
  typeof value === "object" && value !== null ? Object.keys(value).sort() : []

/** `data` of a GraphQL answer that must have succeeded. */
export const dataOf = (answer: Answer): Record<string, unknown> => {
  const body = answer.body as { data?: Record<string, unknown> | null; errors?: unknown }
  if (answer.status !== 200 || body.errors !== undefined || body.data === undefined || body.data === null) {
    throw new Error(`GraphQL call failed: HTTP ${answer.status} ${answer.text}`)
  }
  return body.data
}
