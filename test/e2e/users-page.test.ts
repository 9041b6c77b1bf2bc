import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../harness/environment.ts';
import { eventually } from './support/eventually.ts';
import { type NewUser, shownText, usersPage } from './support/users-page.ts';
import { useWebSession } from './support/web-session.ts';

const session = useWebSession();

function newUser(label: string): NewUser {
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    emailAddress: uniqueEmail(label),
    password: 'analytical engine',
  };
}

/** Inserts through the page and waits for the worker, as a person would before going on. */
async function insertAndWait(ui: ReturnType<typeof usersPage>, user: NewUser) {
  await ui.insertUser(user);
  expect(await ui.outcomeOf(ui.activityEntry(`Insert ${user.emailAddress}`))).toMatchObject({
    badge: 'Succeeded',
  });
  await ui.rowOf(user.emailAddress).waitFor();
}

describe('the users page, in a real browser against the real API and worker', () => {
  it('inserts a user: the command is accepted, then succeeds, and the user appears in the table', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('insert');

    await ui.insertUser(user);

    const entry = ui.activityEntry(`Insert ${user.emailAddress}`);
    expect(await ui.outcomeOf(entry)).toMatchObject({
      badge: 'Succeeded',
      detail: expect.stringMatching(/^Applied at/),
    });
    await ui.rowOf(user.emailAddress).waitFor();
    const row = await ui.rowValues(user.emailAddress);
    expect(row).toMatchObject({ email: user.emailAddress, firstName: 'Ada', lastName: 'Lovelace' });
    expect(await shownText(session.page().locator('main'))).not.toContain('$2');
    const stored = await session.t.getUser(user.emailAddress);
    expect(stored).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      dateUpdated: row.updatedAt,
    });
  });

  it('shows the worker’s rejection when the same email is inserted again, and keeps the first user', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('duplicate');
    await insertAndWait(ui, user);

    await ui.insertUser({ ...user, firstName: 'Augusta' });
    // Wait for the second entry: until it appears, the newest one is the first insert's.
    const inserts = ui.activityEntries().filter({ hasText: `Insert ${user.emailAddress}` });
    await eventually(
      () => inserts.count(),
      (count) => expect(count).toBe(2),
    );

    const second = ui.activityEntries().first();
    expect(await shownText(second)).toContain(`Insert ${user.emailAddress}`);
    expect(await ui.outcomeOf(second)).toEqual({
      badge: 'Rejected',
      detail: 'Rejected: a user with this email already exists.',
    });
    expect(await ui.rowOf(user.emailAddress).count()).toBe(1);
    expect((await ui.rowValues(user.emailAddress)).firstName).toBe('Ada');
    expect((await session.t.getUser(user.emailAddress))?.firstName).toBe('Ada');
  });

  it('updates the last name and password: the table shows the new name and a new dateUpdated', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('update');
    await insertAndWait(ui, user);
    const before = await ui.rowValues(user.emailAddress);

    await ui.updateUser(user.emailAddress, { lastName: 'King', password: 'difference engine' });

    const entry = ui.activityEntry(`Update ${user.emailAddress}: last name, password`);
    expect((await ui.outcomeOf(entry)).badge).toBe('Succeeded');
    await eventually(
      () => ui.rowValues(user.emailAddress),
      (row) => expect(row.lastName).toBe('King'),
    );
    const after = await ui.rowValues(user.emailAddress);
    expect(after).toMatchObject({ firstName: 'Ada', lastName: 'King', created: before.created });
    expect(Date.parse(after.updatedAt ?? '')).toBeGreaterThan(Date.parse(before.updatedAt ?? ''));
    const stored = await session.t.getUser(user.emailAddress);
    expect(stored).toMatchObject({ lastName: 'King', dateUpdated: after.updatedAt });
    expect(await bcrypt.compare('difference engine', String(stored?.passwordHash))).toBe(true);
  });

  it('deletes a user only after confirmation, and the user disappears from the table', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('delete');
    await insertAndWait(ui, user);

    const dialog = await ui.askToDelete(user.emailAddress);
    expect(await shownText(dialog)).toContain(user.emailAddress);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await ui.activityEntry(`Delete ${user.emailAddress}`).count()).toBe(0);

    await (await ui.askToDelete(user.emailAddress)).getByRole('button', { name: 'Delete' }).click();

    expect((await ui.outcomeOf(ui.activityEntry(`Delete ${user.emailAddress}`))).badge).toBe(
      'Succeeded',
    );
    await ui.rowOf(user.emailAddress).waitFor({ state: 'detached' });
    expect(await session.t.getUser(user.emailAddress)).toBeUndefined();
  });

  it('looks up one user by email, and says so when no user has that email', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const user = newUser('lookup');
    await insertAndWait(ui, user);
    const read = ui.section('Read users');

    await read.getByLabel('Look up by email').fill(user.emailAddress.toUpperCase());
    await read.getByRole('button', { name: 'Look up' }).click();
    const card = read.locator('#lookup-result');
    await eventually(
      () => shownText(card),
      (text) => expect(text).toContain(user.emailAddress),
    );
    expect(await shownText(card)).toMatch(/First name\s+Ada\s+Last name\s+Lovelace/);

    const nobody = uniqueEmail('nobody');
    await read.getByLabel('Look up by email').fill(nobody);
    await read.getByRole('button', { name: 'Look up' }).click();
    await eventually(
      () => shownText(ui.formStatus('Read users').first()),
      (text) => expect(text).toBe(`No user with email ${nobody}.`),
    );
    expect(await card.isHidden()).toBe(true);
  });
});
