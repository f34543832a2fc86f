/**
 * The consent page and the error page: plain server-rendered HTML, no script, every dynamic value
 * escaped. The Content-Security-Policy forbids scripts, plugins and framing (clickjacking). It sets
 * no `form-action`: browsers apply it to every redirect after the consent POST, and an IdP that hands
 * the sign-in to a federated IdP on another origin would then be blocked mid-flow.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:10px;padding:2rem 2.25rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 1rem}
dl{margin:1.25rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem}
dt{font-weight:600;color:#4a5263}dd{margin:0;overflow-wrap:anywhere}
code{background:#eef0f4;border-radius:4px;padding:0 .3rem}
ul{margin:0;padding-left:1.1rem}
.note{background:#fff6e0;border-left:4px solid #e0a100;padding:.6rem .9rem;margin:1.25rem 0}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{font:inherit;padding:.55rem 1.4rem;border-radius:6px;border:1px solid #aab0bd;background:#fff;cursor:pointer}
button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}
.small{font-size:.85rem;color:#5b6375}
`

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  pragma: "no-cache",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "frame-ancestors 'none'",
    "base-uri 'none'"
  ].join("; ")
}

const document = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`

export interface ConsentView {
  readonly serverName: string
  readonly serverHost: string
  readonly clientName: string | undefined
  readonly clientId: string
  readonly redirectUri: string
  readonly scopes: ReadonlyArray<string>
  readonly identityProviderHost: string
  readonly action: string
  readonly transactionId: string
  readonly csrfToken: string
}

const describeRedirect = (uri: string): string => {
  const url = new URL(uri)
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]"
  return loopback ? `${url.host} (an application on this computer)` : url.host
}

const page = (status: number, title: string, body: string, headers: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(document(title, body), {
    status,
    contentType: "text/html; charset=utf-8",
    headers: { ...SECURITY_HEADERS, ...headers }
  })

export const consentPage = (view: ConsentView): HttpServerResponse.HttpServerResponse => {
  const name = view.clientName ?? "An application that did not give its name"
  const scopes =
    view.scopes.length === 0
      ? "<li>Your identity only</li>"
      : view.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("")
  const body = `
<h1>Allow ${escapeHtml(name)} to use ${escapeHtml(view.serverName)}?</h1>
<p>An application is asking to act on your behalf on the MCP server at <strong>${escapeHtml(view.serverHost)}</strong>.</p>
<dl>
<dt>Application</dt><dd>${escapeHtml(name)}<br><span class="small">client id <code>${escapeHtml(view.clientId)}</code></span></dd>
<dt>Sends you back to</dt><dd><strong>${escapeHtml(describeRedirect(view.redirectUri))}</strong></dd>
<dt>Access requested</dt><dd><ul>${scopes}</ul></dd>
</dl>
<p class="note">Approve only if you started this sign-in yourself and you recognise the application and where it sends you back to. If not, deny.</p>
<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="txn" value="${escapeHtml(view.transactionId)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrfToken)}">
<div class="actions">
<button class="primary" type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
<p class="small">After you approve, you sign in at your identity provider (${escapeHtml(view.identityProviderHost)}).</p>`
  // With no-referrer, browsers send `Origin: null` on the form POST; same-origin keeps our own origin
  // there (the decision checks it) and still sends nothing to the IdP or the client.
  return page(200, `Allow ${name}?`, body, { "referrer-policy": "same-origin" })
}

/**
 * An error shown to the person in the browser, for failures that must not be redirected to an
 * unverified client (unknown client, unregistered redirect URI, a broken consent or callback).
 */
export const errorPage = (
  status: number,
  error: string,
  message: string,
  headers: Readonly<Record<string, string>> = {}
): HttpServerResponse.HttpServerResponse =>
  page(
    status,
    "Sign-in stopped",
    `<h1>Sign-in stopped</h1><p>${escapeHtml(message)}</p><p class="small">Error code: <code>${escapeHtml(error)}</code></p>`,
    headers
  )
