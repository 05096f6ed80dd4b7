import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/**
 * report.html in headless chromium, in both languages: every bar of the charts keeps its category
 * label, no two labels overlap, and no raw key, parameter name or text of the other language stands
 * where the page's language should be (QA: data-quality keys and English footnotes in zh mode,
 * Chinese indicator names in en mode, a pass with no target for the height cap).
 */
const CJK = /[\u3400-\u9fff]/;
const SNAKE = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;
type Box = { text: string; x: number; y: number; w: number; h: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
function overlapping(boxes: Box[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j])) out.push(`"${boxes[i].text}" × "${boxes[j].text}"`);
  return out;
}
const textBoxes = (page: Page, chart: string) => page.evaluate((id) => [...document.querySelectorAll(`#${id} svg text`)]
  .map((t) => { const r = t.getBoundingClientRect(); return { text: t.textContent ?? '', x: r.left, y: r.top, w: r.width, h: r.height }; })
  .filter((b) => b.text.trim() && b.w > 0 && b.h > 0), chart);

describe('report.html: chart labels and both languages', () => {
  let browser: Browser;
  let report: string;
  let indicators: { parameters: { built_up_buffer_m: number }; indicators: { id: string; level: string; name_zh: string; name_en: string }[] };
  beforeAll(async () => {
    const dir = tempDir('report-i18n-');
    const r = await runCli(['check', dataFile('beijing-haidian-cau.osm.pbf'), '--out', dir, '-q', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    report = join(dir, 'report.html');
    indicators = JSON.parse(readFileSync(join(dir, 'indicators.json'), 'utf8'));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => { await browser?.close(); });

  async function open(lang: 'zh' | 'en'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto('file://' + report + (lang === 'en' ? '#lang=en' : ''));
    await page.waitForFunction(() => document.querySelectorAll('#ch-access svg text').length > 0);
    return page;
  }

  for (const lang of ['zh', 'en'] as const) {
    it(`walking-access chart (${lang}): every category carries its label, labels disjoint`, async () => {
      const page = await open(lang);
      // the expected labels from the report's data (name in the page's language and its threshold band), not from the chart code
      const access = await page.evaluate(() => (JSON.parse(document.getElementById('report-data')!.textContent!) as { access: { name_zh: string; name_en: string; threshold: number }[] }).access);
      expect(access.length).toBeGreaterThanOrEqual(20); // every taxonomy category: the chart QA found labelling only every other bar
      const band = (th: number) => { const t = th > 0 ? th : 1000; return t <= 300 ? 300 : t <= 500 ? 500 : 1000; };
      const expected = access.map((a) => `${lang === 'zh' ? a.name_zh : a.name_en} ≤${band(a.threshold)}m`);
      const boxes = await textBoxes(page, 'ch-access');
      const chart = await page.locator('#ch-access').boundingBox();
      const labels: Box[] = [];
      for (const e of expected) {
        const hits = boxes.filter((b) => b.text === e);
        expect(hits, `label "${e}" drawn once`).toHaveLength(1);
        labels.push(hits[0]);
        // inside the chart, not clipped at its left edge
        expect(hits[0].x, e).toBeGreaterThanOrEqual(chart!.x - 0.5);
      }
      expect(overlapping(labels)).toEqual([]);
      // and nothing else in the chart (value labels, axis ticks) runs into a label
      expect(overlapping(boxes)).toEqual([]);
      await page.close();
    });
  }

  it('the other charts keep every bar labelled too: no text of any chart overlaps another', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const page = await open(lang);
      for (const id of ['ch-status', 'ch-lc', 'ch-renewal']) {
        const boxes = await textBoxes(page, id);
        expect(boxes.length, `${lang} ${id}`).toBeGreaterThan(0);
        expect(overlapping(boxes), `${lang} ${id}`).toEqual([]);
      }
      await page.close();
    }
  });

  it('Chinese mode: labels instead of keys in the data-quality table, the built-up buffer as a distance, the units of analysis in Chinese', async () => {
    const page = await open('zh');
    const table = await page.locator('#quality-layers').innerText();
    expect(table.match(SNAKE) ?? []).toEqual([]);
    for (const raw of ['count:', 'by_category', 'bus_stop', 'with_height_or_levels', 'buildings_per_km2_road_served']) expect(table).not.toContain(raw);
    expect(table).toMatch(/数量：257/);
    expect(table).toMatch(/公交站 \d+/); // categories by their Chinese names (taxonomy name_zh)
    const est = await page.locator('#quality ul.notes').first().innerText();
    expect(est).toContain(`建筑周边 ${indicators.parameters.built_up_buffer_m} 米范围`);
    expect(est).not.toMatch(/建筑周边 built_up_buffer_m/);
    // 分区结果 footnote and the method's units: Chinese, with only the OSM tags as written (admin_level, landuse=...)
    for (const sel of ['#units-note', '#method ul.notes >> nth=0']) {
      const note = (await page.locator(sel).innerText()).replace(/admin_level [\d/]+|landuse=\w+/g, '');
      expect(note, sel).toMatch(CJK);
      expect(note.match(/[A-Za-z]{3,}/g) ?? [], sel).toEqual([]);
    }
    expect(await page.locator('#units-note').innerText()).toMatch(/^分析单元：城市 — 数据的全部范围/);
    // the renewal scoring rule in Chinese
    expect(await page.locator('#renewal').innerText()).toMatch(/得分规则：\s*更新候选：/);
    await page.close();
  });

  it('English mode: indicator names without data in English, the data-quality table without Chinese or keys', async () => {
    const page = await open('en');
    const names = await page.locator('#no-value li b').allInnerTexts();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n, n).not.toMatch(CJK);
    const byId = new Map(indicators.indicators.filter((x) => x.level === 'city').map((x) => [x.id, x.name_en]));
    const ids = await page.locator('#no-value li .muted').allInnerTexts();
    expect(names).toEqual(ids.map((id) => byId.get(id)));
    const table = await page.locator('#quality-layers').innerText();
    expect(table).not.toMatch(CJK);
    expect(table.match(SNAKE) ?? []).toEqual([]);
    expect(table).toMatch(/by category: .*Bus stop \d+/);
    await page.close();
  });

  it('high_rise_count: no target, so no pass; the height-cap verdict beside the status, in the page\'s language', async () => {
    const x = indicators.indicators.find((y) => y.id === 'high_rise_count' && y.level === 'city') as unknown as { status: string; target: unknown; verdict: { outcome: string } };
    expect([x.status, x.target]).toEqual(['no_target', null]);
    const zh = await open('zh');
    const row = zh.locator('#levels tr', { hasText: 'high_rise_count' });
    const st = await row.locator('td.st').innerText();
    expect(st).toContain('无目标值');
    expect(st).not.toContain('达标');
    // too little height data in this extract (rule H): the verdict is withheld, and says so
    expect(x.verdict.outcome).toBe('withheld');
    expect(st).toContain('判定 建科〔2021〕76号：不作判定');
    await zh.close();
    const en = await open('en');
    expect(await en.locator('#levels tr', { hasText: 'high_rise_count' }).locator('td.st').innerText()).toMatch(/no target\s+verdict 建科〔2021〕76号: withheld/);
    await en.close();
  });
});
