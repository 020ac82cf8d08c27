// 暗访督查, end to end (the "Done when" story):
//   1. the 台州 city office plans a secret round by hand (one town of 仙居县) and
//      assigns the city's inspector, who is not from that county;
//   2. the inspected county office and the town's staff cannot see the round
//      (not listed, its page and API answer 404);
//   3. the inspector, on a phone, records two findings with photos and a
//      position while offline; they wait in the outbox and are sent when the
//      network is back, once each (a reload shows exactly two), then 完成检查;
//   4. the city office publishes; the ranking shows the town's score,
//      100 − the deductions the item labels showed;
//   5. the town answers the rectification with an after-photo and a note, the
//      county verifies it (核查通过) and the task is 已销号;
//   6. the city office edits the notice's opening, sees it in the preview and
//      downloads the Word file.
//
// Other demo data may hold rounds of its own (also for this town and this
// inspector), so everything here is found through this spec's own round name.
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { test, expect, login, shot, h1 } from './fixtures';

const TOWN = '331024101'; // 横溪镇
const TOWN_NAME = '横溪镇';
const COUNTY_NAME = '仙居县';
const TOWN_USER = 'xj.hengxi';
const COUNTY_USER = 'xj.office';
const CITY_USER = 'tz.office';
const INSPECTOR_USER = 'tz.inspector'; // 台州市督查组 郑组长, a city account
const INSPECTOR_NAME = '郑组长';
/** In 仙居县, near its centre (within the 15 km the GPS check allows around any point of the county's towns). */
const POSITION = { latitude: 28.8501, longitude: 120.7302 };
/** Two items of different areas, by code (their deductions are read from the labels). */
const ITEMS = ['HJ02', 'ZX02'];

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };

async function newPage(
  browser: Browser,
  baseURL: string,
  device: typeof PHONE,
  extra: Parameters<Browser['newContext']>[0] = {},
): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext({ ...device, baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...extra });
  return [ctx, await ctx.newPage()];
}

/** A JPEG as a phone camera would send it (drawn on a canvas of the page's browser). */
async function makeJpeg(page: Page, w: number, h: number, sky: string, ground: string): Promise<Buffer> {
  const b64 = await page.evaluate(
    ({ w, h, sky, ground }) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d')!;
      g.fillStyle = sky;
      g.fillRect(0, 0, w, h / 2);
      g.fillStyle = ground;
      g.fillRect(0, h / 2, w, h - h / 2);
      g.fillStyle = '#804020';
      g.fillRect(w / 3, h / 3, w / 4, h / 3);
      return c.toDataURL('image/jpeg', 0.85).split(',')[1];
    },
    { w, h, sky, ground },
  );
  const buf = Buffer.from(b64, 'base64');
  expect(buf.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])), 'canvas made a JPEG').toBe(true);
  return buf;
}

/** 'YYYY-MM-DD' in Asia/Shanghai, `days` from now. */
function shanghaiDate(days = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + days * 86_400_000));
}

/** "扣 1 分" / "扣 0.5 分" in an item label → hundredths of a point. */
function deductionOf(label: string): number {
  const m = label.match(/扣\s*(\d+(?:\.\d+)?)\s*分/);
  if (!m) throw new Error(`no deduction in the item label "${label}"`);
  return Math.round(Number(m[1]) * 100);
}

/** Hundredths of a point as the pages print points: "98.5" or "98.50", "100" or "100.00". */
function points(hundredths: number): RegExp {
  const esc = (t: string) => t.replace('.', '\\.');
  return new RegExp(`^(${esc(String(hundredths / 100))}|${esc((hundredths / 100).toFixed(2))})$`);
}

/** The 检查安排 row of a town on a round's page. */
function planRow(page: Page, town: string): Locator {
  return page
    .getByRole('table', { name: '各乡镇的检查安排与得分' })
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: town, exact: true }) });
}

/** The rows of 整改任务 that belong to a round. */
function rectRows(page: Page, round: string): Locator {
  return page
    .getByRole('table', { name: /^整改任务/ })
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: round, exact: true }) });
}

/** "HJ02 垃圾暴露、乱堆乱放（扣 1 分）" → "垃圾暴露、乱堆乱放". */
function itemName(label: string): string {
  return label.replace(/^\S+\s+/, '').replace(/（扣.*$/, '');
}

/** One file of a ZIP archive (a .docx), as text: read through the central directory. */
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

test('暗访督查：市安排保密暗访，督查人员手机离线记录，发布排名，乡镇整改县核查销号，市编辑并导出通报', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const roundName = `E2E 暗访 ${Date.now()}`;
  const startsOn = shanghaiDate(0);
  const endsOn = shanghaiDate(14);
  const [y, m] = startsOn.split('-').map(Number);
  const quarter = `${y}Q${Math.ceil(m / 3)}`;

  const [cityCtx, city] = await newPage(browser, baseURL!, DESKTOP);
  const [countyCtx, county] = await newPage(browser, baseURL!, DESKTOP);
  const [townCtx, town] = await newPage(browser, baseURL!, PHONE);
  const [fieldCtx, field] = await newPage(browser, baseURL!, PHONE, {
    geolocation: POSITION,
    permissions: ['geolocation'],
  });

  let roundId = '';
  let roundUrl = '';
  let fieldUrl = '';
  let rectUrl = '';
  /** The items chosen in the field: [code, label as the form showed it]. */
  const chosen: Array<[string, string]> = [];

  await test.step('1. 市美镇办：新建暗访（逐个勾选横溪镇），指派市督查人员', async () => {
    await login(city, CITY_USER);
    await city.goto('/rounds');
    await expect(h1(city)).toHaveText('暗访督查');
    await city.getByRole('link', { name: '新建暗访', exact: true }).click();
    await expect(city).toHaveURL(/\/rounds\/new$/);
    await expect(h1(city)).toHaveText('新建暗访');

    await city.getByLabel('轮次名称').fill(roundName);
    await city.getByLabel('所属季度').fill(quarter);
    await city.getByLabel('开始日期').fill(startsOn);
    await city.getByLabel('结束日期').fill(endsOn);
    await city.getByLabel('逐个勾选乡镇', { exact: true }).check();
    const xianju = city.locator('#by-hand details').filter({ has: city.locator('summary', { hasText: new RegExp(`^${COUNTY_NAME}`) }) });
    await expect(xianju).toHaveCount(1);
    await xianju.locator('summary').click();
    const townBox = xianju.getByLabel(TOWN_NAME, { exact: true });
    await expect(townBox).toHaveValue(TOWN);
    await townBox.check();
    await shot(city, 'desktop-inspections-01-new-round');
    await city.getByRole('button', { name: '创建暗访', exact: true }).click();

    await expect(city).toHaveURL(/\/rounds\/\d+\?done=created$/);
    roundUrl = new URL(city.url()).pathname;
    roundId = roundUrl.split('/').pop()!;
    await expect(h1(city)).toContainText(roundName);
    await expect(h1(city)).toContainText('未发布（保密）');
    await expect(planRow(city, TOWN_NAME)).toHaveCount(1);
    await expect(planRow(city, TOWN_NAME)).toContainText(COUNTY_NAME);
    await expect(planRow(city, TOWN_NAME)).toContainText('未指派');

    // The inspector: a city account (台州市), so not of 仙居县.
    const select = city.getByLabel(`${TOWN_NAME}的督查人员`);
    const option = select.locator('option', { hasText: INSPECTOR_NAME });
    await expect(option).toHaveCount(1);
    const label = (await option.textContent())!.trim();
    expect(label).toContain('台州市');
    expect(label).not.toContain(COUNTY_NAME);
    await select.selectOption({ label });
    await city.getByLabel(`${TOWN_NAME}的计划检查日期`).fill(shanghaiDate(1));
    await planRow(city, TOWN_NAME).getByRole('button', { name: '保存', exact: true }).click();
    await expect(city).toHaveURL(new RegExp(`${roundUrl}\\?done=assigned`));
    await expect(city.getByRole('status').filter({ hasText: '已保存指派' })).toBeVisible();
    await expect(planRow(city, TOWN_NAME)).toContainText(INSPECTOR_NAME);
    await expect(planRow(city, TOWN_NAME)).toContainText('待检查');
    await shot(city, 'desktop-inspections-02-assigned');

    // The city's own list shows it, still secret.
    await city.goto('/rounds');
    const row = city.locator('tbody tr').filter({ has: city.getByRole('link', { name: roundName, exact: true }) });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('未发布（保密）');
  });

  await test.step('2. 保密：仙居县美镇办与横溪镇看不到未发布的轮次（列表没有，页面与接口 404）', async () => {
    await login(county, COUNTY_USER);
    await login(town, TOWN_USER);
    for (const [page, who] of [
      [county, COUNTY_USER],
      [town, TOWN_USER],
    ] as const) {
      await page.goto('/rounds');
      await expect(h1(page), who).toHaveText('暗访督查');
      await expect(page.getByRole('table', { name: /暗访轮次/ }), who).toBeVisible();
      await expect(page.getByRole('link', { name: roundName }), who).toHaveCount(0);
      expect(await page.content(), who).not.toContain(roundName);

      const res = await page.goto(roundUrl);
      expect(res?.status(), `${who} ${roundUrl}`).toBe(404);
      await expect(h1(page)).toHaveText('页面不存在');
      expect(await page.content(), who).not.toContain(roundName);

      const api = await page.request.get(`/api/v1/rounds/${roundId}`);
      expect(api.status(), `${who} /api/v1/rounds/${roundId}`).toBe(404);
      expect(await api.text()).not.toContain(roundName);
    }
  });

  await test.step('3. 督查人员（手机）：离线记录两个问题，联网后自动发送，不重复，完成检查', async () => {
    // Photos first, while the phone still has a page to draw them on.
    await field.goto('about:blank');
    const photos = [await makeJpeg(field, 640, 480, '#78aae6', '#3c8c46'), await makeJpeg(field, 480, 640, '#aab4be', '#8c7850')];

    await login(field, INSPECTOR_USER);
    await field.getByRole('button', { name: '菜单' }).click();
    await field.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '我的检查任务', exact: true }).click();
    await expect(field).toHaveURL(/\/field$/);
    await expect(h1(field)).toHaveText('我的检查任务');
    const task = field
      .getByRole('table', { name: '指派给我的检查' })
      .locator('tbody tr')
      .filter({ hasText: roundName });
    await expect(task).toHaveCount(1);
    await expect(task).toContainText(COUNTY_NAME);
    await expect(task).toContainText('待检查');
    await shot(field, 'phone-inspections-01-tasks', { fullPage: false });
    await task.getByRole('link', { name: `检查${TOWN_NAME}` }).click();
    await expect(field).toHaveURL(/\/field\/\d+$/);
    fieldUrl = new URL(field.url()).pathname;
    await expect(h1(field)).toContainText(TOWN_NAME);
    await expect(field.locator('#finding-count')).toHaveText('0');
    // app.js has shown the 获取定位 button: the page's script is running.
    const locate = field.getByRole('button', { name: '获取定位' });
    await expect(locate).toBeVisible();

    // No signal from here on.
    await fieldCtx.setOffline(true);
    const outbox = field.locator('#outbox-status');
    const item = field.getByLabel('检查项');
    for (const [n, code] of ITEMS.entries()) {
      const option = item.locator(`option[value="${code}"]`);
      const label = (await option.textContent())!.trim();
      chosen.push([code, label]);
      await item.selectOption(code);
      await field.getByLabel('问题地点').fill(`横溪镇 E2E 地点 ${n + 1}`);
      await locate.click();
      await expect(field.locator('#geo-status')).toContainText('已定位：28.850100，120.730200');
      await field
        .getByLabel(/^现场照片/)
        .setInputFiles({ name: `finding-${n + 1}.jpg`, mimeType: 'image/jpeg', buffer: photos[n] });
      await field.getByLabel(/^问题描述/).fill(`离线记录的第 ${n + 1} 个问题`);
      await field.getByRole('button', { name: '记录问题', exact: true }).click();
      await expect(outbox).toContainText(`待发送 ${n + 1} 条`);
      await expect(outbox).toContainText('离线');
      // The form is ready for the next one.
      await expect(item).toHaveValue('');
      await expect(field.getByLabel('问题地点')).toHaveValue('');
    }
    const queued = field.getByRole('list', { name: '待发送的记录' }).getByRole('listitem');
    await expect(queued).toHaveCount(2);
    await expect(queued.first()).toContainText('横溪镇 E2E 地点 1');
    await expect(queued.first()).toContainText('照片 1 张');
    await expect(field.locator('#finding-count')).toHaveText('0');
    await shot(field, 'phone-inspections-02-queued-offline');

    // Back online: the outbox sends both and lists them.
    await fieldCtx.setOffline(false);
    const list = field.locator('#finding-list > li');
    await expect(list).toHaveCount(2, { timeout: 15_000 });
    await expect(outbox).toHaveText('');
    await expect(queued).toHaveCount(0);
    await expect(field.locator('#finding-count')).toHaveText('2');
    for (const [code] of chosen) await expect(field.locator('#finding-list')).toContainText(code);
    await shot(field, 'phone-inspections-03-sent');

    // A reload shows exactly the two, each with its photo and position.
    await field.reload();
    await expect(field.locator('#finding-count')).toHaveText('2');
    await expect(list).toHaveCount(2);
    for (const [n, [code]] of chosen.entries()) {
      const li = list.filter({ hasText: `横溪镇 E2E 地点 ${n + 1}` });
      await expect(li).toHaveCount(1);
      await expect(li).toContainText(code);
      await expect(li).toContainText('北纬 28.850100°，东经 120.730200°');
      await expect(li).not.toContainText('定位存疑');
      const thumb = li.getByRole('img');
      await expect(thumb).toHaveCount(1);
      await expect(thumb).toHaveJSProperty('complete', true);
      expect(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    }
    await expect(outbox).toHaveText('');

    field.once('dialog', (d) => d.accept());
    await field.getByRole('button', { name: '完成检查', exact: true }).click();
    await expect(field).toHaveURL(new RegExp(`${fieldUrl}\\?done=submitted`));
    await expect(field.getByRole('status').filter({ hasText: '已完成检查' })).toBeVisible();
    await expect(field.locator('p.hint').first()).toContainText('已完成检查');
    await expect(list).toHaveCount(2);
    await shot(field, 'phone-inspections-04-submitted');
  });

  const expected = 10_000 - chosen.reduce((s, [, label]) => s + deductionOf(label), 0);

  await test.step('4. 市美镇办：发布，排名页显示横溪镇得分 = 100 − 所选检查项扣分', async () => {
    await city.goto(roundUrl);
    await expect(planRow(city, TOWN_NAME)).toContainText('已完成检查');
    await expect(planRow(city, TOWN_NAME).locator('td').nth(5)).toHaveText('2');
    await expect(planRow(city, TOWN_NAME).locator('td').nth(6)).toHaveText(points(expected));
    await expect(city.getByRole('heading', { level: 2, name: '检查发现的问题（2 个）' })).toBeVisible();

    city.once('dialog', (d) => d.accept());
    await city.getByRole('button', { name: '发布暗访结果' }).click();
    await expect(city).toHaveURL(new RegExp(`${roundUrl}\\?done=published`));
    await expect(city.getByRole('status').filter({ hasText: '已发布' })).toBeVisible();
    await expect(h1(city)).toContainText('已发布');
    await shot(city, 'desktop-inspections-03-published');

    // The round's page links to its ranking once published.
    await city.getByRole('link', { name: '得分排名', exact: true }).click();
    await expect(city).toHaveURL(new RegExp(`${roundUrl}/ranking$`));
    await expect(h1(city)).toContainText(roundName);
    await expect(h1(city)).toContainText('已发布');
    const ranking = city.getByRole('table', { name: /^乡镇得分排名/ });
    await expect(ranking).toContainText('得分 = 100 − 扣分');
    const townRow = ranking.locator('tbody tr').filter({ has: city.getByRole('cell', { name: TOWN_NAME, exact: true }) });
    await expect(townRow).toHaveCount(1);
    // 名次 县 乡镇 得分 问题数 扣分 县内名次 比上轮
    await expect(townRow.locator('td').nth(0)).toHaveText('1');
    await expect(townRow.locator('td').nth(1)).toHaveText(COUNTY_NAME);
    await expect(townRow.locator('td').nth(3)).toHaveText(points(expected));
    await expect(townRow.locator('td').nth(4)).toHaveText('2');
    await expect(townRow.locator('td').nth(5)).toHaveText(points(10_000 - expected));
    const countyRow = city
      .getByRole('table', { name: /^按所辖被检查乡镇平均分排名/ })
      .locator('tbody tr')
      .filter({ has: city.getByRole('cell', { name: COUNTY_NAME, exact: true }) });
    await expect(countyRow.locator('td').nth(2)).toHaveText(points(expected));
    await shot(city, 'desktop-inspections-04-ranking');
  });

  await test.step('5. 乡镇（手机）提交整改情况，县美镇办核查通过，问题已销号', async () => {
    const afterPhoto = await makeJpeg(town, 640, 480, '#8cbeeb', '#50a05a');
    const menu = town.getByRole('navigation', { name: '主菜单' });
    // Published: the town now sees the round.
    await town.goto('/rounds');
    const listed = town.locator('tbody tr').filter({ has: town.getByRole('link', { name: roundName, exact: true }) });
    await expect(listed).toHaveCount(1);
    await expect(listed).toContainText('已发布');
    await town.goto('/');
    await town.getByRole('button', { name: '菜单' }).click();
    await menu.getByRole('link', { name: '问题整改', exact: true }).click();
    await expect(town).toHaveURL(/\/rectifications$/);
    await expect(h1(town)).toHaveText('整改闭环');
    // Only this round's tasks (the town may have others, over several pages).
    await town.getByLabel('暗访轮次').selectOption({ label: roundName });
    await town.getByRole('button', { name: '查询', exact: true }).click();
    await expect(town).toHaveURL(new RegExp(`/rectifications\\?.*round=${roundId}`));
    const tasks = rectRows(town, roundName);
    await expect(tasks).toHaveCount(2);
    for (const [, label] of chosen) await expect(tasks.filter({ hasText: itemName(label) })).toHaveCount(1);
    await expect(tasks.first()).toContainText(TOWN_NAME);
    for (const n of [0, 1]) await expect(tasks.nth(n).locator('td').nth(4)).toHaveText('待整改');
    await shot(town, 'phone-inspections-05-rectifications');

    const [code, label] = chosen[0];
    const task = tasks.filter({ hasText: itemName(label) });
    await task.getByRole('link').click();
    await expect(town).toHaveURL(/\/rectifications\/\d+$/);
    rectUrl = new URL(town.url()).pathname;
    await expect(h1(town)).toContainText(code);
    await expect(h1(town)).toContainText('待整改');
    await expect(town.getByRole('heading', { level: 2, name: '检查时照片' })).toBeVisible();
    await expect(town.getByText('尚未提交整改后照片')).toBeVisible();
    await town.getByLabel('整改说明').fill('已清运垃圾，安排专人每日保洁（E2E）');
    await town.getByLabel(/^整改后照片/).setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: afterPhoto });
    await town.getByRole('button', { name: '提交整改情况', exact: true }).click();
    await expect(town).toHaveURL(new RegExp(`${rectUrl}\\?done=answered`));
    await expect(town.getByRole('status').filter({ hasText: '整改情况已提交' })).toBeVisible();
    await expect(h1(town)).toContainText('待核查');
    const after = town.locator('h2:has-text("整改后照片") + .thumbs img');
    await expect(after).toHaveCount(1);
    await expect(after).toHaveJSProperty('complete', true);
    expect(await after.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expect(town.locator('.rect-history')).toContainText('已清运垃圾，安排专人每日保洁（E2E）');
    // A town does not verify its own answer.
    await expect(town.getByRole('button', { name: /核查通过/ })).toHaveCount(0);
    await shot(town, 'phone-inspections-06-answered');

    // The county office now sees the round; from it, to its tasks: 待核查, then 核查通过（销号）.
    const res = await county.goto(roundUrl);
    expect(res?.status()).toBe(200);
    await expect(h1(county)).toContainText(roundName);
    await county.getByRole('main').getByRole('link', { name: '问题整改', exact: true }).click();
    await expect(county).toHaveURL(new RegExp(`/rectifications\\?round=${roundId}$`));
    const countyTask = rectRows(county, roundName).filter({ hasText: itemName(label) });
    await expect(countyTask).toHaveCount(1);
    await expect(countyTask.locator('td').nth(4)).toHaveText('待核查');
    await countyTask.getByRole('link').click();
    await expect(county).toHaveURL(new RegExp(`${rectUrl}$`));
    await expect(county.getByRole('heading', { level: 2, name: '县级核查' })).toBeVisible();
    await county.getByLabel('核查意见（可选）').fill('现场复核，整改到位');
    county.once('dialog', (d) => d.accept());
    await county.getByRole('button', { name: '核查通过（销号）' }).click();
    await expect(county).toHaveURL(new RegExp(`${rectUrl}\\?done=closed`));
    await expect(county.getByRole('status').filter({ hasText: '已销号' })).toBeVisible();
    await expect(h1(county)).toContainText('已销号');
    await expect(county.getByRole('button', { name: /核查通过/ })).toHaveCount(0);
    await shot(county, 'desktop-inspections-05-closed');

    // The town sees it closed; the other one is still to do.
    await town.goto(`/rectifications?round=${roundId}`);
    await expect(rectRows(town, roundName).filter({ hasText: itemName(label) }).locator('td').nth(4)).toHaveText('已销号');
    await expect(rectRows(town, roundName).filter({ hasText: itemName(chosen[1][1]) }).locator('td').nth(4)).toHaveText('待整改');
    await town.goto(rectUrl);
    await expect(h1(town)).toContainText('已销号');
    await expect(town.getByRole('button', { name: '提交整改情况' })).toHaveCount(0);
  });

  await test.step('6. 市美镇办：编辑通报开头，预览可见，导出 Word', async () => {
    const opening = `E2E通报开头：${roundName}于近期对仙居县横溪镇开展暗访，现将有关情况通报如下。`;
    await city.goto(`${roundUrl}/ranking`);
    await city.getByRole('link', { name: '暗访通报', exact: true }).click();
    await expect(city).toHaveURL(new RegExp(`${roundUrl}/notice$`));
    const preview = city.getByRole('article', { name: new RegExp(roundName) });
    await expect(preview).toContainText(TOWN_NAME);
    await expect(preview).not.toContainText(opening);
    const openingBox = city.getByLabel('开头段落');
    await expect(openingBox).not.toHaveValue('');
    await openingBox.fill(opening);
    await city.getByRole('button', { name: '保存通报文字', exact: true }).click();
    await expect(city).toHaveURL(new RegExp(`${roundUrl}/notice\\?done=saved`));
    await expect(city.getByRole('status').filter({ hasText: '通报文字已保存' })).toBeVisible();
    await expect(preview.getByText(opening, { exact: true })).toBeVisible();
    await expect(city.getByLabel('开头段落')).toHaveValue(opening);
    await shot(city, 'desktop-inspections-06-notice');

    const [download] = await Promise.all([
      city.waitForEvent('download'),
      city.getByRole('link', { name: '导出 Word', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.docx$/);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const xml = zipEntry(bytes, 'word/document.xml');
    expect(xml, 'the Word file has the edited opening').toContain(opening);
    expect(xml).toContain(TOWN_NAME);
  });

  await cityCtx.close();
  await countyCtx.close();
  await townCtx.close();
  await fieldCtx.close();
});
