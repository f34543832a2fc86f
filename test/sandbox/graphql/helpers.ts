import { readFileSync } from "node:fs"
import { expect } from "vitest"
import { type Actor, type EngineOptions, makeEngine, type SandboxEngine } from "../../../src/sandbox/graphql/engine.js"
import {
  type AttributeSchema,
  type NodeSchema,
  registryFromDump,
  type SchemaDump,
  type SchemaRegistry
} from "../../../src/sandbox/schema/types.js"

/** Shared test setup: the recorded schema dump, a deterministic clock, and a GraphQL call helper. */

export const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/infrahub/${path}`, import.meta.url), "utf8"))

export const schemaDump = (): SchemaDump => fixture("schema_05.json") as SchemaDump

const textAttribute = (dump: SchemaDump): AttributeSchema => {
  const tag = dump.nodes.find((node) => node.kind === "BuiltinTag")
  const name = tag?.attributes.find((attribute) => attribute.name === "name")
  if (name === undefined) throw new Error("schema_05.json no longer has BuiltinTag.name")
  return name
}

/**
 * The recorded dump plus `TestPerson`, the kind Infrahub's own error-catalogue fixtures use
 * (`Node of kind TestPerson already has name 'John'`…), so their texts can be replayed exactly.
 */
export const testRegistry = (): SchemaRegistry => {
  const dump = schemaDump()
  const tag = dump.nodes.find((node) => node.kind === "BuiltinTag")
  if (tag === undefined) throw new Error("schema_05.json no longer has BuiltinTag")
  const base = textAttribute(dump)
  const attribute = (patch: Partial<AttributeSchema>): AttributeSchema => ({ ...base, id: null, unique: false, optional: true, ...patch })
  const person: NodeSchema = {
    ...tag,
    id: null,
    name: "Person",
    namespace: "Test",
    kind: "TestPerson",
    label: "Person",
    description: "A person",
    default_filter: null,
    human_friendly_id: ["name__value"],
    display_labels: ["name__value"],
    order_by: ["name__value"],
    uniqueness_constraints: [["name__value"]],
    attributes: [
      attribute({ name: "name", regex: "^[A-Z]", unique: true, optional: false }),
      attribute({ name: "height", kind: "Number" }),
      attribute({ name: "address", kind: "IPHost" }),
      attribute({ name: "nickname", min_length: 3, max_length: 8 })
    ],
    hash: "testperson"
  }
  return registryFromDump({ ...dump, nodes: [...dump.nodes, person] })
}

/** A clock that advances one millisecond per reading, so "created first" is well defined. */
export const steppingClock = (start = Date.parse("2025-01-02T16:06:15.565Z")): (() => Date) => {
  let tick = 0
  return () => new Date(start + tick++)
}

export interface TestServer {
  readonly engine: SandboxEngine
  readonly admin: Actor
  /** Runs a document as the admin account; returns the HTTP status and parsed body. */
  readonly gql: (query: string, options?: { variables?: Record<string, unknown>; branch?: string; actor?: Actor | null; operationName?: string }) => {
    readonly status: number
    readonly body: GraphQLBody
    readonly operations: ReadonlyArray<string>
  }
  /** Runs a document that must succeed and returns its `data`. */
  readonly ok: (query: string, options?: { variables?: Record<string, unknown>; branch?: string }) => Record<string, unknown>
}

export interface GraphQLBody {
  readonly data?: Record<string, unknown> | null
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<string | number>; readonly extensions?: Record<string, unknown> }>
}

export const makeServer = (options: EngineOptions & { registry?: SchemaRegistry } = {}): TestServer => {
  const engine = makeEngine(options.registry ?? testRegistry(), { now: steppingClock(), ...options })
  const admin: Actor = { accountId: engine.ensureAccount("admin"), name: "admin" }
  const gql: TestServer["gql"] = (query, callOptions = {}) => {
    const response = engine.execute({
      body: {
        query,
        ...(callOptions.variables !== undefined ? { variables: callOptions.variables } : {}),
        ...(callOptions.operationName !== undefined ? { operationName: callOptions.operationName } : {})
      },
      branch: callOptions.branch,
      actor: callOptions.actor === undefined ? admin : callOptions.actor,
      allowAnonymous: true
    })
    // Round-trip through JSON: the HTTP layer serializes exactly this body.
    return { status: response.status, body: JSON.parse(JSON.stringify(response.body)) as GraphQLBody, operations: response.operations }
  }
  const ok: TestServer["ok"] = (query, callOptions) => {
    const { status, body } = gql(query, callOptions)
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined()
    expect(status).toBe(200)
    return body.data ?? {}
  }
  return { engine, admin, gql, ok }
}

/** The single error of a failed call, for exact comparisons. */
export const onlyError = (body: GraphQLBody) => {
  expect(body.errors).toHaveLength(1)
  const error = body.errors?.[0]
  if (error === undefined) throw new Error("no error")
  return error
}

/** The structure of a JSON value: the same keys everywhere, and the type of every leaf. */
export const shapeOf = (value: unknown): unknown => {
  if (value === null) return "null"
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])]
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, shapeOf(item)]))
  }
  return typeof value
}
