import type { BranchSupport } from "../schema/types.js"
import { type BranchRecord, DEFAULT_BRANCH, GRAPH_VERSION } from "./branches.js"
import type { IdGenerator } from "./ids.js"
import type { EdgeRecord, NodeRecord } from "./records.js"
import { Table } from "./tables.js"
import { branchTimestamp } from "./time.js"

/** A read-only look at one branch: its own nodes and edges plus the branch-agnostic ones. */
export interface StoreView {
  readonly branch: BranchRecord
  readonly getNode: (id: string) => NodeRecord | undefined
  /** Nodes of the given concrete kinds, oldest first. */
  readonly nodesOfKinds: (kinds: ReadonlyArray<string>) => ReadonlyArray<NodeRecord>
  readonly edgesOf: (nodeId: string) => ReadonlyArray<EdgeRecord>
}

/** Changes staged on top of a view; nothing reaches the store until `commit`, so a failed write leaves no trace. */
export interface Transaction extends StoreView {
  readonly putNode: (node: NodeRecord) => void
  readonly removeNode: (id: string) => void
  readonly putEdge: (edge: EdgeRecord) => void
  readonly removeEdge: (id: string) => void
  readonly commit: () => void
}

export interface NewBranch {
  readonly name: string
  readonly id?: string | undefined
  readonly description?: string | undefined
  readonly sync_with_git?: boolean | undefined
  readonly branched_from?: string | undefined
}

export interface StoreOptions {
  /** How a kind is stored: agnostic kinds live once for every branch; local kinds never merge. */
  readonly branchSupportOf: (kind: string) => BranchSupport
  readonly now: () => Date
  readonly newId: IdGenerator
}

interface Indexes {
  readonly key: string
  readonly byKind: Map<string, Array<NodeRecord>>
  readonly byNode: Map<string, Array<EdgeRecord>>
}

interface BranchState {
  record: BranchRecord
  readonly nodes: Table<NodeRecord>
  readonly edges: Table<EdgeRecord>
  revision: number
  indexes: Indexes | undefined
}

const byId = (left: { readonly id: string }, right: { readonly id: string }): number =>
  left.id < right.id ? -1 : left.id > right.id ? 1 : 0

const pushTo = <V>(map: Map<string, Array<V>>, key: string, value: V): void => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/** Branches and their data, in memory. Synchronous and single-threaded by design. */
export class SandboxStore {
  private readonly states = new Map<string, BranchState>()
  private readonly globalNodes = Table.root<NodeRecord>()
  private readonly globalEdges = Table.root<EdgeRecord>()
  private globalRevision = 0

  constructor(private readonly options: StoreOptions) {
    const stamp = branchTimestamp(options.now())
    this.states.set(DEFAULT_BRANCH, {
      record: {
        id: options.newId(),
        name: DEFAULT_BRANCH,
        description: "Default Branch",
        origin_branch: DEFAULT_BRANCH,
        branched_from: stamp,
        created_at: stamp,
        sync_with_git: true,
        is_default: true,
        is_isolated: true,
        has_schema_changes: false,
        status: "OPEN",
        graph_version: GRAPH_VERSION
      },
      nodes: Table.root(),
      edges: Table.root(),
      revision: 0,
      indexes: undefined
    })
  }

  get defaultBranch(): BranchRecord {
    return this.mainState().record
  }

  branches(): ReadonlyArray<BranchRecord> {
    return [...this.states.values()].map((state) => state.record)
  }

  branch(name: string): BranchRecord | undefined {
    return this.states.get(name)?.record
  }

  createBranch(input: NewBranch): BranchRecord {
    const main = this.mainState()
    const now = this.options.now()
    const record: BranchRecord = {
      id: input.id ?? this.options.newId(),
      name: input.name,
      description: input.description ?? "",
      origin_branch: DEFAULT_BRANCH,
      branched_from: input.branched_from ?? branchTimestamp(now),
      created_at: branchTimestamp(now),
      sync_with_git: input.sync_with_git ?? true,
      is_default: false,
      is_isolated: true,
      has_schema_changes: false,
      status: "OPEN",
      graph_version: GRAPH_VERSION
    }
    this.states.set(record.name, {
      record,
      nodes: main.nodes.fork(),
      edges: main.edges.fork(),
      revision: 0,
      indexes: undefined
    })
    return record
  }

  updateBranch(name: string, patch: Partial<Pick<BranchRecord, "description" | "status">>): BranchRecord {
    const state = this.requireState(name)
    state.record = { ...state.record, ...patch }
    return state.record
  }

  deleteBranch(name: string): void {
    this.states.delete(name)
  }

  /** Re-bases the branch on the default branch's current data; its own changes stay on top. */
  rebaseBranch(name: string): BranchRecord {
    const state = this.requireState(name)
    const main = this.mainState()
    state.nodes.rebaseOnto(main.nodes)
    state.edges.rebaseOnto(main.edges)
    state.revision += 1
    state.indexes = undefined
    state.record = { ...state.record, branched_from: branchTimestamp(this.options.now()), status: "OPEN" }
    return state.record
  }

  /**
   * Applies the branch's changes to the default branch: creations, deletions, the attributes the
   * branch changed (three-way, so the default branch keeps its own later edits of other attributes)
   * and relationship changes. The branch stays, read-only, with status MERGED.
   */
  mergeBranch(name: string): BranchRecord {
    const source = this.requireState(name)
    const main = this.mainState()
    for (const [id, changed] of source.nodes.changes()) {
      const base = source.nodes.baseGet(id)
      const kind = changed?.kind ?? base?.kind
      if (kind !== undefined && this.options.branchSupportOf(kind) === "local") continue
      if (changed === null) {
        if (main.nodes.get(id) !== undefined) main.nodes.delete(id)
        continue
      }
      if (base === undefined) {
        main.nodes.set(id, changed)
        continue
      }
      const current = main.nodes.get(id)
      if (current === undefined) continue
      const attributes = { ...current.attributes }
      let touched = false
      for (const [attrName, attr] of Object.entries(changed.attributes)) {
        if (JSON.stringify(attr) !== JSON.stringify(base.attributes[attrName])) {
          attributes[attrName] = attr
          touched = true
        }
      }
      if (touched) main.nodes.set(id, { ...current, attributes, updated_at: changed.updated_at, updated_by: changed.updated_by })
    }
    const exists = (nodeId: string): boolean =>
      main.nodes.get(nodeId) !== undefined || this.globalNodes.get(nodeId) !== undefined
    for (const [id, changed] of source.edges.changes()) {
      if (changed === null) {
        if (main.edges.get(id) !== undefined) main.edges.delete(id)
      } else if (exists(changed.a) && exists(changed.b)) {
        main.edges.set(id, changed)
      }
    }
    for (const edge of main.edges.values()) {
      if (!exists(edge.a) || !exists(edge.b)) main.edges.delete(edge.id)
    }
    this.touch(main)
    source.record = { ...source.record, status: "MERGED" }
    return source.record
  }

  view(name: string): StoreView {
    const state = this.requireState(name)
    return {
      branch: state.record,
      getNode: (id) => this.globalNodes.get(id) ?? state.nodes.get(id),
      nodesOfKinds: (kinds) => {
        const index = this.indexes(state).byKind
        if (kinds.length === 1) return index.get(kinds[0] ?? "") ?? []
        return kinds.flatMap((kind) => index.get(kind) ?? []).sort(byId)
      },
      edgesOf: (nodeId) => this.indexes(state).byNode.get(nodeId) ?? []
    }
  }

  begin(name: string): Transaction {
    const state = this.requireState(name)
    const view = this.view(name)
    const nodes = new Map<string, NodeRecord | null>()
    const edges = new Map<string, EdgeRecord | null>()
    // Staged edges by the nodes they touch, so reads inside a large transaction stay cheap.
    const touching = new Map<string, Set<string>>()
    const stagedByKind = new Map<string, Set<string>>()
    let committed = false
    return {
      branch: view.branch,
      getNode: (id) => (nodes.has(id) ? (nodes.get(id) ?? undefined) : view.getNode(id)),
      nodesOfKinds: (kinds) => {
        const result = view.nodesOfKinds(kinds).filter((node) => !nodes.has(node.id))
        for (const kind of kinds) {
          for (const id of stagedByKind.get(kind) ?? []) {
            const node = nodes.get(id)
            if (node !== null && node !== undefined && node.kind === kind) result.push(node)
          }
        }
        return result.sort(byId)
      },
      edgesOf: (nodeId) => {
        const result = view.edgesOf(nodeId).filter((edge) => !edges.has(edge.id))
        for (const id of touching.get(nodeId) ?? []) {
          const edge = edges.get(id)
          if (edge !== null && edge !== undefined) result.push(edge)
        }
        return result
      },
      putNode: (node) => {
        nodes.set(node.id, node)
        const ids = stagedByKind.get(node.kind) ?? new Set<string>()
        ids.add(node.id)
        stagedByKind.set(node.kind, ids)
      },
      removeNode: (id) => void nodes.set(id, null),
      putEdge: (edge) => {
        edges.set(edge.id, edge)
        for (const end of [edge.a, edge.b]) {
          const ids = touching.get(end) ?? new Set<string>()
          ids.add(edge.id)
          touching.set(end, ids)
        }
      },
      removeEdge: (id) => void edges.set(id, null),
      commit: () => {
        if (committed) throw new Error("A transaction commits once")
        committed = true
        this.apply(state, nodes, edges)
      }
    }
  }

  private apply(
    state: BranchState,
    nodes: ReadonlyMap<string, NodeRecord | null>,
    edges: ReadonlyMap<string, EdgeRecord | null>
  ): void {
    let touchedGlobal = false
    let touchedBranch = false
    for (const [id, node] of nodes) {
      const kind = node?.kind ?? this.globalNodes.get(id)?.kind ?? state.nodes.get(id)?.kind
      if (kind === undefined) continue
      const global = this.options.branchSupportOf(kind) === "agnostic"
      const table = global ? this.globalNodes : state.nodes
      if (node === null) table.delete(id)
      else table.set(id, node)
      if (global) touchedGlobal = true
      else touchedBranch = true
    }
    for (const [id, edge] of edges) {
      const existing = this.globalEdges.get(id) ?? state.edges.get(id)
      const global = edge?.global ?? existing?.global
      if (global === undefined) continue
      const table = global ? this.globalEdges : state.edges
      if (edge === null) table.delete(id)
      else table.set(id, edge)
      if (global) touchedGlobal = true
      else touchedBranch = true
    }
    if (touchedGlobal) this.globalRevision += 1
    if (touchedBranch) this.touch(state)
  }

  private touch(state: BranchState): void {
    state.revision += 1
    state.indexes = undefined
  }

  private indexes(state: BranchState): Indexes {
    const key = `${state.revision}/${this.globalRevision}`
    if (state.indexes?.key === key) return state.indexes
    const byKind = new Map<string, Array<NodeRecord>>()
    for (const node of [...state.nodes.values(), ...this.globalNodes.values()]) pushTo(byKind, node.kind, node)
    for (const list of byKind.values()) list.sort(byId)
    const byNode = new Map<string, Array<EdgeRecord>>()
    for (const edge of [...state.edges.values(), ...this.globalEdges.values()]) {
      pushTo(byNode, edge.a, edge)
      if (edge.b !== edge.a) pushTo(byNode, edge.b, edge)
    }
    state.indexes = { key, byKind, byNode }
    return state.indexes
  }

  private mainState(): BranchState {
    return this.requireState(DEFAULT_BRANCH)
  }

  private requireState(name: string): BranchState {
    const state = this.states.get(name)
    if (state === undefined) throw new Error(`The sandbox store has no branch named ${name}`)
    return state
  }
}
