import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { Principal, type PrincipalShape } from "../../src/auth/Principal.js"
import { AccessPolicy } from "../../src/mcp/AccessPolicy.js"

/**
 * One policy answers two questions: may this caller run this tool (`decide`, for tools/list and
 * tools/call), and may this caller write at all (`decideWrites`, for whatever else depends on it,
 * such as the prompts' write workflow). The answers must agree.
 */

const reader: PrincipalShape = { id: "oidc:reader", user: "reader", scopes: ["openid", "read"], mode: "oidc" }
const writer: PrincipalShape = { id: "oidc:writer", user: "writer", scopes: ["openid", "read", "write"], mode: "oidc" }

const open = AccessPolicy.make({ readOnly: false, writeScopes: Option.none() })
const readOnly = AccessPolicy.make({ readOnly: true, writeScopes: Option.none() })
const scoped = AccessPolicy.make({ readOnly: false, writeScopes: Option.some(["api://infrahub-mcp/write", "admin"]) })

const read = { name: "get_nodes", access: "read" } as const
const write = { name: "node_upsert", access: "write" } as const

describe("AccessPolicy", () => {
  it("lets anybody write outside read-only mode when no write scopes are required", () => {
    expect(open.decideWrites(Principal.anonymous)).toEqual(Option.none())
    expect(open.decide(write, reader)).toEqual(Option.none())
  })

  it("refuses writes to everybody in read-only mode, scopes or not, and says so", () => {
    for (const who of [Principal.anonymous, writer]) {
      expect(readOnly.decideWrites(who)).toEqual(Option.some({ reason: "read-only", missingScopes: [] }))
      const denied = Option.getOrThrow(readOnly.decide(write, who))
      expect(denied.message).toBe(
        "node_upsert is not available: this server runs in read-only mode (INFRAHUB_MCP_READ_ONLY), so no tool can change Infrahub."
      )
    }
  })

  it("refuses writes to a token without the write scopes, naming the missing ones (a URI scope is met by its short name)", () => {
    expect(scoped.decideWrites(reader)).toEqual(Option.some({ reason: "missing-scopes", missingScopes: ["api://infrahub-mcp/write", "admin"] }))
    expect(scoped.decideWrites(writer)).toEqual(Option.some({ reason: "missing-scopes", missingScopes: ["admin"] }))
    expect(scoped.decideWrites({ ...writer, scopes: ["write", "admin"] })).toEqual(Option.none())
    expect(Option.getOrThrow(scoped.decide(write, writer)).message).toBe(
      "node_upsert is not available to you: it needs the OAuth scope(s) admin, which your token does not have."
    )
  })

  it("never refuses a read tool, and refuses a write tool exactly when writes are refused", () => {
    for (const policy of [open, readOnly, scoped]) {
      for (const who of [Principal.anonymous, reader, writer]) {
        expect(policy.decide(read, who)).toEqual(Option.none())
        expect(Option.isSome(policy.decide(write, who))).toBe(Option.isSome(policy.decideWrites(who)))
      }
    }
  })
})
