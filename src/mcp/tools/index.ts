import type { InfrahubCredentials } from "../../auth/InfrahubCredentials.js"
import type { Principal } from "../../auth/Principal.js"
import type { Branches } from "../../infrahub/Branches.js"
import type { InfrahubClient } from "../../infrahub/InfrahubClient.js"
import type { SchemaCatalog } from "../../infrahub/SchemaCatalog.js"
import type { SessionBranches } from "../../session/SessionBranches.js"
import type { AccessPolicy } from "../AccessPolicy.js"
import type { RequestContext } from "../../session/RequestContext.js"
import type { AnyToolSpec } from "../ToolSpec.js"
import { queryGraphQL } from "./graphql.js"
import { getNodes, searchNodes } from "./nodes.js"
import { getSchema } from "./schema.js"
import { getSessionInfo } from "./session.js"
import { mutateGraphQL } from "./mutateGraphQL.js"
import { nodeDelete, nodeUpsert } from "./nodeWrites.js"
import { proposeChanges } from "./proposeChanges.js"
import { resetSessionBranch } from "./resetSessionBranch.js"

/** What the tools need: app services (captured by the registry) and request services (per call). */
export type ToolServices =
  | InfrahubClient
  | SchemaCatalog
  | Branches
  | SessionBranches
  | AccessPolicy
  | InfrahubCredentials
  | Principal
  | RequestContext

/** Every tool, in the order `tools/list` shows them: reads first, then writes. */
export const allTools: ReadonlyArray<AnyToolSpec<ToolServices>> = [
  getSchema,
  getNodes,
  searchNodes,
  queryGraphQL,
  getSessionInfo,
  nodeUpsert,
  nodeDelete,
  mutateGraphQL,
  proposeChanges,
  resetSessionBranch
]
