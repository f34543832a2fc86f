/**
 * Pure parsers for single environment values. Each returns the parsed value or one `ConfigProblem`
 * whose message names the variable, says what is wrong and how to fix it. Values of secret variables
 * never reach these messages: secrets are only checked for presence and length.
 */
import * as Either from "effect/Either"

export interface ConfigProblem {
  readonly variable: string
  /** One line: what is wrong and what to do about it. */
  readonly message: string
}

export type Parsed<A> = Either.Either<A, ConfigProblem>

export const problem = (variable: string, message: string): ConfigProblem => ({ variable, message })

const MAX_SHOWN = 80

/** `NAME=value` as the user would write it, quoted when the value has spaces or odd characters. */
export const assignment = (variable: string, raw: string): string => {
  const shown = raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw
  return /^[\w.:/@+{}%-]+$/.test(shown) ? `${variable}=${shown}` : `${variable}=${JSON.stringify(shown)}`
}

const invalid = <A>(variable: string, raw: string, message: string): Parsed<A> =>
  Either.left(problem(variable, `${assignment(variable, raw)} ${message}`))

// pydantic's spellings: the Python server accepts all of them, so a drop-in replacement must too.
const TRUE = new Set(["true", "1", "yes", "on", "t", "y"])
const FALSE = new Set(["false", "0", "no", "off", "f", "n"])

export const parseBoolean = (variable: string, raw: string): Parsed<boolean> => {
  const value = raw.trim().toLowerCase()
  if (TRUE.has(value)) return Either.right(true)
  if (FALSE.has(value)) return Either.right(false)
  return invalid(variable, raw, "is not a boolean: use true or false (1/0 and yes/no work too).")
}

export interface Bounds {
  readonly min: number
  readonly max?: number
}

const describeWhole = ({ min, max }: Bounds): string =>
  max === undefined ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`

/** Integers as Python's `int()` reads them from the environment (optional sign, decimal digits). */
export const parseInteger = (variable: string, raw: string, bounds: Bounds, unit = ""): Parsed<number> => {
  const text = raw.trim()
  const wanted = `${describeWhole(bounds)}${unit === "" ? "" : ` (${unit})`}`
  if (!/^[+-]?\d+$/.test(text)) return invalid(variable, raw, `is not a whole number: use ${wanted}.`)
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < bounds.min || (bounds.max !== undefined && value > bounds.max)) {
    return invalid(variable, raw, `is out of range: use ${wanted}.`)
  }
  return Either.right(value)
}

export interface NumberBounds {
  /** Smallest allowed value; `exclusive` makes it a strict lower bound. */
  readonly min: number
  readonly exclusive?: boolean
  readonly max?: number
}

const describeNumber = ({ min, exclusive, max }: NumberBounds): string => {
  if (exclusive === true) return max === undefined ? `a number greater than ${min}` : `a number greater than ${min} and at most ${max}`
  return max === undefined ? `a number of at least ${min}` : `a number from ${min} to ${max}`
}

/** Finite decimal numbers (`1`, `0.5`, `.5`, `1e3`); `nan`, `inf` and hex are refused, as pydantic does. */
export const parseNumber = (variable: string, raw: string, bounds: NumberBounds, unit = ""): Parsed<number> => {
  const text = raw.trim()
  const wanted = `${describeNumber(bounds)}${unit === "" ? "" : ` (${unit})`}`
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return invalid(variable, raw, `is not a number: use ${wanted}.`)
  const value = Number(text)
  const tooLow = bounds.exclusive === true ? value <= bounds.min : value < bounds.min
  if (!Number.isFinite(value) || tooLow || (bounds.max !== undefined && value > bounds.max)) {
    return invalid(variable, raw, `is out of range: use ${wanted}.`)
  }
  return Either.right(value)
}

/** One of a fixed set of words, compared case-insensitively after trimming; returns the canonical spelling. */
export const parseChoice = <const T extends string>(variable: string, raw: string, choices: ReadonlyArray<T>): Parsed<T> => {
  const value = raw.trim().toLowerCase()
  const found = choices.find((choice) => choice.toLowerCase() === value)
  if (found !== undefined) return Either.right(found)
  return invalid(variable, raw, `is not one of the accepted values: use ${orList(choices)}.`)
}

const orList = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"])

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname.toLowerCase())

export interface UrlRules {
  /** Refuse plain http unless the host is loopback (public endpoints of an OAuth server). */
  readonly httpsUnlessLoopback?: boolean
  /** What the URL is for, used in the fix ("the URL of your Infrahub instance"). */
  readonly example: string
}

/**
 * An absolute http(s) URL without credentials, query or fragment, returned without its trailing
 * slash, so callers can append paths (`${address}/graphql`).
 */
export const parseHttpUrl = (variable: string, raw: string, rules: UrlRules): Parsed<string> => {
  const text = raw.trim()
  let url: URL
  // URL's constructor is the WHATWG parser; it throws on malformed input and has no result-returning form in Node 20.
  try {
    url = new URL(text)
  } catch {
    return invalid(variable, raw, `is not a valid URL: set it to ${rules.example}.`)
  }
  // Credentials in the URL would be printed in logs and messages, and fetch() refuses them anyway.
  if (url.username !== "" || url.password !== "") {
    return Either.left(problem(
      variable,
      `${variable} contains a user name or password: remove them from the URL (${rules.example}).`
    ))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return invalid(variable, raw, `is not an http or https URL: set it to ${rules.example}.`)
  }
  if (url.search !== "" || url.hash !== "" || text.includes("?") || text.includes("#")) {
    return invalid(variable, raw, `has a query or fragment: remove everything from '?' or '#' on (${rules.example}).`)
  }
  if (rules.httpsUnlessLoopback === true && url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return invalid(
      variable,
      raw,
      "uses plain http on a non-loopback host: use https (plain http is only accepted for localhost, 127.0.0.1 and [::1])."
    )
  }
  return Either.right(url.href.replace(/\/+$/, ""))
}

/** Comma-separated values, trimmed, empty entries dropped. */
export const parseList = (raw: string): ReadonlyArray<string> =>
  raw.split(",").map((item) => item.trim()).filter((item) => item !== "")

// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export const parseHeaderName = (variable: string, raw: string): Parsed<string> => {
  const text = raw.trim()
  if (HEADER_NAME.test(text)) return Either.right(text)
  return invalid(
    variable,
    raw,
    "is not a valid HTTP header name: use letters, digits and '-' only, e.g. Authorization or X-Infrahub-Key."
  )
}

/**
 * Browser origins (`scheme://host[:port]`), normalised as browsers send them in `Origin`. A wildcard
 * is refused: the Origin check exists to stop DNS-rebinding, and `*` would switch it off.
 */
export const parseOrigins = (variable: string, raw: string): Parsed<ReadonlyArray<string>> => {
  const origins: Array<string> = []
  for (const item of parseList(raw)) {
    let url: URL | undefined
    try {
      url = new URL(item)
    } catch {
      url = undefined
    }
    const valid = url !== undefined && (url.protocol === "http:" || url.protocol === "https:") &&
      url.username === "" && url.password === "" && url.search === "" && url.hash === "" &&
      url.pathname === "/"
    if (url === undefined || !valid) {
      return Either.left(problem(
        variable,
        `${assignment(variable, raw)} contains ${JSON.stringify(item)}, which is not an origin: list origins as scheme://host[:port] separated by commas, e.g. https://app.example.com,http://localhost:6274 (no paths, no wildcard).`
      ))
    }
    if (!origins.includes(url.origin)) origins.push(url.origin)
  }
  return Either.right(origins)
}

/** The candidate nearest to `word` by edit distance, if within `maxDistance` (for "did you mean" hints). */
export const closest = (word: string, candidates: ReadonlyArray<string>, maxDistance: number): string | undefined => {
  let best: { readonly candidate: string; readonly distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (best === undefined || distance < best.distance) best = { candidate, distance }
  }
  return best !== undefined && best.distance <= maxDistance ? best.candidate : undefined
}

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** A `Host` value or host name without its port, lower case, no trailing dot; IPv6 keeps its brackets. */
export const hostnameOf = (host: string): string => {
  const lower = host.trim().toLowerCase()
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1)
  // A bare IPv6 address (as given to --host) has several colons and no port.
  if (lower.split(":").length > 2) return `[${lower}]`
  return lower.replace(/:\d*$/, "").replace(/\.$/, "")
}
