// d. First admin login: the one-time password (printed by `meizhen demo`, read in
//    global setup) must be replaced before anything else is reachable.
import { test, expect, login, h1 } from './fixtures';

const NEW_PASSWORD = 'Zhejiang-Meizhen-2026!';

test('系统管理员首次登录须先修改一次性密码', async ({ page }) => {
  const otp = process.env.MEIZHEN_ADMIN_OTP;
  expect(otp, 'global setup reads the admin one-time password').toBeTruthy();

  await login(page, 'admin', otp!);
  await expect(page).toHaveURL(/\/password$/);
  await expect(h1(page)).toHaveText('修改密码');
  await expect(page.getByRole('status')).toContainText('一次性密码');

  // Nothing else is reachable before the change.
  await page.goto('/regions/33');
  await expect(page).toHaveURL(/\/password$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/password$/);

  // A mismatched confirmation is refused with a message.
  await page.getByLabel('当前密码').fill(otp!);
  await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('确认新密码').fill(NEW_PASSWORD + 'x');
  await page.getByRole('button', { name: '保存新密码' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/password$/);

  await page.getByLabel('当前密码').fill(otp!);
  await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('确认新密码').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: '保存新密码' }).click();
  await expect(page.getByRole('status').filter({ hasText: '密码已修改' })).toBeVisible();

  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '首页', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(h1(page)).toContainText('工作台');
  await expect(page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '用户管理' })).toBeVisible();

  // The new password works for a fresh login, the one-time password no longer does.
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码', { exact: true }).fill(otp!);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toHaveText('用户名或密码错误');
  await login(page, 'admin', NEW_PASSWORD);
  await expect(page).toHaveURL(/\/$/);
  await expect(h1(page)).toContainText('工作台');
});
