/**
 * The proxy's public URLs and the discovery documents MCP clients read: RFC 9728 protected-resource
 * metadata and RFC 8414 authorization-server metadata.
 */

export interface PublicUrls {
  /** BASE_URL without a trailing slash: the issuer of our tokens. */
  readonly base: string
  readonly origin: string
  /** The path prefix of BASE_URL ("" when the server is at the root). */
  readonly basePath: string
  /** `<BASE_URL>/mcp`: the audience of our tokens and the RFC 8707 resource. */
  readonly resource: string
  readonly resourceMetadataUrl: string
  /** The redirect URI registered at the IdP (`/oauth/callback`, or `/auth/callback` as the Python server used). */
  readonly callbackUrl: string
  readonly https: boolean
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"])

export type CallbackPath = "/oauth/callback" | "/auth/callback"
export const CALLBACK_PATHS: ReadonlyArray<CallbackPath> = ["/oauth/callback", "/auth/callback"]

/** Validates BASE_URL; the error text is the reason, for a start-up message. */
export const publicUrls = (baseUrl: string, callbackPath: CallbackPath): PublicUrls | string => {
  if (!URL.canParse(baseUrl)) return "is not an absolute URL"
  const url = new URL(baseUrl)
  if (url.search !== "" || url.hash !== "" || baseUrl.includes("#")) return "must not have a query or a fragment"
  if (url.username !== "" || url.password !== "") return "must not contain credentials"
  const https = url.protocol === "https:"
  if (!https && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    return "must use https (http is allowed only on 127.0.0.1, localhost or [::1])"
  }
  const basePath = url.pathname.replace(/\/+$/, "")
  const base = `${url.origin}${basePath}`
  return {
    base,
    origin: url.origin,
    basePath,
    resource: `${base}/mcp`,
    resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
    callbackUrl: `${base}${callbackPath}`,
    https
  }
}

/** The request path relative to BASE_URL's prefix (a reverse proxy may or may not strip it). */
export const localPath = (urls: PublicUrls, pathname: string): string =>
  urls.basePath !== "" && pathname.startsWith(`${urls.basePath}/`) ? pathname.slice(urls.basePath.length) : pathname

/**
 * Every request path (relative to the server's root) at which a client may look for a well-known
 * document: root, `/mcp`, RFC 8414 path insertion, each also under BASE_URL's prefix (a reverse
 * proxy may or may not strip it).
 */
export const wellKnownPaths = (urls: PublicUrls, name: "oauth-protected-resource" | "oauth-authorization-server"): ReadonlyArray<string> => {
  const local = [
    `/.well-known/${name}`,
    `/.well-known/${name}/mcp`,
    `/.well-known/${name}${urls.basePath}`,
    `/.well-known/${name}${urls.basePath}/mcp`
  ]
  return [...new Set(urls.basePath === "" ? local : [...local, ...local.map((path) => `${urls.basePath}${path}`)])]
}

export const protectedResourceMetadata = (urls: PublicUrls, scopes: ReadonlyArray<string>) => ({
  resource: urls.resource,
  authorization_servers: [urls.base],
  scopes_supported: scopes,
  bearer_methods_supported: ["header"],
  resource_name: "Infrahub MCP server"
})

/** No `client_id_metadata_document_supported`: clients fall back to dynamic registration. */
export const authorizationServerMetadata = (
  urls: PublicUrls,
  scopes: ReadonlyArray<string>,
  revocation: boolean
) => ({
  issuer: urls.base,
  authorization_endpoint: `${urls.base}/authorize`,
  token_endpoint: `${urls.base}/token`,
  registration_endpoint: `${urls.base}/register`,
  ...(revocation
    ? { revocation_endpoint: `${urls.base}/revoke`, revocation_endpoint_auth_methods_supported: ["none"] }
    : {}),
  scopes_supported: scopes,
  response_types_supported: ["code"],
  response_modes_supported: ["query"],
  grant_types_supported: ["authorization_code", "refresh_token"],
  token_endpoint_auth_methods_supported: ["none"],
  code_challenge_methods_supported: ["S256"]
})
