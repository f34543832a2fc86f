import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import { AuthMode, basicFromHeader, tokenFromHeader } from "../../src/auth/AuthMode.js"
import { Fingerprints } from "../../src/auth/fingerprint.js"

const basic = (raw: string) => `Basic ${Buffer.from(raw, "utf8").toString("base64")}`

describe("tokenFromHeader", () => {
  it("takes the token from a Bearer header, any case", () => {
    expect(tokenFromHeader("Bearer abc123")).toEqual(Either.right("abc123"))
    expect(tokenFromHeader("bearer   abc123  ")).toEqual(Either.right("abc123"))
  })
  it("accepts a raw token and does not strip a 'bearer' prefix glued to it", () => {
    expect(tokenFromHeader("raw-token")).toEqual(Either.right("raw-token"))
    expect(tokenFromHeader("bearertoken-xyz")).toEqual(Either.right("bearertoken-xyz"))
    expect(tokenFromHeader("06438eb2-8019-4776-878c-0941b1f1d1ec")).toEqual(Either.right("06438eb2-8019-4776-878c-0941b1f1d1ec"))
  })
  it("finds no credential in a missing or blank header", () => {
    expect(tokenFromHeader(null)).toEqual(Either.left("missing"))
    expect(tokenFromHeader("   ")).toEqual(Either.left("missing"))
  })
  it("refuses malformed values instead of forwarding them as raw tokens", () => {
    for (const value of [
      "Bearer ",
      "Basic",
      "basic",
      "Bearer",
      "Negotiate",
      "Bearer:token-a",
      "Bearer: token-a",
      "Bearer token-a extra",
      "Token token-a",
      basic("alice:pw"),
      "tok\u00e9n",
      "a,b"
    ]) {
      expect(tokenFromHeader(value), value).toEqual(Either.left("malformed"))
    }
  })
})

describe("basicFromHeader", () => {
  it("decodes username and password; the password may contain ':' or be empty", () => {
    expect(basicFromHeader(basic("alice:s3cret"))).toEqual(Option.some({ username: "alice", password: "s3cret" }))
    expect(basicFromHeader(basic("alice:a:b:c"))).toEqual(Option.some({ username: "alice", password: "a:b:c" }))
    expect(basicFromHeader(basic("alice:"))).toEqual(Option.some({ username: "alice", password: "" }))
    expect(basicFromHeader(`basic ${Buffer.from("bob:pw").toString("base64")}`)).toEqual(Option.some({ username: "bob", password: "pw" }))
  })
  it("finds no credential in malformed values", () => {
    expect(basicFromHeader(basic("no-colon"))).toEqual(Option.none())
    expect(basicFromHeader(basic(":password-only"))).toEqual(Option.none())
    expect(basicFromHeader("Basic !!!not-base64!!!")).toEqual(Option.none())
    expect(basicFromHeader("Basic YWxpY2U6cHc")).toEqual(Option.none()) // truncated padding
    expect(basicFromHeader("Bearer abc")).toEqual(Option.none())
    expect(basicFromHeader(null)).toEqual(Option.none())
  })
})

const authenticate = (mode: AuthMode["Type"], headers: Record<string, string>) =>
  mode.authenticate(new Request("http://127.0.0.1/mcp", { headers }))

describe("AuthMode layers", () => {
  it.effect("token-passthrough uses the caller's token and refuses a request without one", () =>
    Effect.gen(function* () {
      const mode = yield* AuthMode
      const ok = yield* authenticate(mode, { authorization: "Bearer tok-1" })
      expect(ok.credential._tag).toBe("ApiToken")
      expect(ok.credential._tag === "ApiToken" && Redacted.value(ok.credential.token)).toBe("tok-1")
      const refused = yield* Effect.either(authenticate(mode, {}))
      expect(Either.isLeft(refused) && refused.left.status).toBe(401)
      expect(Either.isLeft(refused) && refused.left.description).toContain("Authorization")
      expect(Either.isLeft(refused) && refused.left.description).toContain("none was found")
      const malformed = yield* Effect.either(authenticate(mode, { authorization: "Basic" }))
      expect(Either.isLeft(malformed) && malformed.left.status).toBe(401)
      expect(Either.isLeft(malformed) && malformed.left.description).toContain("the header holds something else")
      expect(Option.isNone(mode.processAuth)).toBe(true)
      expect(Option.isNone(mode.sharedCredential)).toBe(true)
    }).pipe(Effect.provide(AuthMode.tokenPassthrough("Authorization").pipe(Layer.provide(Fingerprints.random))))
  )

  it.effect("token-passthrough reads a custom header", () =>
    Effect.gen(function* () {
      const mode = yield* AuthMode
      const ok = yield* authenticate(mode, { "x-infrahub-token": "tok-2" })
      expect(ok.credential._tag === "ApiToken" && Redacted.value(ok.credential.token)).toBe("tok-2")
      const ignored = yield* Effect.either(authenticate(mode, { authorization: "Bearer tok-3" }))
      expect(Either.isLeft(ignored)).toBe(true)
    }).pipe(Effect.provide(AuthMode.tokenPassthrough("X-Infrahub-Token").pipe(Layer.provide(Fingerprints.random))))
  )

  it.effect("two tokens are two principals; the same token is the same principal", () =>
    Effect.gen(function* () {
      const mode = yield* AuthMode
      const a = yield* authenticate(mode, { authorization: "Bearer token-a" })
      const a2 = yield* authenticate(mode, { authorization: "token-a" })
      const b = yield* authenticate(mode, { authorization: "Bearer token-b" })
      expect(a.principal.id).toBe(a2.principal.id)
      expect(a.principal.id).not.toBe(b.principal.id)
      expect(a.principal.id).not.toContain("token-a")
    }).pipe(Effect.provide(AuthMode.tokenPassthrough("Authorization").pipe(Layer.provide(Fingerprints.random))))
  )

  it.effect("basic-passthrough yields a password credential named after the user", () =>
    Effect.gen(function* () {
      const mode = yield* AuthMode
      const ok = yield* authenticate(mode, { authorization: basic("alice:pa:ss") })
      expect(ok.credential._tag).toBe("Password")
      expect(ok.principal.user).toBe("alice")
      expect(ok.credential._tag === "Password" && Redacted.value(ok.credential.password)).toBe("pa:ss")
      const refused = yield* Effect.either(authenticate(mode, { authorization: basic("nocolon") }))
      expect(Either.isLeft(refused) && refused.left.challenge).toContain("Basic")
    }).pipe(Effect.provide(AuthMode.basicPassthrough("Authorization").pipe(Layer.provide(Fingerprints.random))))
  )

  it.effect("none shares the server token with every caller, stdio included", () =>
    Effect.gen(function* () {
      const mode = yield* AuthMode
      const ok = yield* authenticate(mode, {})
      expect(ok.principal.id).toBe("anonymous")
      expect(Option.isSome(mode.processAuth)).toBe(true)
    }).pipe(Effect.provide(AuthMode.none(Redacted.make("shared"))))
  )
})
