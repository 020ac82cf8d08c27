// b. A county user cannot see another county: pages and API answer 404, and
//    nothing of 玉环市 leaks into what comes back.
import { test, expect, login, h1 } from './fixtures';

test.describe('仙居县用户不能查看玉环市', () => {
  test.beforeEach(async ({ page }) => {
    await login(page, 'xj.office');
    await expect(h1(page)).toContainText('工作台：仙居县');
  });

  for (const path of ['/regions/331083', '/regions/331083102']) {
    test(`页面 ${path} 返回 404`, async ({ page }) => {
      const res = await page.goto(path);
      expect(res?.status()).toBe(404);
      await expect(h1(page)).toHaveText('页面不存在');
      await expect(page.getByRole('alert')).toContainText('不存在或无权查看');
      const body = (await page.content()) + (await page.title());
      expect(body).not.toContain('玉环');
      expect(body).not.toContain('楚门');
      await expect(page.getByRole('link', { name: '返回首页' })).toHaveAttribute('href', '/');
    });
  }

  test('接口 /api/v1/regions/331083 返回 404 JSON', async ({ page }) => {
    // Same session: the own county answers, so the 404 is a refusal, not a missing login.
    const own = await page.request.get('/api/v1/regions/331024');
    expect(own.status()).toBe(200);
    expect(JSON.stringify(await own.json())).toContain('仙居县');

    const res = await page.request.get('/api/v1/regions/331083');
    expect(res.status()).toBe(404);
    expect(res.headers()['content-type']).toContain('application/json');
    const text = await res.text();
    const json = JSON.parse(text);
    expect(json.error.code).toBe('not_found');
    expect(json.error.message).toContain('不存在或无权查看');
    expect(text).not.toContain('玉环');
  });

  test('区划查询搜不到玉环市的乡镇', async ({ page }) => {
    await page.goto('/regions');
    await page.getByLabel('名称或代码').fill('楚门');
    await page.getByRole('button', { name: '查询' }).click();
    await expect(page.getByRole('table', { name: '查询结果' })).toContainText('没有符合条件的区划');
  });
});
