/**
 * Request bodies of the OAuth endpoints: read under the platform's `MaxBodySize`, stopping at the
 * limit, then decoded with Schema.
 *
 * Why not `HttpServerRequest.schemaBodyForm`/`schemaBodyJson` directly: on Node, the platform's
 * reader does stop at `MaxBodySize`, but it then destroys the request stream, which resets the
 * socket, so the client sees a connection reset instead of our 413. This reader stops consuming at
 * the limit *without* destroying the stream; the 413 then goes out on the same connection, whose
 * unread rest waits until the client gives up or the request timeout closes it (`routes.ts`). A
 * 300 MB chunked body costs at most one socket buffer (~64 KiB).
 */
import { IncomingMessage } from "node:http"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/** The body is larger than `limit` bytes; nothing past the limit was read. */
export class RequestBodyTooLarge extends Data.TaggedError("RequestBodyTooLarge")<{ readonly limit: number }> {
  override get message(): string {
    return `The request body is larger than ${this.limit} bytes, the most this endpoint accepts. OAuth requests are small: send only the parameters the endpoint needs.`
  }
}

/** The body cannot be read or is not what the endpoint expects; `message` says what is wrong. */
export class RequestBodyInvalid extends Data.TaggedError("RequestBodyInvalid")<{ readonly message: string }> {}

export type RequestBodyError = RequestBodyTooLarge | RequestBodyInvalid

interface Collected {
  readonly chunks: Chunk.Chunk<Uint8Array>
  readonly size: number
}

const unreadable = (cause: unknown) =>
  new RequestBodyInvalid({ message: `the request body could not be read (${cause instanceof Error ? cause.message : String(cause)})` })

/** Reads a Node request up to `limit` bytes; `None` as soon as it is longer, leaving the rest unread. */
const readNode = (source: IncomingMessage, limit: number): Effect.Effect<Option.Option<Buffer>, RequestBodyInvalid> =>
  NodeStream.fromReadable<RequestBodyInvalid, Uint8Array>(() => source, unreadable, { closeOnDone: false }).pipe(
    Stream.runFoldWhile(
      { chunks: Chunk.empty(), size: 0 } as Collected,
      (collected) => collected.size <= limit,
      (collected, chunk) => ({ chunks: Chunk.append(collected.chunks, chunk), size: collected.size + chunk.byteLength })
    ),
    Effect.map((collected) => (collected.size > limit ? Option.none() : Option.some(Buffer.concat(Chunk.toReadonlyArray(collected.chunks)))))
  )

/**
 * The body as text, at most `MaxBodySize` bytes (`HttpIncomingMessage.withMaxBodySize`). A declared
 * `Content-Length` over the limit is refused before reading anything.
 */
export const bodyText: Effect.Effect<string, RequestBodyError, HttpServerRequest.HttpServerRequest> = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const limit = Option.getOrElse(Option.map(yield* HttpIncomingMessage.MaxBodySize, Number), () => Number.POSITIVE_INFINITY)
  if (Number(request.headers["content-length"] ?? "0") > limit) return yield* new RequestBodyTooLarge({ limit })
  const source = NodeHttpServerRequest.toIncomingMessage(request)
  if (!(source instanceof IncomingMessage)) {
    // Not served by Node (an in-process web request): no socket to protect; read, then check.
    const text = yield* Effect.mapError(request.text, unreadable)
    return Buffer.byteLength(text) > limit ? yield* new RequestBodyTooLarge({ limit }) : text
  }
  const body = yield* readNode(source, limit)
  if (Option.isNone(body)) return yield* new RequestBodyTooLarge({ limit })
  return body.value.toString("utf8")
})

const mediaType = (request: HttpServerRequest.HttpServerRequest): string =>
  (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? ""

/** The first problem Schema found, as `name: problem`. */
const firstIssue = (error: ParseResult.ParseError): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return issue === undefined ? error.message : `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`
}

/**
 * An `application/x-www-form-urlencoded` body decoded with `schema`. RFC 6749 §3.1: a parameter sent
 * twice is an error, so a smuggled second value can never be the one that gets checked.
 */
export const formBody = <A, I extends Readonly<Record<string, string | undefined>>>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (mediaType(request) !== "application/x-www-form-urlencoded") {
      return yield* new RequestBodyInvalid({ message: "the body must be application/x-www-form-urlencoded" })
    }
    const fields = new Map<string, string>()
    for (const [name, value] of new URLSearchParams(yield* bodyText)) {
      if (fields.has(name)) return yield* new RequestBodyInvalid({ message: `the parameter ${name} is repeated` })
      fields.set(name, value)
    }
    return yield* Schema.decodeUnknown(schema)(Object.fromEntries(fields)).pipe(
      Effect.mapError((error) => new RequestBodyInvalid({ message: firstIssue(error) }))
    )
  })

/** An `application/json` body, parsed but not yet decoded (the caller's Schema decides the error codes). */
export const jsonBody: Effect.Effect<unknown, RequestBodyError, HttpServerRequest.HttpServerRequest> = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (mediaType(request) !== "application/json") {
    return yield* new RequestBodyInvalid({ message: "the body must be application/json" })
  }
  return yield* Schema.decode(Schema.parseJson())(yield* bodyText).pipe(
    Effect.mapError(() => new RequestBodyInvalid({ message: "the request body is not valid JSON" }))
  )
})
