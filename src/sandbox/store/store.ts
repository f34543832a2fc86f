import type { BranchSupport } from "../schema/types.js"
import { type BranchRecord, DEFAULT_BRANCH, GRAPH_VERSION } from "./branches.js"
import type { IdGenerator } from "./ids.js"
import type { EdgeRecord, NodeRecord } from "./records.js"
import { mergeById, SpaceIndex, valueKey, type WorkCounter } from "./indexes.js"
import { Table } from "./tables.js"
import { branchTimestamp } from "./time.js"

/** A read-only look at one branch: its own nodes and edges plus the branch-agnostic ones. */
export interface StoreView {
  readonly branch: BranchRecord
  /** Changes whenever the branch's data (or the branch-agnostic data) changes: a cache key for derived answers. */
  readonly revision: string
  readonly getNode: (id: string) => NodeRecord | undefined
  /** Nodes of the given concrete kinds, oldest first. Do not modify the array. */
  readonly nodesOfKinds: (kinds: ReadonlyArray<string>) => ReadonlyArray<NodeRecord>
  /** Nodes of the given concrete kinds whose attribute holds exactly `value` (null matches unset), oldest first. */
  readonly nodesWithValue: (kinds: ReadonlyArray<string>, attribute: string, value: unknown) => ReadonlyArray<NodeRecord>
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

interface BranchState {
  record: BranchRecord
  readonly nodes: Table<NodeRecord>
  readonly edges: Table<EdgeRecord>
  revision: number
  /** Built on first read, then kept current by every write; dropped only by merges and rebases. */
  index: SpaceIndex | undefined
}

const byId = (left: { readonly id: string }, right: { readonly id: string }): number =>
  left.id < right.id ? -1 : left.id > right.id ? 1 : 0

/** Branches and their data, in memory. Synchronous and single-threaded by design. */
export class SandboxStore {
  private readonly states = new Map<string, BranchState>()
  private readonly globalNodes = Table.root<NodeRecord>()
  private readonly globalEdges = Table.root<EdgeRecord>()
  private globalRevision = 0
  /** Records walked through so far (see `WorkCounter`). */
  readonly work: WorkCounter = { visited: 0 }
  private readonly globalIndex = new SpaceIndex(this.work)

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
      index: undefined
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
      index: undefined
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
    state.index = undefined
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
    main.revision += 1
    main.index = undefined
    source.record = { ...source.record, status: "MERGED" }
    return source.record
  }

  view(name: string): StoreView {
    const state = this.requireState(name)
    const lists = (kinds: ReadonlyArray<string>, read: (index: SpaceIndex, kind: string) => ReadonlyArray<NodeRecord>) => {
      const index = this.indexOf(state)
      return mergeById(kinds.flatMap((kind) => [read(index, kind), read(this.globalIndex, kind)]))
    }
    const hand = (nodes: ReadonlyArray<NodeRecord>): ReadonlyArray<NodeRecord> => {
      this.work.visited += nodes.length
      return nodes
    }
    return {
      branch: state.record,
      revision: `${state.revision}/${this.globalRevision}`,
      getNode: (id) => this.globalNodes.get(id) ?? state.nodes.get(id),
      nodesOfKinds: (kinds) => hand(lists(kinds, (index, kind) => index.nodesOfKind(kind))),
      nodesWithValue: (kinds, attribute, value) =>
        hand(
          lists(kinds, (index, kind) =>
            [...(index.idsWithValue(kind, attribute, value) ?? [])].flatMap((id) => {
              const node = this.globalNodes.get(id) ?? state.nodes.get(id)
              return node === undefined ? [] : [node]
            }).sort(byId)
          )
        ),
      edgesOf: (nodeId) => [...this.indexOf(state).edgesOf(nodeId), ...this.globalIndex.edgesOf(nodeId)]
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
    // Staged nodes by kind and attribute value, built on first lookup and then kept current, so a
    // large transaction (an object file) stays linear however it interleaves lookups and writes.
    const stagedValueIndex = new Map<string, Map<string, Set<string>>>()
    const stagedIdsWithValue = (kind: string, attribute: string, value: unknown): ReadonlySet<string> => {
      const key = `${kind}|${attribute}`
      let byValue = stagedValueIndex.get(key)
      if (byValue === undefined) {
        byValue = new Map()
        for (const node of staged([kind], () => true)) addId(byValue, valueKey(node.attributes[attribute]?.value), node.id)
        stagedValueIndex.set(key, byValue)
      }
      return byValue.get(valueKey(value)) ?? new Set()
    }
    const unindexStaged = (node: NodeRecord | null | undefined): void => {
      if (node === null || node === undefined) return
      for (const [key, byValue] of stagedValueIndex) {
        const [kind = "", attribute = ""] = key.split("|")
        if (kind === node.kind) byValue.get(valueKey(node.attributes[attribute]?.value))?.delete(node.id)
      }
    }
    const indexStaged = (node: NodeRecord): void => {
      for (const [key, byValue] of stagedValueIndex) {
        const [kind = "", attribute = ""] = key.split("|")
        if (kind === node.kind) addId(byValue, valueKey(node.attributes[attribute]?.value), node.id)
      }
    }
    let committed = false
    const staged = (kinds: ReadonlyArray<string>, keep: (node: NodeRecord) => boolean): Array<NodeRecord> => {
      const result: Array<NodeRecord> = []
      for (const kind of kinds) {
        for (const id of stagedByKind.get(kind) ?? []) {
          const node = nodes.get(id)
          if (node !== null && node !== undefined && node.kind === kind && keep(node)) result.push(node)
        }
      }
      return result
    }
    return {
      branch: view.branch,
      revision: `${view.revision}+staged`,
      getNode: (id) => (nodes.has(id) ? (nodes.get(id) ?? undefined) : view.getNode(id)),
      nodesOfKinds: (kinds) => {
        const committed = view.nodesOfKinds(kinds)
        if (nodes.size === 0) return committed
        return [...committed.filter((node) => !nodes.has(node.id)), ...staged(kinds, () => true)].sort(byId)
      },
      nodesWithValue: (kinds, attribute, value) => {
        const committed = view.nodesWithValue(kinds, attribute, value)
        if (nodes.size === 0) return committed
        const own = kinds.flatMap((kind) =>
          [...stagedIdsWithValue(kind, attribute, value)].flatMap((id) => {
            const node = nodes.get(id)
            return node === null || node === undefined ? [] : [node]
          })
        )
        return [...committed.filter((node) => !nodes.has(node.id)), ...own].sort(byId)
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
        unindexStaged(nodes.get(node.id))
        nodes.set(node.id, node)
        indexStaged(node)
        const ids = stagedByKind.get(node.kind) ?? new Set<string>()
        ids.add(node.id)
        stagedByKind.set(node.kind, ids)
      },
      removeNode: (id) => {
        unindexStaged(nodes.get(id))
        nodes.set(id, null)
      },
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
      const previous = this.globalNodes.get(id) ?? state.nodes.get(id)
      const kind = node?.kind ?? previous?.kind
      if (kind === undefined) continue
      const global = this.options.branchSupportOf(kind) === "agnostic"
      const table = global ? this.globalNodes : state.nodes
      const index = global ? this.globalIndex : state.index
      if (node === null) {
        table.delete(id)
        if (previous !== undefined) index?.removeNode(previous)
      } else {
        table.set(id, node)
        index?.putNode(previous, node)
      }
      if (global) touchedGlobal = true
      else touchedBranch = true
    }
    for (const [id, edge] of edges) {
      const existing = this.globalEdges.get(id) ?? state.edges.get(id)
      const global = edge?.global ?? existing?.global
      if (global === undefined) continue
      const table = global ? this.globalEdges : state.edges
      const index = global ? this.globalIndex : state.index
      if (existing !== undefined) index?.removeEdge(existing)
      if (edge === null) table.delete(id)
      else {
        table.set(id, edge)
        index?.putEdge(edge)
      }
      if (global) touchedGlobal = true
      else touchedBranch = true
    }
    if (touchedGlobal) this.globalRevision += 1
    if (touchedBranch) state.revision += 1
  }

  /** The branch's own index, built from its tables on first use (a new branch, or after a merge or rebase). */
  private indexOf(state: BranchState): SpaceIndex {
    state.index ??= SpaceIndex.build(state.nodes.values(), state.edges.values(), this.work)
    return state.index
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

const addId = (map: Map<string, Set<string>>, key: string, id: string): void => {
  const ids = map.get(key)
  if (ids === undefined) map.set(key, new Set([id]))
  else ids.add(id)
}
