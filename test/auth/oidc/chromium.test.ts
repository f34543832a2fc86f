// A person's sign-in in a real browser: Chromium opens the authorization URL the SDK client built,
// the consent page renders, a click on Approve goes through the IdP and back to the client's
// loopback redirect URI, and the SDK exchanges the code.
import http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium } from "playwright-core"
import { findChromium } from "../../support/chromium.js"
import { identityOf, signInWithSdk } from "./client.js"
import { type Harness, startHarness } from "./harness.js"

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

let h: Harness
let browser: Browser
let clientApp: http.Server
let redirect: string
const landed: Array<string> = []

beforeAll(async () => {
  h = await startHarness({ upstreamClient: "confidential", audience: "resource" })
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS })
  // The MCP client's loopback redirect listener (RFC 8252), as a desktop client runs it.
  clientApp = http.createServer((req, res) => {
    landed.push(req.url ?? "")
    res.writeHead(200, { "content-type": "text/html" })
    res.end("<!doctype html><title>Signed in</title><p>You can close this window.</p>")
  })
  await new Promise<void>((resolve) => clientApp.listen(0, "127.0.0.1", resolve))
  redirect = `http://127.0.0.1:${(clientApp.address() as AddressInfo).port}/callback`
})

afterAll(async () => {
  await browser?.close()
  clientApp?.closeAllConnections()
  await new Promise<void>((resolve) => (clientApp === undefined ? resolve() : clientApp.close(() => resolve())))
  await h?.close()
})

describe("consent page in Chromium", () => {
  it("shows the client and the scopes, and Approve completes the sign-in", async () => {
    const page = await browser.newPage()
    let consentText = ""
    const client = await signInWithSdk(h, "alice", {
      redirect,
      openBrowser: async (url) => {
        await page.goto(url.href, { timeout: 15_000 })
        expect(new URL(page.url()).pathname).toBe("/consent")
        consentText = await page.locator("main").innerText()
        await page.getByRole("button", { name: "Approve" }).click()
        await page.waitForURL((u) => u.href.startsWith(redirect), { timeout: 15_000 })
        expect(await page.title()).toBe("Signed in")
        return new URL(page.url()).searchParams
      }
    })
    expect(consentText).toContain("Allow OIDC proxy test client to use Infrahub MCP?")
    expect(consentText).toContain(`${new URL(redirect).host} (an application on this computer)`)
    expect(consentText).toContain("infrahub:write")
    expect(landed.some((path) => path.startsWith("/callback?code="))).toBe(true)
    const identity = await identityOf(h, client.accessToken)
    expect(identity).toMatchObject({ user: "alice@example.com", clientId: client.clientId })
    expect(identity.scopes).toContain("infrahub:write")
    await page.close()
  })
})
