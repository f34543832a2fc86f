import http from "node:http"
import type { AddressInfo } from "node:net"
import { type Browser, chromium } from "playwright-core"
import { findChromium } from "./chromium.js"

/** Headless Chromium as the browser tests run it (no sandbox: CI containers have no user namespaces). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: findChromium(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })

/** An MCP client's loopback redirect listener (RFC 8252), as a desktop client runs it. */
export interface RedirectListener {
  /** The redirect URI to register. */
  readonly url: string
  /** Paths (with query) the browser landed on, oldest first. */
  readonly landed: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

export const startRedirectListener = async (): Promise<RedirectListener> => {
  const landed: Array<string> = []
  const server = http.createServer((req, res) => {
    landed.push(req.url ?? "")
    res.writeHead(200, { "content-type": "text/html" })
    res.end("<!doctype html><title>Signed in</title><p>You can close this window.</p>")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    landed: () => [...landed],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * The person's part of a sign-in, in Chromium: open the authorization URL, click Approve on the
 * server's consent page, follow the IdP back to the client's redirect URI; returns its query
 * (`code`, `state`). For `TestOAuthClient`'s `openBrowser`.
 */
export const approveInChromium =
  (browser: Browser, redirect: string, seen: { consentText?: string } = {}) =>
  async (url: URL): Promise<URLSearchParams> => {
    const page = await browser.newPage()
    try {
      await page.goto(url.href, { timeout: 15_000 })
      if (new URL(page.url()).pathname !== "/consent") {
        const text = await page.locator("body").innerText().catch(() => "")
        throw new Error(`expected the consent page, landed on ${page.url()}: ${text.slice(0, 500)}`)
      }
      seen.consentText = await page.locator("main").innerText()
      await page.getByRole("button", { name: "Approve" }).click()
      await page.waitForURL((u) => u.href.startsWith(redirect), { timeout: 15_000 })
      return new URL(page.url()).searchParams
    } finally {
      await page.close()
    }
  }
