// oidc-provider ships no type declarations; this covers only what the test IdP uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http"

  export interface Grant {
    addOIDCScope(scope: string): void
    rejectOIDCScope(scope: string): void
    addOIDCClaims(claims: ReadonlyArray<string>): void
    addResourceScope(indicator: string, scope: string): void
    rejectResourceScope(indicator: string, scope: string): void
    save(): Promise<string>
  }

  export interface GrantConstructor {
    new (init: { readonly accountId: string; readonly clientId: string }): Grant
    find(id: string): Promise<Grant | undefined>
  }

  export interface InteractionDetails {
    readonly prompt: {
      readonly name: string
      readonly details: {
        readonly missingOIDCScope?: ReadonlyArray<string>
        readonly missingOIDCClaims?: ReadonlyArray<string>
        readonly missingResourceScopes?: Readonly<Record<string, ReadonlyArray<string>>>
      }
    }
    readonly params: Readonly<Record<string, unknown>>
    readonly session?: { readonly accountId: string }
    readonly grantId?: string
  }

  export interface KoaContextLike {
    readonly oidc: { readonly params?: Readonly<Record<string, unknown>> }
  }

  export default class Provider {
    constructor(issuer: string, configuration: Readonly<Record<string, unknown>>)
    readonly Grant: GrantConstructor
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Readonly<Record<string, unknown>>,
      options?: { readonly mergeWithLastSubmission?: boolean }
    ): Promise<void>
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    on(event: "grant.success", listener: (ctx: KoaContextLike) => void): this
    on(event: string, listener: (...args: ReadonlyArray<unknown>) => void): this
  }

  export const errors: {
    readonly InvalidTarget: new (description: string) => Error
  }
}
