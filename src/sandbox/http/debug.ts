import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { CredentialTrace } from "./accounts.js"

/**
 * Test hooks (only reachable with `--debug-endpoints`, or in-process): a log of every request served,
 * so tests can count Infrahub round trips and see which credential each carried, and fault injection.
 */

export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly branch: string | null
  /** Top-level GraphQL fields of the executed operation; empty for REST calls. */
  readonly operations: ReadonlyArray<string>
  readonly status: number
  readonly credential: CredentialTrace
}

export const FaultSpec = Schema.Struct({
  path: Schema.String,
  latencyMs: Schema.optional(Schema.Number.pipe(Schema.nonNegative(), Schema.lessThanOrEqualTo(600_000))),
  status: Schema.optional(Schema.Int.pipe(Schema.between(100, 599))),
  drop: Schema.optional(Schema.Boolean),
  times: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type FaultSpec = typeof FaultSpec.Type

export interface Fault {
  readonly pattern: RegExp
  readonly latencyMs: number
  readonly status: number | undefined
  readonly drop: boolean
  remaining: number | undefined
}

const MAX_LOGGED = 100_000

export const makeDebugState = () => {
  const requests: Array<LoggedRequest> = []
  let faults: Array<Fault> = []

  return {
    record: (entry: LoggedRequest) => {
      // Bounded: a long-running sandbox with the log on must not grow without limit.
      if (requests.length >= MAX_LOGGED) requests.splice(0, requests.length - MAX_LOGGED + 1)
      requests.push(entry)
    },
    requests: (): ReadonlyArray<LoggedRequest> => [...requests],
    clearRequests: () => {
      requests.length = 0
    },
    addFault: (spec: FaultSpec): Either.Either<Fault, string> => {
      let pattern: RegExp
      try {
        pattern = new RegExp(spec.path)
      } catch (error) {
        return Either.left(`"path" is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (spec.latencyMs === undefined && spec.status === undefined && spec.drop !== true) {
        return Either.left('a fault needs "latencyMs", "status" or "drop": true')
      }
      const fault: Fault = {
        pattern,
        latencyMs: spec.latencyMs ?? 0,
        status: spec.status,
        drop: spec.drop === true,
        remaining: spec.times
      }
      faults.push(fault)
      return Either.right(fault)
    },
    clearFaults: () => {
      faults = []
    },
    /** The fault for this path, consuming one of its `times`. */
    takeFault: (path: string): Fault | undefined => {
      const fault = faults.find((candidate) => candidate.pattern.test(path))
      if (fault === undefined) return undefined
      if (fault.remaining !== undefined) {
        fault.remaining -= 1
        if (fault.remaining <= 0) faults = faults.filter((candidate) => candidate !== fault)
      }
      return fault
    }
  }
}

export type DebugState = ReturnType<typeof makeDebugState>
