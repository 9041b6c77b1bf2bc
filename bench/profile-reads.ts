import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { getItem, runForDuration } from './baselines.ts';
import { newResources } from './context.ts';
import { startEmulatorProcess } from './processes.ts';

/** Dev aid: D alone (reads via API vs GetItem), optionally with --cpu-prof (PROFILE=1). */
const emulators = await startEmulatorProcess();
const r = await newResources(emulators.env, 'prof');
const TableName = r.config.resources.tables.users;
await r.dynamoDb.send(
  new PutCommand({
    TableName,
    Item: {
      emailAddress: 'c-1@bench.io',
      firstName: 'a',
      lastName: 'b',
      dateCreated: 'x',
      dateUpdated: 'y',
    },
  }),
);
const flags = process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
const child = spawn(process.execPath, [...flags, 'api/main.ts'], {
  env: { ...process.env, ...r.env },
  stdio: ['ignore', 'ignore', 'inherit'],
});
await sleep(2500);
for (let round = 0; round < 2; round++) {
  const res = await autocannon({
    url: `http://127.0.0.1:${r.env.PORT}/users/c-1@bench.io`,
    connections: 32,
    duration: 5,
  });
  const api = res['2xx'] / res.duration;
  const bare = await runForDuration(32, 5, () => getItem(r.dynamoDb, TableName, 'c-1@bench.io'));
  process.stdout.write(
    `api ${api.toFixed(0)}/s  bare ${bare.toFixed(0)}/s  ratio ${(api / bare).toFixed(2)}\n`,
  );
}
child.kill('SIGTERM');
await once(child, 'exit');
await emulators.stop();
