/**
 * Finds the `INFRAHUB_MCP_*` names present in the current ConfigProvider, so a misspelt variable
 * (`INFRAHUB_MCP_READONLY`) is reported instead of silently doing nothing.
 */
import * as Config from "effect/Config"
import type * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { OWN_PREFIX } from "./variables.js"

export interface ScannedName {
  readonly name: string
  /**
   * False when the provider lists the name but cannot read it under that spelling. `fromEnv` upper-cases
   * names when it lists them but reads them case-sensitively, so this means the variable was set in
   * another letter case (`infrahub_mcp_read_only`), which is never read.
   */
  readonly readable: boolean
}

const couldLeadTo = (joined: string): boolean => OWN_PREFIX.startsWith(joined) || joined.startsWith(OWN_PREFIX)

/**
 * Walks the provider's key tree. Providers split names on their path delimiter (`_` for the
 * environment, `.` for `fromMap`), so names are rebuilt by joining segments with `_`; only branches
 * that can still lead to the prefix are visited.
 */
export const scanOwnVariables: Effect.Effect<ReadonlyArray<ScannedName>> = Effect.configProviderWith((provider) => {
  const children = (path: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<string>> =>
    provider.flattened.enumerateChildren(path).pipe(
      Effect.map((set) => [...set].sort()),
      Effect.orElseSucceed(() => [])
    )

  const visit = (path: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<ScannedName>> =>
    children(path).pipe(
      Effect.flatMap((names) =>
        Effect.forEach(names, (child) => {
          const next = [...path, child]
          const joined = next.join("_")
          if (!couldLeadTo(joined)) return Effect.succeed([])
          return Effect.all([describe(next, joined), visit(next)]).pipe(
            Effect.map(([self, below]) => [...self, ...below])
          )
        })
      ),
      Effect.map((groups) => groups.flat())
    )

  const describe = (path: ReadonlyArray<string>, joined: string): Effect.Effect<ReadonlyArray<ScannedName>> => {
    if (!(joined.length > OWN_PREFIX.length && joined.startsWith(OWN_PREFIX))) return Effect.succeed([])
    return Effect.all([isReadable(provider, joined), children(path)]).pipe(
      // An inner node (INFRAHUB_MCP_CACHE when INFRAHUB_MCP_CACHE_ENABLED exists) is a name only when readable.
      Effect.map(([readable, below]) => (readable || below.length === 0 ? [{ name: joined, readable }] : []))
    )
  }

  return visit([])
})

const isReadable = (provider: ConfigProvider.ConfigProvider, name: string): Effect.Effect<boolean> =>
  provider.load(Config.option(Config.string(name))).pipe(
    Effect.map(Option.isSome),
    Effect.orElseSucceed(() => false)
  )
