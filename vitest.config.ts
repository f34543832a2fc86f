import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests spawn the built CLI: build it once before any test runs.
    globalSetup: ["test/support/globalSetup.ts"],
    // Bounds for a hung test, not expectations of speed: on a loaded 2-core machine spawning and
    // starting a server alone can take tens of seconds, and a bound hit by chance fails CI.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Most time is spent waiting on spawned servers and sockets, not on CPU: run more files at once.
    poolOptions: { forks: { maxForks: 4, minForks: 1 } }
  }
})
