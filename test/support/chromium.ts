import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join } from "node:path"

/** The names Chromium's binary has on PATH: Debian and Nix say `chromium`, some distributions `chromium-browser`. */
export const CHROMIUM_NAMES = ["chromium", "chromium-browser"] as const

const isExecutableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH` when set (the Nix devShell sets it), else the
 * first `chromium` or `chromium-browser` on PATH. Finding none is an error that says how to get one:
 * a browser test never skips silently.
 */
export const findChromium = (env: NodeJS.ProcessEnv = process.env): string => {
  const configured = env["CHROMIUM_PATH"]
  if (configured !== undefined && configured !== "") {
    if (isExecutableFile(configured)) return configured
    throw new Error(`CHROMIUM_PATH=${configured} is not an executable file: point it at a Chromium binary, or unset it to search PATH for ${CHROMIUM_NAMES.join(" or ")}.`)
  }
  const directories = (env["PATH"] ?? "").split(delimiter).filter((directory) => directory !== "")
  for (const name of CHROMIUM_NAMES) {
    for (const directory of directories) {
      const candidate = join(directory, name)
      if (isExecutableFile(candidate)) return candidate
    }
  }
  throw new Error(
    `No Chromium found: set CHROMIUM_PATH to a Chromium binary, or put ${CHROMIUM_NAMES.join(" or ")} on PATH ` +
      "(Debian: apt-get install chromium; Nix: `nix develop` sets CHROMIUM_PATH)."
  )
}
