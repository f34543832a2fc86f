// Run as a child process by environment.test.ts: loads ServerConfig from the real process environment
// (Effect's default ConfigProvider) and prints what it found as one JSON line.
import { Effect, Either, Option } from "effect"
import { ServerConfig } from "../../../src/config/ServerConfig.js"

const result = Effect.runSync(Effect.either(ServerConfig.load({ transport: "stdio", host: "127.0.0.1", port: 8001 })))
process.stdout.write(
  JSON.stringify(
    Either.match(result, {
      onLeft: (error) => ({ ok: false, problems: error.problems }),
      onRight: (config) => ({
        ok: true,
        readOnly: config.readOnly,
        cacheEnabled: Option.isSome(config.cache),
        unknownVariables: config.unknownVariables,
        warnings: config.warnings
      })
    })
  ) + "\n"
)
