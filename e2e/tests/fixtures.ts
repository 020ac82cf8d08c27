// Shared helpers for the meizhen browser tests.
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'Demo-2020-tz';

const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

/** Every test talks to the server that global-setup.ts started. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.MEIZHEN_BASE_URL;
    if (!url) throw new Error('MEIZHEN_BASE_URL is not set: run the suite with `npx playwright test` (global-setup.ts starts the server)');
    await use(url);
  },
});

export { expect };

/** Logs in through the form on /login and waits for the page after it. */
export async function login(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: '登录' }).click(),
  ]);
}

/** Screenshot into e2e/screenshots/NAME.png: the whole page, or only what the viewport shows. */
export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: opts.fullPage ?? true });
}

/** The h1 of the page (its text includes the badge and code spans). */
export function h1(page: Page) {
  return page.getByRole('heading', { level: 1 });
}
