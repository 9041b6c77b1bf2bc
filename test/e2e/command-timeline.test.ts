import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SAMPLE_HASH, uniqueEmail } from '../harness/environment.ts';
import { eventually } from './support/eventually.ts';
import { type NewUser, shownText, usersPage } from './support/users-page.ts';
import { useWebSession } from './support/web-session.ts';

const session = useWebSession();

function newUser(label: string): NewUser {
  return {
    firstName: 'Grace',
    lastName: 'Hopper',
    emailAddress: uniqueEmail(label),
    password: 'cobol compiler',
  };
}

/** A step's text as shown: its label, its time to the millisecond, the gap since the last. */
const STEP = (label: string, gap = true) =>
  new RegExp(
    `^${label.replace(/[()]/g, '\\$&')}\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3}${gap ? '\\s+\\+\\d+(\\.\\d)? m?s' : ''}`,
  );

describe('a command’s timeline and the Operations panel, in a real browser', () => {
  it('expands an Activity entry, by keyboard, into the command’s steps with the time between them', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('timeline');
    await ui.insertUser(user);
    const entry = ui.activityEntry(`Insert ${user.emailAddress}`);
    expect((await ui.outcomeOf(entry)).badge).toBe('Succeeded');
    const toggle = entry.getByRole('button', { name: 'Timeline' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');

    await toggle.focus();
    await ui.page.keyboard.press('Enter');

    const steps = entry.getByRole('list', { name: 'Timeline' }).getByRole('listitem');
    await steps.filter({ hasText: /^Applied/ }).waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const texts = await steps.allInnerTexts();
    expect(texts).toHaveLength(4);
    expect(texts[0]).toMatch(STEP('Accepted', false));
    expect(texts[1]).toMatch(STEP('Queued'));
    expect(texts[2]).toMatch(STEP('Received (attempt 1)'));
    expect(texts[3]).toMatch(STEP('Applied'));
    expect(await shownText(entry)).toMatch(/\d+(\.\d)? m?s from first to last step\./);
    const times = await steps
      .locator('time')
      .evaluateAll((elements) =>
        elements.map((element) => Date.parse(element.getAttribute('datetime') ?? '')),
      );
    expect(times).toEqual([...times].sort((a, b) => a - b));

    await ui.page.keyboard.press('Space');
    await entry.getByRole('list', { name: 'Timeline' }).waitFor({ state: 'hidden' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  });

  it('ends a rejected command’s timeline with the worker’s reason', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('rejected-timeline');
    await ui.insertUser(user);
    expect((await ui.outcomeOf(ui.activityEntry(`Insert ${user.emailAddress}`))).badge).toBe(
      'Succeeded',
    );
    await ui.insertUser({ ...user, firstName: 'Amazing' });
    const inserts = ui.activityEntries().filter({ hasText: `Insert ${user.emailAddress}` });
    await eventually(
      () => inserts.count(),
      (count) => expect(count).toBe(2),
    );
    const second = ui.activityEntries().first();
    expect((await ui.outcomeOf(second)).badge).toBe('Rejected');

    const steps = await ui.openTimeline(second, /^Rejected/);

    expect(steps.at(-2)).toMatch(STEP('Received (attempt 1)'));
    expect(steps.at(-1)).toMatch(STEP('Rejected'));
    expect(steps.at(-1)).toContain('a user with this email already exists');
  });

  it('shows a dead letter’s reason in the Operations panel after an invalid command is published straight to the queue', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const operations = ui.operations();
    await eventually(
      () => shownText(operations.figure('Command queue')),
      (text) => expect(text).toMatch(/^\d+ waiting, \d+ in flight$/),
    );
    expect(await shownText(operations.figure('Oldest message'))).toContain('Unknown here');
    const commandId = `page-invalid-${randomUUID()}`;
    const email = uniqueEmail('dead-letter');

    // Another service publishes a command the contract refuses (no last name).
    await session.t.publishRaw(
      JSON.stringify({
        schemaVersion: 1,
        commandId,
        type: 'user.create',
        issuedAt: new Date().toISOString(),
        payload: {
          emailAddress: email,
          firstName: 'Grace',
          lastName: '',
          passwordHash: SAMPLE_HASH,
        },
      }),
    );

    // The panel reads on its own every few seconds: no reload, no click.
    const letter = operations.deadLetter(commandId);
    await letter.waitFor();
    const text = await shownText(letter);
    expect(text).toContain('Invalid');
    expect(text).toContain('payload.lastName: must not be empty');
    expect(text).toMatch(/ago\)/);
    expect(await shownText(operations.panel)).not.toContain(email);
    await eventually(
      () => shownText(operations.figure('Dead-letter queue')),
      (shown) => expect(shown).toMatch(/^[1-9]\d* waiting/),
    );
  });

  it('asks for the Operations figures every few seconds while the tab is shown, and never while it is hidden', async () => {
    const page = session.page();
    await page.clock.install();
    const asked: number[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/operations') asked.push(Date.now());
    });
    const ui = usersPage(page);
    await ui.open();
    await eventually(
      async () => asked.length,
      (count) => expect(count).toBe(1),
    );

    await page.clock.runFor(3000);
    await eventually(
      async () => asked.length,
      (count) => expect(count).toBe(2),
    );

    // What a browser does when its tab is put in the background, and brought back.
    const setHidden = (hidden: boolean) =>
      page.evaluate(`
        Object.defineProperty(document, 'hidden', { value: ${hidden}, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      `);
    await setHidden(true);
    await page.clock.runFor(30_000);
    await page.evaluate('0'); // a round trip, so a request the page made has been reported
    expect(asked).toHaveLength(2);

    await setHidden(false);
    await eventually(
      async () => asked.length,
      (count) => expect(count).toBe(3),
    );
  });
});
