import { startEmulators } from '../../scripts/dev/emulators.ts';

/** Started by startEmulatorsInOwnProcess (emulators.ts): prints the env as one JSON line. */
const emulators = await startEmulators();
process.stdout.write(`${JSON.stringify(emulators.env)}\n`);
const stop = async () => {
  await emulators.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
