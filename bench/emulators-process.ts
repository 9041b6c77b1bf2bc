import { startEmulators } from '../scripts/emulators.ts';

/**
 * The emulators in a process of their own, so a baseline loop in the bench process does not
 * share its event loop with the SQS emulator it measures. Prints the env as one JSON line.
 */
const emulators = await startEmulators();
process.stdout.write(`${JSON.stringify(emulators.env)}\n`);
const stop = async () => {
  await emulators.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
