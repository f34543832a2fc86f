// A headless stand-in for the user's browser: follows redirects by hand with a cookie jar, and can
// fill in the consent form. Adversarial tests use its steps one at a time to tamper in between.
import { createHash, randomBytes } from "node:crypto"

export class HeadlessBrowser {
  readonly jar = new Map<string, string>()

  private cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ")
  }

  private remember(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";")
      const index = pair.indexOf("=")
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a))
      if (value === "" || expired) this.jar.delete(name)
      else this.jar.set(name, value)
    }
  }

  async get(url: string | URL): Promise<Response> {
    const response = await fetch(url, { redirect: "manual", headers: { cookie: this.cookieHeader(), accept: "text/html" } })
    this.remember(response)
    return response
  }

  async post(url: string | URL, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: this.cookieHeader(), accept: "text/html", "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form)
    })
    this.remember(response)
    return response
  }

  /** Follows redirects from `start` until `stop` says so, or a response that is not a redirect. */
  async follow(start: string | URL, stop: (url: URL) => boolean): Promise<{ readonly url: URL; readonly response: Response | undefined }> {
    let next = new URL(start)
    for (let hop = 0; hop < 20; hop++) {
      if (stop(next)) return { url: next, response: undefined }
      const response = await this.get(next)
      const location = response.headers.get("location")
      if (location === null || response.status < 300 || response.status > 399) return { url: next, response }
      next = new URL(location, next)
    }
    throw new Error("too many redirects")
  }
}

export interface ConsentForm {
  readonly action: string
  readonly txn: string
  readonly csrf: string
}

export const parseConsentForm = (html: string): ConsentForm => {
  const attribute = (pattern: RegExp) => {
    const value = pattern.exec(html)?.[1]
    if (value === undefined) throw new Error(`not a consent page: ${html.slice(0, 300)}`)
    return value.replace(/&amp;/g, "&")
  }
  return {
    action: attribute(/<form method="post" action="([^"]+)"/),
    txn: attribute(/name="txn" value="([^"]+)"/),
    csrf: attribute(/name="csrf" value="([^"]+)"/)
  }
}

export const isConsentPage = (url: URL): boolean => url.pathname.endsWith("/consent")

/**
 * The whole browser leg: authorize → consent page → decision → IdP (headless login) → callback →
 * the client's redirect URI, whose query it returns.
 */
export const completeAuthorization = async (
  authorizationUrl: string | URL,
  redirectUri: string,
  options: { readonly decision?: "approve" | "deny"; readonly browser?: HeadlessBrowser } = {}
): Promise<URLSearchParams> => {
  const browser = options.browser ?? new HeadlessBrowser()
  const atRedirect = (url: URL) => url.href.startsWith(redirectUri) || `${url.origin}${url.pathname}` === redirectUri
  const first = await browser.follow(authorizationUrl, (url) => atRedirect(url))
  let landed = first.url
  if (!atRedirect(landed)) {
    if (first.response === undefined || first.response.status !== 200) {
      throw new Error(`authorization stopped at ${landed.href}: ${first.response?.status} ${await first.response?.text()}`)
    }
    const form = parseConsentForm(await first.response.text())
    const decided = await browser.post(form.action, { txn: form.txn, csrf: form.csrf, decision: options.decision ?? "approve" })
    const location = decided.headers.get("location")
    if (location === null) throw new Error(`consent decision answered ${decided.status}: ${await decided.text()}`)
    const second = await browser.follow(new URL(location, form.action), atRedirect)
    if (!atRedirect(second.url)) {
      throw new Error(`authorization stopped at ${second.url.href}: ${second.response?.status} ${await second.response?.text()}`)
    }
    landed = second.url
  }
  return landed.searchParams
}

export const pkcePair = () => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") }
}
