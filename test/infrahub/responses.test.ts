import { readdirSync, readFileSync } from "node:fs"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { isTransient } from "../../src/infrahub/errors.js"
import { decodeAnswer, errorsOf, failureOf, GraphQLAnswer, isExpiredToken, LoginAnswer } from "../../src/infrahub/responses.js"

// Infrahub's recorded answers (test/fixtures/infrahub, copied from opsmill's repositories), read
// the way the client reads them.

const fixture = (path: string) => readFileSync(new URL(`../fixtures/infrahub/${path}`, import.meta.url), "utf8")

const answer = (body: string, status: number) =>
  HttpClientResponse.fromWeb(HttpClientRequest.post("/graphql"), new Response(body, { status, headers: { "content-type": "application/json" } }))

describe("Infrahub's error bodies", () => {
  it.effect("every catalogue code decodes, with its code and message", () =>
    Effect.gen(function* () {
      const dir = new URL("../fixtures/infrahub/error_catalogue/codes/", import.meta.url)
      const files = readdirSync(dir)
      expect(files.length).toBe(16)
      for (const file of files) {
        const raw = JSON.parse(fixture(`error_catalogue/codes/${file}`)) as { errors: ReadonlyArray<{ message: string; extensions: { code: string } }> }
        const decoded = yield* decodeAnswer("/graphql", GraphQLAnswer)(answer(fixture(`error_catalogue/codes/${file}`), 200))
        expect(decoded.errors?.map((e) => ({ message: e.message, code: e.code })), file).toEqual(
          raw.errors.map((e) => ({ message: e.message, code: e.extensions.code }))
        )
      }
    })
  )

  it.effect("legacy GraphQL errors without extensions keep their path", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeAnswer("/graphql", GraphQLAnswer)(answer(fixture("error_catalogue/graphql_no_extensions.json"), 200))
      expect(decoded.errors).toEqual([{ message: "Something went wrong", path: ["TestPersonCreate"] }])
      expect(decoded.data).toBeNull()
    })
  )

  it.effect("an expired token is recognised in the legacy and the catalogue form, and nothing else is", () =>
    Effect.gen(function* () {
      expect(isExpiredToken(yield* errorsOf(answer(fixture("error_catalogue/auth_token_expired.json"), 401)))).toBe(true)
      expect(isExpiredToken(yield* errorsOf(answer(fixture("error_catalogue/codes/token_expired.json"), 401)))).toBe(true)
      const legacy = JSON.stringify({ data: null, errors: [{ message: "Expired Signature", extensions: { code: 401 } }] })
      expect(isExpiredToken(yield* errorsOf(answer(legacy, 401)))).toBe(true)
      expect(isExpiredToken(yield* errorsOf(answer(fixture("error_catalogue/rest_legacy_401.json"), 401)))).toBe(false)
      expect(isExpiredToken(yield* errorsOf(answer(fixture("error_catalogue/codes/authentication_required.json"), 401)))).toBe(false)
    })
  )
})

describe("refusals as typed errors", () => {
  it.effect("a REST 401 is InfrahubUnauthorized with Infrahub's message", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(failureOf(answer(fixture("error_catalogue/rest_legacy_401.json"), 401)))
      expect(error._tag).toBe("InfrahubUnauthorized")
      expect(error.message).toBe("Infrahub rejected the credentials (401 Unauthorized): Authentication is required.")
      expect(isTransient(error)).toBe(false)
    })
  )

  it.effect("a 403 says the permission is missing, not the credential", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(failureOf(answer(fixture("error_catalogue/codes/permission_denied.json"), 403)))
      expect(error.message).toBe("Infrahub refused the request (403 Forbidden): The requested operation was not authorized.")
    })
  )

  it.effect("an unknown branch is BranchNotFound, in the catalogue, REST and transport forms", () =>
    Effect.gen(function* () {
      const catalogue = yield* Effect.flip(failureOf(answer(fixture("error_catalogue/codes/branch_not_found.json"), 400)))
      expect(catalogue).toMatchObject({ _tag: "BranchNotFound", branch: "does-not-exist" })
      const rest = JSON.stringify({ data: null, errors: [{ message: "Branch: mcp/x not found.", extensions: { code: 400 } }] })
      expect(yield* Effect.flip(failureOf(answer(rest, 400)))).toMatchObject({ _tag: "BranchNotFound", branch: "mcp/x" })
      const transport = JSON.stringify({ errors: ["Branch: mcp/x not found."] })
      expect(yield* Effect.flip(failureOf(answer(transport, 404)))).toMatchObject({ _tag: "BranchNotFound", branch: "mcp/x" })
    })
  )

  it.effect("a 5xx from something else than Infrahub keeps the start of its body, and is transient", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(failureOf(answer(`<html>${"x".repeat(300)}</html>`, 502)))
      expect(error._tag).toBe("InfrahubServerError")
      expect(error.message).toMatch(/^Infrahub answered HTTP 502: <html>x+…\.$/)
      expect(isTransient(error)).toBe(true)
      const empty = yield* Effect.flip(failureOf(answer("", 500)))
      expect(empty.message).toBe("Infrahub answered HTTP 500: empty body.")
    })
  )
})

describe("answers that do not decode", () => {
  it.effect("name the endpoint and what is wrong", () =>
    Effect.gen(function* () {
      const notJson = yield* Effect.flip(decodeAnswer("/api/auth/login", LoginAnswer)(answer("<html>sign in</html>", 200)))
      expect(notJson.message).toBe(
        "Infrahub sent a response this server does not understand: /api/auth/login answered HTTP 200 with a body that is not JSON."
      )
      const noToken = yield* Effect.flip(decodeAnswer("/api/auth/login", LoginAnswer)(answer(JSON.stringify({ access_token: "" }), 200)))
      expect(noToken.message).toContain("/api/auth/login answered HTTP 200 with an unexpected body (access_token: ")
      const badEntry = yield* Effect.flip(decodeAnswer("/graphql", GraphQLAnswer)(answer(JSON.stringify({ data: null, errors: [{ msg: "x" }] }), 200)))
      expect(badEntry._tag).toBe("InfrahubProtocolError")
      expect(badEntry.message).toContain("/graphql answered HTTP 200 with an unexpected body (errors.0")
    })
  )
})
