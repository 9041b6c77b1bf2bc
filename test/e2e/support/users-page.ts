import type { Locator, Page } from 'playwright-core';

export interface NewUser {
  firstName: string;
  lastName: string;
  emailAddress: string;
  password: string;
}

/** The text as rendered (hidden parts left out): what a person reads, not the DOM's text. */
export function shownText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, on purpose.
  return locator.innerText();
}

/** The texts a screen reader announces as the element's description (aria-describedby). */
export async function describedBy(page: Page, element: Locator) {
  const ids = (await element.getAttribute('aria-describedby'))?.split(' ').filter(Boolean) ?? [];
  return Promise.all(
    ids.map(async (id) => ({ id, text: (await page.locator(`[id="${id}"]`).textContent()) ?? '' })),
  );
}

/**
 * The page as a person sees it: sections found by their headings, fields by their labels,
 * buttons by their names. Tests read as what someone does on the page. Waits are Playwright's
 * own (a locator waits for its element), so this also drives test/e2e/screenshot.ts.
 */
export function usersPage(page: Page) {
  const section = (name: string) => page.getByRole('region', { name });
  const activity = section('Activity').getByRole('listitem');

  return {
    page,
    section,
    async open() {
      await page.goto('/');
      // The first load of the table is done once its status line says something.
      await page.locator('#users-status').filter({ hasText: /\S/ }).waitFor();
    },
    async insertUser(user: NewUser) {
      const form = section('Insert user');
      await form.getByLabel('First name').fill(user.firstName);
      await form.getByLabel('Last name').fill(user.lastName);
      await form.getByLabel('Email').fill(user.emailAddress);
      await form.getByLabel('Password').fill(user.password);
      await form.getByRole('button', { name: 'Insert user' }).click();
    },
    async updateUser(
      emailAddress: string,
      changes: { firstName?: string; lastName?: string; password?: string },
    ) {
      const form = section('Update user');
      await form.getByLabel('Email').fill(emailAddress);
      if (changes.firstName !== undefined)
        await form.getByLabel('New first name').fill(changes.firstName);
      if (changes.lastName !== undefined)
        await form.getByLabel('New last name').fill(changes.lastName);
      if (changes.password !== undefined)
        await form.getByLabel('New password').fill(changes.password);
      await form.getByRole('button', { name: 'Update user' }).click();
    },
    async askToDelete(emailAddress: string) {
      const form = section('Delete user');
      await form.getByLabel('Email').fill(emailAddress);
      await form.getByRole('button', { name: 'Delete user' }).click();
      return page.getByRole('dialog', { name: 'Delete this user?' });
    },
    /** The newest entry of the activity list whose label contains `text`. */
    activityEntry(text: string): Locator {
      return activity.filter({ hasText: text }).first();
    },
    activityEntries: () => activity,
    /** Waits until the entry has settled, and returns its badge and detail as shown. */
    async outcomeOf(entry: Locator) {
      const badge = entry.locator('.badge', { hasText: /^(Succeeded|Rejected)$/ });
      await badge.waitFor();
      return {
        badge: await shownText(badge),
        detail: await shownText(entry.locator('.activity-detail')),
      };
    },
    /** Opens the entry's timeline and returns its steps as shown, once it lists `last`. */
    async openTimeline(entry: Locator, last: RegExp) {
      const toggle = entry.getByRole('button', { name: 'Timeline' });
      await toggle.click();
      const steps = entry.getByRole('list', { name: 'Timeline' }).getByRole('listitem');
      await steps.last().filter({ hasText: last }).waitFor();
      return steps.allInnerTexts();
    },
    /** The Operations panel: the queues' figures and the dead letters listed. */
    operations() {
      const panel = section('Operations');
      return {
        panel,
        /** The value shown under a figure's name (`Command queue`). */
        figure: (term: string) =>
          panel
            .locator('.figures > div')
            .filter({ has: page.getByRole('term').filter({ hasText: term }) })
            .getByRole('definition'),
        deadLetter: (commandId: string) =>
          panel
            .getByRole('list', { name: 'Dead letters' })
            .getByRole('listitem')
            .filter({ hasText: commandId }),
      };
    },
    rowOf(emailAddress: string): Locator {
      return section('Read users')
        .getByRole('table')
        .getByRole('row')
        .filter({ hasText: emailAddress });
    },
    /** The row's cells as text, keyed by column: what the person reads. */
    async rowValues(emailAddress: string) {
      const cells = this.rowOf(emailAddress).getByRole('cell');
      const [email, firstName, lastName, created, updated] = await cells.allInnerTexts();
      const updatedAt = await cells.nth(4).locator('time').getAttribute('datetime');
      return { email, firstName, lastName, created, updated, updatedAt };
    },
    /** The message shown at a field, found through the field's accessible description. */
    async fieldMessage(sectionName: string, label: string) {
      const input = section(sectionName).getByLabel(label, { exact: true });
      const parts = await describedBy(page, input);
      return parts
        .filter((part) => part.id.endsWith('-error'))
        .map((part) => part.text)
        .join('');
    },
    formStatus: (sectionName: string) => section(sectionName).getByRole('status'),
  };
}

export type UsersPage = ReturnType<typeof usersPage>;
