import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../../harness/environment.ts';
import { launchChromium } from './chromium.ts';

/** Where a failing test leaves a picture of the page (git-ignored). */
export const FAILURE_SCREENSHOTS = 'test-results/e2e';

export interface WebSession {
  t: TestEnvironment;
  baseUrl: string;
  browser: Browser;
  /** The page of the running test: a fresh browser context per test. */
  page(): Page;
}

/**
 * For one test file: the real API (listening on a free port) and worker on the emulators,
 * one Chromium, and a fresh page per test. After each test it fails the test on any uncaught
 * script error or Content-Security-Policy violation, and keeps a screenshot if it failed.
 */
export function useWebSession(): WebSession {
  let current: Page | undefined;
  let problems: string[] = [];
  const session = {
    page: () => {
      if (!current) throw new Error('no page: call page() inside a test');
      return current;
    },
  } as WebSession;

  beforeAll(async () => {
    session.t = await createTestEnvironment({ LOG_LEVEL: 'warn' });
    const api = await session.t.startApi();
    await session.t.startWorker();
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    session.baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    session.browser = await launchChromium();
  });

  afterAll(async () => {
    await session.browser?.close();
    await session.t?.close();
  });

  beforeEach(async () => {
    const context = await session.browser.newContext({ baseURL: session.baseUrl });
    current = await context.newPage();
    // Longer than the slowest step (a command through queue and worker), far below the test timeout.
    current.setDefaultTimeout(15_000);
    problems = [];
    current.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    current.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
  });

  afterEach(async ({ task }) => {
    const page = current;
    current = undefined;
    if (!page) return;
    if (task.result?.state === 'fail') {
      await mkdir(FAILURE_SCREENSHOTS, { recursive: true });
      const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
      await page.screenshot({ path: `${FAILURE_SCREENSHOTS}/${name}.png`, fullPage: true });
    }
    await page.context().close();
    expect(problems, 'script errors or CSP violations on the page').toEqual([]);
  });

  return session;
}
