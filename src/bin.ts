#!/usr/bin/env node
/**
 * The `infrahub-mcp` command. It only turns on Node's module compile cache (Node ≥ 22.1), then loads
 * the CLI: the cache covers modules compiled *after* it is enabled, so it must be switched on before
 * the (bundled) CLI is read, which is why this launcher is a file of its own.
 *
 * Without a directory Node uses NODE_COMPILE_CACHE if set, else `<os temp dir>/node-compile-cache`,
 * so a read-only install still caches; the call never throws (a cache it cannot write is skipped),
 * and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import * as nodeModule from "node:module"

// Typed by hand: @types/node follows the oldest supported Node (20), which has no such function.
const { enableCompileCache } = nodeModule as { readonly enableCompileCache?: () => unknown }
enableCompileCache?.()

await import("./main.js")
