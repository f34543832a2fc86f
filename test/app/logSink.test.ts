import { describe, expect, it } from "vitest"
import { makeLineSink } from "../../src/app/logSink.js"

/** A sink whose scheduled flushes run only when the test says so. */
const harness = (maxBufferedChars = 1_000) => {
  const writes: Array<string> = []
  const scheduled: Array<() => void> = []
  const sink = makeLineSink({ output: (text) => void writes.push(text), schedule: (flush) => void scheduled.push(flush), maxBufferedChars })
  const runScheduled = () => scheduled.splice(0).forEach((flush) => flush())
  return { sink, writes, scheduled, runScheduled }
}

describe("makeLineSink", () => {
  it("writes the lines of one turn together, in order, once the turn is over", () => {
    const { sink, writes, scheduled, runScheduled } = harness()
    sink.write("tool_call tool=a")
    sink.write("tool_call tool=b")
    sink.write("tool_call tool=c")
    expect(writes).toEqual([])
    expect(scheduled).toHaveLength(1)
    runScheduled()
    expect(writes).toEqual(["tool_call tool=a\ntool_call tool=b\ntool_call tool=c\n"])
  })

  it("starts a new batch after a flush, and an empty flush writes nothing", () => {
    const { sink, writes, runScheduled } = harness()
    sink.write("first")
    runScheduled()
    runScheduled()
    sink.write("second")
    runScheduled()
    expect(writes).toEqual(["first\n", "second\n"])
  })

  it("writes at once when a batch reaches its size bound, and keeps later lines for the next batch", () => {
    const { sink, writes, runScheduled } = harness(20)
    sink.write("0123456789")
    sink.write("abcdefghij")
    expect(writes).toEqual(["0123456789\nabcdefghij\n"])
    sink.write("tail")
    runScheduled()
    expect(writes).toEqual(["0123456789\nabcdefghij\n", "tail\n"])
  })

  it("loses no line at shutdown: flush writes what is queued before the scheduled flush ran", () => {
    const { sink, writes, runScheduled } = harness()
    for (let index = 0; index < 100; index++) sink.write(`line ${index}`)
    sink.flush()
    const lines = writes.join("").split("\n").filter((line) => line !== "")
    expect(lines).toEqual(Array.from({ length: 100 }, (_, index) => `line ${index}`))
    // The flush that was scheduled before shutdown finds nothing left to write twice.
    runScheduled()
    expect(writes.join("").split("\n").filter((line) => line !== "")).toHaveLength(100)
  })
})
