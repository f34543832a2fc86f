import * as Cause from "effect/Cause"
import * as FiberId from "effect/FiberId"
import * as Inspectable from "effect/Inspectable"
import type * as Logger from "effect/Logger"

/*
 * Effect's `Logger.logfmtLogger` line, built directly. Every tool call writes an audit line, and
 * the stock formatter spent more on it than the line is worth (a hash set per line for the fiber's
 * name, a closure per field); the output is the same, character for character (a test compares
 * both on generated log entries).
 */

/** A value without whitespace, double quotes or equal signs goes as it is; anything else is quoted. */
const BARE_VALUE = /^[^\s"=]*$/
const LABEL_UNSAFE = /[\s="]/g

const value = (text: string): string => (BARE_VALUE.test(text) ? text : JSON.stringify(text))
const label = (key: string): string => key.replace(LABEL_UNSAFE, "_")
const field = (key: string, text: string): string => ` ${label(key)}=${value(text)}`

/** A fiber's name as `#12`; only composite ids (never a running fiber's own) take the general path. */
const fiberName = (id: FiberId.FiberId): string => (id._tag === "Runtime" ? `#${id.id}` : FiberId.threadName(id))

export const logfmtLine = (entry: Logger.Logger.Options<unknown>): string => {
  let line = `timestamp=${value(entry.date.toISOString())}${field("level", entry.logLevel.label)}${field("fiber", fiberName(entry.fiberId))}`
  const messages: ReadonlyArray<unknown> = Array.isArray(entry.message) ? entry.message : [entry.message]
  for (const message of messages) line += field("message", Inspectable.toStringUnknown(message, 0))
  if (!Cause.isEmptyType(entry.cause)) line += field("cause", Cause.pretty(entry.cause, { renderErrorCause: true }))
  const now = entry.date.getTime()
  for (const span of entry.spans) line += ` ${label(span.label)}=${now - span.startTime}ms`
  for (const [key, annotation] of entry.annotations) line += field(key, Inspectable.toStringUnknown(annotation, 0))
  return line
}
