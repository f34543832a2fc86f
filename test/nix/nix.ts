import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

export const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/**
 * Runs `nix-instantiate` (Debian's nix-bin; .ci/run installs it) and returns its stdout. Nothing here
 * fetches: every expression is evaluated from the working tree. A missing binary fails the test with
 * the fix, it does not skip it.
 */
export const nixInstantiate = (args: ReadonlyArray<string>): string => {
  try {
    return execFileSync("nix-instantiate", [...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { readonly stderr?: string }
    if (failure.code === "ENOENT") {
      throw new Error("nix-instantiate is not installed: install Debian's nix-bin (apt-get install nix-bin), as .ci/run does.")
    }
    // Nix's own message, without the noise of a machine that has no build users (irrelevant to evaluation).
    const stderr = (failure.stderr ?? "").split("\n").filter((line) => !line.includes("build-users-group")).join("\n")
    throw new Error(stderr.trim() || failure.message)
  }
}

/** `nix-instantiate --eval --strict --json`: a Nix value as JSON. */
export const nixEval = <A>(args: ReadonlyArray<string>): A =>
  JSON.parse(nixInstantiate(["--eval", "--strict", "--json", ...args])) as A

/** A Nix string literal (for building expressions around file paths). */
export const nixString = (text: string): string => JSON.stringify(text).replaceAll("${", "\\${")
