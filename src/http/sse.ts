import { Readable } from "node:stream"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

/** An SSE comment: clients ignore it, and writing it sends the response headers. */
const OPENING = new TextEncoder().encode(": stream open\n\n")

/** Events larger than this are not inspected (see `isFinalAnswer`): they are streamed as they come. */
const INSPECTED_EVENT_BYTES = 64 * 1024

const decoder = new TextDecoder()

/** The `data:` payloads of SSE text, in order (the SDK writes each message as one single-line event). */
export const eventData = (text: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => line.slice(6))

/**
 * Whether an SSE event (the SDK writes one event per chunk) carries a JSON-RPC response rather than
 * a notification or a request of the server's: a response ends the answer to a single request.
 */
const isFinalAnswer = (event: Uint8Array): boolean => {
  if (event.byteLength > INSPECTED_EVENT_BYTES) return false
  const data = eventData(decoder.decode(event))[0]
  if (data === undefined) return false
  // The SDK writes a result first and a notification's method first: most events need no parse.
  if (data.startsWith('{"result":')) return true
  if (data.startsWith('{"method":')) return false
  try {
    const message: unknown = JSON.parse(data)
    return typeof message === "object" && message !== null && "id" in message && !("method" in message)
  } catch {
    return false
  }
}

/**
 * The rest of a web stream as a Node stream, after the chunks already read. Destroying it (the client
 * went away) cancels the web stream, so the SDK drops its side too.
 */
const nodeStreamOf = (reader: ReadableStreamDefaultReader<Uint8Array>, pending: Array<Uint8Array>): Readable =>
  new Readable({
    read() {
      const next = pending.shift()
      if (next !== undefined) {
        this.push(next)
        return
      }
      reader.read().then(
        ({ done, value }) => this.push(done ? null : value),
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error)))
      )
    },
    destroy(error, callback) {
      reader.cancel(error ?? undefined).then(
        () => callback(error),
        () => callback(error)
      )
    }
  })

/**
 * A POST's SSE answer. When its first event is the response itself (a call that sent no progress or
 * log notification first, the usual case) the SDK has closed the stream right after it, so the
 * answer goes out whole, in one write with its headers; otherwise the events are piped as they come.
 * Interrupted (the client went away) while waiting, it cancels the stream.
 */
const postAnswer = (body: ReadableStream<Uint8Array>): Effect.Effect<Uint8Array | Readable> =>
  Effect.promise(async (signal) => {
    const reader = body.getReader()
    signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true })
    const first = await reader.read()
    if (first.done) return new Uint8Array(0)
    if (!isFinalAnswer(first.value)) return nodeStreamOf(reader, [first.value])
    const next = await reader.read()
    return next.done ? first.value : nodeStreamOf(reader, [first.value, next.value])
  })

/**
 * The SDK transport's web `Response` as the platform's response, converted once: the headers to a
 * record, a JSON answer read whole (one write with its headers), a POST's SSE answer whole when it is
 * one event (`postAnswer`), any other SSE stream piped to the socket as the SDK writes it (a Node
 * stream: the platform pipes it without running an Effect stream per chunk).
 *
 * `openAtOnce` (the standalone `GET /mcp` stream) starts the stream with a comment, so its headers go
 * out at once: Node holds a response's headers until its first body write, and the SDK writes
 * nothing on that stream until a server message (or its keep-alive, 15 s later), so clients and
 * proxies would wait that long for the stream to open.
 */
export const toServerResponse = (response: Response, openAtOnce: boolean): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  const options = { status: response.status, statusText: response.statusText, headers }
  const body = response.body
  if (body === null) return Effect.succeed(HttpServerResponse.empty(options))
  if ((headers["content-type"] ?? "").startsWith("text/event-stream")) {
    if (openAtOnce) return Effect.succeed(HttpServerResponse.raw(nodeStreamOf(body.getReader(), [OPENING]), options))
    return Effect.map(postAnswer(body), (answer) =>
      answer instanceof Readable ? HttpServerResponse.raw(answer, options) : HttpServerResponse.uint8Array(answer, options)
    )
  }
  return Effect.map(
    Effect.promise(() => response.arrayBuffer()),
    (bytes) => HttpServerResponse.uint8Array(new Uint8Array(bytes), options)
  )
}
