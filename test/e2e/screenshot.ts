import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createApi } from '../../api/wiring.ts';
import { startEmulators } from '../../scripts/dev/emulators.ts';
import { createDynamoDbClient, createSqsClient } from '../../shared/aws-clients.ts';
import { loadConfig } from '../../shared/config.ts';
import { createLogger } from '../../shared/logger.ts';
import { provisionResources } from '../../shared/provision.ts';
import { resolveQueueUrl } from '../../shared/queue-url.ts';
import { createWorker } from '../../worker/worker.ts';
import { launchChromium } from './support/chromium.ts';
import { type UsersPage, usersPage } from './support/users-page.ts';

/**
 * `npm run screenshot [-- out.png]`: the README's picture of the page, taken with the
 * end-to-end tests' tooling. Runs the whole system in memory on free ports, fills the page
 * the way a person would (so the activity list is real), has another service publish one
 * command the contract refuses (so the Operations panel lists a dead letter), then
 * photographs it.
 */
const out = process.argv[2] ?? 'docs/screenshot.png';
const say = (line: string) => process.stdout.write(`[screenshot] ${line}\n`);

const emulators = await startEmulators();
const stops: (() => Promise<void>)[] = [() => emulators.stop()];
try {
  // In one process the AWS SDK finds the emulators' credentials in the environment.
  Object.assign(process.env, emulators.env);
  const config = loadConfig({ ...emulators.env, BCRYPT_COST: '4', LOG_LEVEL: 'error' });
  const log = createLogger({ name: 'screenshot', level: 'error', pretty: false });
  const sqs = createSqsClient(config.aws, { requestTimeoutMs: 5000 });
  stops.push(async () => sqs.destroy());
  await provisionResources({
    dynamoDb: createDynamoDbClient(config.aws, { requestTimeoutMs: 5000 }),
    sqs,
    names: config.resources,
  });
  const api = await createApi(config, log);
  stops.push(() => api.close());
  const worker = await createWorker(config, log);
  worker.start();
  stops.push(() => worker.stop());
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  stops.push(() => browser.close());

  const context = await browser.newContext({
    baseURL: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 2,
  });
  const publishRefused = async () => {
    const QueueUrl = await resolveQueueUrl(sqs, config.resources.queues.command, {
      timeoutSeconds: 5,
      log,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageGroupId: randomUUID(),
        MessageDeduplicationId: randomUUID(),
        MessageBody: JSON.stringify({
          schemaVersion: 1,
          commandId: 'billing-sync-0042',
          type: 'user.update',
          issuedAt: new Date().toISOString(),
          payload: { emailAddress: 'alan@example.com', lastName: '' },
        }),
      }),
    );
  };
  await fillThePage(usersPage(await context.newPage()), publishRefused);
  await context.pages()[0]?.screenshot({ path: out, fullPage: true });
  say(`wrote ${out}`);
} finally {
  for (const stop of stops.reverse()) await stop();
}

/**
 * A few users, one rejected duplicate and one update: every state the page can show; the
 * update's timeline open, and a dead letter from another service in the Operations panel.
 */
async function fillThePage(ui: UsersPage, publishRefused: () => Promise<void>) {
  await ui.open();
  const people = [
    ['Ada', 'Lovelace', 'ada@example.com'],
    ['Grace', 'Hopper', 'grace@example.com'],
    ['Alan', 'Turing', 'alan@example.com'],
    ['Katherine', 'Johnson', 'katherine@example.com'],
  ] as const;
  for (const [firstName, lastName, emailAddress] of people) {
    await ui.insertUser({ firstName, lastName, emailAddress, password: 'correct horse' });
    await ui.outcomeOf(ui.activityEntry(`Insert ${emailAddress}`));
  }
  const duplicate = { firstName: 'Ada', lastName: 'Byron', emailAddress: 'ada@example.com' };
  await ui.insertUser({ ...duplicate, password: 'correct horse' });
  await ui.outcomeOf(ui.activityEntries().first());
  await ui.updateUser('grace@example.com', { lastName: 'Murray Hopper' });
  await ui.outcomeOf(ui.activityEntries().first());
  await ui.rowOf('Murray Hopper').waitFor();
  await ui.openTimeline(ui.activityEntries().first(), /^Applied/);
  await publishRefused();
  await ui.operations().deadLetter('billing-sync-0042').waitFor();
  // The forms' own status lines and inputs would only add noise to the picture.
  for (const form of await ui.page.locator('form').all()) await form.evaluate((f) => f.reset());
  await ui.page.locator('form .form-status').evaluateAll((lines) => {
    for (const line of lines) line.replaceChildren();
  });
  await ui.page.mouse.move(0, 0);
}
