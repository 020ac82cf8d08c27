// 工作总结 and 驾驶舱, end to end on the 台州 demo (the "Done when":
// "A county user edits a generated summary in the browser and exports it;
// the edit history is kept"):
//   1. 仙居县's office generates the 2020 summary (按工作机制) from the list page;
//   2. edits the first paragraph, uses a paragraph button (no script needed:
//      the form is posted back unsaved), then saves: version 2;
//   3. the history shows two versions, and version 1 still reads as generated;
//   4. 导出Word downloads a .docx with the edited paragraph;
//   5. a leader opens the city's 驾驶舱 on a phone and drills down to the county.
//
// Other specs may add data; this spec only relies on its own summary (found
// through the URL it is sent to after generating).
import fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { test, expect, login, shot, h1 } from './fixtures';

const COUNTY_USER = 'xj.office';
const COUNTY = '331024'; // 仙居县
const EDITED = '2020年，仙居县坚持以美丽城镇建设统领城乡发展（浏览器测试编辑稿）。';

/** One entry of a ZIP file (a .docx), inflated. */
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

test('工作总结：县美镇办生成2020年总结，网页修改保存，历史版本两版，导出Word', async ({ page }) => {
  // Generating reads a whole year of the county's data: give it time in a debug build.
  test.setTimeout(120_000);
  await login(page, COUNTY_USER);

  await test.step('从侧栏进入工作总结并生成 2020 年总结', async () => {
    await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '工作总结', exact: true }).click();
    await expect(h1(page)).toHaveText('工作总结');
    const form = page.locator('form', { has: page.getByRole('button', { name: '生成工作总结' }) });
    await expect(form.getByLabel('地区（区划代码）')).toHaveValue(COUNTY);
    await form.getByLabel('年度', { exact: true }).fill('2020');
    await form.getByLabel('时期', { exact: true }).selectOption({ label: '全年' });
    await form.getByLabel('按工作机制').check();
    await Promise.all([
      page.waitForURL(/\/summaries\/\d+\?done=created$/, { timeout: 90_000 }),
      form.getByRole('button', { name: '生成工作总结' }).click(),
    ]);
    await expect(page.getByRole('status').filter({ hasText: '已生成第 1 版' })).toBeVisible();
    await expect(h1(page)).toContainText('仙居县');
    // Every figure is a link to the list it was computed from.
    const fig = page.locator('a.fig').first();
    await expect(fig).toBeVisible();
    await expect(fig).toHaveAttribute('href', /^\//);
    await shot(page, 'desktop-summary-01-generated');
  });

  const summaryUrl = page.url().replace(/\?.*$/, '');
  const first = page.locator('fieldset.summary-section').first();
  const firstBox = first.getByRole('textbox', { name: /^第 1 段/ });
  const original = await firstBox.inputValue();
  expect(original.length, 'the first paragraph has generated text').toBeGreaterThan(10);

  await test.step('修改第一段，插入段落（表单回显，未保存），再保存为第 2 版', async () => {
    const paragraphs = await first.locator('textarea').count();
    await firstBox.fill(EDITED);
    await first.getByRole('button', { name: '在第 1 段后插入段落' }).click();
    await expect(page.getByRole('status').filter({ hasText: '尚未保存' })).toBeVisible();
    const again = page.locator('fieldset.summary-section').first();
    await expect(again.getByRole('textbox', { name: /^第 1 段/ })).toHaveValue(EDITED);
    await expect(again.getByRole('textbox', { name: /^第 2 段/ })).toHaveValue('');
    await page.getByLabel('修改说明（可选，显示在历史版本中）').fill('改写开头');
    await Promise.all([
      page.waitForURL(/\?done=saved$/),
      page.getByRole('button', { name: '保存', exact: true }).click(),
    ]);
    await expect(page.getByRole('status').filter({ hasText: '已保存为第 2 版' })).toBeVisible();
    const saved = page.locator('fieldset.summary-section').first();
    await expect(saved.getByRole('textbox', { name: /^第 1 段/ })).toHaveValue(EDITED);
    // The empty paragraph inserted before saving is dropped.
    await expect(saved.locator('textarea')).toHaveCount(paragraphs);
    await shot(page, 'desktop-summary-02-saved');
  });

  await test.step('历史版本：两个版本，第 1 版仍为生成稿', async () => {
    await page.getByRole('link', { name: '历史版本', exact: true }).click();
    const table = page.getByRole('table', { name: /共 2 个版本/ });
    await expect(table).toBeVisible();
    await expect(table.getByRole('row')).toHaveCount(3); // header + 2 versions
    await expect(table.getByRole('row').nth(1)).toContainText('第 2 版');
    await expect(table.getByRole('row').nth(1)).toContainText('改写开头');
    await expect(table.getByRole('row').nth(2)).toContainText('第 1 版');
    await shot(page, 'desktop-summary-03-history');
    await table.getByRole('row').nth(2).getByRole('link', { name: '查看' }).click();
    await expect(h1(page)).toContainText('第 1 版（只读）');
    await expect(page.getByRole('article')).not.toContainText(EDITED);
  });

  await test.step('导出 Word：最新版本含修改', async () => {
    await page.goto(summaryUrl);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出Word', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.docx$/);
    const bytes = fs.readFileSync(await download.path());
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const xml = zipEntry(bytes, 'word/document.xml');
    expect(xml, 'the Word file has the edited paragraph').toContain(EDITED);
    expect(xml).toContain('仙居县');
  });
});

test('驾驶舱：领导在手机上查看台州市并下钻到仙居县', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await ctx.newPage();
  await login(page, 'tz.leader');
  await page.getByRole('button', { name: '菜单' }).click();
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '驾驶舱', exact: true }).click();
  await expect(h1(page)).toContainText('台州市 驾驶舱');
  await page.getByLabel('年度', { exact: true }).selectOption('2020');
  await expect(page).toHaveURL(/\/dashboard\/3310\?year=2020$/);
  await expect(page.getByRole('heading', { name: /项目推进/ })).toBeVisible();
  // Nothing wider than the phone but the scrollable tables and charts.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await shot(page, 'phone-dashboard-01-city');
  await page.getByRole('link', { name: '仙居县', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard/${COUNTY}\\?year=2020$`));
  await expect(h1(page)).toContainText('仙居县 驾驶舱');
  await shot(page, 'phone-dashboard-02-county');
  await ctx.close();
});
