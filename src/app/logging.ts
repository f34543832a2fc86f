import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import { logfmtLine } from "./logfmt.js"
import { makeLineSink } from "./logSink.js"

/** How long a log line may wait for others to share its write. */
const LOG_BATCH_MS = 50

/**
 * stderr, written in batches (every 50 ms, or per 64 KiB): a line per tool call would otherwise be a
 * system call per tool call (stderr writes to pipes and files are synchronous), and a client calling
 * tools one after another gives every event-loop turn a line of its own. What is still queued when
 * the process exits is written on its way out.
 */
const stderrSink = makeLineSink({
  output: (text) => void process.stderr.write(text),
  schedule: (flush) => void setTimeout(flush, LOG_BATCH_MS).unref(),
  maxBufferedChars: 64 * 1024
})
process.once("exit", stderrSink.flush)

/** Writes every queued log line now: call it before writing to stderr directly, so lines stay in order. */
export const flushLogs = (): void => stderrSink.flush()

/**
 * Logs as logfmt on **stderr**. stdout carries the JSON-RPC protocol over stdio, so nothing else may
 * ever be written there; the same logger serves HTTP so both transports log alike. The line is
 * Effect's `Logger.logfmtLogger` format, built by {@link logfmtLine}.
 */
export const stderrLogger = Logger.make((entry) => stderrSink.write(logfmtLine(entry)))

/** The stderr logger at `level`; closing the layer writes what is queued. */
export const loggingLayer = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.mergeAll(
    Logger.replace(Logger.defaultLogger, stderrLogger),
    Logger.minimumLogLevel(level),
    Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(flushLogs)))
  )
