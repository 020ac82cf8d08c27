// d. 项目库 and 进度统计, end to end: a town creates a project and reports it
// month by month on a phone; the county accepts (locks) the month on a desktop;
// a correction of the locked month needs a reason; the city sees the ranking.
//
// Other specs and other demo data may add projects for 台州, also for 2026, so
// the figures are compared as before/after deltas: the project is the only thing
// this spec changes in 白塔镇/仙居县 for 2026. When nothing else has 2026 data,
// the exact figures (项目数 1, 开工率 100.00%, 30.00 万元) are checked too.
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { deflateSync } from 'node:zlib';
import { test, expect, login, shot, h1 } from './fixtures';

const TOWN = '331024103'; // 白塔镇
const COUNTY = '331024'; // 仙居县
const CITY = '3310'; // 台州市
const MONTH = '2026-04';

/** A small PNG (a green field under a blue sky), as a phone camera would send a picture. */
function makePng(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const sky = y < h / 2;
      raw[o] = sky ? 120 : 60;
      raw[o + 1] = sky ? 170 : 140;
      raw[o + 2] = sky ? 230 : 70;
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };

async function newPage(browser: Browser, baseURL: string, device: typeof PHONE): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext({ ...device, baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  return [ctx, await ctx.newPage()];
}

/** The number on a card of 主要指标 (label: the start of the card's caption). */
function card(page: Page, label: string): Locator {
  return page
    .getByRole('region', { name: '主要指标' })
    .locator('.card')
    .filter({ has: page.locator('.lbl', { hasText: new RegExp(`^${label}`) }) })
    .locator('.num');
}

/** "30.00" → 3000 (hundredths of 万元, exact). */
function cents(text: string): number {
  const t = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) throw new Error(`not an amount: "${t}"`);
  return Math.round(Number(t) * 100);
}

async function headline(page: Page): Promise<{ projects: number; completed: number }> {
  return {
    projects: Number((await card(page, '项目数').innerText()).trim()),
    completed: cents(await card(page, '本年完成投资').innerText()),
  };
}

/** The page scrolls sideways by this many pixels (wide tables should scroll in their wrapper). */
async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The row of 历次月报 for a month. */
function reportRow(page: Page, month: string): Locator {
  return page
    .getByRole('table', { name: /历次月报/ })
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: month, exact: true }) });
}

/** The 乡镇月报填报情况 row of a town (the table whose caption is 截止日 …). */
function townMonthRow(page: Page, town: string): Locator {
  return page
    .getByRole('table', { name: /^截止日/ })
    .locator('tbody tr')
    .filter({ has: page.getByRole('link', { name: town, exact: true }) });
}

async function fillReport(
  page: Page,
  r: { month: string; cumulative: string; status?: string; pct?: string; text?: string; reason?: string },
): Promise<void> {
  const form = page.locator('form[action$="/report"]');
  await form.getByLabel('月份', { exact: true }).fill(r.month);
  await form.getByLabel('开工以来累计完成投资（万元）').fill(r.cumulative);
  if (r.status) await form.getByLabel('状态', { exact: true }).selectOption({ label: r.status });
  if (r.pct !== undefined) await form.getByLabel('形象进度（%）').fill(r.pct);
  if (r.text !== undefined) await form.getByLabel('形象进度说明').fill(r.text);
  await form.getByLabel(/^更正说明/).fill(r.reason ?? '');
}

async function saveReport(page: Page): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存月报' }).click()]);
}

test('项目库：乡镇手机新增项目并填报月报，县审核锁定，更正须说明，市看排名', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const code = `E2E-${Date.now()}`;
  const name = `E2E 白塔镇游步道提升 ${code}`;

  const [townCtx, town] = await newPage(browser, baseURL!, PHONE);
  const [countyCtx, county] = await newPage(browser, baseURL!, DESKTOP);
  const [cityCtx, city] = await newPage(browser, baseURL!, DESKTOP);

  let projectUrl = '';
  let townBefore = { projects: 0, completed: 0 };
  let countyBefore = { projects: 0, completed: 0 };

  await test.step('基线：乡镇与县 2026年4月 的数字', async () => {
    await login(town, 'xj.baita');
    await expect(h1(town)).toContainText('工作台：白塔镇');
    await town.goto(`/progress/${TOWN}?month=${MONTH}`);
    await expect(h1(town)).toContainText('白塔镇 项目进度');
    townBefore = await headline(town);
    // The flow needs 2026年4月 open in 白塔镇 (not submitted or locked by other data).
    const state = townMonthRow(town, '白塔镇');
    if ((await state.count()) > 0) {
      expect(await state.innerText(), `白塔镇 ${MONTH} must still be open for this spec (other data touched it)`).toContain('填报中');
    }

    await login(county, 'xj.office');
    await county.goto(`/progress/${COUNTY}?month=${MONTH}`);
    await expect(h1(county)).toContainText('仙居县 项目进度');
    countyBefore = await headline(county);
  });

  await test.step('1. 乡镇（手机）：菜单 → 项目库 → 新增项目 → 保存', async () => {
    await town.goto('/');
    const toggle = town.getByRole('button', { name: '菜单' });
    const menu = town.getByRole('navigation', { name: '主菜单' });
    await expect(menu).toBeHidden();
    await toggle.click();
    await expect(menu.getByRole('link', { name: '项目库', exact: true })).toBeVisible();
    await expect(menu.getByRole('link', { name: '进度统计', exact: true })).toBeVisible();
    await menu.getByRole('link', { name: '项目库', exact: true }).click();
    await expect(town).toHaveURL(/\/projects$/);
    await expect(h1(town)).toHaveText('项目库');
    await expect(menu).toBeHidden();
    for (const l of ['导出 Excel', '导入台账', '新增项目']) {
      await expect(town.getByRole('link', { name: l, exact: true })).toBeVisible();
    }
    await expect(town.getByRole('table', { name: /项目列表/ })).toBeVisible();
    await shot(town, 'phone-projects-01-list', { fullPage: false });

    await town.getByRole('link', { name: '新增项目', exact: true }).click();
    await expect(town).toHaveURL(/\/projects\/new$/);
    await expect(h1(town)).toHaveText('新增项目');
    await expect(town.getByLabel('所属乡镇代码')).toHaveValue(TOWN);
    await town.getByLabel('项目编号').fill(code);
    await town.getByLabel('项目名称').fill(name);
    await town.getByLabel('五美类别').selectOption({ label: '环境美' });
    await town.getByLabel('总投资（万元）').fill('100');
    await town.getByLabel('计划投资年度').fill('2026');
    await town.getByLabel('该年计划投资（万元）').fill('80');
    await town.getByLabel('计划开工').fill('2026-02');
    await town.getByLabel('计划完工').fill('2026-11');
    await expect(town.getByLabel('状态', { exact: true })).toHaveValue('not_started');
    await town.getByLabel('建设内容').fill('村口至溪边游步道 1.2 公里，沿线绿化与照明。');
    await shot(town, 'phone-projects-02-form');
    await town.getByRole('button', { name: '保存', exact: true }).click();

    await expect(town).toHaveURL(/\/projects\/\d+\?done=created$/);
    projectUrl = new URL(town.url()).pathname;
    await expect(town.getByRole('status').filter({ hasText: '已创建' })).toBeVisible();
    await expect(h1(town)).toContainText(name);
    const facts = town.locator('dl');
    await expect(facts).toContainText('白塔镇');
    await expect(facts).toContainText(code);
    await expect(facts).toContainText('环境美');
    await expect(facts).toContainText('未开工');
    await expect(facts).toContainText('100.00 万元');
    await expect(facts).toContainText('2026 年 80.00 万元');
    await expect(town.getByRole('heading', { level: 2, name: '填报月报' })).toBeVisible();
    await expect(reportRow(town, '2026-03')).toHaveCount(0);
    await expect(town.getByRole('table', { name: /历次月报/ })).toContainText('尚未填报月报');
    expect(await sidewaysOverflow(town), 'project page scrolls sideways on a phone').toBeLessThanOrEqual(1);
    await shot(town, 'phone-projects-03-created');
  });

  await test.step('2. 月报：2026-03 累计 20 在建；2026-04 累计 10 被拒（少于）；改为 30', async () => {
    await fillReport(town, { month: '2026-03', cumulative: '20', status: '在建', pct: '20', text: '路基完成' });
    await saveReport(town);
    await expect(town).toHaveURL(new RegExp(`${projectUrl}\\?done=saved$`));
    await expect(town.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
    const march = reportRow(town, '2026-03');
    await expect(march).toHaveCount(1);
    // 月份 本月完成 累计完成 本年累计 状态 …
    await expect(march.locator('td').nth(1)).toHaveText('20.00');
    await expect(march.locator('td').nth(2)).toHaveText('20.00');
    await expect(march.locator('td').nth(3)).toHaveText('20.00');
    await expect(march.locator('td').nth(4)).toHaveText('在建');
    await expect(town.locator('dl')).toContainText('在建');
    await shot(town, 'phone-projects-04-march-saved');

    await fillReport(town, { month: MONTH, cumulative: '10', status: '在建' });
    await saveReport(town);
    const alert = town.locator('#report-error'); // the error beside the report form
    await expect(alert).toContainText('少于');
    await expect(alert).toContainText('更正说明');
    await expect(reportRow(town, MONTH)).toHaveCount(0);
    await expect(town.getByRole('table', { name: /历次月报/ }).locator('tbody tr')).toHaveCount(1);
    await alert.scrollIntoViewIfNeeded();
    await shot(town, 'phone-projects-05-less-than-error', { fullPage: false });

    await fillReport(town, { month: MONTH, cumulative: '30', status: '在建', pct: '35', text: '栏杆安装' });
    await saveReport(town);
    await expect(town.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
    const april = reportRow(town, MONTH);
    await expect(april.locator('td').nth(1)).toHaveText('10.00');
    await expect(april.locator('td').nth(2)).toHaveText('30.00');
    await expect(april.locator('td').nth(3)).toHaveText('30.00');
    await expect(town.getByRole('table', { name: /历次月报/ }).locator('tbody tr')).toHaveCount(2);

    // A progress photo from the phone's camera, filed with April's report.
    await town.getByLabel('照片', { exact: true }).setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: makePng(480, 320) });
    await town.getByLabel('说明（可选）').fill('栏杆安装现场');
    await town.getByLabel('关联月报（可选）').fill(MONTH);
    await town.getByRole('button', { name: /上传/ }).click();
    const thumb = town.getByRole('img', { name: '栏杆安装现场' });
    await expect(thumb).toBeVisible();
    // The thumbnail really is an image the server made.
    const src = await thumb.getAttribute('src');
    const res = await town.request.get(src ?? '');
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('image/jpeg');
    await shot(town, 'phone-projects-05b-photo');
  });

  await test.step('3. 进度统计（手机）：2026年4月 数字，提交月报', async () => {
    const menu = town.getByRole('navigation', { name: '主菜单' });
    await town.getByRole('button', { name: '菜单' }).click();
    await menu.getByRole('link', { name: '进度统计', exact: true }).click();
    await expect(town).toHaveURL(new RegExp(`/progress/${TOWN}$`));
    await town.getByLabel('月份', { exact: true }).fill(MONTH);
    await town.getByRole('button', { name: '查看', exact: true }).click();
    await expect(town).toHaveURL(new RegExp(`/progress/${TOWN}\\?month=${MONTH}`));
    await expect(h1(town)).toContainText('截至 2026年4月底');

    const after = await headline(town);
    expect(after.projects - townBefore.projects).toBe(1);
    expect(after.completed - townBefore.completed).toBe(3000);
    if (townBefore.projects === 0) {
      await expect(card(town, '项目数')).toHaveText('1');
      await expect(card(town, '已开工')).toHaveText('1');
      await expect(card(town, '开工率')).toHaveText('100.00%');
      await expect(card(town, '本年完成投资')).toHaveText('30.00');
      await expect(card(town, '年度计划投资')).toHaveText('80.00');
      await expect(card(town, '投资完成率')).toHaveText('37.50%');
      await expect(card(town, '本月已报/应报')).toHaveText('1/1');
    }
    await expect(townMonthRow(town, '白塔镇')).toContainText('填报中');
    expect(await sidewaysOverflow(town), 'progress page scrolls sideways on a phone').toBeLessThanOrEqual(1);
    await shot(town, 'phone-projects-06-progress-town');

    const submit = town.getByRole('button', { name: '提交 2026年4月 月报' });
    await submit.scrollIntoViewIfNeeded();
    await shot(town, 'phone-projects-07-submit-button', { fullPage: false });
    await submit.click();
    await expect(town).toHaveURL(new RegExp(`/progress/${TOWN}\\?month=${MONTH}&done=saved$`));
    await expect(town.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
    await expect(townMonthRow(town, '白塔镇')).toContainText('待审核');
    // A town does not review itself.
    await expect(town.getByRole('button', { name: '确认', exact: true })).toHaveCount(0);
  });

  await test.step('4. 县美镇办（桌面）：确认白塔镇 2026年4月 月报', async () => {
    await county.goto(`/progress/${COUNTY}?month=${MONTH}`);
    await expect(h1(county)).toContainText('仙居县 项目进度');
    await expect(county.getByRole('heading', { level: 2, name: '乡镇月报填报情况（2026年4月）' })).toBeVisible();
    const row = townMonthRow(county, '白塔镇');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('待审核');
    const after = await headline(county);
    expect(after.projects - countyBefore.projects).toBe(1);
    expect(after.completed - countyBefore.completed).toBe(3000);
    await expect(card(county, '本年完成投资')).toContainText(/\d+\.\d\d/);
    if (countyBefore.projects === 0) await expect(card(county, '本年完成投资')).toHaveText('30.00');
    await row.scrollIntoViewIfNeeded();
    await shot(county, 'desktop-progress-01-county-pending');

    await row.getByRole('button', { name: '确认', exact: true }).click();
    await expect(county).toHaveURL(new RegExp(`/progress/${COUNTY}\\?month=${MONTH}&done=saved$`));
    await expect(county.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
    await expect(townMonthRow(county, '白塔镇')).toContainText('已确认');
    await expect(townMonthRow(county, '白塔镇')).not.toContainText('待审核');
    await townMonthRow(county, '白塔镇').scrollIntoViewIfNeeded();
    await shot(county, 'desktop-progress-02-county-accepted');
  });

  await test.step('5. 乡镇（手机）：已锁定的 2026-04 无更正说明被拒，填“审计核减”后改为 25', async () => {
    await town.goto(projectUrl);
    await fillReport(town, { month: MONTH, cumulative: '25' });
    await saveReport(town);
    const alert = town.locator('#report-error'); // the error beside the report form
    await expect(alert).toContainText('锁定');
    await expect(alert).toContainText('更正说明');
    await expect(reportRow(town, MONTH).locator('td').nth(2)).toHaveText('30.00');
    await alert.scrollIntoViewIfNeeded();
    await shot(town, 'phone-projects-08-locked-error', { fullPage: false });

    await fillReport(town, { month: MONTH, cumulative: '25', reason: '审计核减' });
    await saveReport(town);
    await expect(town.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
    const april = reportRow(town, MONTH);
    await expect(april.locator('td').nth(1)).toHaveText('5.00');
    await expect(april.locator('td').nth(2)).toHaveText('25.00');
    await expect(april.locator('td').nth(7)).toHaveText('审计核减');
    await expect(reportRow(town, '2026-03').locator('td').nth(2)).toHaveText('20.00');
    await shot(town, 'phone-projects-09-corrected');

    // The correction shows in the figures; the month stays accepted.
    await town.goto(`/progress/${TOWN}?month=${MONTH}`);
    expect((await headline(town)).completed - townBefore.completed).toBe(2500);
    await expect(townMonthRow(town, '白塔镇')).toContainText('已确认');
  });

  await test.step('6. 市美镇办（桌面）：台州市 2026年4月 排名含仙居县，有图', async () => {
    await login(city, 'tz.office');
    await city.goto(`/progress/${CITY}?month=${MONTH}`);
    await expect(h1(city)).toContainText('台州市 项目进度');
    await expect(city.getByRole('heading', { level: 2, name: /下级区划排名/ })).toBeVisible();
    const ranking = city.getByRole('table', { name: /^排名/ });
    const xianju = ranking.locator('tbody tr').filter({ has: city.getByRole('link', { name: '仙居县', exact: true }) });
    await expect(xianju).toHaveCount(1);
    await expect(xianju.getByRole('link', { name: '仙居县' })).toHaveAttribute('href', `/progress/${COUNTY}?month=${MONTH}`);
    const chart = city.locator('h2:has-text("下级区划排名") + .panel svg');
    await expect(chart).toBeVisible();
    await expect(chart).toContainText('仙居县');
    await shot(city, 'desktop-progress-03-city');
  });

  await townCtx.close();
  await countyCtx.close();
  await cityCtx.close();
});
