import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** An SSE comment: clients ignore it, and writing it sends the response headers. */
const OPENING = new TextEncoder().encode(": stream open\n\n")

/**
 * The SDK transport's web `Response` as the platform's response, converted once: the headers to a
 * record, a JSON answer read whole (one write with its headers), an SSE answer streamed as the SDK
 * writes it.
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
    const events = Stream.fromReadableStream({ evaluate: () => body, onError: (error) => error })
    return Effect.succeed(HttpServerResponse.stream(openAtOnce ? Stream.concat(Stream.succeed(OPENING), events) : events, options))
  }
  return Effect.map(
    Effect.promise(() => response.arrayBuffer()),
    (bytes) => HttpServerResponse.uint8Array(new Uint8Array(bytes), options)
  )
}
