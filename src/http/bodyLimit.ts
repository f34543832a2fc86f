import { Readable } from "node:stream"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/** The body went past the limit; reading stopped there. */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {}

/** The client went away (or the socket failed) before the body was complete. */
export class BodyUnreadable extends Data.TaggedError("BodyUnreadable")<{ readonly detail: string }> {}

/**
 * Reads a Node request stream up to `limit` bytes. Past the limit it stops listening and pauses the
 * stream instead of draining or destroying it: the 413 can still be written on the same socket, and
 * the rest of the upload is never read into memory.
 */
const readUpTo = (source: Readable, limit: number): Effect.Effect<Uint8Array<ArrayBuffer>, BodyTooLarge | BodyUnreadable> =>
  Effect.async((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const detach = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
      source.off("close", onClose)
    }
    function onData(chunk: Buffer) {
      size += chunk.length
      if (size > limit) {
        detach()
        source.pause()
        resume(Effect.fail(new BodyTooLarge({ limit })))
        return
      }
      chunks.push(chunk)
    }
    function onEnd() {
      detach()
      resume(Effect.succeed(Buffer.concat(chunks, size)))
    }
    function onError(error: Error) {
      detach()
      resume(Effect.fail(new BodyUnreadable({ detail: error.message })))
    }
    function onClose() {
      detach()
      resume(Effect.fail(new BodyUnreadable({ detail: "the client closed the connection before the body was complete" })))
    }
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onError)
    source.once("close", onClose)
    return Effect.sync(detach)
  })

/** The body of any request, read at most to `limit` (a Node request directly, any other through the platform). */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<Uint8Array<ArrayBuffer>, BodyTooLarge | BodyUnreadable> => {
  const source: unknown = NodeHttpServerRequest.toIncomingMessage(request)
  if (source instanceof Readable) return readUpTo(source, limit)
  return request.arrayBuffer.pipe(
    HttpIncomingMessage.withMaxBodySize(Option.some(limit)),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.mapError((error) =>
      String(error.cause).includes("maxBytes") ? new BodyTooLarge({ limit }) : new BodyUnreadable({ detail: error.message })
    )
  )
}

/** Whether a request carries a body at all (chunked, or a non-zero Content-Length). */
const hasBody = (request: HttpServerRequest.HttpServerRequest): boolean =>
  request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? "0") > 0

/** The same request with its body already read: routes after this middleware read it from memory. */
const withBufferedBody = (request: HttpServerRequest.HttpServerRequest, body: Uint8Array<ArrayBuffer>): HttpServerRequest.HttpServerRequest => {
  // Fetch's Request refuses a body on GET and HEAD; no route reads one there, so it is dropped.
  const bodyless = request.method === "GET" || request.method === "HEAD"
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (name !== "transfer-encoding" && name !== "content-length") headers.set(name, value)
  }
  if (!bodyless) headers.set("content-length", String(body.byteLength))
  const url = Option.getOrElse(HttpServerRequest.toURL(request), () => new URL(request.url, "http://localhost"))
  const buffered = HttpServerRequest.fromWeb(new Request(url, { method: request.method, headers, ...(bodyless ? {} : { body }) }))
  return Option.match(request.remoteAddress, {
    onNone: () => buffered.modify({ url: request.url }),
    onSome: (remoteAddress) => buffered.modify({ url: request.url, remoteAddress })
  })
}

export const bodyTooLargeResponse = (limit: number) =>
  HttpServerResponse.unsafeJson(
    {
      error: "request_too_large",
      error_description: `The request body is larger than ${limit} bytes (INFRAHUB_MCP_MAX_BODY_BYTES), so it was not read; send a smaller request.`
    },
    // No `Connection: close`: closing at once would reset a client still uploading before it reads
    // this answer. The rest of the body stays unread (the socket is paused, so nothing is buffered)
    // until the client gives up or INFRAHUB_MCP_HTTP_REQUEST_TIMEOUT closes the connection.
    { status: 413 }
  )

/**
 * A request's body read at most to `limit`, or the answer to send instead: 413 for a declared
 * Content-Length over the limit (refused before anything is read) or a body that grows past it, 400
 * for a body the client did not finish. A request without a body reads as empty.
 */
export const boundedBody = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<Either.Either<Uint8Array<ArrayBuffer>, HttpServerResponse.HttpServerResponse>> => {
  if (!hasBody(request)) return Effect.succeed(Either.right(new Uint8Array(0)))
  if (Number(request.headers["content-length"] ?? "0") > limit) return Effect.succeed(Either.left(bodyTooLargeResponse(limit)))
  return readBody(request, limit).pipe(
    Effect.map(Either.right),
    Effect.catchAll((error) =>
      Effect.succeed(Either.left(
        error._tag === "BodyTooLarge"
          ? bodyTooLargeResponse(limit)
          : HttpServerResponse.unsafeJson(
              { error: "invalid_request", error_description: `The request body could not be read: ${error.detail}.` },
              { status: 400, headers: { connection: "close" } }
            )
      ))
    )
  )
}

/**
 * INFRAHUB_MCP_MAX_BODY_BYTES for every route: a chunked or oversized body is read only up to the
 * limit (`boundedBody`), so a large upload costs at most `limit` bytes of memory. Downstream handlers
 * (OAuth, anything mounted later) see the request with its body already in memory and read it as
 * usual. `/mcp` calls `boundedBody` itself and parses the bytes, without a rebuilt request.
 */
export const limitBody = (limit: number) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!hasBody(request)) return yield* app
      const body = yield* boundedBody(request, limit)
      if (Either.isLeft(body)) return body.left
      return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBufferedBody(request, body.right))
    })
  )
