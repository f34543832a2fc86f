import { createRequire } from "node:module"

// Same relative path from src/ (tsx) and dist/ (built): both sit one level under the package root.
const pkg = createRequire(import.meta.url)("../package.json") as { readonly name: string; readonly version: string }

export const SERVER_NAME = "infrahub-mcp"
export const VERSION: string = pkg.version
