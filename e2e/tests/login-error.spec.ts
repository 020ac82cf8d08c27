// f. A wrong password is refused with a Chinese message.
import { test, expect } from './fixtures';

test('密码错误时显示“用户名或密码错误”', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('用户名').fill('xj.expert');
  await page.getByLabel('密码', { exact: true }).fill('not-the-password');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
    page.getByRole('button', { name: '登录' }).click(),
  ]);
  expect(res.status()).toBe(401);
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('alert')).toHaveText('用户名或密码错误');
  await expect(page.getByLabel('用户名')).toHaveValue('xj.expert');
  await expect(page.getByLabel('密码', { exact: true })).toHaveValue('');
  await expect(page.getByRole('heading', { level: 1 })).not.toContainText('工作台');
});

test('未知用户与错误密码的提示相同', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('用户名').fill('no.such.user');
  await page.getByLabel('密码', { exact: true }).fill('whatever-1234');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toHaveText('用户名或密码错误');
});
