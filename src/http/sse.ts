/** An SSE comment: clients ignore it, and writing it sends the response headers. */
const OPENING = new TextEncoder().encode(": stream open\n\n")

/**
 * Sends an SSE response's headers at once. Node holds a response's headers until its first body
 * write, and the SDK writes nothing on a standalone `GET /mcp` stream until a server message (or
 * its keep-alive, 15 s later), so clients and proxies would wait that long for the stream to open.
 */
export const openStreamAtOnce = (response: Response): Response => {
  if (response.body === null || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return response
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({ start: (controller) => controller.enqueue(OPENING) })
  )
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}
