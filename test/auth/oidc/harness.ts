// Mounts the OIDC proxy on a real HTTP server (node:http through @effect/platform, see server.ts)
// next to a real test IdP, with an in-memory state store that a restart may keep or lose.
import { FetchHttpClient } from "@effect/platform"
import { Context, Effect, Exit, Layer, Logger, Option, Redacted, Scope } from "effect"
import type { FloodLimits } from "../../../src/auth/oidc/FloodGuard.js"
import type { CallbackPath } from "../../../src/auth/oidc/Metadata.js"
import { OidcProxy, type OidcProxyShape, type OidcSettings } from "../../../src/auth/oidc/OidcProxy.js"
import { memoryStoreLayer } from "../../../src/state/memoryStore.js"
import { StateStore } from "../../../src/state/StateStore.js"
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, startIdp, type TestIdp, WRITE_SCOPE } from "../../support/idp.js"
import { serveProxy } from "./server.js"

export interface HarnessOptions {
  readonly upstreamClient: "confidential" | "public"
  readonly consent?: "required" | "skip"
  /** `resource`: the IdP tokens' real audience; `wrong`: one they never carry; `none`: not checked. */
  readonly audience?: "resource" | "wrong" | "none"
  readonly jwtSigningKey?: string
  readonly accessTokenFormat?: "jwt" | "opaque"
  readonly callbackPath?: CallbackPath
  /** A path prefix of BASE_URL, e.g. `/infrahub` (the server answers with and without it). */
  readonly basePath?: string
  readonly floodLimits?: Partial<FloodLimits>
  readonly trustedProxies?: ReadonlyArray<string>
  readonly maxBodyBytes?: number
}

export interface Harness {
  readonly base: string
  readonly mcpUrl: string
  readonly idp: TestIdp
  readonly settings: OidcSettings
  /** Every log line the proxy wrote, as `LEVEL message`. */
  readonly logs: ReadonlyArray<string>
  /**
   * Replaces the proxy with a fresh instance on the same URL, as a process restart would: with the
   * same state store (`kept`, as with a shared store, or another replica) or an empty one (`lost`).
   */
  readonly restart: (state: "kept" | "lost") => Promise<void>
  readonly close: () => Promise<void>
}

export const startHarness = async (options: HarnessOptions): Promise<Harness> => {
  const scope = Effect.runSync(Scope.make())
  const logs: Array<string> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
  )
  const current: { proxy?: OidcProxyShape } = {}

  const program = Effect.gen(function* () {
    const origin = yield* serveProxy(() => current.proxy, { mcpPath: `${options.basePath ?? ""}/mcp` })
    const base = `${origin}${options.basePath ?? ""}`
    const idp = yield* Effect.acquireRelease(
      Effect.promise(() =>
        startIdp({
          resource: `${base}/mcp`,
          redirectUris: [`${base}/oauth/callback`, `${base}/auth/callback`],
          accessTokenFormat: options.accessTokenFormat ?? "jwt"
        })
      ),
      (idp) => Effect.promise(() => idp.close())
    )
    const settings: OidcSettings = {
      configUrl: idp.discoveryUrl,
      clientId: options.upstreamClient === "confidential" ? CONFIDENTIAL_CLIENT.id : PUBLIC_CLIENT.id,
      clientSecret:
        options.upstreamClient === "confidential" ? Option.some(Redacted.make(CONFIDENTIAL_CLIENT.secret)) : Option.none(),
      baseUrl: base,
      audience:
        options.audience === "resource" ? Option.some(`${base}/mcp`) : options.audience === "wrong" ? Option.some("https://elsewhere.example/api") : Option.none(),
      userClaim: "email",
      writeScopes: [WRITE_SCOPE],
      jwtSigningKey: Option.map(Option.fromNullable(options.jwtSigningKey), Redacted.make),
      consent: options.consent ?? "required",
      ...(options.callbackPath === undefined ? {} : { callbackPath: options.callbackPath }),
      // Behaviour tests register a client per case, all from 127.0.0.1; flood.test.ts tests the bounds.
      floodLimits: { registrationsPerSourcePerHour: 1000, ...options.floodLimits },
      ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes })
    }
    return { base, idp, settings }
  })

  const newStore = () =>
    Layer.build(memoryStoreLayer()).pipe(Effect.map((context) => Context.get(context, StateStore)), Scope.extend(scope))
  let store = await Effect.runPromise(newStore())

  const buildProxy = (settings: OidcSettings) =>
    Layer.build(OidcProxy.layer(settings).pipe(Layer.provide(FetchHttpClient.layer))).pipe(
      Effect.map((context) => Context.get(context, OidcProxy)),
      Effect.provideService(StateStore, store),
      Effect.provide(logger),
      Scope.extend(scope)
    )

  const { base, idp, settings } = await Effect.runPromise(program.pipe(Effect.provide(logger), Scope.extend(scope)))
  current.proxy = await Effect.runPromise(buildProxy(settings)).catch(async (error: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  return {
    base,
    mcpUrl: `${base}/mcp`,
    idp,
    settings,
    logs,
    restart: async (state) => {
      if (state === "lost") store = await Effect.runPromise(newStore())
      current.proxy = await Effect.runPromise(buildProxy(settings))
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
