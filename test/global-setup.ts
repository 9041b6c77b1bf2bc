import type { TestProject } from 'vitest/node';
import { type Emulators, startEmulators } from '../scripts/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: Record<string, string>;
  }
}

let emulators: Emulators | undefined;

/** One fauxqs and one DynamoDB Local for the whole run, on free ports, in memory. */
export async function setup(project: TestProject) {
  emulators = await startEmulators();
  project.provide('emulatorEnv', emulators.env);
}

export async function teardown() {
  await emulators?.stop();
}
