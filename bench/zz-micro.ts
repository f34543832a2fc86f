// in-process: CPU per tool call through ToolRegistry (+ the bridge-like provide), old (main) vs new (this branch)
const ROOTS = { main: "/work/main/src", lean: "/work/wt/lean/src" } as const
type Impl = { name: string; run: (n: number) => Promise<void> }
const make = async (name: keyof typeof ROOTS, tracer: boolean): Promise<Impl> => {
  const root = ROOTS[name]
  const { Effect, Layer, Schema, Option, Logger, Context, Runtime } = await import(name === "main" ? "/work/main/node_modules/effect/dist/esm/index.js" : "/work/wt/lean/node_modules/effect/dist/esm/index.js")
  const { ToolRegistry } = await import(`${root}/mcp/ToolRegistry.ts`)
  const { AccessPolicy } = await import(`${root}/mcp/AccessPolicy.ts`)
  const { makeTool, READ_ANNOTATIONS } = await import(`${root}/mcp/ToolSpec.ts`)
  const { Principal } = await import(`${root}/auth/Principal.ts`)
  const { InfrahubCredentials, apiToken } = await import(`${root}/auth/InfrahubCredentials.ts`)
  const { RequestContext } = await import(`${root}/mcp/RequestContext.ts`)
  const echo = makeTool({
    name: "echo", title: "Echo", description: "Echoes",
    parameters: Schema.Struct({ text: Schema.String }),
    result: Schema.Struct({ echoed: Schema.String }),
    access: "read", annotations: READ_ANNOTATIONS,
    render: (r: { echoed: string }) => `echo: ${r.echoed}`,
    handler: (args: { text: string }) => Effect.succeed({ echoed: args.text })
  })
  const layer = ToolRegistry.layer([echo], { maxResponseBytes: 1_000_000 }).pipe(Layer.provide(AccessPolicy.layer({ readOnly: false, writeScopes: Option.none() })))
  const runtime = await Effect.runPromise(Layer.toRuntime(layer).pipe(Effect.scoped, Effect.provide(Logger.remove(Logger.defaultLogger)), tracer ? (x: unknown) => x : Effect.withTracerEnabled(false)))
  const tools = Context.get(runtime.context, ToolRegistry)
  const principal = { id: "p", user: "alice", scopes: [], mode: "none" }
  const credential = apiToken("t")
  const run = (n: number) =>
    Runtime.runPromise(runtime)(
      Effect.forEach(Array.from({ length: n }), (_: unknown, i: number) =>
        tools.call("echo", { text: "a" }).pipe(
          Effect.provideService(InfrahubCredentials, credential),
          Effect.provideService(Principal, principal),
          Effect.provideService(RequestContext, RequestContext.detached(String(i))),
          Effect.withSpan("mcp.tools/call")
        ), { discard: true })
    )
  return { name: `${name}${tracer ? "" : " (tracer off)"}`, run }
}
const impls = process.env.ONLY ? [await make("lean", true)] : [await make("main", true), await make("lean", true), await make("lean", false)]
for (const impl of impls) await impl.run(2000)
const totals = new Map<string, number>()
const N = 1000
for (let round = 0; round < 15; round++) {
  for (const impl of round % 2 === 0 ? impls : [...impls].reverse()) {
    const before = process.cpuUsage()
    await impl.run(N)
    const used = process.cpuUsage(before)
    totals.set(impl.name, (totals.get(impl.name) ?? 0) + (used.user + used.system) / N)
  }
}
for (const [name, total] of totals) console.log(name, (total / 15).toFixed(1), "µs CPU per call")
