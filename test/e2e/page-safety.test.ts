import { describe, expect, it } from 'vitest';
import { uniqueEmail } from '../harness/environment.ts';
import { eventually } from './support/eventually.ts';
import { describedBy, shownText, usersPage } from './support/users-page.ts';
import { useWebSession } from './support/web-session.ts';

const session = useWebSession();

const user = (emailAddress: string) => ({
  firstName: 'Grace',
  lastName: 'Hopper',
  emailAddress,
  password: 'cobol compiler',
});

/** Records every POST /users the page sends, so a test can tell what reached the network. */
async function recordPosts(ui: ReturnType<typeof usersPage>) {
  const posts: string[] = [];
  ui.page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/users') {
      posts.push(request.postData() ?? '');
    }
  });
  return posts;
}

describe('the users page when things go wrong', () => {
  it('shows each field’s rule beside it before anything is submitted', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const insert = ui.section('Insert user');
    const description = async (label: string) =>
      (await describedBy(ui.page, insert.getByLabel(label, { exact: true })))
        .map((part) => part.text)
        .join(' ');
    expect(await description('First name')).toContain('1–100 characters');
    expect(await description('Password')).toContain('8–72 bytes');
    expect(await shownText(insert)).toContain('8–72 bytes');
  });

  it('shows its own message at the email field, and sends nothing, when the address has no @', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const posts = await recordPosts(ui);

    await ui.insertUser(user('grace.example.com'));

    expect(await ui.fieldMessage('Insert user', 'Email')).toBe('Must be a valid email address.');
    expect(await ui.section('Insert user').getByLabel('Email').getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(posts).toEqual([]);
  });

  it('shows the API’s message at the email field when the API refuses an address the page let through', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const refusal = ui.page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/users'),
    );

    await ui.insertUser(user('grace@localhost'));

    expect((await refusal).status()).toBe(400);
    await eventually(
      () => ui.fieldMessage('Insert user', 'Email'),
      (message) => expect(message).toBe('Must be a valid email address.'),
    );
    expect(await ui.activityEntries().count()).toBe(0);
  });

  it('says the service could not be reached, and its Retry sends the same command, applied once', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const keys: string[] = [];
    // The first POST reaches the API but its answer is lost, as on a dropped connection.
    await ui.page.route('**/users', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (keys.length > 1) return route.fallback();
      await route.fetch();
      await route.abort('internetdisconnected');
    });
    const grace = user(uniqueEmail('retry'));

    await ui.insertUser(grace);
    const status = ui.formStatus('Insert user');
    await status.getByRole('button', { name: 'Retry' }).waitFor();
    expect(await shownText(status)).toContain('The service could not be reached.');
    await status.getByRole('button', { name: 'Retry' }).click();

    expect(await ui.outcomeOf(ui.activityEntry(`Insert ${grace.emailAddress}`))).toMatchObject({
      badge: 'Succeeded',
    });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await ui.rowOf(grace.emailAddress).waitFor();
    const records = (await session.t.scanTable('commands')).filter((r) => r.commandId === keys[0]);
    expect(records).toMatchObject([{ status: 'succeeded' }]);
  });

  it('reports a failed table load in words, never the server’s body, and recovers on Retry', async () => {
    const ui = usersPage(session.page());
    await ui.page.route(
      (url) => url.pathname === '/users',
      (route) =>
        route.fulfill({
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({
            code: 'INTERNAL',
            message: 'Error: boom\n    at load (/srv/api.ts:1:1)',
          }),
        }),
      { times: 1 },
    );
    await ui.page.goto('/');
    const status = ui.page.locator('#users-status');
    await status.getByRole('button', { name: 'Retry' }).waitFor();
    expect(await shownText(status)).toContain(
      'Could not load users. The service failed to answer (HTTP 500).',
    );
    expect(await shownText(ui.page.locator('body'))).not.toMatch(/boom|\/srv\/api\.ts/);

    await status.getByRole('button', { name: 'Retry' }).click();

    await eventually(
      () => shownText(status),
      (text) => expect(text).toMatch(/on this page|No users yet/),
    );
  });

  it('sends the page and the API docs with a Content-Security-Policy that forbids inline scripts', async () => {
    const page = session.page();
    const response = await page.goto('/docs');
    const policy = response?.headers()['content-security-policy'] ?? '';
    const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src '));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(policy).toContain("script-src-attr 'none'");
    // Swagger UI renders the API's title only if its scripts ran under that policy, and the
    // session fails any test whose page reports a policy violation.
    await page.getByRole('heading', { name: /User service/ }).waitFor();
    const home = await page.request.get('/');
    expect(home.headers()['content-security-policy']).toBe(policy);
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const ui = usersPage(session.page());
    await ui.page.setViewportSize({ width: 360, height: 740 });
    await ui.open();
    const grace = user(uniqueEmail('phone'));
    await ui.insertUser(grace);
    await ui.rowOf(grace.emailAddress).waitFor();

    const pageWidth = await ui.page.evaluate<number>('document.documentElement.scrollWidth');
    expect(pageWidth).toBeLessThanOrEqual(360);
    const row = await ui.rowOf(grace.emailAddress).boundingBox();
    expect(row?.width).toBeLessThanOrEqual(360);
  });

  it('can be used with the keyboard alone: insert a user, then cancel a delete with Escape', async () => {
    const ui = usersPage(session.page());
    await ui.open();
    const grace = user(uniqueEmail('keyboard'));
    const { keyboard } = ui.page;
    const firstName = ui.section('Insert user').getByLabel('First name');
    const hasFocus = () =>
      firstName.evaluate((input) => input === input.ownerDocument.activeElement);
    for (let presses = 0; presses < 10 && !(await hasFocus()); presses += 1) {
      await keyboard.press('Tab');
    }
    expect(await hasFocus()).toBe(true);

    for (const value of [grace.firstName, grace.lastName, grace.emailAddress, grace.password]) {
      await keyboard.type(value);
      await keyboard.press('Tab');
    }
    await keyboard.press('Enter');

    expect((await ui.outcomeOf(ui.activityEntry(`Insert ${grace.emailAddress}`))).badge).toBe(
      'Succeeded',
    );
    const dialog = await ui.askToDelete(grace.emailAddress);
    await keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await ui.activityEntry(`Delete ${grace.emailAddress}`).count()).toBe(0);
  });
});
