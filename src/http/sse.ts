import { Readable } from "node:stream"
import type { ReadableStream as NodeWebStream } from "node:stream/web"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

/** An SSE comment: clients ignore it, and writing it sends the response headers. */
const OPENING = new TextEncoder().encode(": stream open\n\n")

/** The web stream as a Node stream, optionally behind the opening comment. Destroying it cancels the web stream. */
const nodeStreamOf = (body: ReadableStream<Uint8Array>, openAtOnce: boolean): Readable => {
  const web = body as NodeWebStream<Uint8Array>
  if (!openAtOnce) return Readable.fromWeb(web)
  return Readable.from(
    (async function* () {
      yield OPENING
      yield* web
    })(),
    { objectMode: false }
  )
}

/**
 * The SDK transport's web `Response` as the platform's response, converted once: the headers to a
 * record, a JSON answer read whole (one write with its headers), an SSE answer piped to the socket
 * as the SDK writes it (a Node stream: the platform pipes it without running an Effect stream per
 * chunk, and a client that goes away cancels the SDK's stream).
 *
 * `openAtOnce` (the standalone `GET /mcp` stream) starts the stream with a comment, so its headers go
 * out at once: Node holds a response's headers until its first body write, and the SDK writes
 * nothing on that stream until a server message (or its keep-alive, 15 s later), so clients and
 * proxies would wait that long for the stream to open. A POST's stream carries its answer soon, so
 * it does without.
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
    return Effect.succeed(HttpServerResponse.raw(nodeStreamOf(body, openAtOnce), options))
  }
  return Effect.map(
    Effect.promise(() => response.arrayBuffer()),
    (bytes) => HttpServerResponse.uint8Array(new Uint8Array(bytes), options)
  )
}
