// 台账 · 宣传报道 in the browser:
// 1. a town records a report on a phone, with the keyboard; refused input comes
//    back with a Chinese message beside the field and everything typed kept;
// 2. the county office filters by level and year, exports the Excel ledger and
//    imports that very file again (试导入, then 导入): every row is an update,
//    nothing is added twice;
// 3. another county sees nothing of 仙居's report: not in its list, 404 by id
//    (page and API); the city leader reads it without write buttons.
//
// The demo's reports are of 2019 and 2020; what this spec records carries a
// unique code in its title, so reruns and other specs do not disturb it.
import fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import type { Browser, BrowserContext, Locator, Page, Response } from '@playwright/test';
import { test, expect, login, shot, h1 } from './fixtures';

const PATH = '/ledgers/media-reports';
const TOWN = '331024103'; // 白塔镇
const COUNTY = '331024'; // 仙居县

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };

async function newPage(browser: Browser, baseURL: string, device: typeof PHONE): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext({ ...device, baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  return [ctx, await ctx.newPage()];
}

/** The "共 N 条" line above the table, as a number. */
async function total(page: Page): Promise<number> {
  const line = page.getByRole('status').filter({ hasText: /^共 \d+ 条$/ });
  await expect(line).toHaveCount(1);
  const m = (await line.innerText()).match(/共 (\d+) 条/);
  if (!m) throw new Error('no "共 N 条" on the page');
  return Number(m[1]);
}

/** The list's table rows (the "没有符合条件的记录" row included when empty). */
function rows(page: Page): Locator {
  return page.getByRole('table', { name: '宣传报道' }).locator('tbody tr');
}

/** The count card of a level ("中央", "省级" …) above the table. */
function levelCard(page: Page, label: string): Locator {
  return page
    .getByRole('region', { name: /^按媒体级别统计/ })
    .locator('.card')
    .filter({ has: page.locator('.lbl', { hasText: new RegExp(`^${label}$`) }) })
    .locator('.num');
}

/** Waits for the POST a submit sends and the page it answers with. */
async function submitted(page: Page, action: () => Promise<void>): Promise<Response> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    action(),
  ]);
  await page.waitForLoadState('load');
  return res;
}

/** The page scrolls sideways by this many pixels (wide tables should scroll in their wrapper). */
async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** One file of a ZIP archive (the .xlsx), as text: read through the central directory. */
function zipEntry(zip: Buffer, name: string): string {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a ZIP file (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad ZIP central directory');
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entry = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (entry === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return data.toString('utf8');
      if (method === 8) return inflateRawSync(data).toString('utf8');
      throw new Error(`ZIP method ${method} of ${name} not supported here`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} not in the ZIP file`);
}

/** Every text of a workbook's first sheet (shared strings and inline strings). */
function sheetText(xlsx: Buffer): string {
  let shared = '';
  try {
    shared = zipEntry(xlsx, 'xl/sharedStrings.xml');
  } catch {
    // A writer may put every string inline.
  }
  return shared + zipEntry(xlsx, 'xl/worksheets/sheet1.xml');
}

test('宣传报道：乡镇手机用键盘填报，错误提示保留输入，列表可见', async ({ browser, baseURL }) => {
  test.setTimeout(60_000);
  const code = `E2E-${Date.now()}`;
  const title = `白塔镇美丽城镇建设见闻 ${code}`;
  const [ctx, page] = await newPage(browser, baseURL!, PHONE);

  await test.step('菜单 → 台账 · 宣传报道 → 新增', async () => {
    await login(page, 'xj.baita');
    await expect(h1(page)).toContainText('白塔镇');
    const menu = page.getByRole('navigation', { name: '主菜单' });
    await expect(menu).toBeHidden();
    await page.getByRole('button', { name: '菜单' }).click();
    await menu.getByRole('link', { name: '宣传报道', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${PATH}$`));
    await expect(h1(page)).toHaveText('宣传报道');
    await expect(page.getByRole('table', { name: '宣传报道' })).toBeVisible();
    expect(await sidewaysOverflow(page), 'list scrolls sideways on a phone').toBeLessThanOrEqual(1);
    await shot(page, 'phone-ledgers-01-media-list', { fullPage: false });

    await page.getByRole('link', { name: '新增', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${PATH}/new$`));
    await expect(h1(page)).toHaveText('新增宣传报道');
    // The town's own code and today's date are filled in.
    await expect(page.getByLabel(/^所属区划代码/)).toHaveValue(TOWN);
    await expect(page.getByLabel(/^发布日期/)).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  });

  const titleBox = page.getByLabel(/^标题/);
  const outletBox = page.getByLabel(/^媒体名称/);
  const levelBox = page.getByLabel(/^媒体级别/);
  const mediumBox = page.getByLabel(/^媒体类型/);
  const linkBox = page.getByLabel(/^链接/);
  const noteBox = page.getByLabel('备注', { exact: true });

  await test.step('键盘填写；链接不是 http(s)：中文提示，输入保留', async () => {
    await page.getByLabel(/^发布日期/).fill('2026.3.18');
    // From the title on, only the keyboard: type, Tab, arrows, Enter.
    await titleBox.focus();
    await page.keyboard.type(title);
    await page.keyboard.press('Tab');
    await expect(outletBox).toBeFocused();
    await page.keyboard.type('台州日报');
    await page.keyboard.press('Tab');
    await expect(levelBox).toBeFocused();
    await page.keyboard.press('ArrowDown'); // 中央 → 省级
    await expect(levelBox).toHaveValue('provincial');
    await page.keyboard.press('Tab');
    await expect(mediumBox).toBeFocused();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown'); // 报刊 → 网络
    await expect(mediumBox).toHaveValue('online');
    await page.keyboard.press('Tab');
    await expect(linkBox).toBeFocused();
    await page.keyboard.type('www.zjol.com.cn/baita');
    await shot(page, 'phone-ledgers-02-media-form');

    const res = await submitted(page, () => page.keyboard.press('Enter'));
    expect(res.status()).toBe(422);
    await expect(page).toHaveURL(new RegExp(`${PATH}/new$`));
    await expect(page.getByRole('alert')).toContainText('链接“www.zjol.com.cn/baita”无效，应以 http:// 或 https:// 开头');
    await expect(linkBox).toHaveAttribute('aria-invalid', 'true');
    await expect(linkBox).toHaveAccessibleDescription(/应以 http:\/\/ 或 https:\/\/ 开头/);
    await expect(titleBox).not.toHaveAttribute('aria-invalid', 'true');
    // Everything typed is still there.
    await expect(page.getByLabel(/^所属区划代码/)).toHaveValue(TOWN);
    await expect(page.getByLabel(/^发布日期/)).toHaveValue('2026.3.18');
    await expect(titleBox).toHaveValue(title);
    await expect(outletBox).toHaveValue('台州日报');
    await expect(levelBox).toHaveValue('provincial');
    await expect(mediumBox).toHaveValue('online');
    await expect(linkBox).toHaveValue('www.zjol.com.cn/baita');
    expect(await sidewaysOverflow(page), 'form scrolls sideways on a phone').toBeLessThanOrEqual(1);
    await shot(page, 'phone-ledgers-03-media-bad-link', { fullPage: false });
  });

  await test.step('标题只有空格：提示“请填写报道标题”，其余输入保留', async () => {
    // Blanks get past the browser's `required`; the server must refuse them.
    await titleBox.fill('   ');
    await linkBox.fill('https://www.zjol.com.cn/baita');
    const res = await submitted(page, () => linkBox.press('Enter'));
    expect(res.status()).toBe(422);
    await expect(page.getByRole('alert')).toContainText('请填写报道标题');
    await expect(titleBox).toHaveAttribute('aria-invalid', 'true');
    await expect(titleBox).toHaveAccessibleDescription('请填写报道标题');
    await expect(outletBox).toHaveValue('台州日报');
    await expect(levelBox).toHaveValue('provincial');
    await expect(mediumBox).toHaveValue('online');
    await expect(linkBox).toHaveValue('https://www.zjol.com.cn/baita');
  });

  await test.step('备注超过 1000 字：提示在备注旁边', async () => {
    await titleBox.fill(title);
    await noteBox.fill('美'.repeat(1001));
    const res = await submitted(page, () => titleBox.press('Enter'));
    expect(res.status()).toBe(422);
    await expect(page.getByRole('alert')).toContainText('备注不能超过 1000 个字');
    await expect(noteBox).toHaveAttribute('aria-invalid', 'true');
    await expect(noteBox).toHaveAccessibleDescription('备注不能超过 1000 个字');
    await expect(noteBox).toHaveValue('美'.repeat(1001));
    await expect(titleBox).toHaveValue(title);
  });

  await test.step('改正后保存：列表中可见', async () => {
    await noteBox.fill('E2E：手机录入');
    await titleBox.press('Enter');
    await expect(page).toHaveURL(new RegExp(`${PATH}\\?done=created$`));
    await expect(page.getByRole('status').filter({ hasText: '已创建' })).toBeVisible();

    await page.getByLabel('标题或媒体').fill(code);
    await page.getByLabel('标题或媒体').press('Enter');
    await expect(page).toHaveURL(new RegExp(`${PATH}\\?.*\\bq=${code}`));
    expect(await total(page)).toBe(1);
    const row = rows(page);
    await expect(row).toHaveCount(1);
    // 发布日期 标题 媒体 级别 类型 所属区划 操作
    const cells = row.locator('td');
    await expect(cells.nth(0)).toHaveText('2026-03-18');
    await expect(cells.nth(1).getByRole('link', { name: title })).toHaveAttribute('href', 'https://www.zjol.com.cn/baita');
    await expect(cells.nth(2)).toHaveText('台州日报');
    await expect(cells.nth(3)).toHaveText('省级');
    await expect(cells.nth(4)).toHaveText('网络');
    await expect(cells.nth(5)).toContainText('白塔镇');
    await expect(row.getByRole('link', { name: '编辑', exact: true })).toHaveAttribute('href', /\/ledgers\/media-reports\/\d+\/edit$/);
    await expect(levelCard(page, '省级')).toHaveText('1');
    await expect(levelCard(page, '中央')).toHaveText('0');
    expect(await sidewaysOverflow(page), 'list scrolls sideways on a phone').toBeLessThanOrEqual(1);
    await shot(page, 'phone-ledgers-04-media-created');
  });

  await ctx.close();
});

test('宣传报道：县美镇办按级别和年度筛选，导出 Excel，再试导入、导入同一文件', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(90_000);
  const [ctx, page] = await newPage(browser, baseURL!, DESKTOP);
  let n = 0;
  let firstTitle = '';
  let file = '';

  await test.step('筛选：省级、2020 年', async () => {
    await login(page, 'xj.office');
    await page.goto(PATH);
    await expect(h1(page)).toHaveText('宣传报道');
    const all = await total(page);
    await page.getByLabel('媒体级别', { exact: true }).selectOption({ label: '省级' });
    await page.getByLabel('年度', { exact: true }).fill('2020');
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await expect(page).toHaveURL(/[?&]level=provincial/);
    await expect(page).toHaveURL(/[?&]year=2020/);
    await expect(page.getByLabel('媒体级别', { exact: true })).toHaveValue('provincial');
    await expect(page.getByLabel('年度', { exact: true })).toHaveValue('2020');

    n = await total(page);
    expect(n, 'the 台州 demo has provincial reports of 仙居 in 2020').toBeGreaterThan(0);
    expect(n).toBeLessThan(all);
    // The cards count the same filter by level: all of it is 省级.
    await expect(levelCard(page, '省级')).toHaveText(String(n));
    for (const l of ['中央', '市级', '县级', '新媒体']) await expect(levelCard(page, l)).toHaveText('0');
    const shown = rows(page);
    await expect(shown).toHaveCount(Math.min(n, 20));
    for (const r of await shown.all()) {
      await expect(r.locator('td').nth(0)).toHaveText(/^2020-\d\d-\d\d$/);
      await expect(r.locator('td').nth(3)).toHaveText('省级');
    }
    firstTitle = (await shown.first().locator('td').nth(1).innerText()).trim();
    expect(firstTitle).not.toBe('');
    await shot(page, 'desktop-ledgers-01-media-filtered');
  });

  await test.step('导出 Excel：下载的 .xlsx 含筛选出的全部报道（不只第一页）', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出Excel', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    file = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const text = sheetText(bytes);
    expect(text).toContain('仙居县2020年宣传报道台账');
    expect(text, 'the export has the first listed title').toContain(firstTitle.replace(/&/g, '&amp;'));
    expect(text).toContain(`合计`);
    expect(text).toContain(`${n} 篇`);
    // Data rows carry their 序号 (a number) in column A; title, header and 合计 do not.
    const numbered = zipEntry(bytes, 'xl/worksheets/sheet1.xml').match(/<c r="A\d+"(?: s="\d+")?><v>\d+<\/v>/g) ?? [];
    expect(numbered.length, 'one row per filtered report').toBe(n);
    // Only the filtered level.
    expect(text).not.toContain('新媒体');
  });

  await test.step('试导入同一文件：全部为更新，没有新增', async () => {
    await page.getByRole('link', { name: '导入', exact: true }).click();
    await expect(page).toHaveURL(/\/ledgers\/import\/media-reports$/);
    await expect(h1(page)).toHaveText('导入宣传报道');
    await expect(page.getByRole('checkbox', { name: /^试导入/ })).toBeChecked();
    await page.getByLabel(/^Excel 文件/).setInputFiles(file);
    const res = await submitted(page, () => page.getByRole('button', { name: '上传并检查' }).click());
    expect(res.status()).toBe(200);
    const report = page.getByRole('status').filter({ hasText: '试导入结果（未保存）' });
    await expect(report).toContainText(`新增 0 条，更新 ${n} 条，拒绝 0 行，重复 0 行`);
    await expect(page.getByRole('table', { name: '未导入的行' })).toHaveCount(0);
    await shot(page, 'desktop-ledgers-02-media-dry-run');
  });

  await test.step('导入：仍是更新，列表条数不变', async () => {
    await page.getByRole('checkbox', { name: /^试导入/ }).uncheck();
    await page.getByLabel(/^Excel 文件/).setInputFiles(file);
    const res = await submitted(page, () => page.getByRole('button', { name: '上传并检查' }).click());
    expect(res.status()).toBe(200);
    const report = page.getByRole('status').filter({ hasText: '导入完成' });
    await expect(report).toContainText(`新增 0 条，更新 ${n} 条，拒绝 0 行，重复 0 行`);
    await shot(page, 'desktop-ledgers-03-media-imported');

    await page.goto(`${PATH}?level=provincial&year=2020`);
    expect(await total(page), 'importing the export again adds nothing').toBe(n);
    await expect(rows(page).first().locator('td').nth(1)).toHaveText(firstTitle);
  });

  await ctx.close();
});

test('宣传报道：玉环市看不到仙居县的报道（列表没有，按 id 访问 404），市领导只读', async ({ browser, baseURL }) => {
  test.setTimeout(60_000);
  const code = `E2E-${Date.now()}`;
  const title = `仙居县美丽城镇专题报道 ${code}`;
  const [xjCtx, xj] = await newPage(browser, baseURL!, DESKTOP);
  const [yhCtx, yh] = await newPage(browser, baseURL!, DESKTOP);
  const [tzCtx, tz] = await newPage(browser, baseURL!, DESKTOP);
  let id = '';

  await test.step('仙居县美镇办新增一条县级报道', async () => {
    await login(xj, 'xj.office');
    await xj.goto(`${PATH}/new`);
    await expect(xj.getByLabel(/^所属区划代码/)).toHaveValue(COUNTY);
    await xj.getByLabel(/^发布日期/).fill('2026-05-20');
    await xj.getByLabel(/^标题/).fill(title);
    await xj.getByLabel(/^媒体名称/).fill('仙居新闻网');
    await xj.getByLabel(/^媒体级别/).selectOption({ label: '县级' });
    await xj.getByLabel(/^媒体类型/).selectOption({ label: '网络' });
    await xj.getByRole('button', { name: '保存', exact: true }).click();
    await expect(xj).toHaveURL(new RegExp(`${PATH}\\?done=created$`));
    await xj.goto(`${PATH}?q=${code}`);
    const edit = rows(xj).getByRole('link', { name: '编辑', exact: true });
    await expect(edit).toHaveCount(1);
    const m = (await edit.getAttribute('href'))?.match(/\/ledgers\/media-reports\/(\d+)\/edit$/);
    expect(m, 'edit link of the new report').toBeTruthy();
    id = m![1];
    // The id URL works for its owner: the 404 below is a refusal.
    const own = await xj.goto(`${PATH}/${id}/edit`);
    expect(own?.status()).toBe(200);
    await expect(xj.getByLabel(/^标题/)).toHaveValue(title);
    const api = await xj.request.get(`/api/v1${PATH}/${id}`);
    expect(api.status()).toBe(200);
    expect(await api.text()).toContain(code);
  });

  await test.step('玉环市美镇办：列表没有，页面与接口 404', async () => {
    await login(yh, 'yh.office');
    await yh.goto(`${PATH}?q=${code}`);
    await expect(h1(yh)).toHaveText('宣传报道');
    expect(await total(yh)).toBe(0);
    await expect(rows(yh)).toHaveText(['没有符合条件的记录']);
    await yh.goto(`${PATH}?year=2026`);
    await expect(yh.getByRole('table', { name: '宣传报道' })).toBeVisible();
    expect(await yh.content()).not.toContain(code);

    const res = await yh.goto(`${PATH}/${id}/edit`);
    expect(res?.status()).toBe(404);
    await expect(h1(yh)).toHaveText('页面不存在');
    expect(await yh.content()).not.toContain(code);

    const api = await yh.request.get(`/api/v1${PATH}/${id}`);
    expect(api.status()).toBe(404);
    expect(await api.text()).not.toContain(code);
    await shot(yh, 'desktop-ledgers-04-other-county-404');
  });

  await test.step('台州市领导：看得到，没有新增和编辑', async () => {
    await login(tz, 'tz.leader');
    await tz.goto(`${PATH}?q=${code}`);
    expect(await total(tz)).toBe(1);
    await expect(rows(tz)).toHaveCount(1);
    await expect(rows(tz).locator('td').nth(1)).toHaveText(title);
    await expect(rows(tz).locator('td').nth(5)).toContainText('仙居县');
    await expect(tz.getByRole('link', { name: '新增', exact: true })).toHaveCount(0);
    await expect(tz.getByRole('link', { name: '导入', exact: true })).toHaveCount(0);
    await expect(tz.getByRole('link', { name: '编辑', exact: true })).toHaveCount(0);
    await expect(tz.getByRole('link', { name: '导出Excel', exact: true })).toBeVisible();
  });

  await test.step('仙居县删除这条报道', async () => {
    await xj.goto(`${PATH}/${id}/edit`);
    xj.once('dialog', (d) => d.accept());
    await xj.getByRole('button', { name: '删除这条记录' }).click();
    await expect(xj).toHaveURL(new RegExp(`${PATH}\\?done=deleted$`));
    await expect(xj.getByRole('status').filter({ hasText: '已删除' })).toBeVisible();
    const gone = await xj.goto(`${PATH}/${id}/edit`);
    expect(gone?.status()).toBe(404);
  });

  await tzCtx.close();
  await yhCtx.close();
  await xjCtx.close();
});
