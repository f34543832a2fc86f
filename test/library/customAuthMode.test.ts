import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { apiToken, AuthMode, AuthRejected, type CustomAuthModeOptions, InvalidAuthModeName } from "../../src/index.js"

const credential = apiToken("service-token")
const refusal = new AuthRejected({ status: 403, error: "forbidden", description: "Not in the infra team: ask for access.", challenge: `Bearer realm="acme"` })

const options = (name: string): CustomAuthModeOptions => ({
  name,
  sharedCredential: credential,
  authenticate: (request) => {
    const user = request.headers.get("x-acme-user")
    return user === null ? Effect.fail(refusal) : Effect.succeed({ credential, principal: { id: `acme:${user}`, user, scopes: ["read"] } })
  }
})

const modeOf = (name: string) => Effect.provide(AuthMode, AuthMode.custom(options(name)))

describe("AuthMode.custom", () => {
  it.effect("reports its own name, and stamps it on every principal it identifies", () =>
    Effect.gen(function* () {
      const mode = yield* modeOf("acme-sso")
      expect(mode.mode).toBe("acme-sso")
      const auth = yield* mode.authenticate(new Request("http://127.0.0.1/mcp", { headers: { "x-acme-user": "alice" } }))
      expect(auth).toEqual({ credential, principal: { id: "acme:alice", user: "alice", scopes: ["read"], mode: "acme-sso" } })
    }))

  it.effect("passes the host's refusal on as it is", () =>
    Effect.gen(function* () {
      const mode = yield* modeOf("acme-sso")
      const exit = yield* Effect.exit(mode.authenticate(new Request("http://127.0.0.1/mcp")))
      expect(exit).toEqual(Exit.fail(refusal))
    }))

  it.effect("has the shared credential /health proves, when given one, and no identity over stdio", () =>
    Effect.gen(function* () {
      const mode = yield* modeOf("acme.sso_2")
      expect(mode.sharedCredential).toEqual(Option.some(credential))
      expect(mode.processAuth).toEqual(Option.none())
      const { sharedCredential: _, ...withoutShared } = options("acme-gateway")
      const gateway = yield* Effect.provide(AuthMode, AuthMode.custom(withoutShared))
      expect(gateway.sharedCredential).toEqual(Option.none())
    }))

  it.effect("refuses names it could not report faithfully: a built-in mode's, or not a plain lower-case word", () =>
    Effect.gen(function* () {
      for (const name of ["none", "oidc", "token-passthrough", "basic-passthrough", "", "Acme", "acme sso", "-acme", "acme/sso", "a".repeat(65)]) {
        const exit = yield* Effect.exit(modeOf(name))
        expect(exit, name).toEqual(Exit.fail(new InvalidAuthModeName({ name })))
      }
      const error = new InvalidAuthModeName({ name: "oidc" })
      expect(error.message).toBe(
        "'oidc' cannot name a custom auth mode: use lower-case letters, digits, '.', '_' and '-' (starting with a letter, at most 64 characters), and none of the built-in names (none, oidc, token-passthrough, basic-passthrough)."
      )
      expect((yield* modeOf("a".repeat(64))).mode).toBe("a".repeat(64))
    }))
})
