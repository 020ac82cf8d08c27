// c. Phone viewport: the 菜单 button opens and closes the sidebar; the town page is usable.
import { test, expect, login, shot, h1 } from './fixtures';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('手机：乡镇用户登录，菜单按钮开合侧栏，乡镇页面可用', async ({ page }) => {
  await login(page, 'xj.baita');
  await expect(h1(page)).toContainText('工作台：白塔镇');
  await shot(page, 'phone-01-home-xj.baita', { fullPage: false });

  const toggle = page.getByRole('button', { name: '菜单' });
  const menu = page.getByRole('navigation', { name: '主菜单' });
  await expect(toggle).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeHidden();

  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('link', { name: '行政区划', exact: true })).toBeVisible();
  await shot(page, 'phone-02-menu-open', { fullPage: false });

  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeHidden();

  await toggle.click();
  await menu.getByRole('link', { name: '行政区划', exact: true }).click();
  await expect(page).toHaveURL(/\/regions\/331024103$/);
  await expect(h1(page)).toContainText('白塔镇');
  await expect(menu).toBeHidden();
  await expect(page.getByRole('navigation', { name: '当前位置' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: '网格', exact: true })).toBeVisible();
  const grids = page.getByRole('table', { name: /白塔镇网格/ });
  await grids.scrollIntoViewIfNeeded();
  await expect(grids).toBeVisible();
  await expect(grids.getByRole('cell', { name: '上叶网格', exact: true })).toBeVisible();

  // The page itself does not scroll sideways (wide tables scroll inside their wrapper).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  // Controls are large enough to tap.
  const box = await toggle.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(24);
  await shot(page, 'phone-03-town-331024103');
  await grids.scrollIntoViewIfNeeded();
  await shot(page, 'phone-04-town-grids', { fullPage: false });
});
