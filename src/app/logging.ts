import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"

/**
 * Logs as logfmt on **stderr**. stdout carries the JSON-RPC protocol over stdio, so nothing else may
 * ever be written there; the same logger serves HTTP so both transports log alike.
 */
export const stderrLogger = Logger.logfmtLogger.pipe(Logger.map((line) => void process.stderr.write(`${line}\n`)))

export const loggingLayer = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, stderrLogger), Logger.minimumLogLevel(level))
