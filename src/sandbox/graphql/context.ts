import type { SchemaRegistry } from "../schema/types.js"
import type { IdGenerator } from "../store/ids.js"
import type { SandboxStore, StoreView } from "../store/store.js"
import type { ListCache } from "./list-cache.js"

/** Who is calling: a sandbox account (`ensureAccount`), or null for an anonymous request. */
export interface Actor {
  readonly accountId: string
  readonly name: string
}

/** What one engine holds across requests. */
export interface EngineState {
  readonly registry: SchemaRegistry
  readonly store: SandboxStore
  readonly now: () => Date
  readonly newId: IdGenerator
  readonly version: string
  readonly deploymentId: string
  /** Sandbox roles of the accounts `ensureAccount` created ("read-only" refuses mutations). */
  readonly roles: Map<string, string>
  /** Matches of recent list queries, reused by the following pages. */
  readonly lists: ListCache
}

/** The graphql-js context of one request. */
export interface RequestContext {
  readonly state: EngineState
  readonly branchName: string
  readonly actor: Actor | null
  /** A current view of the request's branch (mutations earlier in the document are visible). */
  readonly view: () => StoreView
}
