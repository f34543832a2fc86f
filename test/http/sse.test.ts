import { describe, expect, it } from "@effect/vitest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { Readable } from "node:stream"
import { Effect, Fiber } from "effect"
import { toServerResponse } from "../../src/http/sse.js"

/** What a client receives for the converted response: status, headers and the body's text. */
const received = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.promise(async () => {
    const web = HttpServerResponse.toWeb(response)
    return { status: web.status, type: web.headers.get("content-type"), session: web.headers.get("mcp-session-id"), text: await web.text() }
  })

/** An SSE body that, like the SDK's, only holds what the server has sent so far. */
const sseResponse = (events: ReadonlyArray<string>) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start: (controller) => {
        for (const event of events) controller.enqueue(new TextEncoder().encode(event))
        controller.close()
      }
    }),
    { status: 200, headers: { "content-type": "text/event-stream", "mcp-session-id": "s-1" } }
  )

describe("toServerResponse (the SDK's web Response, converted once)", () => {
  it.effect("passes a JSON answer through whole, with its status and headers", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} })
      const answer = yield* toServerResponse(
        new Response(body, { status: 200, headers: { "content-type": "application/json", "mcp-session-id": "s-1" } }),
        false
      )
      expect(yield* received(answer)).toEqual({ status: 200, type: "application/json", session: "s-1", text: body })
    })
  )

  it.effect("keeps a body-less answer body-less (202 for a notification)", () =>
    Effect.gen(function* () {
      const answer = yield* toServerResponse(new Response(null, { status: 202 }), false)
      expect((yield* received(answer)).status).toBe(202)
      expect((yield* received(answer)).text).toBe("")
    })
  )

  it.effect("streams a POST's SSE events exactly as the SDK wrote them", () =>
    Effect.gen(function* () {
      const events = ["event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n", "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1}\n\n"]
      const answer = yield* toServerResponse(sseResponse(events), false)
      expect(yield* received(answer)).toEqual({ status: 200, type: "text/event-stream", session: "s-1", text: events.join("") })
    })
  )

  it.effect("sends a one-event answer (the response alone) whole, as one body", () =>
    Effect.gen(function* () {
      const event = "event: message\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n"
      const answer = yield* toServerResponse(sseResponse([event]), false)
      expect(answer.body._tag).toBe("Uint8Array")
      expect(yield* received(answer)).toEqual({ status: 200, type: "text/event-stream", session: "s-1", text: event })
    })
  )

  it.effect("pipes an answer that starts with a notification, so the client sees it before the response exists", () =>
    Effect.gen(function* () {
      let send: (text: string) => void = () => undefined
      let close: () => void = () => undefined
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          send = (text) => controller.enqueue(new TextEncoder().encode(text))
          close = () => controller.close()
        }
      })
      send("event: message\ndata: {\"method\":\"notifications/progress\",\"params\":{},\"jsonrpc\":\"2.0\"}\n\n")
      const answer = yield* toServerResponse(new Response(body, { headers: { "content-type": "text/event-stream" } }), false)
      expect(answer.body._tag).toBe("Raw")
      const stream = (answer.body as { readonly body: unknown }).body as Readable
      const firstChunk = yield* Effect.promise(() => new Promise<string>((resolve) => stream.once("data", (chunk: Buffer) => resolve(chunk.toString()))))
      expect(firstChunk).toContain("notifications/progress")
      send("event: message\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n")
      close()
    })
  )

  it.effect("a client that goes away while the answer is pending cancels the SDK's stream", () =>
    Effect.gen(function* () {
      let cancelled = false
      const body = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) })
      const fiber = yield* Effect.fork(toServerResponse(new Response(body, { headers: { "content-type": "text/event-stream" } }), false))
      // Once the answer is being read (the stream is locked to its reader), the client goes away.
      while (!body.locked) yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(cancelled).toBe(true)
    })
  )

  it.effect("opens the standalone GET stream with a comment, so its headers go out before the first event", () =>
    Effect.gen(function* () {
      const answer = yield* toServerResponse(sseResponse(["event: message\ndata: {}\n\n"]), true)
      expect((yield* received(answer)).text).toBe(": stream open\n\nevent: message\ndata: {}\n\n")
    })
  )
})
