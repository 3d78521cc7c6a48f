// Tests that simulate failures (a destination down, D1 or the queue failing) capture what the Worker
// logs, so `npm test` stays quiet, and assert on those lines instead of letting them print.
import { vi } from 'vitest'

/** Captures console.error/warn/log until `vi.restoreAllMocks()`; answers the captured lines. */
export function captureConsole(): string[] {
  const lines: string[] = []
  for (const method of ['error', 'warn', 'log'] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '))
    })
  return lines
}
