import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { findChromium } from "./chromium.js"

const scratch = mkdtempSync(join(tmpdir(), "chromium-lookup-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const executable = (...parts: Array<string>): string => {
  const path = join(scratch, ...parts)
  mkdirSync(join(path, ".."), { recursive: true })
  writeFileSync(path, "#!/bin/sh\n")
  chmodSync(path, 0o755)
  return path
}

describe("findChromium", () => {
  const first = executable("first", "chromium-browser")
  const second = executable("second", "chromium")
  const plainFile = join(scratch, "not-executable")
  writeFileSync(plainFile, "")

  it("uses CHROMIUM_PATH when it is set", () => {
    expect(findChromium({ CHROMIUM_PATH: first, PATH: join(scratch, "second") })).toBe(first)
  })

  it("otherwise prefers `chromium` on PATH, then `chromium-browser`", () => {
    const path = [join(scratch, "first"), join(scratch, "second")].join(delimiter)
    expect(findChromium({ PATH: path })).toBe(second)
    expect(findChromium({ PATH: join(scratch, "first") })).toBe(first)
  })

  it("refuses a CHROMIUM_PATH that is not an executable file, saying what to do", () => {
    expect(() => findChromium({ CHROMIUM_PATH: plainFile, PATH: join(scratch, "second") })).toThrow(
      `CHROMIUM_PATH=${plainFile} is not an executable file: point it at a Chromium binary, or unset it`
    )
    expect(() => findChromium({ CHROMIUM_PATH: scratch })).toThrow("is not an executable file")
  })

  it("fails with the ways to get a Chromium when there is none, instead of skipping", () => {
    expect(() => findChromium({ PATH: join(scratch, "empty") })).toThrow(
      "No Chromium found: set CHROMIUM_PATH to a Chromium binary, or put chromium or chromium-browser on PATH"
    )
  })
})
