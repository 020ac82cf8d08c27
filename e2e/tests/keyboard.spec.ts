// e. Keyboard use: the login form in tab order, Enter submits, and inner pages
//    start with the skip link.
import { test, expect, login, DEMO_PASSWORD } from './fixtures';

async function focused(page: import('@playwright/test').Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el ? { tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim() } : null;
  });
}

test('登录页：Tab 依次到达 用户名、密码、登录，Enter 提交', async ({ page }) => {
  await page.goto('/login');
  // Start from the top of the document: clicking the (not focusable) heading
  // moves the sequential focus starting point there, away from the autofocus.
  await page.getByRole('heading', { level: 1 }).click();
  expect(await focused(page)).toMatchObject({ tag: 'body' });
  await page.keyboard.press('Tab');
  expect(await focused(page)).toMatchObject({ tag: 'input', id: 'username' });
  await page.keyboard.press('Tab');
  expect(await focused(page)).toMatchObject({ tag: 'input', id: 'password' });
  await page.keyboard.press('Tab');
  expect(await focused(page)).toMatchObject({ tag: 'button', text: '登录' });

  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toMatchObject({ id: 'username' });
  await page.keyboard.type('xj.office');
  await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('工作台：仙居县');
});

test('登录页：用户名输入框自动获得焦点', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByLabel('用户名')).toBeFocused();
});

test('内页：第一个可聚焦元素是“跳到主要内容”，回车后焦点到主要内容', async ({ page }) => {
  await login(page, 'xj.office');
  for (const path of ['/', '/regions/331024', '/regions/331024103', '/regions', '/password']) {
    await page.goto(path);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: '跳到主要内容' });
    await expect(skip, `skip link first on ${path}`).toBeFocused();
    // Visible while focused (it sits off-screen otherwise).
    const box = await skip.boundingBox();
    expect(box && box.x >= 0 && box.y >= 0, `skip link on screen on ${path}`).toBeTruthy();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`${path.replace(/\//g, '\\/')}#main$`));
    await expect(page.locator('main#main')).toBeFocused();
  }
});
