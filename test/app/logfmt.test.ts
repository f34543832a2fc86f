import { describe, expect, it } from "@effect/vitest"
import { Cause, FastCheck as fc, FiberId, FiberRefs, HashMap, List, Logger, LogLevel } from "effect"
import type { LogSpan } from "effect"
import { logfmtLine } from "../../src/app/logfmt.js"

// Text with what logfmt must quote or escape: spaces, tabs, newlines, quotes, equal signs, backslashes, non-ASCII.
const text = fc.stringOf(fc.constantFrom("a", "Z", "0", " ", "\t", "\n", '"', "=", "\\", "/", ":", "é", "🙂", "-", "_"), { maxLength: 12 })
const loggable = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(text, text, { maxKeys: 3 }), fc.array(text, { maxLength: 3 }))

const fiberId: fc.Arbitrary<FiberId.FiberId> = fc.oneof(
  fc.nat().map((id) => FiberId.make(id, 0)),
  fc.constant(FiberId.none),
  fc.tuple(fc.nat(), fc.nat()).map(([left, right]) => FiberId.combine(FiberId.make(left, 0), FiberId.make(right, 0)))
)

const cause: fc.Arbitrary<Cause.Cause<unknown>> = fc.oneof(
  fc.constant(Cause.empty),
  text.map((message) => Cause.fail(message)),
  text.map((message) => Cause.die(new Error(message))),
  text.map((message) => Cause.sequential(Cause.fail(message), Cause.interrupt(FiberId.make(1, 0))))
)

const entry = fc.record({
  fiberId,
  logLevel: fc.constantFrom(...LogLevel.allLevels),
  message: fc.oneof(loggable, fc.array(loggable, { maxLength: 3 })),
  cause,
  date: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((millis) => new Date(millis)),
  spans: fc.array(fc.record({ label: text, startTime: fc.integer({ min: 0, max: 4_102_444_800_000 }) }), { maxLength: 3 }),
  annotations: fc.array(fc.tuple(text, loggable), { maxLength: 4 })
})

describe("logfmtLine", () => {
  it("writes exactly the line Effect's logfmt logger writes", () => {
    fc.assert(
      fc.property(entry, (generated) => {
        const options: Logger.Logger.Options<unknown> = {
          ...generated,
          context: FiberRefs.empty(),
          spans: List.fromIterable(generated.spans as ReadonlyArray<LogSpan.LogSpan>),
          annotations: HashMap.fromIterable(generated.annotations)
        }
        expect(logfmtLine(options)).toBe(Logger.logfmtLogger.log(options))
      }),
      { numRuns: 3000 }
    )
  })

  it("writes an audit line as a log reader expects it", () => {
    const line = logfmtLine({
      fiberId: FiberId.make(42, 0),
      logLevel: LogLevel.Info,
      message: "tool_call tool=get_nodes user=alice branch=main outcome=ok duration_ms=3",
      cause: Cause.empty,
      context: FiberRefs.empty(),
      spans: List.empty(),
      annotations: HashMap.make(["tool", "get_nodes"], ["request_id", "7"]),
      date: new Date(Date.UTC(2026, 11, 7, 4, 0, 0))
    })
    expect(line).toMatch(/^timestamp=2026-12-07T04:00:00\.000Z level=INFO fiber=#42 message="tool_call tool=get_nodes user=alice branch=main outcome=ok duration_ms=3"/)
    expect(line).toContain(" tool=get_nodes")
    expect(line).toContain(" request_id=7")
  })
})
