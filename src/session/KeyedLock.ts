import * as Effect from "effect/Effect"

/**
 * One mutex per key, created on demand and dropped when nobody holds or waits for it. Serialises
 * work per workspace (two concurrent first writes of one session must create one branch) without
 * making unrelated sessions wait on each other.
 */
export const makeKeyedLock = () => {
  const locks = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()

  const acquire = (key: string) =>
    Effect.sync(() => {
      const existing = locks.get(key)
      if (existing !== undefined) {
        existing.users += 1
        return existing
      }
      const created = { semaphore: Effect.unsafeMakeSemaphore(1), users: 1 }
      locks.set(key, created)
      return created
    })

  const release = (key: string) =>
    Effect.sync(() => {
      const entry = locks.get(key)
      if (entry === undefined) return
      entry.users -= 1
      if (entry.users === 0) locks.delete(key)
    })

  return {
    withLock:
      (key: string) =>
      <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.acquireUseRelease(
          acquire(key),
          (entry) => entry.semaphore.withPermits(1)(self),
          () => release(key)
        )
  }
}
