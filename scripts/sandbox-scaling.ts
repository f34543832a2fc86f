/**
 * Timings for the lead's benchmark (not a test): the cost of one create at 1 000 and at 20 000 nodes of a
 * kind, and of reading 20 000 nodes 50 at a time, against the in-process sandbox engine.
 *
 *   npx tsx scripts/sandbox-scaling.ts
 */
import { performance } from "node:perf_hooks"
import { Either } from "effect"
import { makeEngine } from "../src/sandbox/graphql/engine.js"
import { builtinRegistry } from "../src/sandbox/schema/build.js"

const engine = makeEngine(Either.getOrThrow(builtinRegistry()))
const admin = { accountId: engine.ensureAccount("admin"), name: "admin" }
const run = (query: string) => {
  const answer = engine.execute({ body: { query }, branch: undefined, actor: admin, allowAnonymous: true })
  const body = answer.body as { errors?: unknown }
  if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
  return answer.body as { data: Record<string, { count: number }> }
}

let created = 0
const createUpTo = (total: number) => {
  while (created < total) {
    const fields: Array<string> = []
    for (let i = 0; i < 200 && created < total; i++, created++) fields.push(`t${created}: BuiltinTagCreate(data: {name: {value: "tag-${created}"}}) { ok }`)
    run(`mutation { ${fields.join(" ")} }`)
  }
}
/** Median milliseconds of one create (one mutation document each) once `total` tags exist. */
const createCost = (total: number): number => {
  createUpTo(total)
  run("query { BuiltinTag { count } }")
  const samples: Array<number> = []
  for (let i = 0; i < 50; i++) {
    const start = performance.now()
    run(`mutation { BuiltinTagCreate(data: {name: {value: "probe-${total}-${i}"}}) { ok } }`)
    samples.push(performance.now() - start)
  }
  return samples.sort((a, b) => a - b)[25] ?? Number.NaN
}

const at1k = createCost(1_000)
const at20k = createCost(20_000)
const pagingStart = performance.now()
let pages = 0
for (let offset = 0; ; offset += 50, pages++) {
  const page = run(`query { BuiltinTag(offset: ${offset}, limit: 50) { count edges { node { id } } } }`)
  if (offset + 50 >= (page.data["BuiltinTag"]?.count ?? 0)) break
}
const paging = performance.now() - pagingStart
console.log(`create at 1 000 tags: ${at1k.toFixed(2)} ms; at 20 000 tags: ${at20k.toFixed(2)} ms (median of 50)`)
console.log(`read ${pages + 1} pages of 50 (${created + 100} tags): ${paging.toFixed(0)} ms in all, ${(paging / (pages + 1)).toFixed(2)} ms a page`)
