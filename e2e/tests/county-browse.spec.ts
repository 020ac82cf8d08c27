// a. A county office user logs in and browses 行政区划 down to a town.
import { test, expect, login, shot, h1 } from './fixtures';

test('县美镇办：登录 → 工作台 → 行政区划 → 白塔镇', async ({ page }) => {
  await login(page, 'xj.office');

  // 工作台
  await expect(page).toHaveURL(/\/$/);
  await expect(h1(page)).toContainText('工作台：仙居县');
  await expect(page).toHaveTitle(/仙居县/);
  const menu = page.getByRole('navigation', { name: '主菜单' });
  for (const name of ['首页', '行政区划', '区划查询', '用户管理', '操作日志', '修改密码', 'API 令牌', '接口文档']) {
    await expect(menu.getByRole('link', { name, exact: true })).toBeVisible();
  }
  await expect(menu.getByRole('link', { name: '首页', exact: true })).toHaveAttribute('aria-current', 'page');
  const crumbs = page.getByRole('navigation', { name: '当前位置' });
  await expect(crumbs).toBeVisible();
  await expect(crumbs.locator('[aria-current="page"]')).toHaveText('首页');
  await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();
  await shot(page, 'desktop-01-home-xj.office');

  // 行政区划: the user's own county with its towns.
  await menu.getByRole('link', { name: '行政区划', exact: true }).click();
  await expect(page).toHaveURL(/\/regions\/331024$/);
  await expect(h1(page)).toContainText('仙居县');
  await expect(crumbs.getByRole('link', { name: '首页' })).toHaveAttribute('href', '/');
  await expect(crumbs.locator('[aria-current="page"]')).toHaveText('仙居县');
  const towns = page.getByRole('table', { name: /仙居县下辖乡镇\(街道\)/ });
  await expect(towns).toBeVisible();
  await expect(towns.getByRole('link', { name: '横溪镇', exact: true })).toBeVisible();
  await shot(page, 'desktop-02-region-331024');

  // 白塔镇: town page with its type, enrolment and grids.
  await towns.getByRole('link', { name: '白塔镇', exact: true }).click();
  await expect(page).toHaveURL(/\/regions\/331024103$/);
  await expect(h1(page)).toContainText('白塔镇');
  await expect(crumbs.getByRole('link', { name: '仙居县' })).toHaveAttribute('href', '/regions/331024');
  await expect(crumbs.locator('[aria-current="page"]')).toHaveText('白塔镇');
  await expect(page.getByRole('heading', { level: 2, name: '创建类型与创建名单' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: '网格', exact: true })).toBeVisible();
  const townType = page.getByLabel('修改创建类型');
  await expect(townType).toBeVisible();
  await expect(townType).toHaveValue('商贸特色型');
  await expect(page.getByRole('button', { name: '保存类型' })).toBeVisible();
  const grids = page.getByRole('table', { name: /白塔镇网格/ });
  await expect(grids).toBeVisible();
  await expect(grids.getByRole('columnheader', { name: '网格名称' })).toBeVisible();
  expect(await grids.locator('tbody tr').count()).toBeGreaterThan(0);
  await expect(grids.getByRole('cell', { name: '上叶网格', exact: true })).toBeVisible();
  await shot(page, 'desktop-03-town-331024103');

  // Back up through the breadcrumb.
  await crumbs.getByRole('link', { name: '仙居县' }).click();
  await expect(page).toHaveURL(/\/regions\/331024$/);
});

test('退出登录后回到登录页，首页需要重新登录', async ({ page }) => {
  await login(page, 'xj.office');
  await expect(h1(page)).toContainText('工作台：仙居县');
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel('用户名')).toBeVisible();
});
