import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickableBuilding, ensureViewerBuilt, launchChromium, ROOT } from '../helpers/browser.js';
import { DRIVERS } from '../helpers/stores.js';
import { cityServer } from '../server/fixture.js';

/**
 * End to end in headless Debian chromium (SwiftShader WebGL): the viewer served by the server,
 * over a real extract (Haidian, Beijing) with walking access results. Screenshots go to
 * test-output/web/ (gitignored).
 */
const OUT = join(ROOT, 'test-output/web');

describe('viewer (chromium)', () => {
  let s: Awaited<ReturnType<typeof cityServer>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  const foreign: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    ensureViewerBuilt();
    mkdirSync(OUT, { recursive: true });
    s = await cityServer(await DRIVERS[0].fresh(), {});
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = s.app.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 }, locale: 'zh-CN' });
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); });
    page.on('pageerror', (e) => errors.push(e.message));
  });
  /** a data-driven paint change re-lays the tiles out: wait until the map is idle again */
  const idle = () => page.evaluate(() => new Promise<void>((res) => { const m = window.__opencim!.map; m.once('idle', () => res()); m.triggerRepaint(); }));
  const text = (sel: string) => page.evaluate((q) => document.querySelector(q)?.textContent ?? '', sel);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('renders the city: buildings extruded in 3D, facilities, walk network; nothing fetched from the internet', async () => {
    const t0 = Date.now();
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 90_000 });
    const first = await page.evaluate(() => window.__opencim!.firstBuildingsMs);
    console.log(`viewer: first buildings rendered ${first} ms after script start (${Date.now() - t0} ms after navigation)`);
    await page.waitForFunction(() => window.__opencim!.map.loaded() && window.__opencim!.map.areTilesLoaded(), null, { timeout: 60_000 });
    const r = await page.evaluate(() => {
      const m = window.__opencim!.map;
      const b = m.queryRenderedFeatures({ layers: ['buildings-3d'] });
      const f = m.queryRenderedFeatures({ layers: ['facilities-circle'] });
      const w = m.getLayer('walk-minor') ? m.queryRenderedFeatures({ layers: ['walk-minor', 'walk-major', 'walk-path'] }) : [];
      return { buildings: b.length, ids: new Set(b.map((x) => x.properties.id)).size, sample: b[0]?.properties, facilities: f.length, walk: w.length, pitch: m.getPitch() };
    });
    expect(r.buildings).toBeGreaterThan(50);
    expect(r.ids).toBeGreaterThan(50);
    expect(r.sample).toHaveProperty('use');
    expect(r.facilities).toBeGreaterThan(5);
    expect(r.walk).toBeGreaterThan(5);
    expect(r.pitch).toBeGreaterThan(30);
    await expect.poll(() => text('.maplibregl-ctrl-attrib'), { timeout: 10_000 }).toContain('© OpenStreetMap contributors');
    await expect.poll(() => text('#title'), { timeout: 10_000 }).toMatch(/城市信息模型/);
    await page.screenshot({ path: join(OUT, 'map-zh.png') });
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('clicking a building opens its panel with walking distances graded against the thresholds', async () => {
    // a residential building with walking distances whose base is on screen, away from the panels, and that a click there hits
    const target = await clickableBuilding(page, 'residential_with_distances');
    expect(target).not.toBeNull();
    await page.mouse.click(target!.x, target!.y);
    await page.waitForSelector('#panel .dists li', { timeout: 30_000 });
    const panel = await page.evaluate(() => ({
      title: document.querySelector('#panel h2')?.textContent ?? '',
      rows: document.querySelectorAll('#panel .dists li').length,
      ok: document.querySelectorAll('#panel .dists li.ok').length,
      bad: document.querySelectorAll('#panel .dists li.bad').length,
      na: document.querySelectorAll('#panel .dists li.na').length,
      text: (document.querySelector('#panel') as HTMLElement).innerText,
      selected: window.__opencim!.state.selected,
    }));
    expect(panel.selected).toBe(target!.id);
    expect(panel.rows).toBe(21);
    // every category with a walking threshold is graded (fire stations use a service area), except the data gaps:
    // a category with no facility in the extract reads 无数据 in grey, never red
    const summary = (await s.app.inject({ url: '/api/v1/access/summary' })).json().summary as { categories: { id: string; facilities: number }[] };
    const gaps = summary.categories.filter((c) => c.facilities === 0 && c.id !== 'fire_station').length;
    expect(gaps).toBeGreaterThan(0);
    expect(panel.ok + panel.bad).toBe(20 - gaps);
    expect(panel.na).toBe(1 + gaps);
    expect(panel.text).toMatch(/无数据（数据中没有该类设施）/);
    expect(panel.text).toMatch(/幼儿园/);
    expect(panel.text).toMatch(/标准 300/);
    await page.screenshot({ path: join(OUT, 'building-panel-zh.png') });
  });

  it('the language switch turns the interface to English and back', async () => {
    await page.click('#btn-lang');
    await expect.poll(() => text('#title'), { timeout: 10_000 }).toBe('OpenCIM City Information Model');
    await expect.poll(() => text('#panel'), { timeout: 10_000 }).toContain('Kindergarten');
    await expect.poll(() => text('#panel'), { timeout: 10_000 }).toContain('Walking distance to each facility category');
    await expect.poll(() => text('#side'), { timeout: 10_000 }).toContain('Colour buildings by');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.screenshot({ path: join(OUT, 'building-panel-en.png') });
    await page.click('#btn-lang');
    await expect.poll(() => text('#title'), { timeout: 10_000 }).toMatch(/城市信息模型/);
  });

  it('colour by walking access to a category; the isochrone of a clicked point; the dashboard', async () => {
    await page.selectOption('#mode', 'access');
    await page.selectOption('#access-cat', 'supermarket');
    await expect.poll(() => text('#side .legend'), { timeout: 10_000 }).toContain('≤ 300 米');
    await idle();
    await page.screenshot({ path: join(OUT, 'access-supermarket.png') });
    await page.click('#panel [data-close]');
    // an empty spot: no building or facility under it
    const spot = await page.evaluate(() => {
      const m = window.__opencim!.map;
      const w = m.getCanvas().clientWidth, h = m.getCanvas().clientHeight;
      for (let y = h * 0.3; y < h * 0.8; y += 17) {
        for (let x = 360; x < w - 60; x += 23) {
          if (!m.queryRenderedFeatures([x, y], { layers: ['buildings-3d', 'facilities-circle'] }).length
            && m.queryRenderedFeatures([[x - 30, y - 30], [x + 30, y + 30]], { layers: ['walk-minor', 'walk-major'] }).length) return { x, y };
        }
      }
      return null;
    });
    expect(spot).not.toBeNull();
    await page.mouse.click(spot!.x, spot!.y);
    await page.waitForSelector('#iso:not([hidden])', { timeout: 30_000 });
    await page.waitForFunction(() => window.__opencim!.map.queryRenderedFeatures({ layers: ['isochrone-fill'] }).length > 0, null, { timeout: 30_000 });
    await page.screenshot({ path: join(OUT, 'isochrone.png') });
    await page.click('#btn-dash');
    await page.waitForSelector('#panel #chart-access canvas', { timeout: 30_000 });
    await expect.poll(() => text('#panel'), { timeout: 10_000 }).toContain('体检看板');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, 'dashboard-zh.png') });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('the archive control: the city as of a date before its import is empty, and everything is new since then', async () => {
    if (!(await page.evaluate(() => window.__opencim?.firstBuildingsMs !== undefined))) {
      await page.goto(`${base}/`);
      await page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 90_000 });
    }
    await page.evaluate(() => { (document.querySelector('#panel') as HTMLElement).hidden = true; });
    const yesterday = new Date(Date.now() - 86400_000).toISOString().slice(0, 10);
    const rendered = () => page.evaluate(() => window.__opencim!.map.queryRenderedFeatures({ layers: ['buildings-3d'] }).length);
    expect(await rendered()).toBeGreaterThan(0);
    await page.fill('#as-of', yesterday);
    await page.dispatchEvent('#as-of', 'change');
    await expect.poll(rendered, { timeout: 30_000 }).toBe(0);
    await page.fill('#as-of', '');
    await page.dispatchEvent('#as-of', 'change');
    await expect.poll(rendered, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.fill('#since', yesterday);
    await page.dispatchEvent('#since', 'change');
    await expect.poll(() => text('#changes-legend'), { timeout: 30_000 }).toMatch(/新增 [1-9]\d*/);
    await page.waitForFunction(() => window.__opencim!.map.queryRenderedFeatures({ layers: ['archive-changes'] }).length > 0, null, { timeout: 30_000 });
    await page.screenshot({ path: join(OUT, 'archive-changes.png') });
    expect(errors).toEqual([]);
  });
});
