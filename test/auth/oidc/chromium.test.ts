// A person's sign-in in a real browser: Chromium opens the authorization URL the SDK client built,
// the consent page renders, a click on Approve goes through the IdP and back to the client's
// loopback redirect URI, and the SDK exchanges the code.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { Browser } from "playwright-core"
import { launchChromium, type RedirectListener, startRedirectListener } from "../../support/browserSignIn.js"
import { identityOf, signInWithSdk } from "./client.js"
import { type Harness, startHarness } from "./harness.js"

let h: Harness
let browser: Browser
// The MCP client's loopback redirect listener (RFC 8252), as a desktop client runs it.
let listener: RedirectListener
let redirect: string

beforeAll(async () => {
  h = await startHarness({ upstreamClient: "confidential", audience: "resource" })
  browser = await launchChromium()
  listener = await startRedirectListener()
  redirect = listener.url
})

afterAll(async () => {
  await browser?.close()
  await listener?.close()
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
    expect(listener.landed().some((path) => path.startsWith("/callback?code="))).toBe(true)
    const identity = await identityOf(h, client.accessToken)
    expect(identity).toMatchObject({ user: "alice@example.com", clientId: client.clientId })
    expect(identity.scopes).toContain("infrahub:write")
    await page.close()
  })
})
