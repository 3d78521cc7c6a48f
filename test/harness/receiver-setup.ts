/**
 * vitest globalSetup for the worker project: a real receiver (test/harness/receiver.ts) on 127.0.0.1 for
 * the delivery tests, whose workerd code reaches it by `inject('receiverUrl')`.
 */
import type { TestProject } from 'vitest/node'
import { Receiver } from './receiver.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    receiverUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = new Receiver()
  await receiver.start(0)
  project.provide('receiverUrl', receiver.url)
  return () => receiver.stop()
}
