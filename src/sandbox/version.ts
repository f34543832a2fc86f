/**
 * The Infrahub release the sandbox emulates, reported alike by the start banner, `GET /api/info` and
 * GraphQL `InfrahubInfo`. Its built-in kinds and API follow this release (see `data/builtin-provenance.json`).
 */
export const SANDBOX_INFRAHUB_VERSION = "1.10.0"
