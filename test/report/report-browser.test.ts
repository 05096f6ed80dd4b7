import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/**
 * report.html in headless Debian chromium: opens from file:// with the network unused, no console
 * errors, the main sections, charts and maps drawn; Chinese by default, English on the switch.
 * Screenshots go to test-output/ (gitignored) for a person to look at.
 */
const OUT = resolve(import.meta.dirname, '../../test-output');

describe('report.html in a browser', () => {
  let browser: Browser;
  let report: string;
  beforeAll(async () => {
    const dir = tempDir('report-');
    const r = await runCli(['check', dataFile('beijing-haidian-cau.osm.pbf'), '--out', dir, '-q', '--workers', '1', '--name', '北京海淀 学院路']);
    expect(r.code, r.stderr).toBe(0);
    report = join(dir, 'report.html');
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => { await browser?.close(); });

  it('renders offline without errors, in Chinese then English', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (q) => { if (!/^(file|data|blob|about):/.test(q.url())) problems.push(`network request: ${q.url()}`); });
    await page.goto('file://' + report);
    await page.waitForFunction(() => document.querySelectorAll('#ch-access svg').length > 0);

    expect(await page.title()).toContain('城市体检报告');
    for (const id of ['quality', 'overview', 'charts', 'maps', 'levels', 'areas', 'renewal', 'method']) expect(await page.isVisible(`#${id}`), id).toBe(true);
    // the report opens with the data quality (issue 10 §2)
    expect(await page.evaluate(() => document.querySelector('main')!.firstElementChild!.id)).toBe('quality');
    expect(await page.locator('#quality').innerText()).toMatch(/人口来源/);
    // the four levels of the system, each with its table; every computed value says how sure it is; data gaps grey 无数据
    expect(await page.locator('#levels table').count()).toBe(4);
    expect(await page.locator('#levels .badge.conf').count()).toBeGreaterThan(10);
    expect(await page.locator('#levels .badge.gap').count()).toBeGreaterThan(0);
    // charts drawn by ECharts as SVG (their labels are text in the page), maps drawn on canvases (some non-background pixels)
    for (const id of ['ch-status', 'ch-access', 'ch-lc', 'ch-renewal']) expect(await page.locator(`#${id} svg text`).count(), id).toBeGreaterThan(0);
    for (const id of ['map-cov', 'map-gap', 'map-lc']) {
      const painted = await page.evaluate((cid) => {
        const c = document.getElementById(cid) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (!(d[i] === 248 && d[i + 1] === 247 && d[i + 2] === 242)) n++;
        return n / (d.length / 4);
      }, id);
      expect(painted, id).toBeGreaterThan(0.01);
    }
    expect(await page.locator('#maps').innerText()).not.toContain('undefined');
    expect(await page.locator('#renewal tbody tr').count()).toBeGreaterThan(0);
    // the by-area table follows the selector
    await page.selectOption('#area-ind', 'transit_access');
    expect(await page.locator('#area-table tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(OUT, 'report-zh.png'), fullPage: false });
    await page.locator('#maps').screenshot({ path: join(OUT, 'report-maps.png') });

    await page.click('.lang button[data-lang="en"]');
    expect(await page.title()).toContain('Urban health check');
    expect(await page.locator('#overview h2').innerText()).toBe('Overview');
    expect(await page.locator('#levels h3').first().innerText()).toMatch(/^Housing/);
    await page.screenshot({ path: join(OUT, 'report-en.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
