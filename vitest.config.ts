import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests spawn the built CLI: build it once before any test runs.
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most time is spent waiting on spawned servers and sockets, not on CPU: run more files at once.
    poolOptions: { forks: { maxForks: 4, minForks: 1 } }
  }
})
