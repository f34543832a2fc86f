import { describe, expect, it } from "@effect/vitest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
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

  it.effect("opens the standalone GET stream with a comment, so its headers go out before the first event", () =>
    Effect.gen(function* () {
      const answer = yield* toServerResponse(sseResponse(["event: message\ndata: {}\n\n"]), true)
      expect((yield* received(answer)).text).toBe(": stream open\n\nevent: message\ndata: {}\n\n")
    })
  )
})
