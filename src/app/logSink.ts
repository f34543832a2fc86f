/**
 * Log lines written in batches: lines logged before the scheduled flush runs leave in one write. A
 * write to stderr is a system call, synchronous for pipes and files, and a busy server logs a line
 * per tool call; batching them costs a line at most the schedule's delay.
 */
export interface LineSink {
  /** Queues one line (without its newline). */
  readonly write: (line: string) => void
  /** Writes every queued line now, in order. */
  readonly flush: () => void
}

export interface LineSinkOptions {
  /** Where the batch goes (e.g. `process.stderr.write`). */
  readonly output: (text: string) => void
  /** Runs `flush` soon (after the current turn); called once per batch. */
  readonly schedule: (flush: () => void) => void
  /** A batch this large (in characters) is written at once rather than waiting for its turn to end. */
  readonly maxBufferedChars: number
}

export const makeLineSink = (options: LineSinkOptions): LineSink => {
  let pending: Array<string> = []
  let pendingChars = 0
  let scheduled = false

  const flush = (): void => {
    scheduled = false
    if (pending.length === 0) return
    const text = `${pending.join("\n")}\n`
    pending = []
    pendingChars = 0
    options.output(text)
  }

  const write = (line: string): void => {
    pending.push(line)
    pendingChars += line.length + 1
    if (pendingChars >= options.maxBufferedChars) return flush()
    if (!scheduled) {
      scheduled = true
      options.schedule(flush)
    }
  }

  return { write, flush }
}
